package jrnn.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import jrnn.cells.CellType;
import jrnn.cells.ParamNames;
import jrnn.data.Batch;
import jrnn.layers.Bidirectional;
import jrnn.models.LossNormalization;
import jrnn.models.ModelConfig;
import jrnn.models.OutputKind;
import jrnn.models.Readout;
import jrnn.models.SequenceModel;
import jrnn.reference.ReferenceCell;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;
import org.junit.jupiter.api.Test;

/**
 * The gradient-flow probe: its ||dL_T/dh_k|| equal finite differences through a double-precision
 * re-run of the steps after k, and they grow with distance when the recurrent weights are scaled
 * up (gamma > 1) and shrink when scaled down (gamma < 1), as SPEC 8-21, 8-22 say.
 */
class GradientFlowTest {
  static final int T = 6;
  static final int B = 2;
  static final int X = 3;
  static final int H = 4;

  static SequenceModel model(CellType cell, long seed) {
    ModelConfig cfg = new ModelConfig(0, X, cell, H, 1, Bidirectional.NONE, 0, Readout.EVERY_STEP, 3,
        OutputKind.SOFTMAX);
    SequenceModel m = new SequenceModel(cfg);
    m.initialize(new Rng(seed), 0.6, 0);
    return m;
  }

  static Batch batch(long seed) {
    Rng rng = new Rng(seed);
    Tensor x = Tensor.zeros(T, B, X);
    for (int i = 0; i < x.size(); i++) {
      x.set(i, (float) rng.uniform(-1, 1));
    }
    int[] targets = new int[T * B];
    for (int i = 0; i < targets.length; i++) {
      targets[i] = rng.nextInt(3);
    }
    return Batch.ofInputs(x, Batch.fullLengths(T, B), targets);
  }

