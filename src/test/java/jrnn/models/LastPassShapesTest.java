package jrnn.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import jrnn.cells.CellType;
import jrnn.data.Batch;
import jrnn.layers.Bidirectional;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;
import org.junit.jupiter.api.Test;

/**
 * A workspace's buffers only grow, so that a smaller batch after a larger one allocates nothing;
 * what it hands out of the last pass is that pass's rows alone, in their documented shape.
 */
class LastPassShapesTest {

  static final ModelConfig CFG = new ModelConfig(0, 3, CellType.parse("gru"), 4, 1,
      Bidirectional.NONE, 0, Readout.EVERY_STEP, 2, OutputKind.SOFTMAX);

  static Batch batch(int steps, int size, long seed) {
    Rng rng = new Rng(seed);
    Tensor x = Tensor.zeros(steps, size, CFG.inputSize());
    for (int i = 0; i < x.size(); i++) {
      x.set(i, rng.nextFloat() * 2 - 1);
    }
    int[] targets = new int[steps * size];
    for (int i = 0; i < targets.length; i++) {
      targets[i] = i % CFG.outputSize();
    }
    return Batch.ofInputs(x, Batch.fullLengths(steps, size), targets);
  }

  static SequenceModel model() {
    SequenceModel m = new SequenceModel(CFG);
    m.initialize(new Rng(7), 0.3, 0);
    return m;
  }

  @Test
  void outputsAndInputGradientAreTheLastBatchsRowsAfterALargerOne() {
    Batch small = batch(2, 1, 2);
    SequenceModel fresh = model();
    fresh.forward(small, null, true, new Rng(3));
    fresh.backward(LossNormalization.PER_OUTPUT);

    SequenceModel reused = model();
    reused.forward(batch(10, 8, 1), null, true, new Rng(3));
    reused.backward(LossNormalization.PER_OUTPUT);
    reused.forward(small, null, true, new Rng(3));
    reused.backward(LossNormalization.PER_OUTPUT);

    assertArrayEquals(new int[] {2, CFG.outputSize()}, reused.outputs().shape());
    assertArrayEquals(fresh.outputs().toArray(), reused.outputs().toArray());
    assertArrayEquals(new int[] {2, 1, CFG.inputSize()}, reused.inputGradient().shape());
    assertArrayEquals(fresh.inputGradient().toArray(), reused.inputGradient().toArray());
  }
}
