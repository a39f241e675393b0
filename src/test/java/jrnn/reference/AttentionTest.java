package jrnn.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import jrnn.kernels.Kernels;
import jrnn.kernels.ScalarKernels;
import jrnn.layers.Attention;
import jrnn.layers.Attention.Score;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;
import org.junit.jupiter.api.Test;

/**
 * Attention over encoder states (additive and multiplicative, with source masks): the double
 * reference's gradients against finite differences, and the float32 layer against the reference,
 * over several decoder steps.
 */
class AttentionTest {
  static final int S = 4;
  static final int B = 3;
  static final int E = 5;
  static final int D = 4;
  static final int A = 6;
  static final int[] LENGTHS = {4, 1, 3};
  static final int T = 2;

  /** A random problem: weights, encoder states, T queries and the loss's weights r. */
  record Problem(ReferenceAttention ref, double[] h, double[][] queries, double[][] r) {}

  static double[] random(Rng rng, int n, double scale) {
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = rng.uniform(-scale, scale);
    }
    return x;
  }

  static Problem problem(Score score, long seed) {
    Rng rng = new Rng(seed);
    ReferenceAttention ref = score == Score.ADDITIVE
        ? new ReferenceAttention(score, E, D, A, random(rng, A * E, 0.8), random(rng, A * D, 0.8), random(rng, A, 0.5),
            random(rng, A, 1.0))
        : new ReferenceAttention(score, E, D, E, random(rng, D * E, 0.8), null, null, null);
    double[][] queries = new double[T][];
    double[][] r = new double[T][];
    for (int t = 0; t < T; t++) {
      queries[t] = random(rng, B * D, 1.0);
      r[t] = random(rng, B * E, 1.0);
    }
    return new Problem(ref, random(rng, S * B * E, 1.0), queries, r);
  }

  static double loss(Problem p) {
    return p.ref().loss(p.h(), S, B, LENGTHS, p.queries(), p.r());
  }

  /** Every gradient of the reference against fourth-order central differences. */
  static List<GradientCheck.Result> check(Problem p, ReferenceAttention.Gradients g) {
    ReferenceAttention ref = p.ref();
    List<GradientCheck.Result> results = new ArrayList<>();
    results.add(GradientCheck.check("W_k", ref.keyWeight, g.keyWeight(), () -> loss(p)));
    if (ref.score == Score.ADDITIVE) {
      results.add(GradientCheck.check("W_q", ref.queryWeight, g.queryWeight(), () -> loss(p)));
      results.add(GradientCheck.check("b", ref.bias, g.bias(), () -> loss(p)));
      results.add(GradientCheck.check("v", ref.vector, g.vector(), () -> loss(p)));
    }
    results.add(GradientCheck.check("encoder states", p.h(), g.encoder(), () -> loss(p)));
    for (int t = 0; t < T; t++) {
      results.add(GradientCheck.check("query " + t, p.queries()[t], g.queries()[t], () -> loss(p)));
    }
    return results;
  }

  @Test
  void theReferenceGradientsAgreeWithFiniteDifferences() {
    for (Score score : Score.values()) {
      Problem p = problem(score, 3);
      ReferenceAttention.Gradients g = p.ref().gradients(p.h(), S, B, LENGTHS, p.queries(), p.r());
      for (GradientCheck.Result r : check(p, g)) {
        assertTrue(r.maxRelativeError() < 1e-7, score + " " + r);
        assertTrue(r.checked() > 0, score + " " + r);
      }
      // Padded source steps take no part: their states get no gradient.
      for (int b = 0; b < B; b++) {
        for (int s = LENGTHS[b]; s < S; s++) {
          for (int j = 0; j < E; j++) {
            assertEquals(0.0, g.encoder()[(s * B + b) * E + j], score + " padded step " + s + " of source " + b);
          }
        }
      }
    }
  }

  @Test
  void aPlantedGradientBugFailsTheCheck() {
    Problem p = problem(Score.ADDITIVE, 4);
    ReferenceAttention.Gradients g = p.ref().gradients(p.h(), S, B, LENGTHS, p.queries(), p.r());
    // One element of v's gradient off by 2% of the largest: the check must see a bug that small.
    double largest = 0;
    for (double x : g.vector()) {
      largest = Math.max(largest, Math.abs(x));
    }
    g.vector()[2] += 0.02 * largest;
    double worst = check(p, g).stream().mapToDouble(GradientCheck.Result::maxRelativeError).max().orElse(0);
    assertTrue(worst > 1e-4, "the check must see it: " + worst);
  }

  static Tensor tensor(double[] x, int... shape) {
    return Tensor.of(x, shape);
  }

  /** On either kernel set: the additive score's tanh and its derivative are the kernels'. */
  @Test
  void theLayerAgreesWithTheReference() {
    // Where the Vector API is absent, best() is the scalar set again: the same check twice.
    for (Kernels kernels : List.of(new ScalarKernels(), Kernels.best())) {
      for (Score score : Score.values()) {
        layerAgreesWithTheReference(score, kernels);
      }
    }
  }

  private static void layerAgreesWithTheReference(Score score, Kernels kernels) {
    Problem p = problem(score, 5);
    ReferenceAttention ref = p.ref();
    boolean additive = score == Score.ADDITIVE;
    Attention.Weights w = additive
        ? new Attention.Weights(tensor(ref.keyWeight, A, E), tensor(ref.queryWeight, A, D), tensor(ref.bias, A),
            tensor(ref.vector, A), Tensor.zeros(A, E), Tensor.zeros(A, D), Tensor.zeros(A), Tensor.zeros(A))
        : new Attention.Weights(tensor(ref.keyWeight, D, E), null, null, null, Tensor.zeros(D, E), null, null, null);
    Attention layer = new Attention(score, E, D, w, kernels);
    Tensor h = tensor(p.h(), S * B, E);
    layer.attach(h, S, B, LENGTHS);
    Tensor dEncoder = Tensor.zeros(S * B, E);
    List<Attention.Step> steps = new ArrayList<>();
    List<Tensor> dQueries = new ArrayList<>();
    for (int t = 0; t < T; t++) {
      Attention.Step st = layer.forward(tensor(p.queries()[t], B, D));
      steps.add(st);
      double[] expected = ref.context(p.h(), S, B, LENGTHS, p.queries()[t]);
      assertClose(kernels.getClass().getSimpleName() + " " + score + " context at step " + t, expected, st.context.toDoubleArray(), 1e-5);
      double[][] alpha = ref.weights(p.h(), S, B, LENGTHS, p.queries()[t]);
      for (int s = 0; s < S; s++) {
        for (int b = 0; b < B; b++) {
          assertEquals(alpha[s][b], st.weights.get(s * B + b), 1e-6, score + " weight " + s + "," + b);
        }
      }
    }
    for (int t = T - 1; t >= 0; t--) {
      Tensor dq = Tensor.zeros(B, D);
      layer.backward(steps.get(t), tensor(p.r()[t], B, E), dq, dEncoder);
      dQueries.add(0, dq);
    }
    layer.finishBackward(dEncoder);
    ReferenceAttention.Gradients g = ref.gradients(p.h(), S, B, LENGTHS, p.queries(), p.r());
    assertClose(kernels.getClass().getSimpleName() + " " + score + " dW_k", g.keyWeight(), w.gKeyWeight().toDoubleArray(), 1e-4);
    if (additive) {
      assertClose(kernels.getClass().getSimpleName() + " dW_q", g.queryWeight(), w.gQueryWeight().toDoubleArray(), 1e-4);
      assertClose(kernels.getClass().getSimpleName() + " db", g.bias(), w.gBias().toDoubleArray(), 1e-4);
      assertClose(kernels.getClass().getSimpleName() + " dv", g.vector(), w.gVector().toDoubleArray(), 1e-4);
    }
    assertClose(kernels.getClass().getSimpleName() + " " + score + " d encoder", g.encoder(), dEncoder.toDoubleArray(), 1e-4);
    for (int t = 0; t < T; t++) {
      assertClose(kernels.getClass().getSimpleName() + " " + score + " d query " + t, g.queries()[t], dQueries.get(t).toDoubleArray(), 1e-4);
    }
  }

  @Test
  void aSourceReadsTheSameAloneAsInAPaddedBatch() {
    Problem p = problem(Score.MULTIPLICATIVE, 6);
    ReferenceAttention ref = p.ref();
    Attention.Weights w = new Attention.Weights(tensor(ref.keyWeight, D, E), null, null, null, Tensor.zeros(D, E),
        null, null, null);
    Attention layer = new Attention(Score.MULTIPLICATIVE, E, D, w, Kernels.best());
    layer.attach(tensor(p.h(), S * B, E), S, B, LENGTHS);
    float[] together = layer.forward(tensor(p.queries()[0], B, D)).context.toArray();
    int b = 2;
    double[] alone = new double[LENGTHS[b] * E];
    for (int s = 0; s < LENGTHS[b]; s++) {
      System.arraycopy(p.h(), (s * B + b) * E, alone, s * E, E);
    }
    double[] q = new double[D];
    System.arraycopy(p.queries()[0], b * D, q, 0, D);
    layer.attach(tensor(alone, LENGTHS[b], E), LENGTHS[b], 1, new int[] {LENGTHS[b]});
    float[] single = layer.forward(tensor(q, 1, D)).context.toArray();
    for (int j = 0; j < E; j++) {
      assertEquals(single[j], together[b * E + j], 1e-6, "context element " + j);
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> layer.attach(tensor(p.h(), S * B, E), S, B, new int[] {4, 0, 3}));
    assertTrue(e.getMessage().contains("source 1 has length 0"), e.getMessage());
    assertEquals(Score.ADDITIVE, Score.parse("Bahdanau"));
    assertThrows(IllegalArgumentException.class, () -> Score.parse("dot-product-ish"));
  }

  /**
   * A layer's buffers serve batches of every shape in turn: after a batch of 3 sources of up to 4
   * steps (12 score rows), a batch of 2 sources of 5 and 2 steps (fewer score rows, more steps, a
   * padded source) gives, bit for bit, what a fresh layer gives: context, gradients of the encoder
   * states, of the query and of every weight.
   */
  @Test
  void aLayerReusedForAnotherShapeGivesWhatAFreshOneGives() {
    int steps = S + 1;
    int batch = 2;
    int[] lengths = {steps, 2};
    for (Score score : Score.values()) {
      Problem p = problem(score, 9);
      double[] source = random(new Rng(10), steps * batch * E, 1.0);
      double[] q = random(new Rng(11), batch * D, 1.0);
      double[] r = random(new Rng(12), batch * E, 1.0);
      float[][] results = new float[2][];
      for (int run = 0; run < 2; run++) {
        ReferenceAttention ref = p.ref();
        boolean additive = score == Score.ADDITIVE;
        Attention.Weights w = additive
            ? new Attention.Weights(tensor(ref.keyWeight, A, E), tensor(ref.queryWeight, A, D), tensor(ref.bias, A),
                tensor(ref.vector, A), Tensor.zeros(A, E), Tensor.zeros(A, D), Tensor.zeros(A), Tensor.zeros(A))
            : new Attention.Weights(tensor(ref.keyWeight, D, E), null, null, null, Tensor.zeros(D, E), null, null,
                null);
        Attention layer = new Attention(score, E, D, w, Kernels.best());
        if (run == 1) {
          layer.attach(tensor(p.h(), S * B, E), S, B, LENGTHS);
          Attention.Step st = layer.forward(tensor(p.queries()[0], B, D));
          layer.backward(st, tensor(p.r()[0], B, E), Tensor.zeros(B, D), Tensor.zeros(S * B, E));
          layer.finishBackward(Tensor.zeros(S * B, E));
          for (Tensor g : new Tensor[] {w.gKeyWeight(), w.gQueryWeight(), w.gBias(), w.gVector()}) {
            if (g != null) {
              g.zero();
            }
          }
        }
        layer.attach(tensor(source, steps * batch, E), steps, batch, lengths);
        Attention.Step st = layer.forward(tensor(q, batch, D));
        Tensor dEncoder = Tensor.zeros(steps * batch, E);
        Tensor dq = Tensor.zeros(batch, D);
        layer.backward(st, tensor(r, batch, E), dq, dEncoder);
        layer.finishBackward(dEncoder);
        List<Float> all = new ArrayList<>();
        // A reused step's buffers may be longer than this batch needs: its first values are the batch's.
        Tensor[] outputs = {st.context, st.weights, dEncoder, dq, w.gKeyWeight(), w.gQueryWeight(), w.gBias(),
            w.gVector()};
        int[] counts = {batch * E, steps * batch, steps * batch * E, batch * D, -1, -1, -1, -1};
        for (int o = 0; o < outputs.length; o++) {
          if (outputs[o] != null) {
            float[] x = outputs[o].toArray();
            for (int k = 0; k < (counts[o] < 0 ? x.length : counts[o]); k++) {
              all.add(x[k]);
            }
          }
        }
        results[run] = new float[all.size()];
        for (int k = 0; k < all.size(); k++) {
          results[run][k] = all.get(k);
        }
      }
      assertEquals(results[0].length, results[1].length, score + ": as many values");
      for (int k = 0; k < results[0].length; k++) {
        assertEquals(Float.floatToIntBits(results[0][k]), Float.floatToIntBits(results[1][k]),
            score + " reused layer, value " + k + ": " + results[0][k] + " vs " + results[1][k]);
      }
      double nonZero = 0;
      for (float x : results[0]) {
        nonZero += x != 0 ? 1 : 0;
      }
      assertTrue(nonZero > results[0].length / 2, score + ": " + nonZero + " of " + results[0].length + " values non-zero");
    }
  }

  /** Every element within {@code tolerance} by {@link EngineComparison#scaledDifference}, as the cells are held. */
  static void assertClose(String what, double[] expected, double[] actual, double tolerance) {
    assertEquals(expected.length, actual.length, what);
    for (int i = 0; i < expected.length; i++) {
      double d = EngineComparison.scaledDifference(expected[i], actual[i]);
      assertTrue(d < tolerance, what + " element " + i + ": reference " + expected[i] + ", layer " + actual[i]);
    }
  }
}
