package jrnn.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import jrnn.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading recordings by manifest from archives and folders, by list, by folder; and what is refused. */
class AudioCorpusTest {
  @TempDir
  Path dir;

  static byte[] wav(int... samples) {
    return WavTest.wav(1, 1, 8000, 16, WavTest.samples16(samples), false, new byte[0]);
  }

  /** A tar entry: a 512-byte header (ustar, with the name split into prefix and name when long) and the padded body. */
  static void entry(ByteArrayOutputStream tar, String name, char type, byte[] body) {
    byte[] h = new byte[512];
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    if (n.length > 100) {
      int cut = name.lastIndexOf('/');
      put(h, 345, name.substring(0, cut));
      put(h, 0, name.substring(cut + 1));
    } else {
      put(h, 0, name);
    }
    put(h, 100, "0000644");
    put(h, 124, String.format("%011o", body.length));
    h[156] = (byte) type;
    put(h, 257, "ustar");
    put(h, 263, "00");
    tar.writeBytes(h);
    tar.writeBytes(body);
    tar.writeBytes(new byte[(512 - body.length % 512) % 512]);
  }

  static void put(byte[] h, int off, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(b, 0, h, off, b.length);
  }

  static byte[] finish(ByteArrayOutputStream tar) {
    tar.writeBytes(new byte[1024]);
    return tar.toByteArray();
  }

