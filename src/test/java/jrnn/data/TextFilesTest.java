package jrnn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import jrnn.util.MemoryLimits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Text files: too large for memory (or lying about it) refused with the size before reading; empty ones refused. */
class TextFilesTest {
  @TempDir
  Path dir;

  /** A stream (standard input) reads as a file does: gunzipped, strictly UTF-8, named in its errors. */
  @Test
  void aStreamReadsAsAFileDoes() throws IOException {
    String text = "ein Mann läuft\nzwei Hunde\n";
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
      z.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    assertEquals(text, TextFiles.read(new java.io.ByteArrayInputStream(gz.toByteArray()), "standard input"));
    assertEquals(text, TextFiles.read(new java.io.ByteArrayInputStream(text.getBytes(
        java.nio.charset.StandardCharsets.UTF_8)), "standard input"));
    byte[] latin1 = "gut\nl\u00e4uft\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    IOException e = assertThrows(IOException.class,
        () -> TextFiles.read(new java.io.ByteArrayInputStream(latin1), "standard input"));
    assertTrue(e.getMessage().startsWith("standard input line 2: not valid UTF-8"), e.getMessage());
    assertEquals("", TextFiles.read(new java.io.ByteArrayInputStream(new byte[0]), "standard input"),
        "an empty pipe is an empty text");
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, 'a', ' ', 'b', '\n'};
    assertEquals("a b\n", TextFiles.read(new java.io.ByteArrayInputStream(bom), "standard input"),
        "a byte-order mark is not text");
    // More than the limit is refused, not cut short; exactly the limit reads whole.
    assertEquals("sixteen bytes..\n", TextFiles.read(new java.io.ByteArrayInputStream("sixteen bytes..\n".getBytes(
        java.nio.charset.StandardCharsets.UTF_8)), "standard input", 16));
    MemoryLimits.InputTooLargeException big = assertThrows(MemoryLimits.InputTooLargeException.class,
        () -> TextFiles.read(new java.io.ByteArrayInputStream(new byte[17]), "standard input", 16));
    assertTrue(big.getMessage().contains("standard input"), big.getMessage());
  }

  @Test
  void aFileLargerThanTheJvmMayHoldIsRefusedWithItsSizeBeforeItIsRead() throws IOException {
    Path huge = dir.resolve("huge.txt");
    try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
      f.setLength(MemoryLimits.maxInputBytes() + 1);   // sparse: nothing is written
    }
    MemoryLimits.InputTooLargeException e = assertThrows(MemoryLimits.InputTooLargeException.class,
        () -> TextFiles.read(huge));
    assertTrue(e.getMessage().contains("huge.txt") && e.getMessage().contains("would take")
        && e.getMessage().contains("-Xmx"), e.getMessage());
  }

  @Test
  void aGzipThatInflatesBeyondTheLimitIsStoppedThere() throws IOException {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
      z.write(new byte[4 << 20]);   // 4 MB of zeros in a few kB
    }
    Path bomb = dir.resolve("bomb.txt.gz");
    Files.write(bomb, gz.toByteArray());
    assertEquals(4 << 20, TextFiles.readBytes(bomb, 8 << 20).length);
    MemoryLimits.InputTooLargeException e = assertThrows(MemoryLimits.InputTooLargeException.class,
        () -> TextFiles.readBytes(bomb, 1 << 20));
    assertTrue(e.getMessage().contains("bomb.txt.gz decompressed") && e.getMessage().contains("1.0 MB"), e.getMessage());
  }

  @Test
  void anEmptyFileIsAnErrorNamingIt() throws IOException {
    Path empty = Files.createFile(dir.resolve("empty.txt"));
    IOException e = assertThrows(IOException.class, () -> TextFiles.read(empty));
    assertEquals(empty + " is empty", e.getMessage());
  }
}
