package jrnn.apps.speech;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import jrnn.data.Batch;
import jrnn.data.LengthBatches;
import jrnn.decode.WordErrorRate;
import jrnn.frame.AppFile;
import jrnn.frame.CommonSettings;
import jrnn.frame.Metric;
import jrnn.frame.TrainingTask;
import jrnn.io.ModelFileException;
import jrnn.layers.Ctc;
import jrnn.models.InferencePass;
import jrnn.models.LossNormalization;
import jrnn.models.LossStats;
import jrnn.models.SequenceModel;
import jrnn.tensor.Tensor;
import jrnn.training.Trainer;
import jrnn.training.TrainingConfig;
import jrnn.util.Rng;

/**
 * A recurrent recogniser's training for {@link jrnn.frame.TrainingRun}: each epoch the training
 * recordings augmented afresh (when augmentation is on), batches of recordings of similar length,
 * and validation by word accuracy (a word classifier) or word error rate (a CTC recogniser,
 * decoded as the setting {@code beam} says).
 */
public final class SpeechTask implements TrainingTask {
  /** The error rate over the reference words; lower is better. */
  public static final Metric WER = new Metric("WER", "WER", false, true, false, s -> Double.NaN);
  /** Batches of a pool sorted by length before they are cut. */
  static final int POOL_BATCHES = 20;

  private final SpeechModel model;
  private final List<Utterance> train;
  private final List<Utterance> valid;
  private final Augmentation augmentation;
  private final List<float[][]> trainFeatures;
  private final List<float[][]> validFeatures;
  private final int[][] trainLabels;
  /** Training recordings left out, too short for their transcripts (CTC). */
  private final int leftOut;
  /** What was left out and why, or null. */
  private final String note;

  /**
   * The task of training the network of {@code model} on {@code train}, validated on {@code valid};
   * not for a template recogniser. For CTC, the training recordings too short for their
   * transcripts are left out, as {@link #note} says.
   */
  public SpeechTask(SpeechModel model, List<Utterance> train, List<Utterance> valid) {
    if (model.usesTemplates()) {
      throw new IllegalArgumentException("a template recogniser is not trained by updates; it keeps its templates");
    }
    this.model = model;
    this.train = model.sequences() ? alignable(model, train) : train;
    this.leftOut = train.size() - this.train.size();
    this.valid = valid;
    // Now, not after the first epoch's updates: a validation word the training data never says.
    for (Utterance u : valid) {
      for (String w : u.words()) {
        if (!model.words().contains(w)) {
          throw new IllegalArgumentException(u.name() + ": says '" + w + "', a word no training recording says ("
              + model.words() + ")");
        }
      }
    }
    this.augmentation = Augmentation.of(model.settings());
    if (model.sequences() && (augmentation.cropEnd() > 0 || augmentation.shiftMs() > 0)) {
      // Both cut speech from an end (a shift earlier cuts up to half), and CTC reads the whole transcript.
      throw new IllegalArgumentException("crop_end=" + augmentation.cropEnd() + " and shift_ms="
          + augmentation.shiftMs() + " cut words from a recording whose whole transcript CTC reads: with task=ctc"
          + " set both to 0 (speed, vtlp, noise_snr and the masks keep every word)");
    }
    if (!model.sequences()) {
      for (List<Utterance> side : List.of(train, valid)) {
        for (Utterance u : side) {
          if (u.words().size() != 1) {
            throw new IllegalArgumentException(u.name() + ": a word classifier trains and is checked on recordings"
                + " of one word; this one says " + u.words());
          }
        }
      }
    }
    this.trainFeatures = augmentation.any() ? null : model.features().of(this.train);
    this.validFeatures = model.features().of(valid);
    this.trainLabels = new int[this.train.size()][];
    for (int i = 0; i < this.train.size(); i++) {
      trainLabels[i] = model.ids(this.train.get(i).words());
    }
    this.note = leftOut == 0 ? null : String.format(java.util.Locale.ROOT, "note: %,d of the %,d training"
        + " recordings are left out, too short for their transcripts at hop_ms %s and stride %d, which CTC could"
        + " not align (%s)", leftOut, train.size(), settings().get(SpeechSettings.HOP_MS),
        settings().get(SpeechSettings.STRIDE), tooShort(model, train.stream().filter(u -> !alignable(model, u))
            .findFirst().orElseThrow()));
  }

  /**
   * The recordings CTC can align at the model's settings: those whose steps (as recorded; speed
   * perturbation may shorten one in an epoch, which then adds nothing to that epoch's loss) hold
   * their transcript. A recording too short adds nothing to the loss or its gradient, and a run of
   * nothing else would train nothing while it reported a NaN loss: that is refused.
   */
  private static List<Utterance> alignable(SpeechModel model, List<Utterance> train) {
    List<Utterance> kept = train.stream().filter(u -> alignable(model, u)).toList();
    if (kept.isEmpty() && !train.isEmpty()) {
      throw new IllegalArgumentException("every one of the " + train.size() + " training recordings is too short"
          + " for its transcript at hop_ms " + model.settings().get(SpeechSettings.HOP_MS) + " and stride "
          + model.settings().get(SpeechSettings.STRIDE) + ", which CTC could not align (" + tooShort(model,
          train.get(0)) + "): lower hop_ms or stride");
    }
    return kept;
  }

