package jrnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir
  Path dir;

  @Test
  void writesThePartsInOrderAndReplacesTheOldFile() throws IOException {
    Path f = dir.resolve("new/sub/out.bin");
    AtomicFiles.writeString(f, "old version, longer than the new one");
    AtomicFiles.write(f, new byte[] {1, 2}, new byte[0], new byte[] {3});
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(f));
    assertFalse(Files.exists(f.resolveSibling("out.bin.tmp")), "the temporary file is renamed, not left behind");
  }

  @Test
  void aWriteThatFailsLeavesThePreviousVersion() throws IOException {
    Path f = dir.resolve("model.jrnn");
    AtomicFiles.writeString(f, "previous");
    // The temporary file cannot be created (a directory is in its place): the write fails before the rename.
    Files.createDirectories(dir.resolve("model.jrnn.tmp/blocker"));
    assertThrows(IOException.class, () -> AtomicFiles.writeString(f, "next"));
    assertEquals("previous", Files.readString(f));
  }
}
