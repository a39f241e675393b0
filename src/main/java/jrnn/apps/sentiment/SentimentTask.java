package jrnn.apps.sentiment;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import jrnn.data.LengthBatches;
import jrnn.frame.AppFile;
import jrnn.frame.CommonSettings;
import jrnn.frame.Metric;
import jrnn.frame.TrainingTask;
import jrnn.io.ModelFileException;
import jrnn.models.LossNormalization;
import jrnn.models.LossStats;
import jrnn.training.Trainer;
import jrnn.training.TrainingConfig;
import jrnn.util.Rng;

/**
 * A sentiment classifier's training for {@link jrnn.frame.TrainingRun}: shuffled batches of
 * sentences of similar length (to waste little on padding), word dropout, validation by
 * polarity accuracy.
 */
public final class SentimentTask implements TrainingTask {
  /** Batches of a pool sorted by length before they are cut. */
  static final int POOL_BATCHES = 50;
  /** Sentences a validation batch holds. */
  static final int EVAL_BATCH = 200;

  private final SentimentModel model;
  private final List<Example> train;
  private final List<Example> valid;

  /** The task of training {@code model} on {@code train}, validated on {@code valid}. */
  public SentimentTask(SentimentModel model, List<Example> train, List<Example> valid) {
    this.model = model;
    this.train = train;
    this.valid = valid;
  }

  @Override
  public long dataHash() {
    return TrainingTask.dataHash(train, valid, e -> 31L * e.tokens().hashCode() + e.label());
  }

  @Override
  public SentimentModel trained() {
    return model;
  }

  @Override
  public TrainingConfig trainingConfig() {
    return CommonSettings.trainingConfig(settings(), LossNormalization.PER_OUTPUT,
        settings().get(SentimentSettings.ADVERSARIAL));
  }

  @Override
  public Metric metric() {
    return Metric.ACCURACY;
  }

  @Override
  public String unit() {
    return "sentences";
  }

  /** Fine-grained training is scored on its five labels, its checks on polarity: the curve says so. */
  @Override
  public String trainingCurveName() {
    return settings().get(SentimentSettings.FINE_GRAINED) ? "training (five labels)" : "training";
  }

  @Override
  public long unitsPerEpoch() {
    return train.size();
  }

  @Override
  public Epoch epoch(int epoch, Rng rng) {
    List<List<Example>> batches = batches(train, settings().get(CommonSettings.BATCH), rng);
    double wordDropout = settings().get(SentimentSettings.WORD_DROPOUT);
    return new Epoch() {
      private int next;

      @Override
      public int updates() {
        return batches.size();
      }

      @Override
      public LossStats next(Trainer trainer) {
        return trainer.step(model.batch(batches.get(next++), true, wordDropout, rng), null).loss();
      }
    };
  }

  /**
   * Batches for one epoch: shuffle, sort pools of 50 batches by length, cut into batches,
   * shuffle the batches.
   */
  static List<List<Example>> batches(List<Example> data, int batch, Rng rng) {
    List<List<Example>> out = new ArrayList<>();
    for (int[] ids : LengthBatches.shuffled(data.size(), Comparator.comparingInt(i -> data.get(i).tokens().size()),
        batch, POOL_BATCHES, rng)) {
      List<Example> b = new ArrayList<>();
      for (int i : ids) {
        b.add(data.get(i));
      }
      out.add(b);
    }
    return out;
  }

  @Override
  public boolean hasValidation() {
    return !valid.isEmpty();
  }

  @Override
  public Validation validate() {
    return Validation.of(metric(), model.evaluate(valid, EVAL_BATCH));
  }

  /** On the device where the updates run, when they run on one: the parameters stay there. */
  @Override
  public Validation validate(Trainer trainer) {
    if (!trainer.updatesOnDevice()) {
      return TrainingTask.super.validate(trainer);
    }
    return Validation.of(metric(), model.evaluate(valid, EVAL_BATCH, trainer.inference()));
  }

  @Override
  public void checkResumable(AppFile.Contents checkpoint) throws ModelFileException {
    checkpoint.requireVocabulary("vocab", model.vocabulary());
  }
}
