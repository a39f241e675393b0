package jrnn.data;

import java.util.Arrays;
import jrnn.tensor.ShapeMismatchException;
import jrnn.tensor.Tensor;

/**
 * A batch of B sequences padded to T steps, time-major: element (t, b) is at t*B + b. Sequence b
 * has {@code lengths[b]} valid steps; what lies beyond is padding, which changes no result.
 *
 * <p>Inputs are token ids ({@link #tokens}) or real vectors ({@link #inputs}, [T, B, X]).
 * Targets are optional (inference has none): class ids per step [T*B] or per sequence [B], or
 * real values per step [T*B, L] or per sequence [B, L].
 */
public final class Batch {
  private final int steps;
  private final int size;
  private final int[] lengths;
  private final int[] tokens;
  private final Tensor inputs;
  private final int[] targets;
  private final Tensor targetValues;

  private Batch(int steps, int size, int[] lengths, int[] tokens, Tensor inputs, int[] targets,
      Tensor targetValues) {
    if (steps <= 0 || size <= 0) {
      throw new ShapeMismatchException("Batch: steps and size must be positive, got T=" + steps
          + ", B=" + size);
    }
    ShapeMismatchException.check("Batch: number of lengths (one per sequence)", size, lengths.length);
    for (int b = 0; b < size; b++) {
      if (lengths[b] < 1 || lengths[b] > steps) {
        throw new ShapeMismatchException("Batch: length of sequence " + b + " must be in [1, "
            + steps + "] (the batch's time steps), got " + lengths[b]);
      }
    }
    this.steps = steps;
    this.size = size;
    this.lengths = lengths.clone();
    this.tokens = tokens;
    this.inputs = inputs;
    this.targets = targets;
    this.targetValues = targetValues;
  }

  /** Token sequences, ids time-major [T*B]; targets may be null. */
  public static Batch ofTokens(int steps, int size, int[] tokens, int[] lengths, int[] targets) {
    ShapeMismatchException.check("Batch.ofTokens: number of token ids (T*B = " + steps + "*" + size + ")",
        (long) steps * size, tokens.length);
    return new Batch(steps, size, lengths, tokens.clone(), null,
        targets == null ? null : targets.clone(), null);
  }

  /** Real-valued sequences [T, B, X]; finite values only. Class targets may be null. */
  public static Batch ofInputs(Tensor inputs, int[] lengths, int[] targets) {
    return ofInputs(inputs, lengths, targets, null);
  }

  /** Real-valued sequences [T, B, X] with real targets ([T*B, L] or [B, L]). */
  public static Batch ofInputs(Tensor inputs, int[] lengths, int[] targets, Tensor targetValues) {
    if (inputs.rank() != 3) {
      throw new ShapeMismatchException("Batch.ofInputs: inputs must be [T, B, X], got shape "
          + Arrays.toString(inputs.shape()));
    }
    for (int i = 0; i < inputs.size(); i++) {
      float v = inputs.get(i);
      if (!Float.isFinite(v)) {
        int x = inputs.dim(2);
        int row = i / x;
        throw new IllegalArgumentException("Batch.ofInputs: input (t=" + row / inputs.dim(1) + ", b="
            + row % inputs.dim(1) + ", feature " + i % x + ") is " + v + "; inputs must be finite");
      }
    }
    if (targetValues != null) {
      // A non-finite target would surface as a NaN loss, read as divergence (and rolled back).
      int width = targetValues.size() / Math.max(1, targetValues.dim(0));
      for (int i = 0; i < targetValues.size(); i++) {
        float v = targetValues.get(i);
        if (!Float.isFinite(v)) {
          throw new IllegalArgumentException("Batch.ofInputs: target value (row " + i / width + ", column "
              + i % width + ") is " + v + "; targets must be finite");
        }
      }
    }
    return new Batch(inputs.dim(0), inputs.dim(1), lengths, null, inputs,
        targets == null ? null : targets.clone(), targetValues);
  }

  /** All sequences of full length T. */
  public static int[] fullLengths(int steps, int size) {
    int[] l = new int[size];
    Arrays.fill(l, steps);
    return l;
  }

  /** T, the padded number of time steps. */
  public int steps() {
    return steps;
  }

  /** B, the number of sequences. */
  public int size() {
    return size;
  }

  /** A copy of the valid steps of each sequence, each in [1, T]. */
  public int[] lengths() {
    return lengths.clone();
  }

  /** The valid steps of sequence {@code b}. */
  public int length(int b) {
    return lengths[b];
  }

  /** Whether the inputs are token ids rather than real vectors. */
  public boolean hasTokens() {
    return tokens != null;
  }

  /** The token ids, time-major [T*B] (the batch's own array); null for real-valued inputs. */
  public int[] tokens() {
    return tokens;
  }

  /** The real input vectors [T, B, X]; null for token inputs. */
  public Tensor inputs() {
    return inputs;
  }

  /**
   * The class targets, per step [T*B] or per sequence [B] (the batch's own array); null when there
   * are none.
   */
  public int[] targets() {
    return targets;
  }

  /** The real targets, [T*B, L] per step or [B, L] per sequence; null when there are none. */
  public Tensor targetValues() {
    return targetValues;
  }

  /** Whether the batch has class or real targets. */
  public boolean hasTargets() {
    return targets != null || targetValues != null;
  }

  /** Number of valid (t, b) steps. */
  public int validSteps() {
    int n = 0;
    for (int l : lengths) {
      n += l;
    }
    return n;
  }
}
