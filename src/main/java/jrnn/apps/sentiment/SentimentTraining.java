package jrnn.apps.sentiment;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import jrnn.data.Batch;
import jrnn.models.LossNormalization;
import jrnn.models.LossStats;
import jrnn.optim.LearningRateSchedule;
import jrnn.training.Progress;
import jrnn.training.Telemetry;
import jrnn.training.Trainer;
import jrnn.training.TrainingConfig;
import jrnn.util.Rng;

/**
 * Trains a sentiment classifier: shuffled batches of sentences of similar length (to waste little
 * on padding), validation accuracy after each epoch, the best model kept.
 */
public final class SentimentTraining {

  /** One epoch's figures. */
  public record Epoch(int epoch, double trainLoss, double trainAccuracy, double validAccuracy, double seconds) {}

  private final SentimentModel model;
  private final List<Example> train;
  private final List<Example> valid;
  private final PrintStream log;
  private final List<Epoch> history = new ArrayList<>();
  private double best = -1;
  private int bestEpoch;

  public SentimentTraining(SentimentModel model, List<Example> train, List<Example> valid, PrintStream log) {
    this.model = model;
    this.train = train;
    this.valid = valid;
    this.log = log;
  }

  public List<Epoch> history() {
    return history;
  }

  public double bestValidationAccuracy() {
    return best;
  }

  public int bestEpoch() {
    return bestEpoch;
  }

  /**
   * Batches for one epoch: shuffle, sort pools of 50 batches by length, cut into batches,
   * shuffle the batches.
   */
  static List<List<Example>> batches(List<Example> data, int batch, Rng rng) {
    int[] order = new int[data.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    rng.shuffle(order);
    List<List<Example>> out = new ArrayList<>();
    int pool = batch * 50;
    for (int p = 0; p < order.length; p += pool) {
      List<Example> chunk = new ArrayList<>();
      for (int i = p; i < Math.min(order.length, p + pool); i++) {
        chunk.add(data.get(order[i]));
      }
      chunk.sort(Comparator.comparingInt(e -> e.tokens().size()));
      for (int i = 0; i < chunk.size(); i += batch) {
        out.add(chunk.subList(i, Math.min(chunk.size(), i + batch)));
      }
    }
    int[] bo = new int[out.size()];
    for (int i = 0; i < bo.length; i++) {
      bo[i] = i;
    }
    rng.shuffle(bo);
    List<List<Example>> shuffled = new ArrayList<>();
    for (int i : bo) {
      shuffled.add(out.get(i));
    }
    return shuffled;
  }

  /**
   * Trains for the settings' epochs; {@code evalsPerEpoch} times an epoch measures validation
   * accuracy (when there is a validation set) and writes the model to {@code out} when it is the
   * best so far (or, without validation, after the last epoch). {@code out} may be null.
   */
  public void run(Path out) throws IOException {
    SentimentSettings s = model.settings();
    Trainer trainer = new Trainer(model.model(), new TrainingConfig(s.optimizer(), 0,
        new LearningRateSchedule(s.lr(), 1, s.decay()), s.clipNorm(), 0, s.weightDecay(),
        LossNormalization.PER_OUTPUT, s.adversarial()), new Rng(s.seed()));
    Telemetry telemetry = new Telemetry();
    trainer.addListener(telemetry);
    for (int e = 0; e < s.epochs(); e++) {
      Rng rng = new Rng(s.seed() * 1_000_003L + e + 1);
      trainer.useRng(rng);
      trainer.startEpoch(e);
      double lr = trainer.learningRate();
      Progress progress = new Progress(log, String.format(Locale.ROOT, "epoch %d/%d", e + 1, s.epochs()),
          train.size(), "sentences", loss -> String.format(Locale.ROOT, "loss %.4f", loss));
      long t0 = System.nanoTime();
      LossStats total = LossStats.NONE;
      List<List<Example>> batches = batches(train, s.batch(), rng);
      int evals = valid.isEmpty() ? 1 : s.evalsPerEpoch();
      double epochBest = Double.NaN;
      boolean improvedInEpoch = false;
      for (int i = 0; i < batches.size(); i++) {
        Batch batch = model.batch(batches.get(i), true, s.wordDropout(), rng);
        total = total.plus(trainer.step(batch, null).loss());
        progress.update(total.count(), total.mean());
        boolean checkpoint = (long) (i + 1) * evals / batches.size() != (long) i * evals / batches.size();
        if (checkpoint && !valid.isEmpty()) {
          double acc = model.evaluate(valid, 200).accuracy();
          epochBest = Double.isNaN(epochBest) ? acc : Math.max(epochBest, acc);
          if (acc > best) {
            best = acc;
            bestEpoch = e + 1;
            improvedInEpoch = true;
            if (out != null) {
              model.save(out);
            }
          }
        }
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      history.add(new Epoch(e + 1, total.mean(), total.accuracy(), epochBest, seconds));
      if (out != null && valid.isEmpty() && e == s.epochs() - 1) {
        model.save(out);
      }
      if (out != null) {
        telemetry.write(out.resolveSibling(out.getFileName() + ".gradnorm"));
      }
      progress.finish(String.format(Locale.ROOT, "epoch %d/%d  lr %.3g  train loss %.4f accuracy %.2f%%%s%s  %.0f s%s",
          e + 1, s.epochs(), lr, total.mean(), 100 * total.accuracy(), s.fineGrained() ? " (five labels)" : "",
          valid.isEmpty() ? "" : String.format(Locale.ROOT, "  validation accuracy %.2f%%%s", 100 * epochBest,
              evals > 1 ? " (best of " + evals + " checks)" : ""), seconds,
          improvedInEpoch ? "  best so far" + (out != null ? ": saved" : "") : ""));
    }
  }
}
