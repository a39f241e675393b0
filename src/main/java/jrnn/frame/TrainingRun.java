package jrnn.frame;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import jrnn.io.AtomicFiles;
import jrnn.io.ModelFile;
import jrnn.io.ModelFileException;
import jrnn.models.LossStats;
import jrnn.plot.LineChart;
import jrnn.plot.OptionalCharts;
import jrnn.tensor.Tensor;
import jrnn.training.Progress;
import jrnn.training.Telemetry;
import jrnn.params.Parameters;
import jrnn.training.Trainer;
import jrnn.training.TrainingDivergedException;
import jrnn.util.Rng;

/**
 * One training run of any application: epochs of updates with the shared settings' optimizer,
 * schedule and clipping; {@code checks_per_epoch} validation checks an epoch, evenly spaced (check
 * k after the update that completes k/checks of the epoch), the best model written to the output
 * file; after every whole epoch a checkpoint ({@code OUT.ckpt}: model, optimizer state, history)
 * from which {@link #resume} continues bit for bit, the learning curve ({@code OUT.loss.png}) and
 * the gradient norms ({@code OUT.gradnorm.tsv}, {@code .png}). It stops early after
 * {@code patience} checks without a new best, or at the first check past {@code max_minutes}.
 * Each epoch draws from a generator made from the seed and the epoch alone, which is what makes a
 * resumed run equal to an uninterrupted one.
 */
public final class TrainingRun {
  private final TrainingTask task;
  private final Settings settings;
  private final Path out;
  private final PrintStream log;
  private final Trainer trainer;
  private final Telemetry telemetry = new Telemetry();
  /** The learning curve and the gradient norms, which a machine that cannot draw does without. */
  private final OptionalCharts charts;
  private RunHistory history;
  private double best = Double.NaN;
  private int checksSinceBest;
  private int nextEpoch;
  /** Whether the model file is this run's (written by it, or by the run it resumes). */
  private boolean wroteModel;
  /** Whether the checkpoint is this run's (written by it, or the one it resumed from): what a rollback reloads. */
  private boolean ownCheckpoint;
  private int rollbacks;

  /** @param out the model file to write, or null to write no file at all */
  public TrainingRun(TrainingTask task, Path out, PrintStream log) {
    this.task = task;
    this.settings = task.settings();
    this.out = out;
    this.log = log;
    this.charts = new OptionalCharts(log);
    this.trainer = task.trained().trainer(task.trainingConfig(), new Rng(settings.get(CommonSettings.SEED)));
    Function<Trainer, Trainer.BatchGradients> elsewhere = DISTRIBUTED_GRADIENTS.get();
    if (elsewhere != null) {
      trainer.computeGradientsWith(elsewhere.apply(trainer));
    }
    this.trainer.addListener(telemetry);
    this.history = new RunHistory(task.metric());
  }

  /** Where the runs a thread starts take their updates' gradients; unset: their own trainers (the default). */
  private static final ThreadLocal<Function<Trainer, Trainer.BatchGradients>> DISTRIBUTED_GRADIENTS =
      new ThreadLocal<>();

  /**
   * Makes every run this thread starts from now on take its updates' gradients from what
   * {@code source} makes of its trainer (null: back to the trainers' own): how a launcher that
   * owns a cluster (jrnn-spark's {@code spark-train}) runs an application's own training, with its
   * options, presets, checks, checkpoints and model file, on the cluster's workers, and how
   * {@code train --device gpu} makes its updates on the GPU (a source that is also
   * {@link Trainer.DeviceUpdates}). Runs of other threads are not touched.
   */
  public static void distributeGradients(Function<Trainer, Trainer.BatchGradients> source) {
    if (source == null) {
      DISTRIBUTED_GRADIENTS.remove();
    } else {
      DISTRIBUTED_GRADIENTS.set(source);
    }
  }

  /** The checkpoint of the model file {@code out}: OUT.ckpt beside it. */
  public static Path checkpointPath(Path out) {
    return out.resolveSibling(out.getFileName() + ".ckpt");
  }

