package jrnn.reference;

import java.util.function.DoubleSupplier;

/**
 * Finite-difference gradient checks in double precision.
 *
 * <p>The numeric derivative is the fourth-order central difference
 * (8 (f(x+h) - f(x-h)) - (f(x+2h) - f(x-2h))) / 12h with h = 5e-4: its truncation error is
 * O(h^4) (about 1e-14) and its rounding error about 3e-13 for a loss of order 1, far below what a wrong
 * gradient shows. The relative error of one element is |a - n| / max(|a| + |n|, 1e-6), and
 * infinite where either is not finite (a NaN loss or gradient fails the check).
 *
 * <p>A ReLU or a max-pooling has kinks, where no derivative exists; an element whose
 * perturbation crosses one is recognised by two step sizes disagreeing, and is counted as
 * skipped rather than reported as an error.
 */
public final class GradientCheck {
  /**
   * The larger finite-difference step; the derivative reported uses half of it, and the two
   * disagreeing marks a kink.
   */
  public static final double STEP = 1e-3;
  /**
   * The floor of the relative error's denominator, so that two near-zero derivatives do not count
   * as far apart.
   */
  public static final double FLOOR = 1e-6;

  private GradientCheck() {}

  /**
   * The worst element of a check, and how many elements were checked or skipped at kinks.
   *
   * @param name what was checked
   * @param maxRelativeError the largest relative error of an element checked
   * @param worstIndex that element's index within the checked range; -1 when none was checked
   * @param analytic its analytic derivative
   * @param numeric its numeric derivative
   * @param checked the number of elements checked
   * @param skippedAtKinks the number of elements skipped at kinks
   */
  public record Result(String name, double maxRelativeError, int worstIndex, double analytic,
      double numeric, int checked, int skippedAtKinks) {

    /** The worse of this and {@code other}, with their counts added. */
    public Result merge(Result other) {
      // Double.compare ranks NaN above every number, so that it is never the one dropped.
      Result worse = Double.compare(other.maxRelativeError, maxRelativeError) > 0 ? other : this;
      return new Result(worse.name, worse.maxRelativeError, worse.worstIndex, worse.analytic,
          worse.numeric, checked + other.checked, skippedAtKinks + other.skippedAtKinks);
    }

    /** A result of nothing checked yet. */
    public static Result empty(String name) {
      return new Result(name, 0, -1, 0, 0, 0, 0);
    }
  }

  /**
   * |a - n| / max(|a| + |n|, {@link #FLOOR}); +infinity when either is NaN or infinite, which no
   * comparison with a threshold could otherwise catch (NaN &gt; worst is false).
   */
  public static double relativeError(double analytic, double numeric) {
    if (!Double.isFinite(analytic) || !Double.isFinite(numeric)) {
      return Double.POSITIVE_INFINITY;
    }
    return Math.abs(analytic - numeric) / Math.max(Math.abs(analytic) + Math.abs(numeric), FLOOR);
  }

  /**
   * Checks {@code analytic[i]} against the numeric derivative of {@code loss} with respect to
   * {@code values[offset + i]}, for i in [0, count). {@code values} is perturbed in place and
   * restored.
   */
  public static Result check(String name, double[] values, int offset, int count,
      double[] analytic, int analyticOffset, DoubleSupplier loss) {
    Result res = Result.empty(name);
    double worst = -1;
    for (int i = 0; i < count; i++) {
      int at = offset + i;
      double n1 = derivative(values, at, STEP, loss);
      double n2 = derivative(values, at, STEP / 2, loss);
      double a = analytic[analyticOffset + i];
      // Something not finite is a failure, never a kink: checked, with an infinite error below.
      boolean finite = Double.isFinite(n1) && Double.isFinite(n2) && Double.isFinite(a);
      if (finite && Math.abs(n1 - n2) > 1e-7 * Math.max(1.0, Math.abs(n1))) {
        res = new Result(name, res.maxRelativeError(), res.worstIndex(), res.analytic(),
            res.numeric(), res.checked(), res.skippedAtKinks() + 1);
        continue;
      }
      double e = relativeError(a, n2);
      if (e > worst) {
        worst = e;
        res = new Result(name, e, i, a, n2, res.checked() + 1, res.skippedAtKinks());
      } else {
        res = new Result(name, res.maxRelativeError(), res.worstIndex(), res.analytic(),
            res.numeric(), res.checked() + 1, res.skippedAtKinks());
      }
    }
    return res;
  }

  /** The whole array. */
  public static Result check(String name, double[] values, double[] analytic, DoubleSupplier loss) {
    return check(name, values, 0, values.length, analytic, 0, loss);
  }

  /**
   * The fourth-order central difference of {@code loss} in {@code v[i]} with step {@code h};
   * {@code v[i]} is restored.
   */
  public static double derivative(double[] v, int i, double h, DoubleSupplier loss) {
    double x = v[i];
    try {
      v[i] = x + h;
      double p1 = loss.getAsDouble();
      v[i] = x - h;
      double m1 = loss.getAsDouble();
      v[i] = x + 2 * h;
      double p2 = loss.getAsDouble();
      v[i] = x - 2 * h;
      double m2 = loss.getAsDouble();
      return (8 * (p1 - m1) - (p2 - m2)) / (12 * h);
    } finally {
      v[i] = x;
    }
  }
}
