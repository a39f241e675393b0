package jrnn.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import jrnn.util.Rng;

/**
 * One epoch's batches of sequences of similar length, so that little of a padded batch is
 * padding, in an order that still changes every epoch: the sequences shuffled, cut into pools of
 * {@code poolBatches} batches, each pool sorted by length (stably) and cut into batches, and the
 * batches shuffled.
 */
public final class LengthBatches {
  private LengthBatches() {}

  /** Batches of the indices 0..n-1, at most {@code size} each, pools ordered by {@code byLength}. */
  public static List<int[]> shuffled(int n, Comparator<Integer> byLength, int size, int poolBatches, Rng rng) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    rng.shuffle(order);
    List<int[]> batches = new ArrayList<>();
    // In long: a batch size of millions times the pool's batches would wrap around.
    int pool = (int) Math.max(1, Math.min((long) size * poolBatches, n));
    for (int p = 0; p < n; p += pool) {
      Integer[] chunk = new Integer[Math.min(pool, n - p)];
      for (int k = 0; k < chunk.length; k++) {
        chunk[k] = order[p + k];
      }
      Arrays.sort(chunk, byLength);
      for (int k = 0; k < chunk.length; k += size) {
        int[] ids = new int[Math.min(size, chunk.length - k)];
        for (int j = 0; j < ids.length; j++) {
          ids[j] = chunk[k + j];
        }
        batches.add(ids);
      }
    }
    int[] batchOrder = new int[batches.size()];
    for (int i = 0; i < batchOrder.length; i++) {
      batchOrder[i] = i;
    }
    rng.shuffle(batchOrder);
    List<int[]> out = new ArrayList<>();
    for (int i : batchOrder) {
      out.add(batches.get(i));
    }
    return out;
  }
}
