package jrnn.kernels;

/**
 * The size of jrnn's thread team ({@link Parallel}), read from {@code -Djrnn.threads=N} or the
 * environment variable {@code JRNN_THREADS}; by default the number of available processors.
 * Apart from {@link Parallel} so that the command line can check the value before the team
 * starts: a bad one would otherwise surface as a class that failed to initialise.
 */
public final class ThreadCount {
  private ThreadCount() {}

  /** The team size asked for (1 to 256); an IllegalArgumentException naming the value when it is not a whole number. */
  public static int configured() {
    String s = System.getProperty("jrnn.threads");
    if (s == null || s.isBlank()) {
      s = System.getenv("JRNN_THREADS");
    }
    int n = Runtime.getRuntime().availableProcessors();
    if (s != null && !s.isBlank()) {
      try {
        n = Integer.parseInt(s.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("jrnn.threads / JRNN_THREADS must be a whole number, got '" + s + "'");
      }
    }
    return Math.max(1, Math.min(n, 256));
  }
}
