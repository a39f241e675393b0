package jrnn.optim;

/**
 * Learning-rate decay by epoch: the base rate for the first {@code decayStart} epochs, then
 * multiplied by {@code factor} once per epoch (Zaremba et al. 2014: rate 1, halved every epoch
 * after the 4th). Epochs count from 0.
 *
 * @param base learning rate of the first epochs, positive and finite
 * @param decayStart epochs run at the base rate before decay starts, 0 or more
 * @param factor multiplier applied once per epoch after that, in (0, 1]
 */
public record LearningRateSchedule(double base, int decayStart, double factor) {

  /**
   * Checks that {@code base} is positive and finite, {@code decayStart} &gt;= 0 and {@code factor}
   * in (0, 1].
   */
  public LearningRateSchedule {
    if (!(base > 0) || Double.isInfinite(base)) {
      throw new IllegalArgumentException("learning rate must be positive and finite, got " + base);
    }
    if (decayStart < 0) {
      throw new IllegalArgumentException("learning-rate decay start must not be negative, got " + decayStart);
    }
    if (!(factor > 0 && factor <= 1)) {
      throw new IllegalArgumentException("learning-rate decay factor must be in (0, 1], got " + factor);
    }
  }

  /** The same {@code rate} for every epoch. */
  public static LearningRateSchedule constant(double rate) {
    return new LearningRateSchedule(rate, 0, 1);
  }

  /** The rate of epoch {@code epoch} (from 0). */
  public double rate(int epoch) {
    return base * Math.pow(factor, Math.max(0, epoch + 1 - decayStart));
  }
}