  static void gzip(Path p, byte[] bytes) throws IOException {
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(p))) {
      out.write(bytes);
    }
  }

  @Test
  void aManifestOverATarGzAFolderAndAListReadTheSame() throws IOException {
    String longDir = "deep/" + "d".repeat(120);
    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    entry(tar, "recordings/", '5', new byte[0]);
    entry(tar, "recordings/a.wav", '0', wav(1, 2, 3));
    entry(tar, "././@LongLink", 'L', "recordings/a-name-longer-than-the-header-holds.wav\0".getBytes());
    entry(tar, "recordings/a-name-longer-than-", '0', wav(4, 5));
    entry(tar, "PaxHeaders/c.wav", 'x', "30 path=recordings/pax-c.wav\n".getBytes());
    entry(tar, "recordings/c.wav", '0', wav(6));
    entry(tar, longDir + "/prefixed.wav", '0', wav(7, 8, 9, 10));
    entry(tar, "notes.txt", '0', "not audio".getBytes());
    gzip(dir.resolve("corpus.tar.gz"), finish(tar));
    Files.writeString(dir.resolve("manifest.tsv"), "path\tdigit\n"
        + "recordings/a.wav\t1\nrecordings/a-name-longer-than-the-header-holds.wav\t2\nrecordings/pax-c.wav\t3\n"
        + longDir + "/prefixed.wav\t4\n");
    List<AudioCorpus.Recording> r = AudioCorpus.read(dir.resolve("manifest.tsv"), dir.resolve("corpus.tar.gz"));
    assertEquals(4, r.size());
    assertEquals(List.of(3, 2, 1, 4), r.stream().map(x -> x.audio().samples().length).toList());
    assertEquals(List.of("1", "2", "3", "4"), r.stream().map(x -> x.field("digit")).toList());
    assertEquals(4 / 32768.0, r.get(1).audio().samples()[0], 1e-9);

    // The same recordings from a folder, by manifest and by list.
    Files.createDirectories(dir.resolve("f/recordings"));
    Files.write(dir.resolve("f/recordings/a.wav"), wav(1, 2, 3));
    Files.write(dir.resolve("f/recordings/b.wav"), wav(4, 5));
    Files.writeString(dir.resolve("f/m.tsv"), "path\tdigit\nrecordings/a.wav\t1\nrecordings/b.wav\t2\n");
    assertEquals(List.of(3, 2), AudioCorpus.read(dir.resolve("f/m.tsv"), dir.resolve("f")).stream()
        .map(x -> x.audio().samples().length).toList());
    Files.writeString(dir.resolve("f/list.txt"), "recordings/b.wav\ttwo\nrecordings/a.wav\n");
    List<AudioCorpus.Recording> listed = AudioCorpus.fromList(dir.resolve("f/list.txt"));
    assertEquals("two", listed.get(0).field("label"));
    assertEquals(3, listed.get(1).audio().samples().length);
  }

  /** A pax record "LEN key=value\n", LEN counting its own digits and the bytes, not the characters. */
  static byte[] pax(String key, String value) {
    byte[] rest = (" " + key + "=" + value + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    int len = rest.length + 1;
    while (Integer.toString(len).length() + rest.length != len) {
      len++;
    }
    return (len + new String(rest, java.nio.charset.StandardCharsets.UTF_8)).getBytes(
        java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * What common writers put in archives and manifests: a pax path of more bytes than characters
   * before another record (Python's tarfile, tar --format=posix), names stored as ./name (tar -C
   * DIR .), and a manifest saved with a byte-order mark and Windows' line ends.
   */
  @Test
  void paxNamesInUtf8DotSlashNamesAndWindowsManifestsRead() throws IOException {
    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    ByteArrayOutputStream records = new ByteArrayOutputStream();
    records.write(pax("path", "dé_1.wav"));
    records.write(pax("mtime", "1700000000.5"));
    entry(tar, "PaxHeaders/d_1.wav", 'x', records.toByteArray());
    entry(tar, "d_1.wav", '0', wav(1, 2));
    entry(tar, "./dot.wav", '0', wav(3, 4, 5));
    Files.write(dir.resolve("w.tar"), finish(tar));
    Files.writeString(dir.resolve("w.tsv"), "\uFEFFpath\tdigit\tindex\r\ndé_1.wav\t1\t7\r\ndot.wav\t2\t8\r\n");
    List<AudioCorpus.Recording> r = AudioCorpus.read(dir.resolve("w.tsv"), dir.resolve("w.tar"));
    assertEquals(List.of(2, 3), r.stream().map(x -> x.audio().samples().length).toList());
    assertEquals(List.of("7", "8"), r.stream().map(x -> x.field("index")).toList(), "no \\r in the last column");
    assertEquals("1", r.get(0).field("digit"), "the first column's name without the byte-order mark");
  }

  @Test
  void whatCannotBeReadIsNamed() throws IOException {
    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    entry(tar, "a.wav", '0', wav(1, 2, 3));
    byte[] whole = finish(tar);
    Files.write(dir.resolve("ok.tar"), whole);
    Files.writeString(dir.resolve("m.tsv"), "path\tdigit\na.wav\t1\nb.wav\t2\n");
    IOException e = assertThrows(IOException.class, () -> AudioCorpus.read(dir.resolve("m.tsv"), dir.resolve("ok.tar")));
    assertTrue(e.getMessage().contains("has no b.wav (line 3 of"), e.getMessage());
    // Truncated within the entry's body.
    Files.write(dir.resolve("cut.tar"), java.util.Arrays.copyOf(whole, 530));
    e = assertThrows(IOException.class, () -> AudioCorpus.readTar(dir.resolve("cut.tar"), Set.of("a.wav")));
    assertTrue(e.getMessage().contains("cut.tar is truncated"), e.getMessage());
    // A damaged gzip stream.
    gzip(dir.resolve("bad.tar.gz"), whole);
    byte[] gz = Files.readAllBytes(dir.resolve("bad.tar.gz"));
    Files.write(dir.resolve("bad.tar.gz"), java.util.Arrays.copyOf(gz, gz.length / 2));
    e = assertThrows(IOException.class, () -> AudioCorpus.readTar(dir.resolve("bad.tar.gz"), Set.of("a.wav")));
    assertTrue(e.getMessage().contains("bad.tar.gz"), e.getMessage());
    // Manifests: no path column, a short line.
    Files.writeString(dir.resolve("nopath.tsv"), "file\tdigit\na.wav\t1\n");
    e = assertThrows(IOException.class, () -> AudioCorpus.read(dir.resolve("nopath.tsv"), dir.resolve("ok.tar")));
    assertTrue(e.getMessage().contains("has no 'path' column: file, digit"), e.getMessage());
    Files.writeString(dir.resolve("short.tsv"), "path\tdigit\na.wav\n");
    e = assertThrows(IOException.class, () -> AudioCorpus.read(dir.resolve("short.tsv"), dir.resolve("ok.tar")));
    assertTrue(e.getMessage().endsWith("short.tsv line 2 has 1 columns, its header 2"), e.getMessage());
    // A WAV file that is not one, named by its path in the archive.
    ByteArrayOutputStream t2 = new ByteArrayOutputStream();
    entry(t2, "a.wav", '0', "RIFF....not a wave".getBytes());
    Files.write(dir.resolve("notwav.tar"), finish(t2));
    Files.writeString(dir.resolve("one.tsv"), "path\na.wav\n");
    AudioFormatException f = assertThrows(AudioFormatException.class,
        () -> AudioCorpus.read(dir.resolve("one.tsv"), dir.resolve("notwav.tar")));
    assertTrue(f.getMessage().startsWith(dir.resolve("notwav.tar") + ": a.wav: "), "the archive and the entry: "
        + f.getMessage());
  }

  @Test
  void theSharedCorporaReadByTheirManifests() throws IOException {
    List<AudioCorpus.Recording> fsdd = AudioCorpus.read(SharedData.require("fsdd/manifest_train.tsv"),
        SharedData.require("fsdd/fsdd_train_jackson-nicolas-theo-yweweler_idx5-49.tar.gz"));
    assertEquals(1800, fsdd.size());
    long samples = 0;
    for (AudioCorpus.Recording r : fsdd) {
      assertEquals(8000, r.audio().sampleRate(), r.path());
      assertEquals(Integer.parseInt(r.field("num_samples")), r.audio().samples().length, r.path());
      samples += r.audio().samples().length;
    }
    assertEquals(728.7, samples / 8000.0, 0.05, "seconds of audio, as the data's README says");
    assertEquals(Set.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
        fsdd.stream().map(r -> r.field("digit")).collect(java.util.stream.Collectors.toSet()));
    List<AudioCorpus.Recording> yesno = AudioCorpus.read(SharedData.require("yesno/manifest_train.tsv"),
        SharedData.require("yesno/waves_yesno_train.tar.gz"));
    assertEquals(30, yesno.size());
    assertEquals(8, yesno.get(0).field("transcript").split(" ").length);
  }
}