  private static boolean alignable(SpeechModel model, Utterance u) {
    return model.features().steps(u.audio()) >= Ctc.framesNeeded(model.ids(u.words()));
  }

  private static String tooShort(SpeechModel model, Utterance u) {
    return u.name() + " says " + u.words().size() + " word(s), which take at least "
        + Ctc.framesNeeded(model.ids(u.words())) + " steps with a blank between repeated words, and gives "
        + model.features().steps(u.audio());
  }

  /** What the task left out of the training recordings and why, or empty. */
  public java.util.Optional<String> note() {
    return java.util.Optional.ofNullable(note);
  }

  @Override
  public SpeechModel trained() {
    return model;
  }

  @Override
  public TrainingConfig trainingConfig() {
    return CommonSettings.trainingConfig(settings(), LossNormalization.PER_SEQUENCE, 0);
  }

  @Override
  public Metric metric() {
    return model.sequences() ? WER : Metric.ACCURACY;
  }

  @Override
  public String unit() {
    return "recordings";
  }

  @Override
  public long unitsPerEpoch() {
    return train.size();
  }

  @Override
  public Epoch epoch(int epoch, Rng rng) {
    List<float[][]> xs = trainFeatures != null ? trainFeatures : model.features().augmented(train, augmentation, rng);
    List<int[]> batches = LengthBatches.shuffled(xs.size(), Comparator.comparingInt(i -> xs.get(i).length),
        settings().get(CommonSettings.BATCH), POOL_BATCHES, rng);
    SequenceModel net = model.network();
    return new Epoch() {
      private int next;

      @Override
      public int updates() {
        return batches.size();
      }

      @Override
      public LossStats next(Trainer trainer) {
        int[] ids = batches.get(next++);
        List<float[][]> part = new ArrayList<>();
        int[][] labels = new int[ids.length][];
        int[] targets = new int[ids.length];
        for (int j = 0; j < ids.length; j++) {
          part.add(xs.get(ids[j]));
          labels[j] = trainLabels[ids[j]];
          targets[j] = model.sequences() ? 0 : labels[j][0];
        }
        if (!model.sequences()) {
          return trainer.step(SpeechModel.batch(part, targets), null).loss();
        }
        return trainer.update(new CtcPass(net.config(), part.toArray(new float[0][][]), labels), net).loss();
      }
    };
  }

  /**
   * The CTC loss of the network's last forward pass over {@code batch} (SPEC 6.2's connected words;
   * jrnn.layers.Ctc), summed over the sequences it can align; with {@code grad}, the gradient of
   * the loss's mean over the batch added to it. A labelling longer than its recording can hold
   * (more labels, with the blanks that must separate repeats, than steps) has no alignment: it
   * adds nothing to the loss and is left out of its count (the tally's sequences hold it), while the
   * gradient's mean is still over the whole batch.
   */
  static LossStats ctcLoss(Tensor outputs, int classes, Batch batch, int[][] labels, Tensor grad) {
    int b = batch.size();
    Ctc.Result[] r = Ctc.batch(outputs, batch.steps(), b, classes, SpeechModel.BLANK_ID, batch.lengths(), labels, grad,
        1.0 / b);
    double sum = 0;
    int feasible = 0;
    for (Ctc.Result x : r) {
      if (x.feasible()) {
        sum += x.loss();
        feasible++;
      }
    }
    return new LossStats(sum, feasible, 0, b);
  }

  @Override
  public boolean hasValidation() {
    return !valid.isEmpty();
  }

  @Override
  public Validation validate() {
    return validate((InferencePass) null);
  }

  /** On the device where the updates run, when they run on one: the parameters stay there. */
  @Override
  public Validation validate(Trainer trainer) {
    if (!trainer.updatesOnDevice()) {
      return TrainingTask.super.validate(trainer);
    }
    return validate(trainer.inference());
  }

  /** The validation figures from the network's passes on {@code pass} (a device's), or here when it is null. */
  private Validation validate(InferencePass pass) {
    List<List<String>> refs = valid.stream().map(Utterance::words).toList();
    LossStats loss = model.loss(validFeatures, refs, pass);
    if (!model.sequences()) {
      return Validation.of(Metric.ACCURACY, loss);
    }
    List<List<String>> hyps = model.recognizeFeatures(validFeatures, settings().get(SpeechSettings.BEAM), pass);
    return new Validation(WordErrorRate.corpus(hyps, refs).rate(), loss.mean());
  }

  @Override
  public long dataHash() {
    return TrainingTask.dataHash(train, valid,
        u -> 31L * (31L * u.name().hashCode() + u.words().hashCode()) + u.audio().samples().length);
  }

  @Override
  public void checkResumable(AppFile.Contents checkpoint) throws ModelFileException {
    checkpoint.requireVocabulary("labels", model.labels());
    SpeechFeatures.Statistics ours = model.features().statistics();
    float[] theirs = checkpoint.file().has("normalization") ? checkpoint.file().getFloats("normalization") : null;
    if ((ours == null) != (theirs == null) || ours != null && !java.util.Arrays.equals(theirs, SpeechModel.flat(ours))) {
      throw new ModelFileException("model file " + checkpoint.path() + " was normalized by other statistics than this"
          + " run's training data gives: it was trained on other recordings");
    }
  }
}
