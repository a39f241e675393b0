package jrnn.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import jrnn.apps.longrange.LongRangeExperiment;
import jrnn.cells.CellType;
import jrnn.io.AtomicFiles;
import jrnn.plot.LineChart;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jrnn long-range}: the adding problem against sequence length, per cell, with and without clipping. */
@Command(name = "long-range", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Trains each cell type on the adding problem for each sequence length, with and without"
        + " gradient clipping, with the same budget and seed, and reports the best validation MSE"
        + " (baseline 0.167; below 0.01 counts as solved) as a table, a TSV file and a plot."})
final class LongRangeCommand implements Callable<Integer> {

  @Option(names = "--cell", split = ",", defaultValue = "rnn-tanh,lstm,lstm-peephole,lstm-cifg,gru",
      description = "Cell types (default ${DEFAULT-VALUE}).")
  List<String> cells;

  @Option(names = "--lengths", split = ",", defaultValue = "10,50,100,200",
      description = "Sequence lengths T (default ${DEFAULT-VALUE}).")
  int[] lengths;

  @Option(names = "--hidden", defaultValue = "64", description = "Hidden units (default ${DEFAULT-VALUE}).")
  int hidden;

  @Option(names = "--batch", defaultValue = "64", description = "Batch size (default ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--updates", defaultValue = "3000", description = "Update budget per run (default ${DEFAULT-VALUE}).")
  int updates;

  @Option(names = "--optimizer", defaultValue = "adam", description = "adam or momentum (SGD with momentum 0.9) (default ${DEFAULT-VALUE}).")
  String optimizer;

  @Option(names = "--lr", defaultValue = "1e-3", description = "Learning rate (default ${DEFAULT-VALUE}).")
  double lr;

  @Option(names = "--clip", defaultValue = "1.0", description = "Clipping threshold of the clipped runs (default ${DEFAULT-VALUE}).")
  double clip;

  @Option(names = "--seed", defaultValue = "1", description = "Seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--out", defaultValue = "long-range", description = "Base name of the .tsv and .png written (default ${DEFAULT-VALUE}).")
  Path out;

  @Override
  public Integer call() throws Exception {
    List<CellType> types = new ArrayList<>();
    for (String c : cells) {
      types.add(CellType.parse(c));
    }
    System.out.printf(Locale.ROOT, "adding problem: %d hidden units, batch %d, %s at %.0e, up to %d updates, seed %d%n",
        hidden, batch, optimizer, lr, updates, seed);
    LongRangeExperiment exp = new LongRangeExperiment(hidden, batch, updates, optimizer, lr, clip, seed);
    List<LongRangeExperiment.Run> runs = exp.runAll(types, lengths, System.out);
    System.out.println();
    StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-32s", "best validation MSE"));
    for (int t : lengths) {
      head.append(String.format(Locale.ROOT, "  %9s", "T=" + t));
    }
    System.out.println(head);
    Path tsv = out.resolveSibling(out.getFileName() + ".tsv");
    StringBuilder w = new StringBuilder(
        "cell\tclipping\tT\tbest_mse\tsolved\tupdates_to_solve\tupdates\tdiverged\tmax_grad_norm\tseconds\n");
    LineChart chart = new LineChart("Adding problem: best validation MSE against sequence length",
        "sequence length T", "mean squared error (log scale; predicting the mean: 0.167)").logY();
    for (CellType c : types) {
      for (boolean clipped : new boolean[] {false, true}) {
        String label = c.name() + (clipped ? ", clipped " + clip : ", no clipping");
        StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-32s", label));
        double[] x = new double[lengths.length];
        double[] y = new double[lengths.length];
        for (int i = 0; i < lengths.length; i++) {
          for (LongRangeExperiment.Run r : runs) {
            if (r.cell().equals(c.name()) && r.clipped() == clipped && r.steps() == lengths[i]) {
              row.append(String.format(Locale.ROOT, "  %9s", r.diverged() && !Double.isFinite(r.bestMse())
                  ? "diverged" : String.format(Locale.ROOT, "%.4f%s", r.bestMse(),
                      r.solved() ? "*" : r.diverged() ? "!" : "")));
              x[i] = lengths[i];
              y[i] = r.bestMse();
              w.append(String.format(Locale.ROOT, "%s\t%s\t%d\t%.6f\t%s\t%d\t%d\t%s\t%.4g\t%.1f\n", r.cell(),
                  clipped ? clip : "none", r.steps(), r.bestMse(), r.solved(), r.updatesToSolve(), r.updates(),
                  r.diverged(), r.maxGradNorm(), r.seconds()));
            }
          }
        }
        System.out.println(row);
        chart.line(label, x, y);
      }
    }
    AtomicFiles.writeString(tsv, w); // first: the table outlives a failure to draw
    chart.write(out.resolveSibling(out.getFileName() + ".png"), 1000, 600);
    System.out.println("(* solved: MSE below " + LongRangeExperiment.SOLVED
        + "; ! diverged: the loss or the gradient stopped being finite, best MSE before that)");
    System.out.println("table: " + tsv + ", plot: " + out.resolveSibling(out.getFileName() + ".png"));
    return 0;
  }
}
