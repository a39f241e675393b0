package jrnn.apps.translate;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jrnn.cells.CellType;
import jrnn.data.BytePairEncoding;
import jrnn.data.Vocabulary;
import jrnn.decode.BeamSearch;
import jrnn.decode.TranslationInference;
import jrnn.frame.AppFile;
import jrnn.frame.CommonSettings;
import jrnn.frame.Settings;
import jrnn.frame.TrainedModel;
import jrnn.interop.OnnxExport;
import jrnn.io.AtomicFiles;
import jrnn.io.ModelFileException;
import jrnn.kernels.Kernels;
import jrnn.layers.Attention;
import jrnn.models.EncoderDecoder;
import jrnn.models.Workspaces;
import jrnn.models.EncoderDecoderConfig;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;

/**
 * A translator (SPEC 6.3): raw sentences of one language in, raw sentences of the other out.
 * Text becomes subwords by byte-pair encoding learned from the training text, subwords become
 * ids through each language's vocabulary (a subword training never saw reads as
 * {@code <unk>}), and an {@link EncoderDecoder} reads the source and writes the target. The
 * model file holds the merges and both vocabularies beside the settings and parameters.
 *
 * <p>Threads: {@link #translate} and {@link #align} may be called from any number of threads at
 * once; each call decodes on a workspace of its own over the shared parameters
 * ({@link Workspaces}), with the result a lone caller gets. Training runs on {@link #network()}
 * and must not overlap with them.
 */
public final class TranslationModel implements TrainedModel {
  /** The application's kind, {@value}: its settings' prefix and its model files' kind. */
  public static final String APP = "translate";
  /** The begin-of-sentence marker, the decoder's first input: {@value}. */
  public static final String BOS = "<s>";
  /** The end-of-sentence marker, the last target of every sentence: {@value}. */
  public static final String EOS = "</s>";
  /** Sources longer than this many subwords are refused: split such text into sentences. */
  public static final int MAX_SOURCE_LENGTH = 400;
  /** Sentences decoded together. */
  static final int DECODE_BATCH = 64;

  private final Settings settings;
  private final BytePairEncoding sourceBpe;
  private final BytePairEncoding targetBpe;
  private final Vocabulary sourceVocab;
  private final Vocabulary targetVocab;
  private final EncoderDecoder net;
  /** Workspaces over {@link #net}'s parameters for decoding, one per concurrent caller. */
  private final Workspaces<EncoderDecoder> workspaces;
  private final int bos;
  private final int eos;

  TranslationModel(Settings settings, BytePairEncoding sourceBpe, BytePairEncoding targetBpe, Vocabulary sourceVocab,
      Vocabulary targetVocab, EncoderDecoder net) {
    this.settings = settings;
    this.sourceBpe = sourceBpe;
    this.targetBpe = targetBpe;
    this.sourceVocab = sourceVocab;
    this.targetVocab = targetVocab;
    this.net = net;
    this.workspaces = new Workspaces<>(net::newWorkspace);
    this.bos = targetVocab.id(BOS);
    this.eos = targetVocab.id(EOS);
  }

  /** The network an encoder-decoder of these settings and vocabulary sizes has. */
  public static EncoderDecoderConfig networkConfig(Settings s, int sourceVocab, int targetVocab) {
    return new EncoderDecoderConfig(sourceVocab, targetVocab, s.get(CommonSettings.EMBEDDING),
        CellType.parse(s.get(CommonSettings.CELL)), s.get(CommonSettings.HIDDEN), s.get(CommonSettings.LAYERS),
        s.get(TranslateSettings.BIDIRECTIONAL), s.get(TranslateSettings.DECODER_HIDDEN),
        s.get(TranslateSettings.DECODER_LAYERS), Attention.Score.parse(s.get(TranslateSettings.ATTENTION)),
        s.get(TranslateSettings.ATTENTION_SIZE), s.get(TranslateSettings.INPUT_FEEDING),
        s.get(TranslateSettings.TIED), s.get(CommonSettings.DROPOUT), s.get(TranslateSettings.LABEL_SMOOTHING));
  }

