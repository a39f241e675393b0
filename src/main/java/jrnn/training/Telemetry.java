package jrnn.training;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import jrnn.io.AtomicFiles;
import jrnn.plot.LineChart;

/**
 * Training telemetry: per update, the loss and the global gradient norm before and after
 * clipping, kept in memory and written as a table (TSV) and a plot, so that an explosion (SPEC
 * section 2) shows, and so does what clipping did about it.
 */
public final class Telemetry implements Trainer.StepListener {
  private final List<Trainer.StepResult> steps = new ArrayList<>();

  @Override
  public void onStep(Trainer.StepResult r) {
    steps.add(r);
  }

  /** The updates seen so far, in order (the live list). */
  public List<Trainer.StepResult> steps() {
    return steps;
  }

  /** The table of {@link #writeTable}: {@code base}.tsv. */
  public static Path tablePath(Path base) {
    return base.resolveSibling(base.getFileName() + ".tsv");
  }

  /** The chart of {@link #writeChart}: {@code base}.png. */
  public static Path chartPath(Path base) {
    return base.resolveSibling(base.getFileName() + ".png");
  }

  /**
   * Takes up the rows of updates 1 .. {@code updates} from the table an earlier process wrote at
   * {@code base}.tsv, for a run resumed after them, so that the table and chart keep telling the
   * whole run. Nothing is read when this telemetry has seen updates already (a rollback: the
   * rolled-back updates stay, to show the divergence) or when there is no table. A row that does
   * not read is reported and the rows are not taken up: a run is not stopped for its telemetry.
   *
   * @return null, or why the earlier rows were not taken up
   */
  public String continueFrom(Path base, long updates) {
    Path tsv = tablePath(base);
    if (!steps.isEmpty() || !java.nio.file.Files.exists(tsv)) {
      return null;
    }
    List<Trainer.StepResult> earlier = new ArrayList<>();
    List<String> lines;
    try {
      lines = jrnn.data.TextFiles.tableLines(jrnn.data.TextFiles.read(tsv));
    } catch (IOException e) {
      return tsv + " does not read (" + e + "); the table starts afresh";
    }
    for (int i = 1; i < lines.size(); i++) {
      String[] f = lines.get(i).split("\t", -1);
      try {
        if (f.length != 5) {
          throw new NumberFormatException(f.length + " columns");
        }
        long step = Long.parseLong(f[0]);
        if (step <= updates) {
          earlier.add(new Trainer.StepResult(step, new jrnn.models.LossStats(Double.parseDouble(f[1]), 1, 0, 1),
              Double.parseDouble(f[2]), Double.parseDouble(f[3]), Double.parseDouble(f[4])));
        }
      } catch (NumberFormatException e) {
        return tsv + " line " + (i + 1) + " does not read (" + e.getMessage() + "); the table starts afresh";
      }
    }
    steps.addAll(earlier);
    return null;
  }

  /** Writes {@code base}.tsv: update, loss, norm before, norm after, learning rate. */
  public void writeTable(Path base) throws IOException {
    Path tsv = tablePath(base);
    StringBuilder w = new StringBuilder("update\tloss\tgrad_norm\tclipped_norm\tlr\n");
    for (Trainer.StepResult r : steps) {
      w.append(String.format(Locale.ROOT, "%d\t%.6g\t%.6g\t%.6g\t%.6g\n", r.step(), r.loss().mean(), r.gradNorm(),
          r.clippedNorm(), r.lr()));
    }
    AtomicFiles.writeString(tsv, w);
  }

  /** Draws {@code base}.png: the norms before and after clipping against the updates. */
  public void writeChart(Path base) throws IOException {
    int n = steps.size();
    double[] x = new double[n];
    double[] before = new double[n];
    double[] after = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = steps.get(i).step();
      before[i] = steps.get(i).gradNorm();
      after[i] = steps.get(i).clippedNorm();
    }
    new LineChart("Global gradient norm per update", "update", "norm (log scale)").logY().withoutMarkers()
        .line("before clipping", x, before).line("after clipping", x, after)
        .write(chartPath(base), 900, 500);
  }
}
