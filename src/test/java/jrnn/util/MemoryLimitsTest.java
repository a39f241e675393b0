package jrnn.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import jrnn.audio.Wav;
import jrnn.io.ModelFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files too large for this JVM are refused with their size before they are read (sparse files: nothing is written). */
class MemoryLimitsTest {
  @TempDir
  Path dir;

  private Path sparse(String name, long bytes) throws IOException {
    Path p = dir.resolve(name);
    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
      f.setLength(bytes);
    }
    return p;
  }

  @Test
  void aRecordingOrAModelFileTooLargeIsRefusedWithItsSize() throws IOException {
    long over = MemoryLimits.maxInputBytes() / 2 + 1;
    Path wav = sparse("long.wav", over);
    MemoryLimits.InputTooLargeException e = assertThrows(MemoryLimits.InputTooLargeException.class, () -> Wav.read(wav));
    assertTrue(e.getMessage().contains("long.wav") && e.getMessage().contains("would take"), e.getMessage());
    Path model = sparse("huge.jrnn", over);
    e = assertThrows(MemoryLimits.InputTooLargeException.class, () -> ModelFile.read(model));
    assertTrue(e.getMessage().contains("huge.jrnn"), e.getMessage());
  }

  @Test
  void sizesReadAsPeopleSayThem() throws Exception {
    assertEquals("3.0 GB", MemoryLimits.size(3L << 30));
    assertEquals("5.0 MB", MemoryLimits.size(5L << 20));
    assertEquals("900 bytes", MemoryLimits.size(900));
    assertThrows(MemoryLimits.InputTooLargeException.class, () -> MemoryLimits.require("x", 11, 10));
    MemoryLimits.require("x", 10, 10);
  }
}