  /**
   * A new, initialised translator for {@code s}: merges learned from the training text (both
   * sides together when joint), and each side's vocabulary from its encoded training text.
   */
  public static TranslationModel create(Settings s, List<String> trainSource, List<String> trainTarget) {
    int merges = s.get(TranslateSettings.BPE_MERGES);
    BytePairEncoding src;
    BytePairEncoding tgt;
    if (s.get(TranslateSettings.JOINT_BPE)) {
      List<String> both = new ArrayList<>(trainSource);
      both.addAll(trainTarget);
      src = BytePairEncoding.learn(both, merges);
      tgt = src;
    } else {
      src = BytePairEncoding.learn(trainSource, merges);
      tgt = BytePairEncoding.learn(trainTarget, merges);
    }
    Vocabulary sv = Vocabulary.build(subwords(src, trainSource), 0);
    Vocabulary built = Vocabulary.build(subwords(tgt, trainTarget), 0);
    List<String> tokens = new ArrayList<>(List.of(BOS, EOS));
    for (String t : built.tokens()) {
      if (!t.equals(BOS) && !t.equals(EOS)) {
        tokens.add(t);
      }
    }
    Vocabulary tv = new Vocabulary(tokens);
    EncoderDecoder net = new EncoderDecoder(networkConfig(s, sv.size(), tv.size()));
    net.initialize(new Rng(s.get(CommonSettings.SEED)), s.get(TranslateSettings.INIT_RANGE));
    return new TranslationModel(s, src, tgt, sv, tv, net);
  }

  private static List<String> subwords(BytePairEncoding bpe, List<String> lines) {
    List<String> out = new ArrayList<>();
    for (String line : lines) {
      out.addAll(bpe.encode(line));
    }
    return out;
  }

  @Override
  public Settings settings() {
    return settings;
  }

  @Override
  public Parameters parameters() {
    return net.parameters();
  }

  /** The encoder-decoder training updates (not for concurrent decoding). */
  public EncoderDecoder network() {
    return net;
  }

  /** The source side's subword vocabulary. */
  public Vocabulary sourceVocabulary() {
    return sourceVocab;
  }

  /** The target side's subword vocabulary, {@link #BOS} and {@link #EOS} first. */
  public Vocabulary targetVocabulary() {
    return targetVocab;
  }

  /** Whether both languages share one set of merges. */
  public boolean jointSubwords() {
    return sourceBpe == targetBpe;
  }

  @Override
  public AppFile toFile() {
    AppFile f = AppFile.of(settings, net.parameters());
    f.container().putText("bpe_source", sourceBpe.toText());
    if (!jointSubwords()) {
      f.container().putText("bpe_target", targetBpe.toText());
    }
    return f.putVocabulary("vocab_source", sourceVocab).putVocabulary("vocab_target", targetVocab);
  }

  /**
   * Exports the network as two ONNX graphs ({@link OnnxExport#translationEncoder},
   * {@link OnnxExport#translationDecoderStep}) to {@code BASE.encoder.onnx} and
   * {@code BASE.decoder.onnx}, with what a runtime without jrnn needs beside them: the subword
   * vocabularies ({@code BASE.vocab_source.txt}, {@code BASE.vocab_target.txt}, one subword per
   * line, the line number its id; {@link #BOS} is target id 0, {@link #EOS} id 1) and the BPE
   * merges ({@code BASE.bpe_source.txt}, and {@code BASE.bpe_target.txt} when the sides have
   * their own). Returns the files written.
   */
  public List<Path> exportOnnx(Path base) throws IOException {
    Parameters params = net.parameters();
    EncoderDecoderConfig cfg = net.config();
    String name = jrnn.interop.ModelExport.baseName(base);
    List<Path> written = new ArrayList<>();
    Path encoder = base.resolveSibling(name + ".encoder.onnx");
    OnnxExport.write(encoder, OnnxExport.translationEncoder(cfg, params));
    written.add(encoder);
    Path decoder = base.resolveSibling(name + ".decoder.onnx");
    OnnxExport.write(decoder, OnnxExport.translationDecoderStep(cfg, params));
    written.add(decoder);
    Map<String, String> texts = new LinkedHashMap<>();
    // The tokens as they are, a line each: a subword holds no whitespace, so none is escaped (the
    // model file's own vocabulary escapes a backslash, which a runtime reading lines would keep).
    texts.put("vocab_source", jrnn.interop.ModelExport.vocabularyText(sourceVocab));
    texts.put("vocab_target", jrnn.interop.ModelExport.vocabularyText(targetVocab));
    texts.put("bpe_source", sourceBpe.toText());
    if (!jointSubwords()) {
      texts.put("bpe_target", targetBpe.toText());
    }
    for (Map.Entry<String, String> t : texts.entrySet()) {
      Path text = base.resolveSibling(name + "." + t.getKey() + ".txt");
      AtomicFiles.writeString(text, t.getValue());
      written.add(text);
    }
    return written;
  }

  /** Reads a translator's model file (or checkpoint). */
  public static TranslationModel load(Path path) throws IOException {
    return AppFile.loading(path, () -> of(AppFile.read(path, TranslateSettings.SCHEMA, "translator")));
  }

