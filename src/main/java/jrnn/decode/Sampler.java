package jrnn.decode;

import jrnn.tensor.Tensor;
import jrnn.util.Rng;

/** Draws a class from a row of logits: softmax with a temperature, optionally over the top k only. */
public final class Sampler {
  private final double temperature;
  private final int topK;

  /** A sampler at {@code temperature} &gt; 0, over the {@code topK} likeliest classes (0: all). */
  public Sampler(double temperature, int topK) {
    if (!(temperature > 0)) {
      throw new IllegalArgumentException("temperature must be positive, got " + temperature);
    }
    if (topK < 0) {
      throw new IllegalArgumentException("top-k must not be negative, got " + topK);
    }
    this.temperature = temperature;
    this.topK = topK;
  }

  /**
   * Probabilities softmax(logits / temperature) of row {@code off..off+n}, restricted to the top k
   * when set: exactly k classes, those tied at the k-th value taken from the lowest index on.
   */
  public double[] probabilities(Tensor logits, int off, int n) {
    double[] p = new double[n];
    double max = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < n; k++) {
      max = Math.max(max, logits.get(off + k));
    }
    // The largest subtracted before dividing: at a tiny temperature the quotients stay at most 0,
    // and the likeliest class keeps probability 1 rather than infinity over infinity.
    for (int k = 0; k < n; k++) {
      p[k] = (logits.get(off + k) - max) / temperature;
    }
    double cut = Double.NEGATIVE_INFINITY;
    // Classes tied at the cut are kept from the lowest index on, so that exactly k remain.
    int tiesKept = n;
    if (topK > 0 && topK < n) {
      double[] sorted = p.clone();
      java.util.Arrays.sort(sorted);
      cut = sorted[n - topK];
      int above = 0;
      for (double v : p) {
        above += v > cut ? 1 : 0;
      }
      tiesKept = topK - above;
    }
    double sum = 0;
    for (int k = 0; k < n; k++) {
      boolean kept = p[k] > cut || p[k] == cut && tiesKept-- > 0;
      p[k] = kept ? Math.exp(p[k]) : 0;
      sum += p[k];
    }
    for (int k = 0; k < n; k++) {
      p[k] /= sum;
    }
    return p;
  }

  /**
   * A class in [0, n) drawn from {@link #probabilities} of row {@code off..off+n}, with one draw of
   * {@code rng}.
   */
  public int sample(Tensor logits, int off, int n, Rng rng) {
    double[] p = probabilities(logits, off, n);
    double u = rng.nextDouble();
    double acc = 0;
    int last = 0;
    for (int k = 0; k < n; k++) {
      if (p[k] > 0) {
        acc += p[k];
        last = k;
        if (u < acc) {
          return k;
        }
      }
    }
    return last;
  }
}
