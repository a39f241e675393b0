package jrnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Comparator;
import java.util.List;
import jrnn.util.Rng;
import org.junit.jupiter.api.Test;

/** One epoch's batches: every sequence once, batches of similar length, the same for the same generator. */
class LengthBatchesTest {
  @Test
  void everySequenceOnceInBatchesOfSimilarLength() {
    Rng lengths = new Rng(1);
    int n = 1003;
    int[] length = new int[n];
    for (int i = 0; i < n; i++) {
      length[i] = 1 + lengths.nextInt(100);
    }
    Comparator<Integer> byLength = Comparator.comparingInt(i -> length[i]);
    List<int[]> batches = LengthBatches.shuffled(n, byLength, 10, 5, new Rng(2));
    int[] seen = new int[n];
    double spread = 0;
    for (int[] b : batches) {
      assertTrue(b.length >= 1 && b.length <= 10);
      for (int k = 1; k < b.length; k++) {
        assertTrue(length[b[k - 1]] <= length[b[k]], "a batch is sorted by length");
      }
      for (int i : b) {
        seen[i]++;
      }
      spread += length[b[b.length - 1]] - length[b[0]];
    }
    for (int i = 0; i < n; i++) {
      assertEquals(1, seen[i], "sequence " + i);
    }
    // Unsorted batches of 10 draws from 1..100 spread about 80; sorted pools of 50 about 20.
    assertTrue(spread / batches.size() < 30, "mean spread " + spread / batches.size());
    List<int[]> again = LengthBatches.shuffled(n, byLength, 10, 5, new Rng(2));
    assertEquals(batches.size(), again.size(), "the same batches for the same generator");
    for (int k = 0; k < batches.size(); k++) {
      assertArrayEquals(batches.get(k), again.get(k));
    }
  }

  @Test
  void aBatchLargerThanTheDataIsOneBatchOfAll() {
    // 50,000,000 x 64 batches in a pool wraps an int: it had thrown a negative array size.
    List<int[]> batches = LengthBatches.shuffled(7, Comparator.naturalOrder(), 50_000_000, 64, new Rng(2));
    assertEquals(1, batches.size());
    assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6}, batches.get(0));
  }
}
