package jrnn.util;

/** Checks of numbers that settings and calls take. */
public final class Numbers {
  private Numbers() {}

  /** Whether {@code x} is finite and 0 or more: false for NaN, which fails every comparison. */
  public static boolean finiteNotNegative(double x) {
    return x >= 0 && x < Double.POSITIVE_INFINITY;
  }
}
