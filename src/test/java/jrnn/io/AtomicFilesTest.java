package jrnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
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
    assertEquals(List.of("out.bin"), names(f.getParent()), "the temporary file is renamed, not left behind");
  }

  @Test
  void theFileGetsThePermissionsOfAnyNewFile() throws IOException {
    org.junit.jupiter.api.Assumptions.assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"),
        "skipped: this file system has no POSIX permissions");
    Path plain = dir.resolve("plain.txt");
    Files.writeString(plain, "x");
    Path atomic = dir.resolve("atomic.txt");
    AtomicFiles.writeString(atomic, "x");
    assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(atomic),
        "a model file others could read before must stay readable to them");
  }

  @Test
  void aWriteThatFailsLeavesWhatWasThereAndNoTemporaryFile() throws IOException {
    // The rename cannot replace a directory that holds a file: the write fails after the bytes went out.
    Path f = dir.resolve("model.jrnn");
    AtomicFiles.writeString(f.resolve("inside.txt"), "previous");
    assertThrows(IOException.class, () -> AtomicFiles.writeString(f, "next"));
    assertEquals("previous", Files.readString(f.resolve("inside.txt")));
    assertEquals(List.of("model.jrnn"), names(dir), "the temporary file is removed");
  }

  @Test
  void theTemporaryFilesOfKilledWritersAreRemovedAndLiveOnesKept() throws Exception {
    Process ended = new ProcessBuilder("true").start();
    ended.waitFor();
    long dead = ended.pid();
    long alive = ProcessHandle.current().pid();
    Files.writeString(dir.resolve("m.jrnn"), "model");
    Files.writeString(dir.resolve("m.jrnn.ckpt." + dead + ".1a2b.tmp"), "half a checkpoint");
    Files.writeString(dir.resolve("m.jrnn." + dead + ".ff.tmp"), "half a model");
    Files.writeString(dir.resolve("m.jrnn." + alive + ".ff.tmp"), "a write in progress");
    Files.writeString(dir.resolve("other.jrnn." + dead + ".ff.tmp"), "another run's");
    Files.writeString(dir.resolve("m.jrnn2." + dead + ".ff.tmp"), "another output's");
    Files.writeString(dir.resolve("m.jrnn.notes.tmp"), "not one of ours");
    // Written before this process started: its number was a dead writer's, now reused.
    Path reused = dir.resolve("m.jrnn.loss.png." + alive + ".ab.tmp");
    Files.writeString(reused, "a dead writer's, under a number a later process took");
    Files.setLastModifiedTime(reused, java.nio.file.attribute.FileTime.fromMillis(946_684_800_000L));
    assertEquals(List.of("m.jrnn." + dead + ".ff.tmp", "m.jrnn.ckpt." + dead + ".1a2b.tmp",
        "m.jrnn.loss.png." + alive + ".ab.tmp"), AtomicFiles.removeStale(dir, "m.jrnn").stream().sorted().toList());
    assertEquals(List.of("m.jrnn", "m.jrnn." + alive + ".ff.tmp", "m.jrnn.notes.tmp", "m.jrnn2." + dead + ".ff.tmp",
        "other.jrnn." + dead + ".ff.tmp"), names(dir));
    assertEquals(List.of(), AtomicFiles.removeStale(dir.resolve("absent"), "m.jrnn"));
  }

  private static List<String> names(Path d) throws IOException {
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
