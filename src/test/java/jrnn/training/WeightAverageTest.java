package jrnn.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jrnn.params.ParamLayout;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;
import org.junit.jupiter.api.Test;

class WeightAverageTest {

  @Test
  void theAverageForgetsAtTheDecayPerStepAndSwapsWithTheWeights() {
    Parameters p = new Parameters(ParamLayout.builder().add("a.weight", 3, 5).add("a.bias", 4).build());
    Tensor w = p.values();
    w.fill(2f);
    WeightAverage average = new WeightAverage(p, 0.9, 10);
    w.fill(5f);
    for (int i = 0; i < 9; i++) {
      average.afterStep();
    }
    average.swap();
    assertEquals(2f, w.get(0), "nothing is averaged before the 10th step");
    average.swap();
    average.afterStep();
    average.swap();
    // after 10 steps of weights 5 from an average of 2: 5 - 3 * 0.9^10
    double expected = 5 - 3 * Math.pow(0.9, 10);
    for (int i = 0; i < w.size(); i++) {
      assertEquals(expected, w.get(i), 1e-5, "element " + i);
    }
    average.swap();
    assertEquals(5f, w.get(w.size() - 1), "swapping twice gives the weights back");
  }

  @Test
  void aDecayOutsideTheOpenIntervalIsRefused() {
    Parameters p = new Parameters(ParamLayout.builder().add("a.bias", 4).build());
    for (double bad : new double[] {0, 1, -0.5, Double.NaN}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new WeightAverage(p, bad, 10));
      assertTrue(e.getMessage().contains("decay " + bad), e.getMessage());
    }
  }
}
