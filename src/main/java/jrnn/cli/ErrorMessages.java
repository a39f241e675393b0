package jrnn.cli;

import java.io.EOFException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.zip.ZipException;

/** What went wrong, as one line a user can act on, from whatever exception said it. */
final class ErrorMessages {
  private ErrorMessages() {}

  static String describe(Throwable ex) {
    Throwable e = ex;
    while ((e instanceof UncheckedIOException || e.getClass() == RuntimeException.class) && e.getCause() != null
        && (e.getMessage() == null || e.getMessage().equals(e.getCause().toString()))) {
      e = e.getCause();
    }
    return oneLine(text(e));
  }

  private static String text(Throwable e) {
    if (e instanceof FileSystemException f) {
      String file = f.getFile() == null ? "" : f.getFile() + ": ";
      if (f instanceof NoSuchFileException) {
        return file + "no such file or directory";
      } else if (f instanceof AccessDeniedException) {
        return file + "permission denied";
      } else if (f instanceof FileAlreadyExistsException) {
        return file + "already exists (as a file where a directory is needed?)";
      } else if (f instanceof NotDirectoryException) {
        return file + "not a directory";
      } else if (f instanceof DirectoryNotEmptyException) {
        return file + "is a directory that is not empty";
      }
      return file + (f.getReason() != null ? f.getReason() : f.getClass().getSimpleName());
    }
    if (e instanceof OutOfMemoryError) {
      return "out of memory (" + e.getMessage() + "); give the JVM more with JRNN_JAVA_OPTS=-Xmx..., or use a"
          + " smaller batch or model";
    }
    if (e instanceof StackOverflowError) {
      return "the input nests too deeply to read (stack overflow)";
    }
    if (e instanceof ExceptionInInitializerError && e.getCause() != null) {
      return text(e.getCause());
    }
    if (e instanceof ZipException) {
      return "corrupt compressed data" + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")");
    }
    if (e instanceof EOFException) {
      return e.getMessage() == null ? "the data ends early (truncated)" : e.getMessage();
    }
    String m = e.getMessage();
    if (m == null || m.isBlank()) {
      return e.getClass().getSimpleName();
    }
    return m;
  }

  private static String oneLine(String s) {
    return s.strip().replaceAll("\\s*\\R\\s*", "; ");
  }
}