  /** The training curve of the model file {@code out}: OUT.loss.png beside it. */
  public static Path curvePath(Path out) {
    return out.resolveSibling(out.getFileName() + ".loss.png");
  }

  /** Base name of the gradient-norm telemetry (.tsv and .png) of the run's updates (a resumed run's too). */
  public static Path telemetryPath(Path out) {
    return out.resolveSibling(out.getFileName() + ".gradnorm");
  }

  /** The history of the run, resumed runs included. */
  public RunHistory history() {
    return history;
  }

  /** The best validation figure so far (NaN before the first check). */
  public double best() {
    return best;
  }

  /** The epoch (from 0) the run goes on with: the number of whole epochs done. */
  public int nextEpoch() {
    return nextEpoch;
  }

  /** Restores model, optimizer and history from {@code OUT.ckpt}; the run then goes on from the epoch after it. */
  public void resume() throws IOException {
    if (out == null) {
      throw new IllegalArgumentException("a run that writes no files has no checkpoint to resume from");
    }
    Path ckpt = checkpointPath(out);
    if (!Files.exists(ckpt)) {
      throw new ModelFileException("there is no checkpoint " + ckpt + " to resume from: a run writes one after each"
          + " whole epoch (one stopped within its first epoch has none); start without --resume");
    }
    ModelFile f = ModelFile.read(ckpt);
    if (!f.has("state") || !f.has(RunHistory.SECTION)) {
      throw new ModelFileException("checkpoint " + ckpt + " was written by an earlier jrnn, before every application"
          + " shared one training run; it cannot be resumed by this one: start afresh without --resume (its best"
          + " model, " + out + ", still loads)");
    }
    AppFile.Contents c = AppFile.read(f, ckpt, settings.schema(), settings.schema().kind() + " checkpoint");
    List<String> differences = settings.differencesFrom(c.settings());
    if (!differences.isEmpty()) {
      throw new ModelFileException("checkpoint " + ckpt + " was made with other settings (checkpoint -> this run): "
          + String.join(", ", differences));
    }
    // The data before the task's own checks: a run on other data fails there, not on its vocabulary.
    String data = f.getProperties("state").get("data_hash");
    long here = task.dataHash();
    if (data != null && !data.equals("0") && here != 0 && !data.equals(Long.toHexString(here))) {
      throw new ModelFileException("checkpoint " + ckpt + " was made on other training or validation data than this"
          + " run's (their hashes differ: " + data + " there, " + Long.toHexString(here) + " here): resume with the"
          + " files and splits it was made with, or start afresh without --resume");
    }
    task.checkResumable(c);
    Parameters params = task.trained().parameters();
    params.copyValuesFrom(c.parameters(params.layout()));
    float[] optimizerState = f.getFloats("optimizer");
    int expected = trainer.optimizer().stateSize(params.layout().size());
    if (optimizerState.length != 0 && optimizerState.length != expected) {
      // Adam would silently start its moments afresh: a resumed run no longer the unbroken one.
      throw new ModelFileException("checkpoint " + ckpt + " holds an optimizer state of " + optimizerState.length
          + " values; " + trainer.optimizer().describe() + " keeps " + expected + " for these "
          + params.layout().size() + " parameters");
    }
    trainer.optimizer().restore(optimizerState);
    trainer.parametersFromHost();
    history = c.history();
    Map<String, String> state = f.getProperties("state");
    try {
      best = Double.parseDouble(state.get("best"));
      checksSinceBest = Integer.parseInt(state.get("checks_since_best"));
      trainer.setSteps(Long.parseLong(state.get("updates")));
      nextEpoch = Integer.parseInt(state.get("next_epoch"));
      trainer.setLearningRateScale(Double.parseDouble(state.getOrDefault("lr_scale", "1")));
    } catch (RuntimeException e) {
      throw new ModelFileException("checkpoint " + ckpt + " has a malformed state section " + state);
    }
    wroteModel = true;
    ownCheckpoint = true;
    String summed = state.get("summed_on");
    if (summed != null && !summed.equals(trainer.summedOn())) {
      log.println("note: the checkpoint's run summed on " + summed + ", this one on " + trainer.summedOn() + ": it"
          + " goes on as that run would to float rounding, not bit for bit (JRNN_THREADS sets the threads)");
    }
    String lostTelemetry = telemetry.continueFrom(telemetryPath(out), trainer.steps());
    if (lostTelemetry != null) {
      log.println("note: " + lostTelemetry);
    }
    log.printf(Locale.ROOT, "resumed from %s: %d epoch(s) done, best validation %s%n", ckpt, nextEpoch,
        Double.isNaN(best) ? "none yet" : task.metric().format(best));
    int patience = settings.get(CommonSettings.PATIENCE);
    if (patience > 0 && checksSinceBest >= patience) {
      log.printf(Locale.ROOT, "note: the run had stopped after %d checks without a new best (--patience %d); it goes on"
          + " to the next check and stops there unless that check is a new best (a larger --patience goes further)%n",
          checksSinceBest, patience);
    }
  }

