package jrnn.frame;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import jrnn.io.ModelFileException;

/**
 * What a training run did: each validation check, each epoch, the best figure and why the run
 * stopped. Model files and checkpoints carry it (section {@value #SECTION}), so that {@code info}
 * can tell it and a resumed run continues it.
 */
public final class RunHistory {
  /** The model-file section that holds the history, {@value}. */
  public static final String SECTION = "training";

  /**
   * A validation check after {@code update} of the epoch's {@code updates}.
   *
   * @param epoch the epoch, from 1
   * @param update updates of the epoch done at the check
   * @param updates updates in the epoch
   * @param figure the validation figure
   * @param loss the mean validation loss (NaN where the figure is not made from a loss)
   */
  public record Check(int epoch, int update, int updates, double figure, double loss) {}

  /**
   * An epoch (from 1): its rate, training loss and figure, the last and the best of its checks (NaN
   * without validation), its training seconds (checks not counted), and whether it ran whole.
   *
   * @param epoch the epoch, from 1
   * @param lr its learning rate
   * @param trainLoss its mean training loss
   * @param trainFigure the figure of that training loss
   * @param validLast the figure of its last check
   * @param validBest the best figure of its checks
   * @param seconds its training seconds, checks not counted
   * @param whole whether it ran to its end
   */
  public record Epoch(int epoch, double lr, double trainLoss, double trainFigure, double validLast,
      double validBest, double seconds, boolean whole) {}

  private final Metric metric;
  private final List<Check> checks = new ArrayList<>();
  private final List<Epoch> epochs = new ArrayList<>();
  private String stopped = "running";
  private long updates;

  /** An empty history of a run judged by {@code metric}. */
  public RunHistory(Metric metric) {
    this.metric = metric;
  }

  /** The metric the run is judged by. */
  public Metric metric() {
    return metric;
  }

  /** The validation checks, in order (unmodifiable). */
  public List<Check> checks() {
    return Collections.unmodifiableList(checks);
  }

  /** The epochs, in order (unmodifiable). */
  public List<Epoch> epochs() {
    return Collections.unmodifiableList(epochs);
  }

  /** Why the run stopped: "finished", "patience", "time budget"; "running" while it runs. */
  public String stopped() {
    return stopped;
  }

  /** The updates done by the end of the last epoch recorded. */
  public long updates() {
    return updates;
  }

  /** The training seconds of all epochs, checks not counted. */
  public double trainingSeconds() {
    return epochs.stream().mapToDouble(Epoch::seconds).sum();
  }

  void add(Check c) {
    checks.add(c);
  }

  void add(Epoch e, long updatesSoFar) {
    epochs.add(e);
    updates = updatesSoFar;
  }

  void stopped(String reason) {
    stopped = reason;
  }

  /** The best check, or null when there was none. */
  public Check best() {
    Check best = null;
    for (Check c : checks) {
      if (best == null || metric.better(c.figure(), best.figure())) {
        best = c;
      }
    }
    return best;
  }

  /**
   * "13 epoch(s), 52 check(s), 30,199 updates, 17:28 of training, best perplexity 111.5800 (epoch 13,
   * after update 1,743 of 2,323); finished".
   */
  public String summary() {
    Check b = best();
    return String.format(Locale.ROOT, "%d epoch(s), %d check(s), %,d updates, %s of training%s; %s", epochs.size(),
        checks.size(), updates, jrnn.training.Progress.formatTime(trainingSeconds()),
        b == null ? "" : String.format(Locale.ROOT, ", best %s %s (epoch %d, after update %,d of %,d)", metric.name(),
            metric.percent() ? String.format(Locale.ROOT, "%.2f%%", 100 * b.figure())
                : String.format(Locale.ROOT, "%.4f", b.figure()), b.epoch(), b.update(), b.updates()), stopped);
  }

  String toText() {
    StringBuilder sb = new StringBuilder();
    sb.append("metric ").append(metric.name().replace(' ', '_')).append(' ')
        .append(metric.higherIsBetter() ? "higher" : "lower").append('\n');
    sb.append("updates ").append(updates).append('\n');
    sb.append("stopped ").append(stopped.replace(' ', '_')).append('\n');
    for (Epoch e : epochs) {
      sb.append(String.format(Locale.ROOT, "epoch %d %s %s %s %s %s %s %b", e.epoch(), e.lr(), e.trainLoss(),
          e.trainFigure(), e.validLast(), e.validBest(), e.seconds(), e.whole())).append('\n');
    }
    for (Check c : checks) {
      sb.append(String.format(Locale.ROOT, "check %d %d %d %s %s", c.epoch(), c.update(), c.updates(), c.figure(),
          c.loss())).append('\n');
    }
    return sb.toString();
  }

  /** A copy that later additions to either do not change. */
  public RunHistory copy() {
    RunHistory c = new RunHistory(metric);
    c.checks.addAll(checks);
    c.epochs.addAll(epochs);
    c.stopped = stopped;
    c.updates = updates;
    return c;
  }

  /** Reads {@link #toText}; a malformed line is an error naming the file and the line. */
  public static RunHistory parse(String text, Path path) throws ModelFileException {
    RunHistory h = null;
    int n = 0;
    for (String line : text.split("\n")) {
      n++;
      if (line.isBlank()) {
        continue;
      }
      String[] p = line.trim().split(" ");
      try {
        if (h == null && !p[0].equals("metric")) {
          throw new IllegalArgumentException("the history must start with its metric");
        }
        switch (p[0]) {
          case "metric":
            fields(p, 3);
            if (!p[2].equals("higher") && !p[2].equals("lower")) {
              throw new IllegalArgumentException("better is 'higher' or 'lower', not '" + p[2] + "'");
            }
            h = new RunHistory(Metric.named(p[1].replace('_', ' '), p[2].equals("higher")));
            break;
          case "updates":
            fields(p, 2);
            h.updates = Long.parseLong(p[1]);
            break;
          case "stopped":
            fields(p, 2);
            h.stopped = p[1].replace('_', ' ');
            break;
          case "epoch":
            fields(p, 9);
            h.epochs.add(new Epoch(Integer.parseInt(p[1]), Double.parseDouble(p[2]), Double.parseDouble(p[3]),
                Double.parseDouble(p[4]), Double.parseDouble(p[5]), Double.parseDouble(p[6]),
                Double.parseDouble(p[7]), bool(p[8])));
            break;
          case "check":
            fields(p, 6);
            h.checks.add(new Check(Integer.parseInt(p[1]), Integer.parseInt(p[2]), Integer.parseInt(p[3]),
                Double.parseDouble(p[4]), Double.parseDouble(p[5])));
            break;
          default:
            throw new IllegalArgumentException("unknown entry '" + p[0] + "'");
        }
      } catch (IllegalArgumentException e) {
        throw new ModelFileException("model file " + path + ": line " + n + " of its training history is malformed ('"
            + line + "'): " + e.getMessage());
      }
    }
    if (h == null) {
      throw new ModelFileException("model file " + path + ": its training history names no metric");
    }
    return h;
  }

  private static void fields(String[] p, int count) {
    if (p.length != count) {
      throw new IllegalArgumentException("'" + p[0] + "' takes " + (count - 1) + " values, not " + (p.length - 1));
    }
  }

  private static boolean bool(String s) {
    if (!s.equals("true") && !s.equals("false")) {
      throw new IllegalArgumentException("'" + s + "' is not true or false");
    }
    return s.equals("true");
  }
}
