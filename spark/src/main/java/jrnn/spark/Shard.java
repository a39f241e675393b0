package jrnn.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import jrnn.data.Batch;
import jrnn.layers.RecurrentState;
import jrnn.tensor.Tensor;

/**
 * Sequences {@code [first, first + size)} of a global batch, as one Spark task receives them:
 * plain arrays (serializable), time-major, cut to the shard's own longest sequence (padding
 * changes no result, so a shard's gradient is its sequences' share of the global one).
 *
 * @param index the shard's place in the global batch's order
 * @param steps T, the shard's longest sequence
 * @param size B, its sequences
 * @param tokens token ids [T*B] (token models), else null
 * @param inputs real inputs [T*B*X] (other models), else null
 * @param width X, the inputs' width (0 for tokens)
 * @param lengths each sequence's length [B]
 * @param targets class targets per step [T*B] or per sequence [B], or null
 * @param targetValues real targets [rows*L], or null
 * @param targetWidth L, the width of a real target row (0 without)
 * @param seed the seed of this shard's dropout masks
 * @param h0 the initial states of its sequences [slots, B, H] (a language model's carried
 *     windows), or null for zero states
 * @param c0 the initial cell states (LSTM), or null
 * @param hidden H, the width of a state (0 without initial states)
 */
public record Shard(int index, int steps, int size, int[] tokens, float[] inputs, int width, int[] lengths,
    int[] targets, float[] targetValues, int targetWidth, long seed, float[] h0, float[] c0, int hidden)
    implements Serializable {

  /**
   * {@code batch} cut into at most {@code parts} shards of consecutive sequences, as even as can
   * be (the first ones one longer); shard k's dropout draws from a seed made of {@code seed} and k.
   */
  public static List<Shard> split(Batch batch, RecurrentState initial, int parts, long seed) {
    List<Shard> out = new ArrayList<>();
    int first = 0;
    int[] sizes = sizes(batch.size(), parts);
    for (int k = 0; k < sizes.length; k++) {
      out.add(of(batch, initial, k, first, sizes[k], seedOf(seed, k)));
      first += sizes[k];
    }
    return out;
  }

  /** {@code examples} cut into at most {@code parts} consecutive shards, as even as can be (the first ones one longer). */
  static int[] sizes(int examples, int parts) {
    int n = Math.min(parts, examples);
    int[] out = new int[n];
    for (int k = 0; k < n; k++) {
      out[k] = examples / n + (k < examples % n ? 1 : 0);
    }
    return out;
  }

  /** The dropout seed of shard {@code k} of an update whose seed is {@code seed}. */
  static long seedOf(long seed, int k) {
    return seed ^ (0x9E3779B97F4A7C15L * (k + 1));
  }

  private static Shard of(Batch batch, RecurrentState initial, int index, int first, int size, long seed) {
    int b = batch.size();
    int steps = 1;
    int[] lengths = new int[size];
    for (int j = 0; j < size; j++) {
      lengths[j] = batch.length(first + j);
      steps = Math.max(steps, lengths[j]);
    }
    boolean perStep = batch.targets() != null && batch.targets().length == batch.steps() * b
        || batch.targetValues() != null && batch.targetValues().dim(0) == batch.steps() * b;
    int[] tokens = null;
    float[] inputs = null;
    int width = 0;
    if (batch.hasTokens()) {
      tokens = new int[steps * size];
      for (int t = 0; t < steps; t++) {
        System.arraycopy(batch.tokens(), t * b + first, tokens, t * size, size);
      }
    } else {
      width = batch.inputs().dim(2);
      inputs = new float[steps * size * width];
      float[] all = batch.inputs().toArray();
      for (int t = 0; t < steps; t++) {
        System.arraycopy(all, (t * b + first) * width, inputs, t * size * width, size * width);
      }
    }
    int[] targets = null;
    if (batch.targets() != null) {
      targets = new int[perStep ? steps * size : size];
      if (perStep) {
        for (int t = 0; t < steps; t++) {
          System.arraycopy(batch.targets(), t * b + first, targets, t * size, size);
        }
      } else {
        System.arraycopy(batch.targets(), first, targets, 0, size);
      }
    }
    float[] values = null;
    int targetWidth = 0;
    if (batch.targetValues() != null) {
      targetWidth = batch.targetValues().dim(1);
      float[] all = batch.targetValues().toArray();
      values = new float[(perStep ? steps * size : size) * targetWidth];
      int rows = perStep ? steps : 1;
      for (int t = 0; t < rows; t++) {
        System.arraycopy(all, (t * b + first) * targetWidth, values, t * size * targetWidth, size * targetWidth);
      }
    }
    float[] h0 = initial == null ? null : columns(initial.h(), first, size);
    float[] c0 = initial == null || initial.c() == null ? null : columns(initial.c(), first, size);
    int hidden = initial == null ? 0 : initial.h().dim(2);
    return new Shard(index, steps, size, tokens, inputs, width, lengths, targets, values, targetWidth, seed, h0, c0,
        hidden);
  }

  /** Columns [first, first + size) of a state [slots, B, H]. */
  private static float[] columns(Tensor state, int first, int size) {
    int slots = state.dim(0);
    int b = state.dim(1);
    int h = state.dim(2);
    float[] all = state.toArray();
    float[] out = new float[slots * size * h];
    for (int s = 0; s < slots; s++) {
      System.arraycopy(all, (s * b + first) * h, out, s * size * h, size * h);
    }
    return out;
  }

  /** The shard's initial states, or null for zero states. */
  public RecurrentState initialState() {
    if (h0 == null) {
      return null;
    }
    int slots = h0.length / (size * hidden);
    return new RecurrentState(Tensor.of(h0, slots, size, hidden), c0 == null ? null : Tensor.of(c0, slots, size, hidden));
  }

  /** The shard as a batch of its own. */
  public Batch batch() {
    if (tokens != null) {
      return Batch.ofTokens(steps, size, tokens, lengths, targets);
    }
    Tensor values = targetValues == null ? null
        : Tensor.of(targetValues, targetValues.length / targetWidth, targetWidth);
    return Batch.ofInputs(Tensor.of(inputs, steps, size, width), lengths, targets, values);
  }
}
