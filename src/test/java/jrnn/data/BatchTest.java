package jrnn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jrnn.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Real-valued batches refuse values that are not finite, inputs and targets alike, by their place. */
class BatchTest {
  @Test
  void aNonFiniteInputOrTargetValueIsRefusedByItsPlace() {
    Tensor x = Tensor.zeros(3, 2, 4);
    Tensor y = Tensor.zeros(6, 5);
    assertEquals(3, Batch.ofInputs(x, Batch.fullLengths(3, 2), null, y).steps());
    x.set(2 * 8 + 1 * 4 + 3, Float.NaN);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Batch.ofInputs(x, Batch.fullLengths(3, 2), null, y));
    assertTrue(e.getMessage().contains("input (t=2, b=1, feature 3) is NaN"), e.getMessage());
    x.set(2 * 8 + 1 * 4 + 3, 0f);
    y.set(4 * 5 + 2, Float.NEGATIVE_INFINITY);
    e = assertThrows(IllegalArgumentException.class, () -> Batch.ofInputs(x, Batch.fullLengths(3, 2), null, y));
    assertTrue(e.getMessage().contains("target value (row 4, column 2) is -Infinity"), e.getMessage());
  }
}
