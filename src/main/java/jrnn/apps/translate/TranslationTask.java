package jrnn.apps.translate;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import jrnn.data.LengthBatches;
import jrnn.decode.Bleu;
import jrnn.decode.TranslationInference;
import jrnn.frame.AppFile;
import jrnn.frame.CommonSettings;
import jrnn.frame.Metric;
import jrnn.frame.Settings;
import jrnn.frame.TrainingTask;
import jrnn.io.ModelFileException;
import jrnn.kernels.Kernels;
import jrnn.kernels.Parallel;
import jrnn.models.EncoderDecoder;
import jrnn.models.LossNormalization;
import jrnn.models.LossStats;
import jrnn.params.Parameters;
import jrnn.training.Trainer;
import jrnn.training.TrainingConfig;
import jrnn.util.Rng;

/**
 * A translator's training for {@link jrnn.frame.TrainingRun}: teacher forcing on batches of
 * sentence pairs of similar length, the loss averaged over target subwords; validation by
 * translating the validation sources and scoring them against their references with corpus
 * BLEU as SacreBLEU computes it, on raw, detokenized text.
 */
public final class TranslationTask implements TrainingTask {
  /** The metric: SacreBLEU's corpus BLEU, 0 to 100, higher is better. */
  public static final Metric BLEU = Metric.named("BLEU", true);
  /** Pairs a sorting pool holds, in batches: batches come from pools of pairs sorted by length. */
  static final int POOL_BATCHES = 50;

  private final TranslationModel model;
  private final int[][] sources;
  private final int[][] targets;
  private final List<String> validSources;
  private final List<String> validReferences;
  private final EncoderDecoder.Batch[] validBatches;
  private final long targetTokens;

  TranslationTask(TranslationModel model, int[][] sources, int[][] targets, List<String> validSources,
      List<String> validReferences) {
    this.model = model;
    this.sources = sources;
    this.targets = targets;
    this.validSources = validSources;
    this.validReferences = validReferences;
    long n = 0;
    for (int[] t : targets) {
      n += t.length + 1;
    }
    this.targetTokens = n;
    this.validBatches = teacherForcedBatches(model, validSources, validReferences);
  }

  /**
   * The task of training a new translator for {@code s} on the pairs of lines of the training
   * files, validated on the validation pairs (empty lists: none); says on {@code log} what the
   * data are and the model's size.
   */
  public static TranslationTask fromTexts(Settings s, List<String> trainSource, List<String> trainTarget,
      List<String> validSource, List<String> validTarget, PrintStream log) {
    requireSameCount("training", trainSource, trainTarget);
    requireSameCount("validation", validSource, validTarget);
    long t0 = System.nanoTime();
    TranslationModel m = TranslationModel.create(s, trainSource, trainTarget);
    int max = s.get(TranslateSettings.MAX_TRAIN_LENGTH);
    List<int[]> src = new ArrayList<>();
    List<int[]> tgt = new ArrayList<>();
    int dropped = 0;
    for (int i = 0; i < trainSource.size(); i++) {
      int[] a = m.encodeSource(trainSource.get(i));
      int[] b = m.encodeTarget(trainTarget.get(i));
      if (a.length == 0 || a.length > max || b.length > max) {
        dropped++;
        continue;
      }
      src.add(a);
      tgt.add(b);
    }
    if (src.isEmpty()) {
      throw new IllegalArgumentException("no training pair is left: every one has an empty source or a side longer"
          + " than max_train_length (" + max + ") subwords");
    }
    log.printf(Locale.ROOT, "translation: %,d training pairs (%,d left out: empty source or over %d subwords),"
        + " %,d validation pairs; %s subwords (%,d merges, %.1f s), vocabularies %,d and %,d%n", src.size(), dropped,
        max, validSource.size(), m.jointSubwords() ? "joint" : "separate", s.get(TranslateSettings.BPE_MERGES),
        (System.nanoTime() - t0) / 1e9, m.sourceVocabulary().size(), m.targetVocabulary().size());
    m.unseenNote("validation", validSource).ifPresent(log::println);
    log.printf(Locale.ROOT, "model: %,d parameters; %s kernels, %d threads%n", m.parameters().layout().size(),
        Kernels.best().getClass().getSimpleName(), Parallel.threads());
    return new TranslationTask(m, src.toArray(new int[0][]), tgt.toArray(new int[0][]), validSource, validTarget);
  }

