package jrnn.apps.longrange;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import jrnn.cells.CellType;
import jrnn.data.Batch;
import jrnn.data.SyntheticTasks;
import jrnn.layers.Bidirectional;
import jrnn.models.LossNormalization;
import jrnn.models.ModelConfig;
import jrnn.models.OutputKind;
import jrnn.models.Readout;
import jrnn.models.SequenceModel;
import jrnn.optim.LearningRateSchedule;
import jrnn.training.Trainer;
import jrnn.training.TrainingConfig;
import jrnn.training.TrainingDivergedException;
import jrnn.util.Rng;

/**
 * The chapter's claim on a task that needs memory across T steps (SPEC section 2): the adding
 * problem of Hochreiter and Schmidhuber (1997), where the output after T steps is the sum of two
 * values marked somewhere in the sequence. Predicting the mean gives a mean squared error of
 * about 0.167; a network that carries the marked values across T steps drives it towards 0.
 * Each cell type is trained with the same budget and seed, with and without gradient clipping
 * (by global norm), by Adam or by plain SGD with momentum.
 */
public final class LongRangeExperiment {

  /** How one (cell, T, clipping) run ended. */
  public record Run(String cell, int steps, boolean clipped, double bestMse, int updatesToSolve,
      int updates, boolean diverged, double maxGradNorm, double seconds) {
    public boolean solved() {
      return bestMse < SOLVED;
    }
  }

  /** Mean squared error below which the task counts as solved (baseline: 0.167). */
  public static final double SOLVED = 0.01;

  private final int hidden;
  private final int batch;
  private final int updates;
  private final String optimizer;
  private final double lr;
  private final double clip;
  private final long seed;

  public LongRangeExperiment(int hidden, int batch, int updates, String optimizer, double lr, double clip,
      long seed) {
    this.hidden = hidden;
    this.batch = batch;
    this.updates = updates;
    this.optimizer = optimizer;
    this.lr = lr;
    this.clip = clip;
    this.seed = seed;
  }

  /** Trains one model; evaluates on 512 fresh sequences every 100 updates; stops once solved. */
  public Run run(CellType cell, int steps, boolean clipped, PrintStream log) {
    ModelConfig cfg = new ModelConfig(0, 2, cell, hidden, 1, Bidirectional.NONE, 0, Readout.LAST, 1,
        OutputKind.LINEAR);
    SequenceModel model = new SequenceModel(cfg);
    Rng rng = new Rng(seed);
    model.initialize(rng, 0, 1.0);
    Trainer trainer = new Trainer(model, new TrainingConfig(optimizer, 0.9, LearningRateSchedule.constant(lr),
        clipped ? clip : 0, 0, 0, LossNormalization.PER_OUTPUT), rng);
    Batch valid = SyntheticTasks.adding(new Rng(seed + 7919), 512, steps);
    double best = Double.POSITIVE_INFINITY;
    int solvedAt = -1;
    boolean diverged = false;
    long t0 = System.nanoTime();
    int done = 0;
    double maxNorm = 0;
    for (int u = 1; u <= updates; u++) {
      try {
        maxNorm = Math.max(maxNorm, trainer.step(SyntheticTasks.adding(rng, batch, steps), null).gradNorm());
      } catch (TrainingDivergedException e) {
        diverged = true;
        break;
      }
      done = u;
      if (u % 100 == 0 || u == updates) {
        double mse = model.forward(valid, null, false, null).mean();
        if (!Double.isFinite(mse)) {
          diverged = true;
          break;
        }
        best = Math.min(best, mse);
        if (best < SOLVED) {
          solvedAt = u;
          break;
        }
      }
    }
    Run r = new Run(cell.name(), steps, clipped, best, solvedAt, done, diverged, maxNorm,
        (System.nanoTime() - t0) / 1e9);
    if (log != null) {
      log.printf(Locale.ROOT, "  %-20s T=%-4d %-11s best MSE %.4f %s after %d updates, largest gradient norm %.3g, %.0f s%n",
          cell.name(), steps, clipped ? "clipped" : "no clipping", r.bestMse(),
          r.diverged() ? "DIVERGED" : r.solved() ? "solved" : "not solved", r.updates(), r.maxGradNorm(), r.seconds());
    }
    return r;
  }

  public List<Run> runAll(List<CellType> cells, int[] lengths, PrintStream log) {
    List<Run> out = new ArrayList<>();
    for (int t : lengths) {
      for (CellType c : cells) {
        for (boolean clipped : new boolean[] {false, true}) {
          out.add(run(c, t, clipped, log));
        }
      }
    }
    return out;
  }
}
