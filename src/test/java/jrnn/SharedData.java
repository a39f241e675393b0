package jrnn;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the shared data sets are: the system property {@code jrnn.data} (Maven sets it to
 * ../shared/data), else the environment variable JRNN_DATA. Tests that need a file call
 * {@link #require}, which skips the test with a message naming the missing path when a fresh
 * clone has no shared data.
 */
public final class SharedData {
  private SharedData() {}

  public static Path root() {
    String p = System.getProperty("jrnn.data");
    if (p == null || p.isBlank()) {
      p = System.getenv("JRNN_DATA");
    }
    return Path.of(p == null || p.isBlank() ? "../shared/data" : p);
  }

  /** The file {@code relative} under the data root; skips the calling test when it is absent. */
  public static Path require(String relative) {
    Path f = root().resolve(relative);
    assumeTrue(Files.exists(f), "skipped: shared data file " + f.toAbsolutePath()
        + " is absent (set -Djrnn.data or JRNN_DATA to the data folder)");
    return f;
  }
}
