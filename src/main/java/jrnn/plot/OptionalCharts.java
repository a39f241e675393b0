package jrnn.plot;

import java.io.IOException;
import java.io.PrintStream;

/**
 * Charts a job can do without, such as a training run's learning curve: drawn where the machine
 * can draw, and otherwise skipped with one line that says why. Drawing text needs fonts and the
 * JDK's font libraries (freetype, fontconfig), which a server image may lack; the run's model,
 * checkpoints and tables do not depend on them.
 */
public final class OptionalCharts {
  /** Draws one chart. */
  @FunctionalInterface
  public interface Chart {
    void draw() throws IOException;
  }

  private final PrintStream log;
  private String unavailable;

  public OptionalCharts(PrintStream log) {
    this.log = log;
  }

  /**
   * Draws {@code what} with {@code chart}, unless a chart could not be drawn before. A failure of
   * the drawing itself (a missing font library, no fonts: errors and unchecked exceptions) is said
   * once and the chart skipped, with every later one; a file that cannot be written
   * ({@link IOException}) and the JVM running out of memory or stack are the caller's.
   */
  public void draw(String what, Chart chart) throws IOException {
    if (unavailable != null) {
      return;
    }
    try {
      chart.draw();
    } catch (OutOfMemoryError | StackOverflowError e) {
      throw e;
    } catch (RuntimeException | Error e) {
      // InternalError included: it is how JDK 17's font manager fails on a machine with no fonts.
      unavailable = e.toString();
      log.println("charts: cannot draw " + what + " on this machine (" + unavailable + "); going on without charts");
    }
  }

  /** Why charts are not drawn here, or null while they are. */
  public String unavailableReason() {
    return unavailable;
  }
}
