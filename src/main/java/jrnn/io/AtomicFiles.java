package jrnn.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes a file so that a crash mid-write leaves the previous version intact: the bytes go to a
 * temporary file beside it ({@code name.*.tmp}), are forced to disk, and the temporary file is
 * then renamed over the target in one step; a failed write removes its temporary file.
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
    Path tmp = path.resolveSibling(path.getFileName() + "." + ProcessHandle.current().pid() + "."
        + Long.toHexString(System.nanoTime()) + ".tmp");
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
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Replaces {@code path} with {@code text} in UTF-8. */
  public static void writeString(Path path, CharSequence text) throws IOException {
    write(path, text.toString().getBytes(StandardCharsets.UTF_8));
  }
}