  /**
   * The run as a train command starts it: prints the effective configuration, resumes from the
   * checkpoint when asked (or says that one exists), runs, and ends with the line scripts read,
   * "validation perplexity: 120.3200".
   */
  public RunHistory execute(boolean resume) throws IOException {
    log.println("settings (" + settings.schema().kind() + "):");
    log.print(settings.describe());
    if (resume) {
      resume();
    } else if (out != null && hasCheckpoint(out)) {
      log.println("note: " + checkpointPath(out) + " exists; starting afresh (use --resume to continue from it); it"
          + " is removed when this run first writes its files");
    }
    RunHistory h = run();
    if (task.hasValidation()) {
      log.println(task.metric().closingLine("validation ", best));
    }
    return h;
  }

  /** Runs to the last epoch, or until patience or the time budget stops it. */
  public RunHistory run() throws IOException {
    return run(settings.get(CommonSettings.EPOCHS));
  }

  /** As {@link #run()}, ending after epoch {@code end} as a run stopped there would (its checkpoint written). */
  public RunHistory run(int end) throws IOException {
    if (out != null) {
      requireOutputsWritable(out, task.metric());
      // A run killed while writing one of its files (a crash, the OOM killer) left a temporary file.
      Path dir = out.toAbsolutePath().getParent();
      List<String> stale = AtomicFiles.removeStale(dir, out.getFileName().toString());
      if (!stale.isEmpty()) {
        log.println("removed " + stale.size() + " temporary file(s) that an interrupted run left: "
            + String.join(", ", stale));
      }
    }
    Metric metric = task.metric();
    int epochs = settings.get(CommonSettings.EPOCHS);
    int checks = settings.get(CommonSettings.CHECKS_PER_EPOCH);
    int patience = settings.get(CommonSettings.PATIENCE);
    double budgetNanos = settings.get(CommonSettings.MAX_MINUTES) * 60e9;
    long start = System.nanoTime();
    String stop = null;
    Snapshot atStart = settings.get(CommonSettings.ON_DIVERGENCE).equals("rollback") ? new Snapshot() : null;
    for (int e = nextEpoch; e < Math.min(end, epochs) && stop == null; e++) {
      try {
        trainer.startEpoch(e);
        double lr = trainer.learningRate();
        long epochSeed = settings.get(CommonSettings.SEED) * 1_000_003L + e + 1;
        Rng rng = new Rng(epochSeed);
        trainer.useRng(rng);
        // A stream of its own, so that the epoch's draws stay the CPU run's.
        trainer.restartDeviceDropout(new Rng(-epochSeed).nextLong());
        TrainingTask.Epoch epoch = task.epoch(e, rng);
        int n = epoch.updates();
        if (n < 1) {
          // An epoch of no updates would write an untrained model as if trained.
          throw new IllegalArgumentException("there is nothing to train on: an epoch of the training data ("
              + task.unitsPerEpoch() + " " + task.unit() + ") makes no update");
        }
        String label = String.format(Locale.ROOT, "epoch %d/%d", e + 1, epochs);
        Progress progress = new Progress(log, label, task.unitsPerEpoch(), task.unit(), metric::describeLoss);
        long t0 = System.nanoTime();
        long checkNanos = 0;
        LossStats total = LossStats.NONE;
        int nextCheck = 1;
        int done = 0;
        double epochLast = Double.NaN;
        double epochBest = Double.NaN;
        while (done < n) {
          total = total.plus(epoch.next(trainer));
          done++;
          progress.update(total.count(), total.mean());
          if ((long) done * checks < (long) nextCheck * n) {
            continue;
          }
          while (nextCheck <= checks && (long) done * checks >= (long) nextCheck * n) {
            nextCheck++;
          }
          long c0 = System.nanoTime();
          if (task.hasValidation()) {
            TrainingTask.Validation v = task.validate(trainer);
            double figure = v.figure();
            history.add(new RunHistory.Check(e + 1, done, n, figure, v.loss()));
            epochLast = figure;
            epochBest = metric.better(figure, epochBest) ? figure : epochBest;
            boolean better = metric.better(figure, best);
            if (better) {
              best = figure;
              checksSinceBest = 0;
              saveModel();
            } else {
              checksSinceBest++;
            }
            progress.print(String.format(Locale.ROOT, "%s, check %d/%d  valid %s  %.1f s%s", label, nextCheck - 1,
                checks, metric.format(figure), (System.nanoTime() - c0) / 1e9, better ? "  best so far" + (out != null
                    ? ": saved" : "") : ""));
            if (patience > 0 && checksSinceBest >= patience) {
              stop = "patience";
            }
          }
          checkNanos += System.nanoTime() - c0;
          if (stop == null && budgetNanos > 0 && System.nanoTime() - start >= budgetNanos) {
            stop = "time budget";
          }
          if (stop != null) {
            break;
          }
        }
        double seconds = (System.nanoTime() - t0 - checkNanos) / 1e9;
        boolean whole = done == n;
        history.add(new RunHistory.Epoch(e + 1, lr, total.mean(), metric.of(total), epochLast, epochBest, seconds,
            whole), trainer.steps());
        if (!task.hasValidation()) {
          saveModel(); // nothing to judge by: the latest model is the one kept
        }
        progress.finish(String.format(Locale.ROOT, "%s  lr %.4g  train %s%s  %.0f s (%s %s/s)%s", label, lr,
            metric.describeLoss(total.mean()), Double.isNaN(epochLast) ? "" : "  valid " + metric.format(epochLast)
                + (checks > 1 ? " (best of the epoch's checks: " + metric.format(epochBest) + ")" : ""),
            seconds, formatRate(total.count() / seconds), task.unit(), whole ? "" : "  (stopped after update " + done
                + " of " + n + ": " + stop + ")"));
        nextEpoch = whole ? e + 1 : e;
        if (out != null) {
          if (whole) {
            writeCheckpoint();
          }
          removeEarlierCheckpoint();
          telemetry.writeTable(telemetryPath(out));
          charts.draw("the learning curve", this::writeCurve);
          charts.draw("the gradient norms", () -> telemetry.writeChart(telemetryPath(out)));
        }
      } catch (TrainingDivergedException d) {
        rollBack(d, atStart);
        e = nextEpoch - 1;
      }
    }
    // The trained model is the host's when the run returns, wherever its updates were made.
    trainer.parametersToHost();
    history.stopped(stop != null ? stop : nextEpoch >= epochs ? "finished" : "stopped after epoch " + nextEpoch);
    if (out != null && wroteModel && Files.exists(out)) {
      // The kept model's file tells the whole run, not the run up to the check that made it.
      ModelFile f = ModelFile.read(out);
      f.putText(RunHistory.SECTION, history.toText());
      f.write(out);
    }
    log.printf(Locale.ROOT, "done in %s: %s%s%n", Progress.formatTime((System.nanoTime() - start) / 1e9),
        history.summary(), out == null ? "" : "; model in " + out + (charts.unavailableReason() == null
            ? ", learning curve in " + curvePath(out) : " (no charts: they could not be drawn here)"));
    return history;
  }

