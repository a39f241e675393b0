package jrnn.util;

import java.util.Locale;

/**
 * How much memory one input may take, so that a file or a request too large for this JVM (or one
 * whose length fields lie) is refused with its size before anything is allocated for it, not
 * met halfway with an OutOfMemoryError.
 */
public final class MemoryLimits {
  private MemoryLimits() {}

  /** The most bytes one input (a text, a recording, a model file) may take: a quarter of the maximum heap. */
  public static long maxInputBytes() {
    return Runtime.getRuntime().maxMemory() / 4;
  }

  /**
   * Throws, naming {@code what}, its size and the limit, when {@code bytes} is over
   * {@code limit}.
   */
  public static void require(String what, long bytes, long limit) throws InputTooLargeException {
    if (bytes > limit) {
      throw new InputTooLargeException(String.format(Locale.ROOT, "%s would take %s, more than the %s one input may"
          + " take (a quarter of the JVM's maximum heap of %s): give the JVM more memory (JRNN_JAVA_OPTS=-Xmx...)"
          + " or split the input", what, size(bytes), size(limit), size(Runtime.getRuntime().maxMemory())));
    }
  }

  /** {@link #require(String, long, long)} with {@link #maxInputBytes()}. */
  public static void require(String what, long bytes) throws InputTooLargeException {
    require(what, bytes, maxInputBytes());
  }

  /** A byte count for people: 3.2 GB, 512.0 MB, 900 bytes. */
  public static String size(long bytes) {
    if (bytes >= 1L << 30) {
      return String.format(Locale.ROOT, "%.1f GB", bytes / (double) (1L << 30));
    }
    if (bytes >= 1L << 20) {
      return String.format(Locale.ROOT, "%.1f MB", bytes / (double) (1L << 20));
    }
    return bytes + " bytes";
  }

  /** An input larger than {@link #maxInputBytes()}. */
  public static final class InputTooLargeException extends java.io.IOException {
    private static final long serialVersionUID = 1L;

    /** An exception with {@code message}, which names the input and its size. */
    public InputTooLargeException(String message) {
      super(message);
    }
  }
}
