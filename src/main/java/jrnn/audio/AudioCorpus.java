package jrnn.audio;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import jrnn.data.TextFiles;
import jrnn.util.MemoryLimits;

/**
 * Recordings and what is known of them, read the two ways speech data comes with what it says:
 * a manifest (a tab-separated table with a header and a {@code path} column, as ../shared/data
 * has) over a tar or tar.gz archive or a folder, or a list file (a WAV path a line, relative to
 * the list's folder, and optionally a tab and a label). Every problem is an
 * error naming the file (and the manifest line): a path the archive lacks, a malformed line, a
 * truncated archive, a WAV file {@link Wav} refuses.
 */
public final class AudioCorpus {
  private AudioCorpus() {}

  /**
   * One recording: its path as listed, its samples, and the manifest's other columns.
   *
   * @param path the path as the manifest lists it
   * @param audio the samples
   * @param fields the manifest's other columns, by name
   */
  public record Recording(String path, Wav.Audio audio, Map<String, String> fields) {
    /** The manifest column {@code name}; an error naming the recording when it has none. */
    public String field(String name) {
      String v = fields.get(name);
      if (v == null) {
        throw new IllegalArgumentException(path + ": no '" + name + "' column (it has " + fields.keySet() + ")");
      }
      return v;
    }
  }

