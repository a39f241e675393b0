package jrnn.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jrnn.optim.Adam;
import jrnn.optim.GradientClipping;
import jrnn.optim.LearningRateSchedule;
import jrnn.optim.Sgd;
import jrnn.optim.WeightDecay;
import jrnn.params.ParamLayout;
import jrnn.params.Parameters;
import org.junit.jupiter.api.Test;

/** Each update rule against the same rule computed by hand in double. */
class OptimizerTest {

  static Parameters params(float[] w, float[] g) {
    Parameters p = new Parameters(ParamLayout.builder().add("a.weight", 2).add("a.bias", w.length - 2).build());
    for (int i = 0; i < w.length; i++) {
      p.values().set(i, w[i]);
      p.grads().set(i, g[i]);
    }
    return p;
  }

  @Test
  void sgdStepsAgainstTheGradient() {
    Parameters p = params(new float[] {1, 2, 3}, new float[] {0.5f, -1, 2});
    new Sgd().step(p, 0.1);
    assertEquals(0.95, p.values().get(0), 1e-6);
    assertEquals(2.1, p.values().get(1), 1e-6);
    assertEquals(2.8, p.values().get(2), 1e-6);
  }

  @Test
  void momentumAccumulatesVelocity() {
    Parameters p = params(new float[] {1, 0, 0}, new float[] {1, 0, 0});
    Sgd m = new Sgd(0.9, false);
    m.step(p, 0.1);   // v = 1, w = 0.9
    m.step(p, 0.1);   // v = 1.9, w = 0.71
    assertEquals(0.71, p.values().get(0), 1e-6);
    Parameters q = params(new float[] {1, 0, 0}, new float[] {1, 0, 0});
    Sgd n = new Sgd(0.9, true);
    n.step(q, 0.1);   // v = 1, w = 1 - 0.1 (1 + 0.9) = 0.81
    assertEquals(0.81, q.values().get(0), 1e-6);
  }

  @Test
  void adamMatchesItsDefinition() {
    Parameters p = params(new float[] {1, -1, 0.5f}, new float[] {0.2f, -0.4f, 0});
    Adam adam = new Adam(0.9, 0.999, 1e-8);
    double[] w = {1, -1, 0.5};
    double[] g = {0.2, -0.4, 0};
    double[] m = new double[3];
    double[] v = new double[3];
    for (int t = 1; t <= 3; t++) {
      adam.step(p, 0.01);
      for (int i = 0; i < 3; i++) {
        m[i] = 0.9 * m[i] + 0.1 * g[i];
        v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
        double mh = m[i] / (1 - Math.pow(0.9, t));
        double vh = v[i] / (1 - Math.pow(0.999, t));
        w[i] -= 0.01 * mh / (Math.sqrt(vh) + 1e-8);
      }
    }
    for (int i = 0; i < 3; i++) {
      assertEquals(w[i], p.values().get(i), 1e-6, "w" + i);
    }
  }

  @Test
  void clippingByGlobalNormAndByValue() {
    Parameters p = params(new float[] {0, 0, 0}, new float[] {3, 4, 0});
    assertEquals(5, GradientClipping.clipGlobalNorm(p, 1), 1e-6);
    assertEquals(0.6, p.grads().get(0), 1e-6);
    assertEquals(0.8, p.grads().get(1), 1e-6);
    assertEquals(1, GradientClipping.globalNorm(p), 1e-6);
    Parameters q = params(new float[] {0, 0, 0}, new float[] {3, -4, 0.5f});
    assertEquals(2, GradientClipping.clipValue(q, 1));
    assertEquals(1, q.grads().get(0));
    assertEquals(-1, q.grads().get(1));
    assertEquals(0.5, q.grads().get(2), 1e-7);
  }

  @Test
  void weightDecayAddsTheL2GradientToWeightsOnly() {
    Parameters p = params(new float[] {2, -4, 10}, new float[] {0, 0, 0});
    WeightDecay.apply(p, 0.5);
    assertEquals(1, p.grads().get(0), 1e-6);
    assertEquals(-2, p.grads().get(1), 1e-6);
    assertEquals(0, p.grads().get(2), 0, "biases are not decayed");
  }

  /** Every parameter but the biases, whatever its name: additive attention's score vector had been left out. */
  @Test
  void weightDecayReachesEveryParameterButTheBiases() {
    jrnn.models.EncoderDecoderConfig cfg = jrnn.models.EncoderDecoderConfig.builder().vocabularies(7, 6).embedding(4)
        .cell("lstm-peephole").encoder(3, 1, true).decoder(4, 1).additiveAttention(5).build();
    Parameters p = new Parameters(cfg.parameterLayout());
    p.values().fill(1f);
    WeightDecay.apply(p, 0.5);
    for (jrnn.params.ParamLayout.Entry e : cfg.parameterLayout().entries()) {
      float expected = e.name().contains("bias") ? 0f : 0.5f;
      for (int i = e.offset(); i < e.offset() + e.size(); i++) {
        assertEquals(expected, p.grads().get(i), 0f, e.name());
      }
    }
    assertTrue(cfg.parameterLayout().entries().stream().anyMatch(e -> e.name().equals("attention.vector")));
    assertTrue(cfg.parameterLayout().entries().stream().anyMatch(e -> e.name().contains("weight_c")));
  }

  @Test
  void zarembaScheduleHalvesAfterTheFourthEpoch() {
    LearningRateSchedule s = new LearningRateSchedule(1, 4, 0.5);
    assertEquals(1, s.rate(0));
    assertEquals(1, s.rate(3));
    assertEquals(0.5, s.rate(4));
    assertEquals(0.25, s.rate(5));
    assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule(-1, 0, 1));
  }
}
