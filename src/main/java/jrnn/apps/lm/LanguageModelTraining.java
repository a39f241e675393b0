package jrnn.apps.lm;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jrnn.data.TokenStream;
import jrnn.data.Vocabulary;
import jrnn.io.ModelFile;
import jrnn.io.ModelFileException;
import jrnn.models.LossNormalization;
import jrnn.models.LossStats;
import jrnn.optim.LearningRateSchedule;
import jrnn.plot.LineChart;
import jrnn.training.Progress;
import jrnn.training.Telemetry;
import jrnn.training.Trainer;
import jrnn.training.TrainingConfig;
import jrnn.util.Rng;

/**
 * Trains a language model epoch by epoch with truncated BPTT, measuring validation after each
 * epoch. The best model so far is written to the output file; a checkpoint of the last epoch
 * (model, optimizer state, history) to {@code OUT.ckpt}, from which an interrupted run resumes;
 * the loss curve to {@code OUT.loss.png}, and the global gradient norm of every update, before
 * and after clipping, to {@code OUT.gradnorm.tsv} and {@code .png}. Each epoch draws its dropout masks from a generator
 * made from the seed and the epoch number, so a resumed run continues exactly as an
 * uninterrupted one would.
 */
public final class LanguageModelTraining {

  /** One epoch's figures. */
  public record Epoch(int epoch, double lr, double trainLoss, double validLoss, double seconds) {}

  private final LanguageModel lm;
  private final int[] train;
  private final int[] valid;
  private final Path out;
  private final PrintStream log;
  private final Trainer trainer;
  private final List<Epoch> history = new ArrayList<>();
  private final Telemetry telemetry = new Telemetry();
  private double best = Double.POSITIVE_INFINITY;

  public LanguageModelTraining(LanguageModel lm, int[] train, int[] valid, Path out, PrintStream log) {
    this.lm = lm;
    this.train = train;
    this.valid = valid;
    this.out = out;
    this.log = log;
    LmSettings s = lm.settings();
    this.trainer = new Trainer(lm.model(), new TrainingConfig(s.optimizer(), 0,
        new LearningRateSchedule(s.lr(), s.decayStart(), s.decayFactor()), s.clipNorm(), 0, 0,
        s.normalization().equals("sequence") ? LossNormalization.PER_SEQUENCE : LossNormalization.PER_OUTPUT),
        new Rng(s.seed()));
    this.trainer.addListener(telemetry);
  }

  public static Path checkpointPath(Path out) {
    return out.resolveSibling(out.getFileName() + ".ckpt");
  }

  public static Path curvePath(Path out) {
    return out.resolveSibling(out.getFileName() + ".loss.png");
  }

  /** Base name of the gradient-norm telemetry (.tsv and .png) of this process's updates. */
  public static Path telemetryPath(Path out) {
    return out.resolveSibling(out.getFileName() + ".gradnorm");
  }

  public List<Epoch> history() {
    return history;
  }

  public double bestValidation() {
    return best;
  }

  /** Builds the vocabulary of a training text for these settings. */
  public static Vocabulary vocabulary(LmSettings s, List<String> trainTokens) {
    return Vocabulary.build(trainTokens, s.vocabCap());
  }

  /** Restores model, optimizer and history from a checkpoint; returns the next epoch to run. */
  public int resume(Path checkpoint) throws IOException {
    ModelFile f = ModelFile.read(checkpoint);
    LanguageModel saved = LanguageModel.fromFile(f, checkpoint);
    if (!saved.settings().equals(lm.settings())) {
      throw new ModelFileException("checkpoint " + checkpoint + " was made with other settings:\n  "
          + saved.settings() + "\nthis run has\n  " + lm.settings());
    }
    if (!saved.vocabulary().tokens().equals(lm.vocabulary().tokens())) {
      throw new ModelFileException("checkpoint " + checkpoint + " has another vocabulary than this training text");
    }
    lm.model().parameters().copyValuesFrom(saved.model().parameters());
    trainer.optimizer().restore(f.getFloats("optimizer"));
    for (String line : f.getText("history").split("\n")) {
      if (!line.isBlank()) {
        String[] p = line.trim().split(" ");
        history.add(new Epoch(Integer.parseInt(p[0]), Double.parseDouble(p[1]), Double.parseDouble(p[2]),
            Double.parseDouble(p[3]), Double.parseDouble(p[4])));
      }
    }
    Map<String, String> state = f.getProperties("state");
    best = Double.parseDouble(state.get("best_valid"));
    trainer.setSteps(Long.parseLong(state.get("updates")));
    return Integer.parseInt(state.get("next_epoch"));
  }

  /** Runs epochs [first, settings.epochs). */
  public void run(int first) throws IOException {
    runUntil(first, lm.settings().epochs());
  }

