package jrnn.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The checker itself: a right gradient passes, and a wrong one fails, also where it is NaN or
 * infinite and where the loss is NaN (a relative error of NaN had never counted as the worst).
 */
class GradientCheckTest {
  /** The loss sum of v^2 over v, whose gradient is 2 v. */
  private static GradientCheck.Result check(double[] analytic, boolean nanLoss) {
    double[] v = {0.3, -1.2, 2.0};
    return GradientCheck.check("sum of squares", v, analytic, () -> {
      double s = 0;
      for (double x : v) {
        s += x * x;
      }
      return nanLoss ? Double.NaN : s;
    });
  }

  @Test
  void aRightGradientPassesAndAWrongOneFailsFiniteOrNot() {
    GradientCheck.Result right = check(new double[] {0.6, -2.4, 4.0}, false);
    assertTrue(right.maxRelativeError() < 1e-9, "right: " + right);
    assertEquals(3, right.checked());
    assertTrue(check(new double[] {0.6, -2.4, 4.1}, false).maxRelativeError() > 1e-3, "one element wrong");
    for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
      GradientCheck.Result r = check(new double[] {0.6, bad, 4.0}, false);
      assertEquals(Double.POSITIVE_INFINITY, r.maxRelativeError(), "an analytic " + bad + ": " + r);
      assertEquals(1, r.worstIndex(), "the element named");
    }
    GradientCheck.Result nanLoss = check(new double[] {0.6, -2.4, 4.0}, true);
    assertEquals(Double.POSITIVE_INFINITY, nanLoss.maxRelativeError(), "a NaN loss: " + nanLoss);
    // Where the two step sizes disagree because one overflows, a NaN gradient is not skipped as at a kink.
    double[] v = {1.0};
    GradientCheck.Result overflow = GradientCheck.check("overflow", v, new double[] {Double.NaN},
        () -> v[0] > 1.0004 && v[0] < 1.0006 ? Double.POSITIVE_INFINITY : v[0]);   // the smaller step's x + h
    assertEquals(Double.POSITIVE_INFINITY, overflow.maxRelativeError(), "one step overflowing: " + overflow);
    assertEquals(0, overflow.skippedAtKinks());
    GradientCheck.Result merged = right.merge(new GradientCheck.Result("NaN", Double.NaN, 0, 0, 0, 1, 0));
    assertTrue(!(merged.maxRelativeError() < 1e-3), "a merged NaN is not dropped: " + merged);
  }
}
