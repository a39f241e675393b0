package jrnn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jrnn.tensor.Tensor;
import jrnn.util.Rng;
import org.junit.jupiter.api.Test;

/**
 * Dropout's masks: each element dropped with probability p, independently of its neighbours
 * (two elements share one 64-bit draw), kept ones scaled by exactly 1 / (1 - p), and the same
 * mask from the same generator; forward and backward apply that mask.
 */
class DropoutTest {

  /** Binomial bounds: 5 standard deviations of a frequency over {@code n} trials. */
  private static double bound(double p, int n) {
    return 5 * Math.sqrt(p * (1 - p) / n);
  }

  @Test
  void everyPositionIsDroppedWithProbabilityPAndKeptOnesAreScaled() {
    // Three elements: a pair from one draw and a last one from a draw of its own.
    for (double p : new double[] {0.1, 0.3, 0.5, 0.9}) {
      Dropout dropout = new Dropout(p);
      Rng rng = new Rng(11);
      int draws = 40_000;
      int[] dropped = new int[3];
      int bothOfPair = 0;
      float keep = (float) (1 / (1 - p));
      for (int d = 0; d < draws; d++) {
        dropout.draw(3, rng);
        for (int i = 0; i < 3; i++) {
          float m = dropout.mask().get(i);
          assertTrue(m == 0f || m == keep, "p " + p + ": mask value " + m + " is neither 0 nor " + keep);
          dropped[i] += m == 0f ? 1 : 0;
        }
        bothOfPair += dropout.mask().get(0) == 0f && dropout.mask().get(1) == 0f ? 1 : 0;
      }
      for (int i = 0; i < 3; i++) {
        double f = (double) dropped[i] / draws;
        assertEquals(p, f, bound(p, draws), "p " + p + ": position " + i + " dropped with frequency " + f);
      }
      // Independent halves of one draw: both dropped with probability p^2.
      double joint = (double) bothOfPair / draws;
      assertEquals(p * p, joint, bound(p * p, draws), "p " + p + ": both of a pair dropped with frequency " + joint);
    }
  }

  @Test
  void aLongMaskDropsAFractionPAndNothingWhenPIsZero() {
    int n = 200_001;
    Dropout dropout = new Dropout(0.3);
    dropout.draw(n, new Rng(5));
    int zeros = 0;
    for (int i = 0; i < n; i++) {
      zeros += dropout.mask().get(i) == 0f ? 1 : 0;
    }
    assertEquals(0.3, (double) zeros / n, bound(0.3, n));
    Dropout none = new Dropout(0);
    none.draw(n, new Rng(5));
    for (int i = 0; i < n; i++) {
      assertEquals(1f, none.mask().get(i), "p 0 dropped element " + i);
    }
  }

  @Test
  void theSameGeneratorGivesTheSameMaskAndForwardAndBackwardApplyIt() {
    int n = 1001;
    Dropout a = new Dropout(0.4);
    Dropout b = new Dropout(0.4);
    Tensor x = Tensor.zeros(n);
    for (int i = 0; i < n; i++) {
      x.set(i, i - 500.5f);
    }
    Tensor y = Tensor.zeros(n);
    a.forward(x, y, n, new Rng(3));
    b.draw(n, new Rng(3));
    Tensor dx = Tensor.zeros(n);
    a.backward(x, dx, n);
    for (int i = 0; i < n; i++) {
      assertEquals(a.mask().get(i), b.mask().get(i), "element " + i);
      assertEquals(x.get(i) * a.mask().get(i), y.get(i), "forward, element " + i);
      assertEquals(x.get(i) * a.mask().get(i), dx.get(i), "backward, element " + i);
    }
    assertThrows(IllegalStateException.class, () -> a.backward(x, dx, n - 1));
    assertThrows(IllegalArgumentException.class, () -> new Dropout(1));
    assertThrows(IllegalArgumentException.class, () -> new Dropout(Double.NaN));
  }
}