  /** Runs epochs [first, end), as a run that stops after epoch {@code end} would. */
  public void runUntil(int first, int end) throws IOException {
    LmSettings s = lm.settings();
    TokenStream trainStream = new TokenStream(train);
    for (int e = first; e < Math.min(end, s.epochs()); e++) {
      trainer.startEpoch(e);
      double lr = trainer.learningRate();
      trainer.useRng(new Rng(s.seed() * 1_000_003L + e + 1));
      String unit = s.wordLevel() ? "words" : "chars";
      Progress progress = new Progress(log, String.format(Locale.ROOT, "epoch %d/%d", e + 1, s.epochs()),
          trainStream.predictions(s.batch()), unit, this::metric);
      long t0 = System.nanoTime();
      int epochIndex = e;
      int[] checked = {0};
      long[] checkNanos = {0};
      LossStats tr;
      try {
        tr = trainer.trainStream(trainStream, s.batch(), s.steps(), progress, s.checksPerEpoch(), () -> {
          long c0 = System.nanoTime();
          checked[0]++;
          LossStats check = lm.evaluate(valid, s.steps());
          boolean better = keepIfBest(check.mean());
          checkNanos[0] += System.nanoTime() - c0;
          progress.print(String.format(Locale.ROOT, "epoch %d/%d, check %d/%d  valid %s  %.1f s%s", epochIndex + 1,
              s.epochs(), checked[0], s.checksPerEpoch(), metric(check.mean()), (System.nanoTime() - c0) / 1e9,
              better ? "  best so far: saved" : ""));
        });
      } catch (UncheckedIOException ex) {
        throw ex.getCause();
      }
      // Training time alone: the checks print their own.
      double seconds = (System.nanoTime() - t0 - checkNanos[0]) / 1e9;
      LossStats va = lm.evaluate(valid, s.steps());
      history.add(new Epoch(e + 1, lr, tr.mean(), va.mean(), seconds));
      boolean improved = keepIfBest(va.mean());
      progress.finish(String.format(Locale.ROOT, "epoch %d/%d  lr %.4g  train %s  valid %s  %.0f s (%,.0f %s/s)%s",
          e + 1, s.epochs(), lr, metric(tr.mean()), metric(va.mean()), seconds, tr.count() / seconds, unit,
          improved ? "  best so far: saved" : ""));
      writeCheckpoint(e + 1);
      writeCurve();
      telemetry.write(telemetryPath(out));
    }
  }

  /** Saves the model when {@code validLoss} is the best so far; says whether it did. */
  private boolean keepIfBest(double validLoss) {
    if (!(validLoss < best)) {
      return false;
    }
    best = validLoss;
    try {
      lm.save(out);
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    return true;
  }

  /** "loss 4.812 ppl 123.0" or "loss 1.402 bpc 2.023". */
  public String metric(double nats) {
    return lm.settings().wordLevel()
        ? String.format(Locale.ROOT, "loss %.3f ppl %.1f", nats, Math.exp(nats))
        : String.format(Locale.ROOT, "loss %.3f bpc %.3f", nats, nats / Math.log(2));
  }

  private void writeCheckpoint(int nextEpoch) throws IOException {
    ModelFile f = lm.toFile();
    f.putFloats("optimizer", trainer.optimizer().state());
    StringBuilder h = new StringBuilder();
    for (Epoch ep : history) {
      h.append(String.format(Locale.ROOT, "%d %s %s %s %s%n", ep.epoch(), ep.lr(), ep.trainLoss(),
          ep.validLoss(), ep.seconds()));
    }
    f.putText("history", h.toString());
    f.putProperties("state", Map.of("next_epoch", Integer.toString(nextEpoch),
        "best_valid", Double.toString(best), "updates", Long.toString(trainer.steps())));
    f.write(checkpointPath(out));
  }

  private void writeCurve() throws IOException {
    double[] x = new double[history.size()];
    double[] tr = new double[x.length];
    double[] va = new double[x.length];
    boolean words = lm.settings().wordLevel();
    for (int i = 0; i < x.length; i++) {
      x[i] = history.get(i).epoch();
      tr[i] = words ? Math.exp(history.get(i).trainLoss()) : history.get(i).trainLoss() / Math.log(2);
      va[i] = words ? Math.exp(history.get(i).validLoss()) : history.get(i).validLoss() / Math.log(2);
    }
    LineChart chart = new LineChart("Language model: " + out.getFileName(), "epoch",
        words ? "perplexity" : "bits per character").line("training", x, tr).line("validation", x, va);
    if (words) {
      chart.logY("0");
    }
    chart.write(curvePath(out), 800, 500);
  }

  /** True when a checkpoint exists for {@code out}. */
  public static boolean hasCheckpoint(Path out) {
    return Files.exists(checkpointPath(out));
  }
}