  /** The state a rollback returns to before the run's first checkpoint: the run's start. */
  private final class Snapshot {
    {
      // Parameters a device updates come back first (before the fields below read them).
      trainer.parametersToHost();
    }

    final float[] parameters = task.trained().parameters().values().toArray();
    final float[] optimizer = trainer.optimizer().state();
    final long steps = trainer.steps();
    final int epoch = nextEpoch;
    final RunHistory runHistory = history.copy();
    final double bestFigure = best;
    final int checksWithoutBest = checksSinceBest;

    void restore() {
      task.trained().parameters().values().copyFrom(Tensor.of(parameters, parameters.length));
      trainer.optimizer().restore(optimizer);
      trainer.parametersFromHost();
      trainer.setSteps(steps);
      nextEpoch = epoch;
      history = runHistory.copy();
      best = bestFigure;
      checksSinceBest = checksWithoutBest;
    }
  }

  /**
   * After a divergence: with {@code on_divergence=rollback} (and rollbacks left), reloads this
   * run's last checkpoint, or {@code atStart} before its first, and lowers the learning rate;
   * otherwise rethrows. The best model already written stays the best, and the history keeps the
   * abandoned epoch's checks.
   */
  private void rollBack(TrainingDivergedException d, Snapshot atStart) throws IOException {
    int allowed = settings.get(CommonSettings.MAX_ROLLBACKS);
    if (atStart == null || rollbacks >= allowed) {
      try {
        trainer.parametersToHost(); // those before the update that diverged, as the exception says
      } catch (RuntimeException e) {
        d.addSuppressed(e);
      }
      if (atStart != null) {
        throw new TrainingDivergedException(d.getMessage() + " (after " + rollbacks + " rollbacks, --max-rollbacks "
            + allowed + ")");
      }
      throw d;
    }
    rollbacks++;
    double scale = trainer.learningRateScale() * settings.get(CommonSettings.DIVERGENCE_LR_FACTOR);
    double bestBefore = best;
    int checksBefore = checksSinceBest;
    // The history keeps what happened, the checks of the abandoned epoch included (among them,
    // perhaps, the one that made the best model).
    RunHistory whole = history;
    String from;
    if (out != null && ownCheckpoint && hasCheckpoint(out)) {
      resume();
      from = "the checkpoint after epoch " + nextEpoch;
    } else {
      atStart.restore();
      from = "the run's start" + (nextEpoch > 0 ? " (after epoch " + nextEpoch + ")" : "");
    }
    if (task.metric().better(bestBefore, best)) {
      // The model file holds the better figure of the rolled-back epochs: keep judging against it.
      best = bestBefore;
      checksSinceBest = checksBefore;
    }
    history = whole;
    if (!(scale > 0)) {
      throw new TrainingDivergedException(d.getMessage() + " (the learning rate cannot be lowered further)");
    }
    trainer.setLearningRateScale(scale);
    log.printf(Locale.ROOT, "divergence: %s%nrollback %d of %d: back to %s, learning rate scaled by %s, going on%n",
        d.getMessage(), rollbacks, allowed, from, scale);
  }

