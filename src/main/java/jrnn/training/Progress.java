package jrnn.training;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.DoubleFunction;

/**
 * A progress line for long work: a bar, the running loss (and what the caller derives from it,
 * such as perplexity), the rate and the time left. On a terminal it redraws one line a few
 * times a second; into a file or pipe it writes a line every {@code interval} seconds.
 */
public final class Progress {
  private final PrintStream out;
  private final String label;
  private final long total;
  private final String unit;
  private final boolean interactive;
  private final DoubleFunction<String> metric;
  private final long start = System.nanoTime();
  private long lastPrint;
  private final long intervalNanos;
  private int lastWidth;

  /**
   * A progress line on {@code out}, redrawn in place on a console and printed every 10 seconds
   * otherwise.
   *
   * @param total units of work (tokens, sequences) to do
   * @param metric renders the running mean loss, e.g. as "loss 4.21 ppl 67.4"
   */
  public Progress(PrintStream out, String label, long total, String unit,
      DoubleFunction<String> metric) {
    this(out, label, total, unit, metric, System.console() != null, 10);
  }

  /**
   * A progress line drawn in place every quarter second when {@code interactive}, else printed
   * every {@code intervalSeconds}.
   */
  public Progress(PrintStream out, String label, long total, String unit,
      DoubleFunction<String> metric, boolean interactive, double intervalSeconds) {
    this.out = out;
    this.label = label;
    this.total = Math.max(1, total);
    this.unit = unit;
    this.metric = metric;
    this.interactive = interactive;
    this.intervalNanos = (long) ((interactive ? 0.25 : intervalSeconds) * 1e9);
    this.lastPrint = start;
  }

  /** Reports {@code done} units so far with the running mean loss; prints when it is time. */
  public void update(long done, double meanLoss) {
    long now = System.nanoTime();
    if (now - lastPrint < intervalNanos) {
      return;
    }
    lastPrint = now;
    String line = render(done, meanLoss, now);
    if (interactive) {
      out.print("\r" + line + " ".repeat(Math.max(0, lastWidth - line.length())));
      lastWidth = line.length();
    } else {
      out.println(line);
    }
    out.flush();
  }

  /** Ends the line with a summary. */
  public void finish(String summary) {
    print(summary);
  }

  /** Prints a line of its own in place of the bar, which the next update draws again. */
  public void print(String line) {
    if (interactive && lastWidth > 0) {
      out.print("\r" + " ".repeat(lastWidth) + "\r");
      lastWidth = 0;
    }
    out.println(line);
    out.flush();
  }

  /** Seconds since this progress line was made. */
  public double elapsedSeconds() {
    return (System.nanoTime() - start) / 1e9;
  }

  private String render(long done, double loss, long now) {
    double secs = (now - start) / 1e9;
    double frac = Math.min(1, (double) done / total);
    int width = 20;
    int filled = (int) Math.round(frac * width);
    String bar = "=".repeat(filled) + (filled < width ? ">" + " ".repeat(width - filled - 1) : "");
    double rate = done / Math.max(secs, 1e-9);
    double left = rate > 0 ? (total - done) / rate : 0;
    return String.format(Locale.ROOT, "%s [%s] %3.0f%%  %s  %s %s/s  left %s", label, bar,
        100 * frac, Double.isNaN(loss) ? "" : metric.apply(loss), formatCount(rate), unit,
        formatTime(left));
  }

  static String formatCount(double v) {
    if (v >= 1e6) {
      return String.format(Locale.ROOT, "%.2fM", v / 1e6);
    }
    if (v >= 1e4) {
      return String.format(Locale.ROOT, "%.1fk", v / 1e3);
    }
    return String.format(Locale.ROOT, "%.0f", v);
  }

  /** h:mm:ss or m:ss. */
  public static String formatTime(double seconds) {
    long s = Math.round(seconds);
    long h = s / 3600;
    long m = (s % 3600) / 60;
    long r = s % 60;
    return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, r)
        : String.format(Locale.ROOT, "%d:%02d", m, r);
  }
}
