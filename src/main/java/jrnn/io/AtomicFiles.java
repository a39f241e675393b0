package jrnn.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes a file so that a crash mid-write leaves the previous version intact: the bytes go to a
 * temporary file beside it ({@code name.*.tmp}), are forced to disk, and the temporary file is
 * then renamed over the target in one step; a failed write removes its temporary file. A
 * process killed mid-write cannot remove it: {@link #removeStale} clears such leftovers.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Replaces {@code path} with {@code parts}, one after the other. */
  public static void write(Path path, byte[]... parts) throws IOException {
    Path dir = path.toAbsolutePath().getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    // A name of its own, so that two writers of the same file never share a temporary file; not
    // Files.createTempFile, whose owner-only permissions the renamed file would keep.
    Path tmp = temporary(path);
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        for (byte[] part : parts) {
          ByteBuffer b = ByteBuffer.wrap(part);
          while (b.hasRemaining()) {
            ch.write(b);
          }
        }
        ch.force(true);
      }
      try {
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
      }
      forceFolder(dir);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Forces the folder's entries to disk, so that a power cut cannot undo the rename while a later
   * file's survives (a model and its checkpoint from different moments). Where folders cannot be
   * opened (Windows) the rename is as durable as the system makes it.
   */
  private static void forceFolder(Path dir) {
    if (dir == null) {
      return;
    }
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Not possible here; the file itself is on disk.
    }
  }

  /** Replaces {@code path} with {@code text} in UTF-8. */
  public static void writeString(Path path, CharSequence text) throws IOException {
    write(path, text.toString().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Fails now, naming the path, when {@link #write} could not write {@code path} (its folder cannot
   * be made or written to, or the path is a folder): for runs that would otherwise find out after
   * hours of work.
   */
  public static void requireWritable(Path path) throws IOException {
    if (Files.isDirectory(path)) {
      throw new IOException(path + " is a folder; a file name is needed");
    }
    Path dir = path.toAbsolutePath().getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    Path probe = temporary(path);
    Files.createFile(probe);
    Files.delete(probe);
  }

  private static Path temporary(Path path) {
    return path.resolveSibling(path.getFileName() + "." + ProcessHandle.current().pid() + "."
        + Long.toHexString(System.nanoTime()) + ".tmp");
  }

  /**
   * Whether process {@code pid} may still be writing a file last modified at {@code modified}:
   * it runs, and started before then (a process that started later only reuses a dead writer's
   * number, as a restarted container's does).
   */
  private static boolean writing(long pid, java.time.Instant modified) {
    return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
        .map(h -> h.info().startInstant().map(start -> !start.isAfter(modified)).orElse(true))
        .orElse(false);
  }

  /** A temporary file of {@link #write}: NAME.PID.HEX.tmp. */
  private static final Pattern TEMPORARY = Pattern.compile("(.+)\\.(\\d+)\\.[0-9a-f]+\\.tmp");

  /**
   * Deletes the temporary files that writers of {@code prefix} and of files named {@code prefix.*}
   * in {@code dir} left behind when they were killed mid-write: those of processes no longer
   * running, or whose number a later process took (a live writer's, this process's included, are
   * kept). Returns their names.
   */
  public static List<String> removeStale(Path dir, String prefix) throws IOException {
    List<String> removed = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return removed;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        Matcher m = TEMPORARY.matcher(f.getFileName().toString());
        if (!m.matches() || !(m.group(1).equals(prefix) || m.group(1).startsWith(prefix + "."))) {
          continue;
        }
        long pid;
        try {
          pid = Long.parseLong(m.group(2));
        } catch (NumberFormatException e) {
          continue;
        }
        if (!writing(pid, Files.getLastModifiedTime(f).toInstant()) && Files.deleteIfExists(f)) {
          removed.add(f.getFileName().toString());
        }
      }
    }
    return removed;
  }
}