  static TranslationModel of(AppFile.Contents c) throws IOException {
    BytePairEncoding src = bpe(c, "bpe_source");
    BytePairEncoding tgt = c.file().has("bpe_target") ? bpe(c, "bpe_target") : src;
    Vocabulary sv = Vocabulary.fromText(c.file().getText("vocab_source"));
    Vocabulary tv = Vocabulary.fromText(c.file().getText("vocab_target"));
    if (!tv.contains(BOS) || !tv.contains(EOS)) {
      throw new ModelFileException("model file " + c.path() + ": the target vocabulary lacks " + BOS + " or " + EOS);
    }
    EncoderDecoderConfig cfg;
    try {
      cfg = networkConfig(c.settings(), sv.size(), tv.size());
    } catch (IllegalArgumentException e) {
      throw new ModelFileException("model file " + c.path() + " has settings no translator can have: " + e.getMessage());
    }
    Parameters params = c.parameters(cfg.parameterLayout());
    return new TranslationModel(c.settings(), src, tgt, sv, tv, new EncoderDecoder(cfg, params, Kernels.best()));
  }

  private static BytePairEncoding bpe(AppFile.Contents c, String section) throws IOException {
    try {
      return BytePairEncoding.fromText(c.file().getText(section));
    } catch (IllegalArgumentException e) {
      throw new ModelFileException("model file " + c.path() + " has a malformed " + section + " section: "
          + e.getMessage());
    }
  }

  /** The subwords of a source line. */
  public List<String> sourceSubwords(String line) {
    return sourceBpe.encode(line, sourceVocab::contains);
  }

  /**
   * The ids of a source line: subwords the source vocabulary lacks are split into the pieces they
   * were merged from ({@link BytePairEncoding#encode(String, java.util.function.Predicate)}), and
   * only characters training never saw are {@code <unk>}.
   */
  public int[] encodeSource(String line) {
    return sourceVocab.encode(sourceSubwords(line));
  }

  /** The ids of a target line, without markers (subwords split as a source line's are). */
  public int[] encodeTarget(String line) {
    return targetVocab.encode(targetBpe.encode(line, targetVocab::contains));
  }

  /** Raw text of target ids (markers dropped). */
  public String decodeTarget(int[] ids) {
    return BytePairEncoding.decode(targetSubwords(ids));
  }

  /** The target subwords of {@code ids}, markers dropped. */
  public List<String> targetSubwords(int[] ids) {
    List<String> out = new ArrayList<>();
    for (int id : ids) {
      if (id != bos && id != eos) {
        out.add(targetVocab.token(id));
      }
    }
    return out;
  }

  /**
   * How many subwords of {@code lines} the source vocabulary does not know once split into known
   * pieces ({@link #sourceSubwords}): characters training never saw, read as {@code <unk>}.
   */
  public java.util.Optional<String> unseenNote(String what, List<String> lines) {
    List<String> all = new ArrayList<>();
    for (String line : lines) {
      all.addAll(sourceSubwords(line));
    }
    return sourceVocab.unseenNote(what, all, "subwords");
  }

  /**
   * Translations of {@code lines}, in order: greedy when {@code beam} is 1, else beam search. An
   * empty (or blank) line translates to an empty line; a line of more than
   * {@link #MAX_SOURCE_LENGTH} subwords is refused before anything is translated.
   */
  public List<String> translate(List<String> lines, int beam) {
    return translate(lines, beam, settings.get(TranslateSettings.LENGTH_PENALTY));
  }

  /** One sentence's translation, by beam search of the model's own beam width and length penalty. */
  public String translate(String line) {
    return translate(List.of(line), settings.get(TranslateSettings.BEAM)).get(0);
  }

  /** Several sentences' translations, as {@link #translate(String)} each, decoded in batches. */
  public List<String> translate(List<String> lines) {
    return translate(lines, settings.get(TranslateSettings.BEAM));
  }

  /** As {@link #translate(List, int)}, beam search ranking by log-probability / length^{@code lengthPenalty}. */
  public List<String> translate(List<String> lines, int beam, double lengthPenalty) {
    return translate(lines, beam, lengthPenalty, null);
  }

  /** Refuses a length penalty below 0, or NaN, naming it. */
  private static void requireLengthPenalty(double lengthPenalty) {
    if (!(lengthPenalty >= 0)) {
      throw new IllegalArgumentException("length penalty must be 0 or more, got " + lengthPenalty);
    }
  }

