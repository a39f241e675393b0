package jrnn.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import jrnn.tensor.Tensor;
import jrnn.util.Rng;
import org.junit.jupiter.api.Test;

/** Softmax with a temperature and a top-k cut, down to temperatures that overflow logits / T. */
class SamplerTest {
  static final Tensor LOGITS = Tensor.of(new float[] {0.5f, 2.0f, -1.0f, 1.5f}, 4);

  @Test
  void theProbabilitiesAreTheSoftmaxOfTheLogitsOverTheTemperature() {
    for (double t : new double[] {1, 0.5, 3}) {
      double[] p = new Sampler(t, 0).probabilities(LOGITS, 0, 4);
      double z = 0;
      for (int k = 0; k < 4; k++) {
        z += Math.exp(LOGITS.get(k) / t);
      }
      for (int k = 0; k < 4; k++) {
        assertEquals(Math.exp(LOGITS.get(k) / t) / z, p[k], 1e-12, "temperature " + t + ", class " + k);
      }
    }
    double[] top2 = new Sampler(1, 2).probabilities(LOGITS, 0, 4);
    double z = Math.exp(2.0) + Math.exp(1.5);
    assertEquals(Math.exp(2.0) / z, top2[1], 1e-12);
    assertEquals(Math.exp(1.5) / z, top2[3], 1e-12);
    assertEquals(0, top2[0] + top2[2]);
    assertThrows(IllegalArgumentException.class, () -> new Sampler(0, 0));
  }

  @Test
  void aTemperatureSoSmallThatLogitsOverItOverflowDrawsTheLikeliestClass() {
    for (double t : new double[] {1e-3, 1e-300, 1e-320, Double.MIN_VALUE}) {
      Sampler s = new Sampler(t, 0);
      assertEquals(1.0, s.probabilities(LOGITS, 0, 4)[1], "temperature " + t);
      Rng rng = new Rng(5);
      for (int draw = 0; draw < 20; draw++) {
        assertEquals(1, s.sample(LOGITS, 0, 4, rng), "temperature " + t);
      }
    }
  }

  /** Top-k keeps k classes when logits tie at the cut: the first of the tied ones, by index. */
  @Test
  void topKKeepsExactlyKClassesWhenLogitsTieAtTheCut() {
    jrnn.tensor.Tensor tied = jrnn.tensor.Tensor.of(new float[] {3, 1, 1, 1, 1, 0}, 6);
    double[] p = new Sampler(1, 2).probabilities(tied, 0, 6);
    double e = Math.exp(-2);
    assertEquals(1 / (1 + e), p[0], 1e-12);
    assertEquals(e / (1 + e), p[1], 1e-12);
    for (int k = 2; k < 6; k++) {
      assertEquals(0, p[k], 0, "class " + k);
    }
    double[] three = new Sampler(1, 3).probabilities(jrnn.tensor.Tensor.of(new float[] {2, 2, 2, 2}, 4), 0, 4);
    assertEquals(1 / 3.0, three[0], 1e-12);
    assertEquals(1 / 3.0, three[2], 1e-12);
    assertEquals(0, three[3], 0);
  }
}
