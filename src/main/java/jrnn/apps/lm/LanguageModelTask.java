package jrnn.apps.lm;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import jrnn.data.TokenStream;
import jrnn.data.Vocabulary;
import jrnn.kernels.Kernels;
import jrnn.kernels.Parallel;
import jrnn.frame.AppFile;
import jrnn.frame.CommonSettings;
import jrnn.frame.Metric;
import jrnn.frame.Settings;
import jrnn.frame.TrainingTask;
import jrnn.io.ModelFileException;
import jrnn.models.LossNormalization;
import jrnn.models.LossStats;
import jrnn.training.Trainer;
import jrnn.training.TrainingConfig;
import jrnn.util.Rng;

/**
 * A language model's training for {@link jrnn.frame.TrainingRun}: truncated BPTT over the training
 * text as parallel streams, the state carried from window to window within an epoch; validation
 * by the loss per token on the validation text, reported as perplexity (words) or bits per
 * character.
 */
public final class LanguageModelTask implements TrainingTask {
  private final LanguageModel lm;
  private final TokenStream train;
  private final int[] valid;
  private final long dataHash;

  /** The task of training {@code lm} on the token ids {@code train}, validated on {@code valid}. */
  public LanguageModelTask(LanguageModel lm, int[] train, int[] valid) {
    this.lm = lm;
    this.train = new TokenStream(train);
    this.valid = valid;
    this.dataHash = 31L * java.util.Arrays.hashCode(train) + java.util.Arrays.hashCode(valid);
  }

  @Override
  public long dataHash() {
    return dataHash;
  }

  /**
   * The task of training a new model for {@code s} on {@code trainText}, validated on {@code
   * validText}; says on {@code log} what the data are, how many validation tokens training never
   * saw, and the model's size.
   */
  public static LanguageModelTask fromTexts(Settings s, String trainText, String validText, PrintStream log) {
    List<String> trainTokens = LanguageModel.tokenize(s, trainText);
    List<String> validTokens = LanguageModel.tokenize(s, validText);
    // Refused rather than run without checks: the run would keep its last model and report no figure.
    LanguageModel.requireMeasurable("the validation text", validTokens.size());
    if (s.get(LmSettings.VOCAB_CAP) == 1) {
      // <unk> alone: every token the same, a perplexity of 1 that says nothing.
      throw new IllegalArgumentException("vocab_cap 1 leaves only <unk>, so every token reads the same: give 2 or"
          + " more, or 0 for every token of the training text");
    }
    LanguageModel lm = LanguageModel.create(s, Vocabulary.build(trainTokens, s.get(LmSettings.VOCAB_CAP)));
    log.printf(Locale.ROOT, "language model, %s level: %,d training and %,d validation tokens, vocabulary %,d%n",
        s.get(LmSettings.LEVEL), trainTokens.size(), validTokens.size(), lm.vocabulary().size());
    lm.unseenNote("validation", validTokens).ifPresent(log::println);
    log.printf(Locale.ROOT, "model: %,d parameters; %s kernels, %d threads%n", lm.model().parameters().layout().size(),
        Kernels.best().getClass().getSimpleName(), Parallel.threads());
    return new LanguageModelTask(lm, lm.encode(trainTokens), lm.encode(validTokens));
  }

  @Override
  public LanguageModel trained() {
    return lm;
  }

  @Override
  public TrainingConfig trainingConfig() {
    boolean perSequence = settings().get(LmSettings.NORMALIZATION).equals("sequence");
    return CommonSettings.trainingConfig(settings(),
        perSequence ? LossNormalization.PER_SEQUENCE : LossNormalization.PER_OUTPUT, 0);
  }

  @Override
  public Metric metric() {
    return lm.wordLevel() ? Metric.PERPLEXITY : Metric.BITS_PER_CHARACTER;
  }

  @Override
  public String unit() {
    return lm.wordLevel() ? "words" : "chars";
  }

  @Override
  public long unitsPerEpoch() {
    return train.predictions(settings().get(CommonSettings.BATCH));
  }

  @Override
  public Epoch epoch(int epoch, Rng rng) {
    Trainer.StreamEpoch windows = new Trainer.StreamEpoch(train, settings().get(CommonSettings.BATCH),
        settings().get(LmSettings.STEPS));
    return new Epoch() {
      @Override
      public int updates() {
        return windows.windows();
      }

      @Override
      public LossStats next(Trainer trainer) {
        return windows.next(trainer).loss();
      }
    };
  }

  @Override
  public boolean hasValidation() {
    return valid.length > 1;
  }

  @Override
  public Validation validate() {
    return Validation.of(metric(), lm.evaluate(valid, settings().get(LmSettings.STEPS)));
  }

  /** On the device that makes the updates, where the parameters are, when there is one; else {@link #validate()}. */
  @Override
  public Validation validate(Trainer trainer) {
    if (!trainer.updatesOnDevice()) {
      return TrainingTask.super.validate(trainer);
    }
    return Validation.of(metric(), trainer.evaluate(new TokenStream(valid), LanguageModel.evaluationBatch(valid.length),
        settings().get(LmSettings.STEPS)));
  }

  @Override
  public void checkResumable(AppFile.Contents checkpoint) throws ModelFileException {
    checkpoint.requireVocabulary("vocab", lm.vocabulary());
  }
}