  static void requireSameCount(String what, List<String> a, List<String> b) {
    if (a.size() != b.size()) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "the %s source has %,d lines and its target %,d;"
          + " line i of one must translate line i of the other", what, a.size(), b.size()));
    }
  }

  private static EncoderDecoder.Batch[] teacherForcedBatches(TranslationModel m, List<String> src, List<String> tgt) {
    List<EncoderDecoder.Batch> out = new ArrayList<>();
    int b = TranslationModel.DECODE_BATCH;
    List<int[]> s = new ArrayList<>();
    List<int[]> t = new ArrayList<>();
    for (int i = 0; i < src.size(); i++) {
      int[] a = m.encodeSource(src.get(i));
      if (a.length > TranslationModel.MAX_SOURCE_LENGTH) {
        // Refused now: the checks translate every validation source, the first after a whole epoch.
        throw new IllegalArgumentException(String.format(Locale.ROOT, "the validation source's line %d has %,d"
            + " subwords; at most %d are translated at once: split it into sentences or leave the pair out", i + 1,
            a.length, TranslationModel.MAX_SOURCE_LENGTH));
      }
      if (a.length == 0) {
        continue;
      }
      s.add(a);
      t.add(m.encodeTarget(tgt.get(i)));
      if (s.size() == b || i == src.size() - 1) {
        out.add(batch(m, s, t));
        s.clear();
        t.clear();
      }
    }
    if (!s.isEmpty()) {
      out.add(batch(m, s, t));
    }
    return out.toArray(new EncoderDecoder.Batch[0]);
  }

  private static EncoderDecoder.Batch batch(TranslationModel m, List<int[]> s, List<int[]> t) {
    return EncoderDecoder.Batch.of(s.toArray(new int[0][]), t.toArray(new int[0][]),
        m.targetVocabulary().id(TranslationModel.BOS), m.targetVocabulary().id(TranslationModel.EOS));
  }

  @Override
  public TranslationModel trained() {
    return model;
  }

  @Override
  public TrainingConfig trainingConfig() {
    return CommonSettings.trainingConfig(settings(), LossNormalization.PER_OUTPUT, 0);
  }

  @Override
  public Metric metric() {
    return BLEU;
  }

  @Override
  public String unit() {
    return "tokens";
  }

  @Override
  public long unitsPerEpoch() {
    return targetTokens;
  }

  /**
   * Batches of pairs of similar source length: the pairs shuffled, cut into pools of
   * {@link #POOL_BATCHES} batches, each pool sorted by length and cut into batches, and the
   * batches shuffled.
   */
  @Override
  public Epoch epoch(int epoch, Rng rng) {
    List<int[]> batches = LengthBatches.shuffled(sources.length, (a, b) -> sources[a].length != sources[b].length
        ? Integer.compare(sources[a].length, sources[b].length) : Integer.compare(targets[a].length, targets[b].length),
        settings().get(CommonSettings.BATCH), POOL_BATCHES, rng);
    EncoderDecoder net = model.network();
    LossNormalization norm = trainingConfig().normalization();
    int bos = model.targetVocabulary().id(TranslationModel.BOS);
    int eos = model.targetVocabulary().id(TranslationModel.EOS);
    return new Epoch() {
      private int next;

      @Override
      public int updates() {
        return batches.size();
      }

      @Override
      public LossStats next(Trainer trainer) {
        int[] ids = batches.get(next++);
        int[][] s = new int[ids.length][];
        int[][] t = new int[ids.length][];
        for (int j = 0; j < ids.length; j++) {
          s[j] = sources[ids[j]];
          t[j] = targets[ids[j]];
        }
        return trainer.update(new TranslationPass(net.config(), bos, eos, s, t, norm), net).loss();
      }
    };
  }

  @Override
  public boolean hasValidation() {
    return !validSources.isEmpty();
  }

  /** BLEU of the validation translations (beam {@code check_beam}), beside the teacher-forced loss per subword. */
  @Override
  public Validation validate() {
    EncoderDecoder net = model.network();
    try (Parameters.Frozen frozen = net.parameters().freeze()) {
      return validate(TranslationInference.of(net));
    }
  }

  /** {@link #validate()} on the device that makes the updates, where it can measure (a GPU's passes), else here. */
  @Override
  public Validation validate(Trainer trainer) {
    if (trainer.deviceUpdates() instanceof TranslationInference device) {
      return validate(device);
    }
    return TrainingTask.super.validate(trainer);
  }

  private Validation validate(TranslationInference passes) {
    LossStats loss = LossStats.NONE;
    for (EncoderDecoder.Batch b : validBatches) {
      loss = loss.plus(passes.loss(b));
    }
    List<String> hypotheses = model.translate(validSources, settings().get(TranslateSettings.CHECK_BEAM),
        settings().get(TranslateSettings.LENGTH_PENALTY), passes);
    return new Validation(Bleu.corpus(hypotheses, validReferences).bleu(), loss.mean());
  }

  @Override
  public long dataHash() {
    return 31L * (31L * java.util.Arrays.deepHashCode(sources) + java.util.Arrays.deepHashCode(targets))
        + 31L * validSources.hashCode() + validReferences.hashCode();
  }

  @Override
  public void checkResumable(AppFile.Contents checkpoint) throws ModelFileException {
    checkpoint.requireVocabulary("vocab_source", model.sourceVocabulary());
    checkpoint.requireVocabulary("vocab_target", model.targetVocabulary());
  }
}
