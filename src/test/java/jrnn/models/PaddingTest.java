package jrnn.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import jrnn.cells.CellType;
import jrnn.data.Batch;
import jrnn.layers.Bidirectional;
import jrnn.layers.RecurrentState;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Padding never changes a result: a batch of sequences of lengths 5, 2 and 4, padded to 7 steps
 * with large garbage values, gives each sequence the same outputs, final states, loss, input and
 * initial-state gradients, and in sum the same parameter gradients, as running it alone; for
 * every cell, both directions, every readout. Tolerance: 1e-5 relative (summation order).
 */
class PaddingTest {
  static final int[] LENGTHS = {5, 2, 4};
  static final int STEPS = 7;

  static void near(double expected, double actual, String what) {
    assertTrue(Math.abs(expected - actual) <= 1e-5 * (1 + Math.abs(expected)),
        what + ": alone " + expected + ", in the padded batch " + actual);
  }

  @TestFactory
  List<DynamicTest> paddedBatchEqualsSequencesAlone() {
    List<DynamicTest> tests = new ArrayList<>();
    for (CellType cell : CellType.all()) {
      for (Readout ro : Readout.values()) {
        ModelConfig cfg = new ModelConfig(0, 3, cell, 4, 2, Bidirectional.CONCAT, 0, ro, 3,
            OutputKind.SOFTMAX);
        tests.add(DynamicTest.dynamicTest(cell.name() + " " + ro, () -> check(cfg)));
      }
    }
    ModelConfig sum = new ModelConfig(0, 3, CellType.parse("lstm-peephole"), 4, 1,
        Bidirectional.SUM, 0, Readout.EVERY_STEP, 2, OutputKind.LINEAR);
    tests.add(DynamicTest.dynamicTest("sum merge, linear output", () -> check(sum)));
    return tests;
  }

  void check(ModelConfig cfg) {
    Rng rng = new Rng(3);
    SequenceModel model = new SequenceModel(cfg);
    model.initialize(rng, 0.5, 0);
    int x = cfg.inputSize();
    int size = LENGTHS.length;
    int slots = cfg.recurrent().stateSlots();
    int h = cfg.hiddenSize();
    int out = cfg.outputSize();
    boolean perStep = cfg.readout() == Readout.EVERY_STEP;
    boolean softmax = cfg.output() == OutputKind.SOFTMAX;

    Tensor in = Tensor.zeros(STEPS, size, x);
    for (int i = 0; i < in.size(); i++) {
      in.set(i, (float) rng.uniform(-100, 100));  // garbage in the padding
    }
    float[][][] seq = new float[size][][];
    for (int b = 0; b < size; b++) {
      seq[b] = new float[LENGTHS[b]][x];
      for (int t = 0; t < LENGTHS[b]; t++) {
        for (int j = 0; j < x; j++) {
          seq[b][t][j] = (float) rng.uniform(-1, 1);
          in.set((t * size + b) * x + j, seq[b][t][j]);
        }
      }
    }
    int outputs = perStep ? STEPS * size : size;
    int[] targets = new int[outputs];
    Tensor values = Tensor.zeros(outputs, out);
    for (int r = 0; r < outputs; r++) {
      targets[r] = rng.nextInt(out);
      for (int k = 0; k < out; k++) {
        values.set(r * out + k, (float) rng.uniform(-1, 1));
      }
    }
    RecurrentState init = RecurrentState.zeros(cfg.recurrent(), size);
    for (int i = 0; i < init.h().size(); i++) {
      init.h().set(i, (float) rng.uniform(-0.5, 0.5));
      if (init.c() != null) {
        init.c().set(i, (float) rng.uniform(-0.5, 0.5));
      }
    }

    Batch padded = Batch.ofInputs(in, LENGTHS, softmax ? targets : null, softmax ? null : values);
    model.parameters().zeroGrads();
    LossStats all = model.forward(padded, init, true, rng);
    model.backward(LossNormalization.PER_SEQUENCE);
    float[] batchGrads = model.parameters().grads().toArray();
    float[] batchOut = model.outputs().toArray();
    float[] batchFinal = model.finalState().h().toArray();
    float[] batchDh0 = model.initialStateGradient().h().toArray();
    float[] batchDx = model.inputGradient().toArray();

    double[] sumGrads = new double[batchGrads.length];
    double lossSum = 0;
    for (int b = 0; b < size; b++) {
      int len = LENGTHS[b];
      Tensor one = Tensor.zeros(len, 1, x);
      for (int t = 0; t < len; t++) {
        for (int j = 0; j < x; j++) {
          one.set(t * x + j, seq[b][t][j]);
        }
      }
      int n = perStep ? len : 1;
      int[] tg = new int[n];
      Tensor tv = Tensor.zeros(n, out);
      for (int o = 0; o < n; o++) {
        int row = perStep ? o * size + b : b;
        tg[o] = targets[row];
        for (int k = 0; k < out; k++) {
          tv.set(o * out + k, values.get(row * out + k));
        }
      }
      RecurrentState init1 = RecurrentState.zeros(cfg.recurrent(), 1);
      for (int s = 0; s < slots; s++) {
        for (int j = 0; j < h; j++) {
          init1.h().set(s * h + j, init.h().get((s * size + b) * h + j));
          if (init1.c() != null) {
            init1.c().set(s * h + j, init.c().get((s * size + b) * h + j));
          }
        }
      }
      model.parameters().zeroGrads();
      LossStats alone = model.forward(Batch.ofInputs(one, new int[] {len}, softmax ? tg : null,
          softmax ? null : tv), init1, true, rng);
      model.backward(LossNormalization.PER_SEQUENCE);
      lossSum += alone.sum();
      for (int o = 0; o < n; o++) {
        int row = perStep ? o * size + b : b;
        for (int k = 0; k < out; k++) {
          near(model.outputs().get(o * out + k), batchOut[row * out + k], "output of sequence " + b);
        }
      }
      for (int s = 0; s < slots; s++) {
        for (int j = 0; j < h; j++) {
          near(model.finalState().h().get(s * h + j), batchFinal[(s * size + b) * h + j],
              "final state of sequence " + b + " slot " + s);
          near(model.initialStateGradient().h().get(s * h + j), batchDh0[(s * size + b) * h + j] * size,
              "initial-state gradient of sequence " + b + " slot " + s);
        }
      }
      for (int t = 0; t < len; t++) {
        for (int j = 0; j < x; j++) {
          near(model.inputGradient().get(t * x + j), batchDx[(t * size + b) * x + j] * size,
              "input gradient of sequence " + b);
        }
      }
      float[] g = model.parameters().grads().toArray();
      for (int i = 0; i < g.length; i++) {
        sumGrads[i] += g[i];
      }
    }
    near(lossSum, all.sum(), "summed loss");
    assertEquals(all.count(), perStep ? 11 : 3, "outputs counted");
    for (int i = 0; i < batchGrads.length; i++) {
      near(sumGrads[i], batchGrads[i] * size, "parameter gradient " + i);
    }
  }
}