  /**
   * As {@link #translate(List, int, double)}, the network's passes run by {@code passes}: a
   * device's ({@code jrnn.device.DeviceTranslation}, on the parameters it holds), a CPU workspace
   * ({@link TranslationInference#of}); null: this model's own workspaces, one per caller.
   */
  public List<String> translate(List<String> lines, int beam, double lengthPenalty, TranslationInference passes) {
    if (beam < 1) {
      throw new IllegalArgumentException("beam width must be at least 1, got " + beam);
    }
    requireLengthPenalty(lengthPenalty);
    int n = lines.size();
    int[][] sources = new int[n][];
    for (int i = 0; i < n; i++) {
      sources[i] = encodeSource(lines.get(i));
      if (sources[i].length > MAX_SOURCE_LENGTH) {
        throw new IllegalArgumentException(String.format(Locale.ROOT, "line %d has %,d subwords; at most %d are"
            + " translated at once: split it into sentences", i + 1, sources[i].length, MAX_SOURCE_LENGTH));
      }
    }
    String[] out = new String[n];
    Arrays.fill(out, "");
    // Sentences of similar length decode together, so that few rows wait on the longest.
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Integer.compare(sources[a].length, sources[b].length));
    List<Integer> pending = new ArrayList<>();
    for (int i : order) {
      if (sources[i].length > 0) {
        pending.add(i);
      }
    }
    java.util.function.Function<TranslationInference, Void> all = w -> {
      for (int from = 0; from < pending.size(); from += DECODE_BATCH) {
        List<Integer> chunk = pending.subList(from, Math.min(pending.size(), from + DECODE_BATCH));
        int[][] batch = new int[chunk.size()][];
        for (int k = 0; k < batch.length; k++) {
          batch[k] = sources[chunk.get(k)];
        }
        int[][] words = decode(w, batch, beam, lengthPenalty);
        for (int k = 0; k < batch.length; k++) {
          out[chunk.get(k)] = decodeTarget(words[k]);
        }
      }
      return null;
    };
    if (passes != null) {
      all.apply(passes);
    } else {
      try (Parameters.Frozen frozen = net.parameters().freeze()) {
        workspaces.apply(w -> all.apply(TranslationInference.of(w)));
      }
    }
    return Arrays.asList(out);
  }

  /** Target ids of each source (no markers), by greedy decoding or beam search on {@code net}'s passes. */
  private int[][] decode(TranslationInference net, int[][] sources, int beam, double lengthPenalty) {
    int[] maxLength = new int[sources.length];
    for (int i = 0; i < sources.length; i++) {
      maxLength[i] = TranslateSettings.maxOutputLength(settings, sources[i].length);
    }
    BeamSearch.StepModel search = net.search(sources);
    if (beam == 1) {
      return BeamSearch.greedy(search, sources.length, bos, eos, maxLength);
    }
    BeamSearch.Hypothesis[] best = BeamSearch.search(search, sources.length, bos, eos, beam, maxLength,
        lengthPenalty);
    int[][] words = new int[sources.length][];
    for (int i = 0; i < best.length; i++) {
      words[i] = best[i].words();
    }
    return words;
  }

  /**
   * One translation with its attention: weights[t][s] of target subword t over source subword s.
   *
   * @param source the source subwords
   * @param target the target subwords written, {@link #EOS} last
   * @param weights the attention weights [target][source]
   * @param text the translation as raw text
   */
  public record Alignment(List<String> source, List<String> target, double[][] weights, String text) {}

  /** {@link #align(String, int, double)} with the model's length penalty. */
  public Alignment align(String line, int beam) {
    return align(line, beam, settings.get(TranslateSettings.LENGTH_PENALTY));
  }

  /**
   * Translates one sentence as {@link #translate(List, int, double)} would and reads, for each
   * subword written, the attention it paid the source.
   */
  public Alignment align(String line, int beam, double lengthPenalty) {
    requireLengthPenalty(lengthPenalty);
    int[] src = encodeSource(line);
    if (src.length == 0) {
      throw new IllegalArgumentException("an empty sentence has nothing to align");
    }
    if (src.length > MAX_SOURCE_LENGTH) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "the sentence has %,d subwords; at most %d",
          src.length, MAX_SOURCE_LENGTH));
    }
    try (Parameters.Frozen frozen = net.parameters().freeze()) {
      return workspaces.apply(w -> {
        int[] words = decode(TranslationInference.of(w), new int[][] {src}, beam, lengthPenalty)[0];
        // Teacher-forced over the chosen words (and </s>), reading each step's attention.
        EncoderDecoder.Encoded enc = w.encode(new int[][] {src});
        w.attend(enc, new int[] {0});
        EncoderDecoder.DecoderState state = enc.start();
        Tensor logProbs = Tensor.zeros(1, targetVocab.size());
        double[][] weights = new double[words.length + 1][src.length];
        int previous = bos;
        for (int t = 0; t <= words.length; t++) {
          state = w.step(new int[] {previous}, state, logProbs);
          Tensor alpha = w.lastAttention();
          for (int s = 0; s < src.length; s++) {
            weights[t][s] = alpha.get(s);
          }
          previous = t < words.length ? words[t] : eos;
        }
        List<String> target = new ArrayList<>(targetSubwords(words));
        target.add(EOS);
        return new Alignment(sourceSubwords(line), target, weights, decodeTarget(words));
      });
    }
  }
}
