package jrnn.layers;

import jrnn.tensor.Tensor;
import jrnn.util.Rng;

/**
 * Inverted dropout: in training each element is kept with probability 1 - p and scaled by
 * 1 / (1 - p), so that nothing changes at inference. The mask of the last forward pass is kept
 * for backward.
 */
public final class Dropout {
  private final double p;
  /** p * 2^32: an element whose 32 random bits read below it is dropped. */
  private final long dropThreshold;
  private Tensor mask = Tensor.zeros(0);
  private int size;

  /** Dropout that zeroes each element with probability {@code p} in [0, 1). */
  public Dropout(double p) {
    if (!(p >= 0 && p < 1)) {
      throw new IllegalArgumentException("Dropout: probability must be in [0, 1), got " + p);
    }
    this.p = p;
    this.dropThreshold = Math.round(p * 0x1p32);
  }

  /** p, the probability of dropping an element. */
  public double probability() {
    return p;
  }

  /** Whether a forward pass in this mode changes anything. */
  public boolean active(boolean training) {
    return training && p > 0;
  }

  /** dst[i] = src[i] * mask[i] for n elements, drawing a fresh mask. */
  public void forward(Tensor src, Tensor dst, int n, Rng rng) {
    draw(n, rng);
    for (int i = 0; i < n; i++) {
      dst.set(i, src.get(i) * mask.get(i));
    }
  }

  /**
   * Draws a fresh mask of n elements without applying it, for a layer that applies it piece by
   * piece ({@link #apply}) as its steps produce what it drops.
   */
  public void draw(int n, Rng rng) {
    if (mask.size() < n) {
      mask = Tensor.zeros(n);
    }
    size = n;
    // Two elements from each 64-bit draw: an element is dropped when its 32 bits, read as an
    // unsigned number u, fall below p * 2^32, so with probability p to within 2^-33. The choice is
    // made on bits, without a branch: with p = 0.3 a branch was mispredicted about once in three
    // elements, each of which took a draw of its own, and the masks were 7% of JFR's samples of
    // Java code in a translator's training (docs/engine.md).
    int keepBits = Float.floatToRawIntBits((float) (1 / (1 - p)));
    long threshold = dropThreshold;
    int i = 0;
    for (; i + 1 < n; i += 2) {
      long bits = rng.nextLong();
      mask.set(i, maskValue(bits & 0xffffffffL, threshold, keepBits));
      mask.set(i + 1, maskValue(bits >>> 32, threshold, keepBits));
    }
    if (i < n) {
      mask.set(i, maskValue(rng.nextLong() >>> 32, threshold, keepBits));
    }
  }

  /** 0 when u &lt; threshold, else the float whose bits are keepBits. */
  private static float maskValue(long u, long threshold, int keepBits) {
    // u - threshold is negative exactly when u is below it; its sign, spread over 64 bits, clears keepBits.
    long kept = ~((u - threshold) >> 63);
    return Float.intBitsToFloat(keepBits & (int) kept);
  }

  /** dst[dstOff + i] = src[srcOff + i] * mask[maskOff + i] for i &lt; n, with the drawn mask. */
  public void apply(Tensor src, int srcOff, Tensor dst, int dstOff, int maskOff, int n) {
    for (int i = 0; i < n; i++) {
      dst.set(dstOff + i, src.get(srcOff + i) * mask.get(maskOff + i));
    }
  }

  /** dx[i] = dy[i] * mask[i] (dx may be dy). */
  public void backward(Tensor dy, Tensor dx, int n) {
    if (n != size) {
      throw new IllegalStateException("Dropout.backward: " + n + " elements, forward had " + size);
    }
    for (int i = 0; i < n; i++) {
      dx.set(i, dy.get(i) * mask.get(i));
    }
  }

  /** The mask of the last forward pass (its first {@code n} elements are valid). */
  public Tensor mask() {
    return mask;
  }
}