  private static String formatRate(double v) {
    return String.format(Locale.ROOT, "%,.0f", v);
  }

  /**
   * Removes an earlier run's checkpoint before this run writes over that run's files: --resume
   * would take it for this run's, and write its best figure and history into a model they do not
   * describe (or take up this run's gradient norms as its own).
   */
  private void removeEarlierCheckpoint() throws IOException {
    if (!ownCheckpoint && hasCheckpoint(out)) {
      Files.delete(checkpointPath(out));
      log.println("removed " + checkpointPath(out) + ", the earlier run's checkpoint: this run's files replace that"
          + " run's");
    }
  }

  private void saveModel() throws IOException {
    if (out != null) {
      removeEarlierCheckpoint();
      trainer.parametersToHost();
      task.file().putHistory(history).write(out);
      wroteModel = true;
    }
  }


  private void writeCheckpoint() throws IOException {
    trainer.parametersToHost();
    AppFile f = task.file().putHistory(history);
    ModelFile c = f.container();
    c.putFloats("optimizer", trainer.optimizer().state());
    c.putProperties("state", Map.of("next_epoch", Integer.toString(nextEpoch), "best", Double.toString(best),
        "checks_since_best", Integer.toString(checksSinceBest), "updates", Long.toString(trainer.steps()),
        "lr_scale", Double.toString(trainer.learningRateScale()), "summed_on", trainer.summedOn(),
        "data_hash", Long.toHexString(task.dataHash())));
    c.write(checkpointPath(out));
    ownCheckpoint = true;
  }

