package jrnn.frame;

import jrnn.frame.AppFile.Contents;
import jrnn.models.LossStats;
import jrnn.training.Trainer;
import jrnn.training.TrainingConfig;
import jrnn.util.Rng;

/**
 * What an application hands {@link TrainingRun}: its model, its batches an epoch at a time, how
 * to train (loss normalization, adversarial inputs), its validation figure, and its model file.
 */
public interface TrainingTask {

  /** One epoch's updates in order: {@link #next} runs the next one through the trainer. */
  interface Epoch {
    /** How many updates the epoch has. */
    int updates();

    /** Runs the next update and returns its loss. */
    LossStats next(Trainer trainer);
  }

  /** The model being trained. */
  TrainedModel trained();

  /** The application's settings: those of the trained model. */
  default Settings settings() {
    return trained().settings();
  }


  /**
   * How to train: the shared settings' optimization, with the task's loss normalization and
   * adversarial norm.
   */
  TrainingConfig trainingConfig();

  /** The figure validation is judged by, and training described in. */
  Metric metric();

  /** What the progress line counts ("words", "sentences") and how many an epoch holds. */
  String unit();

  /** The units (see {@link #unit()}) an epoch holds. */
  long unitsPerEpoch();

  /** Epoch {@code epoch}'s updates; shuffling and dropout draw from {@code rng}, made for this epoch alone. */
  Epoch epoch(int epoch, Rng rng);

  /** False when there is nothing to validate on (the folds of a cross-validation): no checks, the last model kept. */
  boolean hasValidation();

  /**
   * A validation figure, by {@link #metric}, and the mean loss beside it (NaN where the figure is
   * not made from a loss, as BLEU is not).
   *
   * @param figure the validation figure by the task's {@link #metric()}
   * @param loss the mean validation loss beside it (NaN where the figure is not made from a loss)
   */
  record Validation(double figure, double loss) {
    /** The figure {@code metric} makes of a tally of loss and correct outputs, and its mean loss. */
    public static Validation of(Metric metric, LossStats tally) {
      return new Validation(metric.of(tally), tally.mean());
    }
  }

  /** Measures the model on the validation data (no dropout, parameters unchanged, training state untouched). */
  Validation validate();

  /**
   * {@link #validate()} in a run trained by {@code trainer}: a task whose measure the trainer can
   * take where its parameters are (a device that makes its updates, {@link Trainer#evaluate})
   * overrides this; by default the parameters come back to the host, where {@code validate()}
   * measures.
   */
  default Validation validate(Trainer trainer) {
    trainer.parametersToHost();
    return validate();
  }

  /**
   * The training line's name on the learning curve: "training", or what sets its figure apart
   * from the validation figure's (a classifier trained on five labels and checked on two).
   */
  default String trainingCurveName() {
    return "training";
  }

  /** The model file of the model as it is now. */
  default AppFile file() {
    return trained().toFile();
  }

  /** Checks that a checkpoint's contents belong to this run's data (a vocabulary, feature settings). */
  void checkResumable(Contents checkpoint) throws jrnn.io.ModelFileException;

  /**
   * A hash of the training and validation data as the run reads them, which a checkpoint records
   * so that a run is resumed on the data it was trained and checked on (another validation text
   * of the same vocabulary had been taken in silence, and its figures set beside the old best);
   * 0 checks nothing. Made of the data's own values (token ids, words, lengths), so that it is the
   * same in any JVM.
   */
  default long dataHash() {
    return 0;
  }

  /**
   * A {@link #dataHash} of a training and a validation list: their sizes and each item's
   * {@code hashOfOne}, in order.
   */
  static <T> long dataHash(java.util.List<T> train, java.util.List<T> valid,
      java.util.function.ToLongFunction<T> hashOfOne) {
    long h = 1;
    for (java.util.List<T> side : java.util.List.of(train, valid)) {
      h = 31 * h + side.size();
      for (T item : side) {
        h = 31 * h + hashOfOne.applyAsLong(item);
      }
    }
    return h;
  }
}