  /**
   * L_T of sequence b, in double, with h_k replaced by h_k + delta: the steps after k re-run
   * with the reference cell on the model's (float) parameters.
   */
  static double lossAfterPerturbing(SequenceModel m, Batch batch, int b, int k, int unit, double delta) {
    ModelConfig cfg = m.config();
    double[] p = m.parameters().values().toDoubleArray();
    var layout = cfg.parameterLayout();
    ReferenceCell cell = ReferenceCell.of(cfg.cell(), X, H, p, new double[p.length], layout,
        ModelConfig.RNN_PREFIX, 0, 0);
    double[] h = new double[H];
    double[] c = new double[H];
    for (int t = 0; t < T; t++) {
      double[] x = new double[X];
      for (int j = 0; j < X; j++) {
        x[j] = batch.inputs().get((t * B + b) * X + j);
      }
      ReferenceCell.Step s = cell.forward(x, h, c);
      h = s.h.clone();
      c = s.c != null ? s.c.clone() : c;
      if (t == k) {
        h[unit] += delta;
      }
    }
    int w = layout.get(ModelConfig.HEAD_WEIGHT).offset();
    int bias = layout.get(ModelConfig.HEAD_BIAS).offset();
    double[] o = new double[3];
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < 3; i++) {
      o[i] = p[bias + i];
      for (int j = 0; j < H; j++) {
        o[i] += p[w + i * H + j] * h[j];
      }
      max = Math.max(max, o[i]);
    }
    double z = 0;
    for (double v : o) {
      z += Math.exp(v - max);
    }
    return Math.log(z) + max - o[batch.targets()[(T - 1) * B + b]];
  }

  @Test
  void probeNormsEqualFiniteDifferences() {
    for (CellType cell : List.of(CellType.parse("rnn-tanh"), CellType.parse("lstm-peephole"), CellType.parse("gru"))) {
      SequenceModel m = model(cell, 3);
      Batch batch = batch(4);
      GradientFlow.Result r = GradientFlow.probe(m, batch, null);
      for (int k = 0; k < T; k++) {
        // The probe's loss is L_T summed over the batch and divided by B (per-sequence mean).
        double sumSquares = 0;
        for (int b = 0; b < B; b++) {
          for (int u = 0; u < H; u++) {
            double h = 1e-3;
            double d = (lossAfterPerturbing(m, batch, b, k, u, h) - lossAfterPerturbing(m, batch, b, k, u, -h)) / (2 * h);
            sumSquares += (d / B) * (d / B);
          }
        }
        double numeric = Math.sqrt(sumSquares / B);
        double probe = r.top().hidden()[k];
        assertEquals(numeric, probe, 2e-4 * numeric + 1e-7, cell.name() + " ||dL_T/dh_" + k + "||");
      }
    }
  }

  /** rnn-tanh in its linear range (tiny inputs, no bias) with U = gamma * an orthogonal matrix. */
  static double[] norms(double gamma) {
    int h = 16;
    int steps = 30;
    ModelConfig cfg = new ModelConfig(0, 2, CellType.parse("rnn-tanh"), h, 1, Bidirectional.NONE, 0,
        Readout.EVERY_STEP, 2, OutputKind.LINEAR);
    SequenceModel m = new SequenceModel(cfg);
    m.initialize(new Rng(5), 0.3, 0);
    Tensor u = m.parameters().value(ParamNames.recurrent(ModelConfig.RNN_PREFIX, "weight_hh", 0, 0));
    // A permutation matrix is orthogonal: every ||U^T v|| = ||v||.
    for (int i = 0; i < h; i++) {
      for (int j = 0; j < h; j++) {
        u.set(i * h + j, j == (i * 5 + 3) % h ? (float) gamma : 0f);
      }
    }
    m.parameters().value(ParamNames.recurrent(ModelConfig.RNN_PREFIX, "bias", 0, 0)).zero();
    Tensor x = Tensor.zeros(steps, 1, 2);
    for (int i = 0; i < x.size(); i++) {
      x.set(i, 1e-4f);
    }
    Tensor target = Tensor.zeros(steps, 2);
    target.set((steps - 1) * 2, 1f);
    Batch b = Batch.ofInputs(x, new int[] {steps}, null, target);
    return GradientFlow.probe(m, b, null).top().hidden();
  }

  @Test
  void normsGrowWhenGammaExceedsOneAndShrinkBelow() {
    double[] up = norms(1.2);
    double[] down = norms(0.8);
    int last = up.length - 1;
    List<String> failures = new ArrayList<>();
    for (int k = 0; k < last; k++) {
      // Going back one step multiplies the norm by about gamma.
      double upRatio = up[k] / up[k + 1];
      double downRatio = down[k] / down[k + 1];
      if (Math.abs(upRatio - 1.2) > 0.01 || Math.abs(downRatio - 0.8) > 0.01) {
        failures.add("k=" + k + ": " + upRatio + ", " + downRatio);
      }
    }
    assertTrue(failures.isEmpty(), "per-step factors: " + failures);
    assertTrue(up[0] > 100 * up[last], "exploding: " + up[0] + " vs " + up[last]);
    assertTrue(down[0] < 1e-2 * down[last], "vanishing: " + down[0] + " vs " + down[last]);
  }

  /** Norms below float32's normal range are underflows of the backward pass, not measurements. */
  @Test
  void normsPastFloatsNormalRangeAreNotMeasured() {
    // Time order: distance 0 is the last entry.
    GradientFlow.LayerFlow f = new GradientFlow.LayerFlow("layer 0", new double[] {0, 6e-43, 1e-30, 1e-2},
        new double[4], new double[4]);
    assertEquals(1, f.lastMeasured());
    assertTrue(f.measured(1) && !f.measured(2) && !f.measured(3));
    assertEquals(Math.pow(1e-28, 1.0), f.gamma(0, f.lastMeasured()), 1e-40);
    GradientFlow.LayerFlow whole = new GradientFlow.LayerFlow("layer 0", new double[] {1e-6, 1e-4, 1e-2},
        new double[3], new double[3]);
    assertEquals(2, whole.lastMeasured());
  }

  /** A model trained with dropout is probed as it predicts: its figures are those of its twin without. */
  @Test
  void dropoutDoesNotReachTheProbe() {
    SequenceModel plain = model(CellType.parse("lstm"), 11);
    SequenceModel dropping = new SequenceModel(plain.config().withDropout(0.5));
    dropping.parameters().copyValuesFrom(plain.parameters());
    Batch batch = batch(12);
    double[] expected = GradientFlow.probe(plain, batch, null).top().hidden();
    double[] got = GradientFlow.probe(dropping, batch, null).top().hidden();
    for (int k = 0; k < T; k++) {
      assertEquals(expected[k], got[k], 0.0, "k=" + k);
    }
  }

  @Test
  void theWeightGradientsNormIsBoundedByItsPerStepTerms() {
    SequenceModel m = model(CellType.parse("rnn-tanh"), 8);
    Batch batch = batch(9);
    GradientFlow.Result r = GradientFlow.probe(m, batch, null);
    // The per-step term of dL/dU is a sum of outer products over the batch's sequences (8-17); the
    // whole gradient is the sum of the terms, so its norm is at most the sum of their norms (the
    // probe gives the norms alone), and here well above a fifth of it (the terms mostly agree).
    m.parameters().zeroGrads();
    m.forward(batch, null, true, new Rng(0));
    m.backward(LossNormalization.PER_SEQUENCE, T - 1);
    double whole = jrnn.kernels.Blas.norm(m.parameters().grad(
        ParamNames.recurrent(ModelConfig.RNN_PREFIX, "weight_hh", 0, 0)), 0, H * H);
    double sum = 0;
    for (double v : r.top().recurrentWeights()) {
      sum += v;
    }
    assertTrue(whole <= sum * (1 + 1e-6) && whole > 0.2 * sum, "||dL/dU|| = " + whole + ", sum of terms " + sum);
  }
}
