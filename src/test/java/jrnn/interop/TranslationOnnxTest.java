package jrnn.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jrnn.apps.translate.TranslateSettings;
import jrnn.apps.translate.TranslationModel;
import jrnn.apps.translate.TranslationTask;
import jrnn.frame.TrainingRun;
import jrnn.cells.CellType;
import jrnn.decode.BeamSearch;
import jrnn.frame.Settings;
import jrnn.layers.Attention;
import jrnn.models.EncoderDecoder;
import jrnn.models.EncoderDecoderConfig;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * A translation model as two ONNX graphs, its encoder and one decoding step, run in ONNX Runtime
 * against {@link EncoderDecoder#encode} and {@link EncoderDecoder#step}: the encoder's states on
 * the valid steps, the bridge's first decoder state, then five steps of log-probabilities,
 * states, attentional vectors and attention weights, each side feeding its own outputs to its
 * next step. Both attentions, with and without input feeding, tied output, stacked and
 * bidirectional encoders, LSTM (with peepholes and coupled gates too) and GRU. 1e-5 relative.
 */
class TranslationOnnxTest {
  @TempDir
  Path dir;

  /**
   * The exported translator decoded by ONNX Runtime, a step at a time, under jrnn's greedy and
   * beam search: the same translations as {@link TranslationModel#translate} with beams 1 and 4.
   */
  @Test
  void anExportedTranslatorTranslatesAsJrnnDoes() throws Exception {
    // Trained for seconds on number words, English to German: far from perfect, so beams differ.
    String[] english = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"};
    String[] german = {"null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"};
    java.util.Random random = new java.util.Random(1);
    List<String> src = new ArrayList<>();
    List<String> tgt = new ArrayList<>();
    for (int i = 0; i < 800; i++) {
      List<String> e = new ArrayList<>();
      List<String> g = new ArrayList<>();
      for (int k = 1 + random.nextInt(5); k > 0; k--) {
        int d = random.nextInt(10);
        e.add(english[d]);
        g.add(german[d]);
      }
      src.add(String.join(" ", e));
      tgt.add(String.join(" ", g));
    }
    Settings s = TranslateSettings.SCHEMA.defaults().with(Map.of("bpe_merges", "20", "embedding", "16",
        "hidden", "24", "decoder_hidden", "24", "dropout", "0", "label_smoothing", "0", "batch", "32", "epochs", "3",
        "lr", "3e-3", "cell", "lstm"));
    Path trained = dir.resolve("numbers.jrnn");
    new TrainingRun(TranslationTask.fromTexts(s, src.subList(0, 700), tgt.subList(0, 700), src.subList(700, 800),
        tgt.subList(700, 800), ExportedApplicationsTest.QUIET), trained, ExportedApplicationsTest.QUIET).execute(false);
    TranslationModel model = TranslationModel.load(trained);
    List<Path> files = model.exportOnnx(dir.resolve("numbers.onnx"));
    assertEquals(List.of("numbers.encoder.onnx", "numbers.decoder.onnx", "numbers.vocab_source.txt",
        "numbers.vocab_target.txt", "numbers.bpe_source.txt"), files.stream().map(p -> p.getFileName().toString()).toList());
    assertEquals(model.targetVocabulary().tokens(), Files.readAllLines(files.get(3)), "target vocabulary file");
    List<String> lines = List.of("one two three", "six seven", "four five six seven eight", "nine", "zero zero two");
    int[][] sources = new int[lines.size()][];
    int[] maxLength = new int[lines.size()];
    for (int i = 0; i < sources.length; i++) {
      sources[i] = model.encodeSource(lines.get(i));
      maxLength[i] = TranslateSettings.maxOutputLength(s, sources[i].length);
    }
    int bos = model.targetVocabulary().id(TranslationModel.BOS);
    int eos = model.targetVocabulary().id(TranslationModel.EOS);
    assertEquals(0, bos);
    assertEquals(1, eos);
    try (OnnxRuntimeRunner encoder = new OnnxRuntimeRunner(Files.readAllBytes(files.get(0)));
        OnnxRuntimeRunner decoder = new OnnxRuntimeRunner(Files.readAllBytes(files.get(1)))) {
      OnnxSteps steps = new OnnxSteps(model.network().config(), encoder, decoder, sources);
      int[][] greedy = BeamSearch.greedy(steps, sources.length, bos, eos, maxLength);
      BeamSearch.Hypothesis[] beams = BeamSearch.search(steps, sources.length, bos, eos, 4, maxLength,
          s.get(TranslateSettings.LENGTH_PENALTY));
      List<String> ours1 = model.translate(lines, 1);
      List<String> ours4 = model.translate(lines, 4);
      assertTrue(ours4.stream().anyMatch(t -> !t.isEmpty()), "something to compare: " + ours4);
      for (int i = 0; i < lines.size(); i++) {
        assertEquals(ours1.get(i), model.decodeTarget(greedy[i]), "greedy translation of line " + i);
        assertEquals(ours4.get(i), model.decodeTarget(beams[i].words()), "beam translation of line " + i);
      }
    }
  }

  /** The decoder-step graph as jrnn's search drives a model: rows of sentences, reordered between steps. */
  static final class OnnxSteps implements BeamSearch.StepModel {
    final EncoderDecoderConfig cfg;
    final OnnxRuntimeRunner decoder;
    final int n;
    final int s;
    final float[] memory;
    final int[] lengths;
    final float[] h0;
    final float[] c0;
    int[] sentenceOfRow;
    float[] h;
    float[] c;
    float[] attentional;

    OnnxSteps(EncoderDecoderConfig cfg, OnnxRuntimeRunner encoder, OnnxRuntimeRunner decoder, int[][] sources)
        throws Exception {
      this.cfg = cfg;
      this.decoder = decoder;
      n = sources.length;
      lengths = new int[n];
      int longest = 0;
      for (int i = 0; i < n; i++) {
        lengths[i] = sources[i].length;
        longest = Math.max(longest, lengths[i]);
      }
      s = longest;
      long[] ids = new long[s * n];
      for (int i = 0; i < n; i++) {
        for (int k = 0; k < lengths[i]; k++) {
          ids[k * n + i] = sources[i][k];
        }
      }
      Map<String, float[]> out = encoder.run(new OnnxRuntimeRunner.Inputs().put("source", ids, s, n)
          .put("source_lens", lengths, n));
      memory = out.get("memory");
      h0 = out.get("h0");
      c0 = out.get("c0");
    }

    @Override
    public int vocabulary() {
      return cfg.targetVocab();
    }

    @Override
    public void begin(int[] rows) {
      sentenceOfRow = rows.clone();
      h = pick(h0, n, sentenceOfRow, cfg.decoderLayers());
      c = c0 == null ? null : pick(c0, n, sentenceOfRow, cfg.decoderLayers());
      attentional = new float[rows.length * cfg.decoderHidden()];
    }

    /** Rows {@code from} of a [blocks, rows, width] array of {@code rows} rows. */
    static float[] pick(float[] a, int rows, int[] from, int blocks) {
      int width = a.length / (blocks * rows);
      float[] out = new float[blocks * from.length * width];
      for (int b = 0; b < blocks; b++) {
        for (int r = 0; r < from.length; r++) {
          System.arraycopy(a, (b * rows + from[r]) * width, out, (b * from.length + r) * width, width);
        }
      }
      return out;
    }

    @Override
    public void step(int[] previous, Tensor logProbs) {
      int rows = previous.length;
      long[] prev = new long[rows];
      int[] lens = new int[rows];
      for (int r = 0; r < rows; r++) {
        prev[r] = previous[r];
        lens[r] = lengths[sentenceOfRow[r]];
      }
      int hd = cfg.decoderHidden();
      int layers = cfg.decoderLayers();
      OnnxRuntimeRunner.Inputs in = new OnnxRuntimeRunner.Inputs().put("previous", prev, rows)
          .put("h", h, layers, rows, hd).put("attentional", attentional, rows, hd)
          .put("memory", pick(memory, n, sentenceOfRow, s), s, rows, cfg.encoderOutputSize())
          .put("source_lens", lens, rows);
      if (c != null) {
        in.put("c", c, layers, rows, hd);
      }
      try {
        Map<String, float[]> out = decoder.run(in);
        logProbs.data().put(0, out.get("log_probs"));
        h = out.get("h_next");
        c = c == null ? null : out.get("c_next");
        attentional = out.get("attentional_next");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public void select(int[] from) {
      int[] sentences = new int[from.length];
      for (int r = 0; r < from.length; r++) {
        sentences[r] = sentenceOfRow[from[r]];
      }
      int rows = sentenceOfRow.length;
      h = pick(h, rows, from, cfg.decoderLayers());
      c = c == null ? null : pick(c, rows, from, cfg.decoderLayers());
      attentional = pick(attentional, rows, from, 1);
      sentenceOfRow = sentences;
    }
  }

  @TestFactory
  List<DynamicTest> everyShapeOfTranslator() {
    List<EncoderDecoderConfig> configs = List.of(
        new EncoderDecoderConfig(13, 11, 6, CellType.parse("lstm"), 5, 2, true, 7, 2, Attention.Score.ADDITIVE, 4,
            true, false, 0, 0),
        new EncoderDecoderConfig(13, 11, 6, CellType.parse("gru"), 5, 1, true, 6, 1, Attention.Score.MULTIPLICATIVE, 0,
            false, true, 0, 0),
        new EncoderDecoderConfig(13, 11, 6, CellType.parse("lstm-peephole-cifg"), 5, 1, false, 7, 2,
            Attention.Score.MULTIPLICATIVE, 0, true, false, 0, 0),
        new EncoderDecoderConfig(13, 11, 6, CellType.parse("gru-reset-after"), 4, 2, false, 5, 1,
            Attention.Score.ADDITIVE, 3, true, false, 0, 0));
    List<DynamicTest> tests = new ArrayList<>();
    for (EncoderDecoderConfig cfg : configs) {
      tests.add(DynamicTest.dynamicTest(cfg.cell().name() + ", " + cfg.attention() + (cfg.inputFeeding()
          ? ", input feeding" : "") + (cfg.tied() ? ", tied" : "") + ", encoder " + cfg.encoderLayers()
          + (cfg.bidirectional() ? " bidirectional" : ""), () -> check(cfg)));
    }
    return tests;
  }

  static void near(Tensor expected, float[] actual, String what) {
    assertEquals(expected.size(), actual.length, what + " size");
    for (int i = 0; i < actual.length; i++) {
      OnnxExportTest.near(expected.get(i), actual[i], what + "[" + i + "]");
    }
  }

  static void check(EncoderDecoderConfig cfg) throws Exception {
    EncoderDecoder m = new EncoderDecoder(cfg);
    m.initialize(new Rng(3), 0.4);
    Parameters params = m.parameters();
    int[][] sources = {{1, 4, 7, 2}, {5, 3}, {9, 8, 12, 6, 10}};
    int n = sources.length;
    int s = 5;
    long[] ids = new long[s * n];
    int[] lengths = new int[n];
    for (int i = 0; i < n; i++) {
      lengths[i] = sources[i].length;
      for (int k = 0; k < s; k++) {
        ids[k * n + i] = sources[i][Math.min(k, lengths[i] - 1)];
      }
    }
    EncoderDecoder.Encoded encoded = m.encode(sources);
    Map<String, float[]> enc;
    try (OnnxRuntimeRunner ort = new OnnxRuntimeRunner(OnnxExport.translationEncoder(cfg, params))) {
      enc = ort.run(new OnnxRuntimeRunner.Inputs().put("source", ids, s, n).put("source_lens", lengths, n));
    }
    int e = cfg.encoderOutputSize();
    for (int k = 0; k < s; k++) {
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < e && k < lengths[i]; j++) {
          int at = (k * n + i) * e + j;
          OnnxExportTest.near(encoded.states().get(at), enc.get("memory")[at], "memory at s=" + k + " n=" + i);
        }
      }
    }
    near(encoded.start().recurrent().h(), enc.get("h0"), "bridge h0");
    boolean lstm = cfg.cell().hasCellState();
    if (lstm) {
      near(encoded.start().recurrent().c(), enc.get("c0"), "bridge c0");
    }

    int hd = cfg.decoderHidden();
    int layers = cfg.decoderLayers();
    int v = cfg.targetVocab();
    m.attend(encoded, new int[] {0, 1, 2});
    EncoderDecoder.DecoderState state = encoded.start();
    float[] h = enc.get("h0");
    float[] c = lstm ? enc.get("c0") : null;
    float[] attentional = new float[n * hd];
    int[][] previous = {{1, 1, 1}, {4, 2, 9}, {3, 3, 5}, {10, 0, 7}, {2, 6, 1}};
    try (OnnxRuntimeRunner ort = new OnnxRuntimeRunner(OnnxExport.translationDecoderStep(cfg, params));
        Parameters.Frozen frozen = params.freeze()) {
      for (int t = 0; t < previous.length; t++) {
        Tensor logProbs = Tensor.zeros(n, v);
        state = m.step(previous[t], state, logProbs);
        long[] prev = new long[n];
        for (int i = 0; i < n; i++) {
          prev[i] = previous[t][i];
        }
        OnnxRuntimeRunner.Inputs in = new OnnxRuntimeRunner.Inputs().put("previous", prev, n)
            .put("h", h, layers, n, hd).put("attentional", attentional, n, hd)
            .put("memory", enc.get("memory"), s, n, e).put("source_lens", lengths, n);
        if (lstm) {
          in.put("c", c, layers, n, hd);
        }
        Map<String, float[]> out = ort.run(in);
        near(logProbs, out.get("log_probs"), "step " + t + " log p");
        near(state.recurrent().h(), out.get("h_next"), "step " + t + " h");
        near(state.attentional(), out.get("attentional_next"), "step " + t + " attentional vector");
        Tensor weights = m.lastAttention();
        for (int k = 0; k < s; k++) {
          for (int i = 0; i < n; i++) {
            double expected = k < lengths[i] ? weights.get(k * n + i) : 0;
            OnnxExportTest.near(expected, out.get("attention")[k * n + i], "step " + t + " attention");
          }
        }
        h = out.get("h_next");
        attentional = out.get("attentional_next");
        if (lstm) {
          near(state.recurrent().c(), out.get("c_next"), "step " + t + " c");
          c = out.get("c_next");
        }
      }
    }
  }
}