  /**
   * The training figure per epoch and the validation figure at every check, against epochs; for a
   * metric not made from a loss (BLEU), the training loss per epoch and the validation loss at
   * every check, with the figure at every check on a chart of its own beside.
   */
  private void writeCurve() throws IOException {
    Metric m = task.metric();
    List<RunHistory.Epoch> eps = history.epochs();
    boolean fromLoss = eps.stream().anyMatch(e -> !Double.isNaN(e.trainFigure()));
    double[] x = new double[eps.size()];
    double[] tr = new double[eps.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = eps.get(i).epoch();
      tr[i] = fromLoss ? eps.get(i).trainFigure() : eps.get(i).trainLoss();
    }
    List<RunHistory.Check> cs = history.checks();
    double[] cx = new double[cs.size()];
    double[] va = new double[cs.size()];
    double[] vl = new double[cs.size()];
    for (int i = 0; i < cx.length; i++) {
      cx[i] = cs.get(i).epoch() - 1 + (double) cs.get(i).update() / cs.get(i).updates();
      va[i] = cs.get(i).figure();
      vl[i] = cs.get(i).loss();
    }
    String title = settings.schema().kind() + ": " + out.getFileName();
    LineChart chart = new LineChart(title, "epoch", fromLoss ? m.name() : "loss (nats per " + singular(task.unit())
        + ")").line(task.trainingCurveName(), x, tr);
    if (cx.length > 0) {
      chart.line("validation", cx, fromLoss ? va : vl);
    }
    if (fromLoss && m.logScale()) {
      chart.logY("0");
    }
    chart.write(curvePath(out), 800, 500);
    if (!fromLoss && cx.length > 0) {
      new LineChart(title, "epoch", m.name()).line("validation", cx, va).write(figureCurvePath(out, m), 800, 500);
    }
  }

  private static String singular(String unit) {
    return unit.endsWith("s") ? unit.substring(0, unit.length() - 1) : unit;
  }

  /** The validation figure's own curve, for a metric not made from a loss: OUT.bleu.png for BLEU. */
  public static Path figureCurvePath(Path out, Metric metric) {
    return out.resolveSibling(out.getFileName() + "." + metric.abbreviation().toLowerCase(Locale.ROOT) + ".png");
  }

  /**
   * Fails now, naming the file, when any file a run of model file {@code out} writes could not be
   * written (a folder in its place, a folder that cannot be made): the model, its checkpoint, its
   * curves and its gradient norms' table, which a run would otherwise meet after its first epoch.
   * {@code metric}: the run's, whose own curve it may draw (null: not that one).
   */
  public static void requireOutputsWritable(Path out, Metric metric) throws IOException {
    List<Path> files = new java.util.ArrayList<>(List.of(out, checkpointPath(out), curvePath(out),
        Telemetry.tablePath(telemetryPath(out)), Telemetry.chartPath(telemetryPath(out))));
    if (metric != null) {
      files.add(figureCurvePath(out, metric));
    }
    for (Path f : files) {
      AtomicFiles.requireWritable(f);
    }
  }

  /** True when a checkpoint exists for {@code out}. */
  public static boolean hasCheckpoint(Path out) {
    return Files.exists(checkpointPath(out));
  }
}
