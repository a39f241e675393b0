package jrnn.util;

import java.util.SplittableRandom;

/**
 * The one source of randomness: every initialisation, shuffle, dropout mask and sample draws
 * from an {@code Rng} made from a seed, so the same seed gives the same run. SplittableRandom's
 * algorithm is specified by the JDK, so a seed means the same numbers on every JDK.
 */
public final class Rng {
  private final SplittableRandom random;

  /** A generator seeded with {@code seed}; equal seeds give equal sequences. */
  public Rng(long seed) {
    this.random = new SplittableRandom(seed);
  }

  private Rng(SplittableRandom random) {
    this.random = random;
  }

  /** An independent generator derived from this one (for a component that draws on its own). */
  public Rng split() {
    return new Rng(random.split());
  }

  /** Uniform in [0, 1). */
  public double nextDouble() {
    return random.nextDouble();
  }

  /** Uniform in [0, 1), as a float. */
  public float nextFloat() {
    return (float) random.nextDouble();
  }

  /** Uniform in [lo, hi). */
  public double uniform(double lo, double hi) {
    return lo + (hi - lo) * random.nextDouble();
  }

  /** Uniform in [0, bound). */
  public int nextInt(int bound) {
    return random.nextInt(bound);
  }

  /** Uniform over all 2^64 long values. */
  public long nextLong() {
    return random.nextLong();
  }

  /** Standard normal, by the Box-Muller transform. */
  public double gaussian() {
    double u1 = 1.0 - random.nextDouble();
    double u2 = random.nextDouble();
    return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
  }

  /** Shuffles {@code a} in place (Fisher-Yates). */
  public void shuffle(int[] a) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}
