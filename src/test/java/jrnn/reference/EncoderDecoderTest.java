package jrnn.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import jrnn.cells.CellType;
import jrnn.kernels.Kernels;
import jrnn.layers.Attention.Score;
import jrnn.models.EncoderDecoder;
import jrnn.models.EncoderDecoderConfig;
import jrnn.models.LossNormalization;
import jrnn.models.LossStats;
import jrnn.params.ParamLayout;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;
import org.junit.jupiter.api.Test;

/**
 * The encoder-decoder's backward pass against finite differences of its double-precision twin
 * ({@link ReferenceEncoderDecoder}), for every parameter of the whole model (encoder, bridge,
 * decoder stepped with input feeding, attention, combination, output, embeddings), over cells,
 * attention scores, tied and untied outputs; its loss against the twin's; and the decoding step
 * against teacher forcing.
 */
class EncoderDecoderTest {
  static final int BOS = 1;
  static final int EOS = 2;
  static final int[][] SOURCES = {{3, 4, 5, 6}, {5}, {6, 3, 3}};
  static final int[][] TARGETS = {{3, 4}, {5, 3, 4, 3}, {}};

  static EncoderDecoderConfig config(CellType cell, Score score, boolean tied, boolean feed, int encLayers,
      boolean bi, int decLayers) {
    return new EncoderDecoderConfig(7, 6, 4, cell, 3, encLayers, bi, 4, decLayers, score, 5, feed, tied, 0, 0.1);
  }

  static List<EncoderDecoderConfig> configs() {
    List<EncoderDecoderConfig> c = new ArrayList<>();
    c.add(config(CellType.parse("lstm"), Score.MULTIPLICATIVE, false, true, 2, true, 2));
    c.add(config(CellType.parse("gru-reset-after"), Score.ADDITIVE, true, true, 1, true, 1));
    c.add(config(CellType.parse("rnn-tanh"), Score.MULTIPLICATIVE, true, false, 2, false, 2));
    c.add(config(CellType.parse("lstm-peephole"), Score.ADDITIVE, false, false, 1, true, 1));
    return c;
  }

  static double[] randomParameters(EncoderDecoderConfig cfg, long seed) {
    Rng rng = new Rng(seed);
    double[] p = new double[cfg.parameterLayout().size()];
    for (int i = 0; i < p.length; i++) {
      p[i] = rng.uniform(-0.6, 0.6);
    }
    // Values float32 holds exactly, so that the twin and the model see the same numbers.
    for (int i = 0; i < p.length; i++) {
      p[i] = (float) p[i];
    }
    return p;
  }

  static EncoderDecoder engine(EncoderDecoderConfig cfg, double[] p) {
    Parameters params = new Parameters(cfg.parameterLayout());
    for (int i = 0; i < p.length; i++) {
      params.values().set(i, (float) p[i]);
    }
    return new EncoderDecoder(cfg, params, Kernels.best());
  }

  /** The model's gradient of the mean smoothed loss per target token. */
  static double[] engineGradient(EncoderDecoder m) {
    m.parameters().zeroGrads();
    m.forward(EncoderDecoder.Batch.of(SOURCES, TARGETS, BOS, EOS), true, new Rng(1));
    m.backward(LossNormalization.PER_OUTPUT);
    return m.parameters().grads().toDoubleArray();
  }

  /** Per parameter: ||model - numeric|| / ||numeric||, the numeric gradient from the twin. */
  static List<String> compare(EncoderDecoderConfig cfg, double[] p, double[] analytic, double tolerance) {
    return compare(cfg, p, analytic, tolerance, null);
  }