  /** The recordings {@code manifest} lists, in its order, their audio from an archive or a folder. */
  public static List<Recording> read(Path manifest, Path audio) throws IOException {
    List<Map<String, String>> rows = manifest(manifest);
    Map<String, byte[]> files;
    boolean folder = Files.isDirectory(audio);
    if (folder) {
      files = new HashMap<>();
      long kept = 0;
      for (int i = 0; i < rows.size(); i++) {
        String p = rows.get(i).get("path");
        Path f;
        try {
          f = audio.resolve(p);
        } catch (java.nio.file.InvalidPathException e) {
          throw new IOException(manifest + " line " + (i + 2) + ": '" + p + "' is not a valid path (" + e.getReason() + ")");
        }
        if (!Files.isRegularFile(f)) {
          throw new NoSuchFileException(f.toString(), null, "listed on line " + (i + 2) + " of " + manifest
              + ", not in " + audio);
        }
        if (files.containsKey(p)) {
          continue;   // listed twice: read, and counted, once
        }
        // The same limit as an archive's recordings, checked before each file is read whole.
        kept += Files.size(f);
        MemoryLimits.require(audio + "'s recordings", kept);
        files.put(p, Files.readAllBytes(f));
      }
    } else {
      Set<String> wanted = new java.util.HashSet<>();
      rows.forEach(r -> wanted.add(normalized(r.get("path"))));
      Map<String, byte[]> byName = readTar(audio, wanted);
      files = new HashMap<>();
      rows.forEach(r -> {
        byte[] b = byName.get(normalized(r.get("path")));
        if (b != null) {
          files.put(r.get("path"), b);
        }
      });
    }
    List<Recording> out = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      Map<String, String> row = rows.get(i);
      String p = row.get("path");
      byte[] bytes = files.get(p);
      if (bytes == null) {
        throw new IOException(audio + " has no " + p + " (line " + (i + 2) + " of " + manifest + ")");
      }
      Map<String, String> fields = new LinkedHashMap<>(row);
      fields.remove("path");
      // A damaged recording is named where it is: the file in the folder, or the entry of the archive.
      out.add(new Recording(p, Wav.read(bytes, folder ? audio.resolve(p).toString() : audio + ": " + p), fields));
    }
    return out;
  }

  /** A manifest's rows as column name to value; the header must have a {@code path} column. */
  static List<Map<String, String>> manifest(Path manifest) throws IOException {
    List<String> lines = TextFiles.tableLines(TextFiles.read(manifest));
    if (lines.isEmpty()) {
      throw new IOException(manifest + " is empty: a manifest starts with a header line naming its columns");
    }
    String[] header = lines.get(0).split("\t", -1);
    if (!List.of(header).contains("path")) {
      throw new IOException(manifest + "'s header has no 'path' column: " + String.join(", ", header));
    }
    List<Map<String, String>> rows = new ArrayList<>();
    for (int i = 1; i < lines.size(); i++) {
      if (lines.get(i).isBlank()) {
        continue;
      }
      String[] f = lines.get(i).split("\t", -1);
      if (f.length != header.length) {
        throw new IOException(String.format(Locale.ROOT, "%s line %d has %d columns, its header %d", manifest, i + 1,
            f.length, header.length));
      }
      Map<String, String> row = new LinkedHashMap<>();
      for (int k = 0; k < header.length; k++) {
        row.put(header[k], f[k]);
      }
      if (row.get("path").isEmpty()) {
        throw new IOException(manifest + " line " + (i + 1) + " has an empty path");
      }
      rows.add(row);
    }
    return rows;
  }

  /** A list file's recordings: a WAV path a line (relative to the list's folder), then optionally a tab and a label. */
  public static List<Recording> fromList(Path list) throws IOException {
    List<Recording> out = new ArrayList<>();
    Path base = list.toAbsolutePath().getParent();
    List<String> lines = TextFiles.lines(TextFiles.read(list));
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split("\t", -1);
      if (f.length > 2) {
        throw new IOException(list + " line " + (i + 1) + " has " + f.length + " columns: a path, and a label after a"
            + " tab, at most");
      }
      Path wav = base.resolve(f[0].trim());
      if (!Files.isRegularFile(wav)) {
        throw new NoSuchFileException(wav.toString(), null, "listed on line " + (i + 1) + " of " + list);
      }
      Map<String, String> fields = f.length == 2 ? Map.of("label", f[1].trim()) : Map.of();
      out.add(new Recording(f[0].trim(), Wav.read(wav), fields));
    }
    return out;
  }

  /** {@code raw} gunzipped when it starts with gzip's magic bytes, else {@code raw} itself. */
  private static InputStream gunzippedIfGzip(InputStream raw) throws IOException {
    raw.mark(2);
    boolean gzip = raw.read() == 0x1f && raw.read() == 0x8b;
    raw.reset();
    return gzip ? new GZIPInputStream(raw, 1 << 16) : raw;
  }

  /**
   * The regular files named in {@code wanted} from a tar archive, gzipped or not: ustar names
   * (with their prefix), GNU long names and pax path records are understood; other entries are
   * skipped.
   */
  public static Map<String, byte[]> readTar(Path archive, Set<String> wanted) throws IOException {
    Map<String, byte[]> out = new HashMap<>();
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive));
        // Closed too, so that a gzipped archive's inflater frees its native memory now, not at a GC.
        InputStream in = gunzippedIfGzip(raw)) {
      byte[] header = new byte[512];
      String longName = null;
      long kept = 0;
      while (true) {
        int n = in.readNBytes(header, 0, 512);
        if (n == 0 || isZero(header)) {
          break;
        }
        if (n < 512) {
          throw new EOFException(archive + " is truncated: an entry's header ends after " + n + " of 512 bytes");
        }
        long size = octal(header, 124, 12, archive);
        char type = (char) header[156];
        String name = normalized(longName != null ? longName : ustarName(header));
        longName = null;
        boolean names = type == 'L' || type == 'x';
        if (names && size > 1 << 16) {
          throw new IOException(archive + " has a long-name entry of " + size + " bytes; at most 65536 are read");
        }
        if (!names && !((type == '0' || type == '\0') && wanted.contains(name))) {
          skip(in, size, archive);
          continue;
        }
        if (!names) {
          kept += size;
          MemoryLimits.require(archive + "'s recordings", kept);
        }
        byte[] body = readBody(in, size, archive);
        if (type == 'L') {
          longName = new String(body, StandardCharsets.UTF_8).replace("\0", "");
        } else if (type == 'x') {
          longName = paxPath(body);
        } else {
          out.put(name, body);
        }
      }
    } catch (IOException e) {
      // The gzip stream's own errors name no file.
      if (e.getMessage() == null || !e.getMessage().contains(archive.toString())) {
        throw new IOException(archive + " cannot be read as a tar archive (gzipped or not): " + e.getMessage(), e);
      }
      throw e;
    }
    return out;
  }

  private static byte[] readBody(InputStream in, long size, Path archive) throws IOException {
    if (size > Integer.MAX_VALUE - 1024) {
      throw new IOException(archive + " has an entry of " + size + " bytes, too large to read");
    }
    // Read as it comes (readNBytes grows its buffer with the data): a size that lies costs nothing.
    byte[] body = in.readNBytes((int) size);
    if (body.length < size) {
      throw new EOFException(archive + " is truncated: an entry of " + size + " bytes ends after " + body.length);
    }
    long pad = (512 - size % 512) % 512;
    if (in.readNBytes((int) pad).length < pad) {
      throw new EOFException(archive + " is truncated within an entry's padding");
    }
    return body;
  }

  /** Passes over an entry of {@code size} bytes and its padding without keeping it. */
  private static void skip(InputStream in, long size, Path archive) throws IOException {
    long padded = size + (512 - size % 512) % 512;
    try {
      in.skipNBytes(padded);
    } catch (EOFException e) {
      throw new EOFException(archive + " is truncated: an entry of " + size + " bytes runs past the end");
    }
  }

  private static boolean isZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static String field(byte[] h, int off, int len) {
    int end = off;
    while (end < off + len && h[end] != 0) {
      end++;
    }
    return new String(h, off, end - off, StandardCharsets.UTF_8);
  }

  private static String ustarName(byte[] h) {
    String name = field(h, 0, 100);
    boolean ustar = field(h, 257, 6).startsWith("ustar");
    String prefix = ustar ? field(h, 345, 155) : "";
    return prefix.isEmpty() ? name : prefix + "/" + name;
  }

  private static long octal(byte[] h, int off, int len, Path archive) throws IOException {
    String s = field(h, off, len).trim();
    try {
      if (!s.matches("[0-7]*")) {
        throw new NumberFormatException(s);
      }
      return s.isEmpty() ? 0 : Long.parseLong(s, 8);
    } catch (NumberFormatException e) {
      throw new IOException(archive + " is not a tar archive (or is damaged): an entry's size reads '" + s + "'");
    }
  }

  /**
   * The path of a pax extended header ("LEN path=VALUE\n" records), or null. LEN counts bytes, so
   * the records are cut from the bytes and only then decoded (a name of more bytes than characters
   * had taken in the start of the next record).
   */
  static String paxPath(byte[] body) {
    int i = 0;
    while (i < body.length) {
      int sp = i;
      while (sp < body.length && body[sp] != ' ') {
        sp++;
      }
      if (sp == body.length) {
        break;
      }
      int len;
      try {
        len = Integer.parseInt(new String(body, i, sp - i, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        break;
      }
      if (len <= sp - i) {
        break;   // a record at least as long as its own length field, or the loop would not advance
      }
      int end = Math.min(body.length, i + len);
      String record = new String(body, sp + 1, end - sp - 1, StandardCharsets.UTF_8).stripTrailing();
      if (record.startsWith("path=")) {
        return record.substring("path=".length());
      }
      i += len;
    }
    return null;
  }

  /** An archive's or a manifest's path without a leading "./" (tar -C DIR . writes its names so). */
  static String normalized(String path) {
    String p = path;
    while (p.startsWith("./")) {
      p = p.substring(2);
    }
    return p;
  }
}