  /** As above, the twin dropping with {@code masks} (null: none). */
  static List<String> compare(EncoderDecoderConfig cfg, double[] p, double[] analytic, double tolerance,
      ReferenceEncoderDecoder.Masks masks) {
    ReferenceEncoderDecoder twin = new ReferenceEncoderDecoder(cfg, p);
    int tokens = twin.loss(SOURCES, TARGETS, BOS, EOS, masks).tokens();
    double[] numeric = new double[p.length];
    for (int i = 0; i < p.length; i++) {
      numeric[i] = GradientCheck.derivative(p, i, GradientCheck.STEP / 2,
          () -> twin.loss(SOURCES, TARGETS, BOS, EOS, masks).smoothed() / tokens);
    }
    List<String> failures = new ArrayList<>();
    for (ParamLayout.Entry e : cfg.parameterLayout().entries()) {
      double diff = 0;
      double norm = 0;
      for (int i = e.offset(); i < e.offset() + e.size(); i++) {
        diff += (analytic[i] - numeric[i]) * (analytic[i] - numeric[i]);
        norm += numeric[i] * numeric[i];
      }
      double rel = Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-6);
      if (!(rel < tolerance)) {
        failures.add(e.name() + ": relative difference " + rel + " (numeric norm " + Math.sqrt(norm) + ")");
      }
    }
    return failures;
  }

  @Test
  void everyGradientOfTheWholeModelAgreesWithFiniteDifferencesOfTheTwin() {
    long seed = 10;
    for (EncoderDecoderConfig cfg : configs()) {
      double[] p = randomParameters(cfg, seed++);
      double[] g = engineGradient(engine(cfg, p));
      List<String> failures = compare(cfg, p, g, 1e-4);
      assertTrue(failures.isEmpty(), cfg + ": " + failures);
    }
  }

  /**
   * Training with dropout at every site (both embeddings, between encoder layers, between decoder
   * layers, on h~): the model's gradient against finite differences of the twin given the masks
   * the model drew, over two encoder and two decoder layers of three cells.
   */
  @Test
  void withDropoutAtEverySiteTheGradientAgreesWithTheTwinOnTheModelsMasks() {
    long seed = 70;
    for (EncoderDecoderConfig plain : List.of(configs().get(0), configs().get(2),
        config(CellType.parse("gru-reset-after"), Score.ADDITIVE, false, true, 2, true, 2))) {
      EncoderDecoderConfig cfg = withDropout(plain, 0.3);
      double[] p = randomParameters(cfg, seed++);
      EncoderDecoder m = engine(cfg, p);
      double[] g = engineGradient(m);
      ReferenceEncoderDecoder.Masks masks = masksOf(m, cfg, SOURCES.length);
      for (EncoderDecoder.DropoutSite site : EncoderDecoder.DropoutSite.values()) {
        int layer = site == EncoderDecoder.DropoutSite.ENCODER_INPUT || site == EncoderDecoder.DropoutSite.DECODER_INPUT
            ? 1 : 0;
        Tensor mask = m.dropoutMask(site, layer);
        int zeros = 0;
        for (int i = 0; i < mask.size(); i++) {
          zeros += mask.get(i) == 0f ? 1 : 0;
        }
        assertTrue(zeros > 0, cfg.cell() + ": the mask of " + site + " dropped nothing");
      }
      List<String> failures = compare(cfg, p, g, 1e-4, masks);
      assertTrue(failures.isEmpty(), cfg + ": " + failures);
    }
  }

  /** {@code plain} with dropout {@code p}. */
  static EncoderDecoderConfig withDropout(EncoderDecoderConfig c, double p) {
    return new EncoderDecoderConfig(c.sourceVocab(), c.targetVocab(), c.embedding(), c.cell(), c.encoderHidden(),
        c.encoderLayers(), c.bidirectional(), c.decoderHidden(), c.decoderLayers(), c.attention(), c.attentionSize(),
        c.inputFeeding(), c.tied(), p, c.labelSmoothing());
  }

  /** The masks the model's last training pass drew, read as the twin reads them. */
  static ReferenceEncoderDecoder.Masks masksOf(EncoderDecoder m, EncoderDecoderConfig cfg, int pairs) {
    return (site, layer, pair, step, j) -> {
      int width = switch (site) {
        case SOURCE_EMBEDDING, TARGET_EMBEDDING -> cfg.embedding();
        case ENCODER_INPUT -> cfg.encoderOutputSize();
        case DECODER_INPUT, ATTENTIONAL -> cfg.decoderHidden();
      };
      return m.dropoutMask(site, layer).get((step * pairs + pair) * width + j);
    };
  }

  @Test
  void aPlantedGradientBugFailsTheCheck() {
    EncoderDecoderConfig cfg = configs().get(0);
    double[] p = randomParameters(cfg, 20);
    double[] g = engineGradient(engine(cfg, p));
    // One element of the bridge's gradient off by 2% of the largest in it.
    ParamLayout.Entry e = cfg.parameterLayout().get(EncoderDecoderConfig.BRIDGE_H_WEIGHT);
    double largest = 0;
    for (int i = e.offset(); i < e.offset() + e.size(); i++) {
      largest = Math.max(largest, Math.abs(g[i]));
    }
    g[e.offset() + 3] += 0.02 * largest;
    List<String> failures = compare(cfg, p, g, 1e-4);
    assertEquals(1, failures.size(), failures.toString());
    assertTrue(failures.get(0).startsWith(EncoderDecoderConfig.BRIDGE_H_WEIGHT), failures.toString());
  }

  @Test
  void theLossAgreesWithTheTwin() {
    long seed = 30;
    for (EncoderDecoderConfig cfg : configs()) {
      double[] p = randomParameters(cfg, seed++);
      EncoderDecoder m = engine(cfg, p);
      LossStats fast = m.forward(EncoderDecoder.Batch.of(SOURCES, TARGETS, BOS, EOS), false, null);
      ReferenceEncoderDecoder.Loss ref = new ReferenceEncoderDecoder(cfg, p).loss(SOURCES, TARGETS, BOS, EOS);
      assertEquals(ref.tokens(), fast.count());
      assertTrue(EngineComparison.scaledDifference(ref.crossEntropy(), fast.sum()) < 1e-5,
          cfg + ": " + ref.crossEntropy() + " against " + fast.sum());
    }
  }

  @Test
  void decodingStepByStepGivesTheTeacherForcedDistributions() {
    for (EncoderDecoderConfig cfg : configs()) {
      double[] p = randomParameters(cfg, 40);
      EncoderDecoder m = engine(cfg, p);
      EncoderDecoder.Batch batch = EncoderDecoder.Batch.of(SOURCES, TARGETS, BOS, EOS);
      m.forward(batch, false, null);
      float[] logits = m.logits().toArray();
      int v = cfg.targetVocab();
      int n = SOURCES.length;
      try (Parameters.Frozen f = m.parameters().freeze()) {
        EncoderDecoder.Encoded enc = m.encode(SOURCES);
        m.attend(enc, new int[] {0, 1, 2});
        EncoderDecoder.DecoderState state = enc.start();
        Tensor logProbs = Tensor.zeros(n, v);
        for (int t = 0; t < batch.targetSteps(); t++) {
          int[] previous = new int[n];
          for (int b = 0; b < n; b++) {
            previous[b] = batch.targetInputs()[t * n + b];
          }
          state = m.step(previous, state, logProbs);
          for (int b = 0; b < n; b++) {
            if (t >= batch.targetLengths()[b]) {
              continue;
            }
            double[] expected = logSoftmax(logits, (t * n + b) * v, v);
            for (int k = 0; k < v; k++) {
              assertEquals(expected[k], logProbs.get(b * v + k), 1e-5, cfg + " step " + t + " row " + b);
            }
          }
        }
      }
    }
  }

  static double[] logSoftmax(float[] x, int off, int n) {
    double max = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < n; k++) {
      max = Math.max(max, x[off + k]);
    }
    double sum = 0;
    for (int k = 0; k < n; k++) {
      sum += Math.exp(x[off + k] - max);
    }
    double[] y = new double[n];
    for (int k = 0; k < n; k++) {
      y[k] = x[off + k] - max - Math.log(sum);
    }
    return y;
  }

  static int[][] randomIds(Rng rng, int n, int minLength, int maxLength, int from, int vocab) {
    int[][] out = new int[n][];
    for (int i = 0; i < n; i++) {
      out[i] = new int[minLength + rng.nextInt(maxLength - minLength + 1)];
      for (int k = 0; k < out[i].length; k++) {
        out[i][k] = from + rng.nextInt(vocab - from);
      }
    }
    return out;
  }

  /**
   * Buffers sized by one batch and reused by the next must not leak into it: the gradients of a
   * batch are the same after a training pass and an evaluation pass on a larger (and a smaller)
   * batch as from a fresh model, with dropout, over batches wide enough that the decoder's rows
   * run on several threads. (An evaluation pass once left the attentional vector's dropout
   * writing over the vector itself, and training diverged after the first validation.)
   */
  @Test
  void aBatchGivesTheSameGradientsWhateverRanBefore() {
    EncoderDecoderConfig base = config(CellType.parse("lstm"), Score.MULTIPLICATIVE, false, true, 1, true, 1);
    EncoderDecoderConfig cfg = new EncoderDecoderConfig(12, 10, 8, base.cell(), 16, 2, true, 16, 2,
        Score.MULTIPLICATIVE, 8, true, false, 0.3, 0.1);
    double[] p = randomParameters(cfg, 60);
    Rng rng = new Rng(61);
    EncoderDecoder.Batch large = EncoderDecoder.Batch.of(randomIds(rng, 24, 3, 12, 3, 12),
        randomIds(rng, 24, 0, 14, 3, 10), BOS, EOS);
    EncoderDecoder.Batch small = EncoderDecoder.Batch.of(randomIds(rng, 9, 1, 5, 3, 12),
        randomIds(rng, 9, 0, 6, 3, 10), BOS, EOS);
    for (EncoderDecoder.Batch[] order : new EncoderDecoder.Batch[][] {{large, small}, {small, large}}) {
      EncoderDecoder fresh = engine(cfg, p);
      double[] expected = gradient(fresh, order[1]);
      EncoderDecoder reused = engine(cfg, p);
      gradient(reused, order[0]);
      reused.forward(order[0], false, null);
      double[] got = gradient(reused, order[1]);
      // The logits are the last batch's rows alone, whatever larger batch grew the buffer.
      assertArrayEquals(new int[] {order[1].targetSteps() * order[1].size(), cfg.targetVocab()},
          reused.logits().shape());
      assertArrayEquals(fresh.logits().toArray(), reused.logits().toArray());
      List<String> differ = new ArrayList<>();
      for (ParamLayout.Entry e : cfg.parameterLayout().entries()) {
        double worst = 0;
        for (int i = e.offset(); i < e.offset() + e.size(); i++) {
          worst = Math.max(worst, Math.abs(got[i] - expected[i]));
        }
        if (worst > 0) {
          differ.add(e.name() + " by " + worst);
        }
      }
      assertTrue(differ.isEmpty(), (order[0] == large ? "after the larger batch: " : "after the smaller batch: ")
          + differ);
    }
  }

  static double[] gradient(EncoderDecoder m, EncoderDecoder.Batch b) {
    m.parameters().zeroGrads();
    m.forward(b, true, new Rng(5));
    m.backward(LossNormalization.PER_OUTPUT);
    return m.parameters().grads().toDoubleArray();
  }

  @Test
  void badInputIsRefusedWithTheValueNamed() {
    EncoderDecoderConfig cfg = configs().get(1);
    EncoderDecoder m = engine(cfg, randomParameters(cfg, 50));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> m.forward(EncoderDecoder.Batch.of(new int[][] {{3, 9}}, new int[][] {{3}}, BOS, EOS), false, null));
    assertTrue(e.getMessage().contains("id 9"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> EncoderDecoder.Batch.of(new int[][] {{}}, new int[][] {{3}}, BOS, EOS));
    assertTrue(e.getMessage().contains("empty"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new EncoderDecoderConfig(7, 6, 4, CellType.parse("gru"),
        3, 1, true, 5, 1, Score.ADDITIVE, 5, true, true, 0, 0.1));
    assertTrue(e.getMessage().contains("(4)") && e.getMessage().contains("(5)"), e.getMessage());
  }

  /**
   * The search's log-probabilities: each row becomes x - log sum exp(x), as in double, on both
   * kernel sets, for a vocabulary that is not a whole number of vectors and rows far apart in scale.
   */
  @Test
  void logSoftmaxRowsAreTheRowsLogProbabilities() {
    int rows = 3;
    int classes = 4262;
    Rng rng = new Rng(21);
    double[] x = new double[rows * classes];
    for (int i = 0; i < x.length; i++) {
      x[i] = rng.uniform(-8, 8) * (1 + i / classes * 10);
    }
    for (int r = 0; r < rows; r++) {
      x[r * classes + classes - 2] = 9 * (1 + r * 10);  // the largest of each row among the last few, past the whole vectors
    }
    for (Kernels k : new Kernels[] {new jrnn.kernels.ScalarKernels(), Kernels.best()}) {
      Tensor t = Tensor.zeros(rows * classes);
      for (int i = 0; i < x.length; i++) {
        t.set(i, (float) x[i]);
      }
      EncoderDecoder.logSoftmaxRows(k, t, rows, classes);
      for (int r = 0; r < rows; r++) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
          max = Math.max(max, (float) x[r * classes + c]);
        }
        double sum = 0;
        for (int c = 0; c < classes; c++) {
          sum += Math.exp((float) x[r * classes + c] - max);
        }
        double logZ = max + Math.log(sum);
        for (int c = 0; c < classes; c++) {
          double expected = (float) x[r * classes + c] - logZ;
          assertEquals(expected, t.get(r * classes + c), 1e-5 * (1 + Math.abs(expected)),
              k.getClass().getSimpleName() + " row " + r + " class " + c);
        }
      }
    }
  }
}
