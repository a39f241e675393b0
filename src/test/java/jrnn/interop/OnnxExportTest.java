package jrnn.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jrnn.cells.CellType;
import jrnn.data.Batch;
import jrnn.kernels.Kernels;
import jrnn.layers.Bidirectional;
import jrnn.layers.RecurrentConfig;
import jrnn.layers.RecurrentStack;
import jrnn.layers.RecurrentState;
import jrnn.models.ModelConfig;
import jrnn.models.OutputKind;
import jrnn.models.Readout;
import jrnn.models.SequenceModel;
import jrnn.params.ParamLayout;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every exported graph run in ONNX Runtime on random inputs, random lengths and random initial
 * states, against jrnn's own forward pass: each cell type alone, stacked, bidirectional (both
 * merges), and whole models with every readout. Tolerance 1e-5 relative (plus 1e-5 absolute):
 * the two sum in different orders in float32.
 */
class OnnxExportTest {
  static final double TOL = 1e-5;

  record Shape(int layers, Bidirectional merge, boolean twoBiases) {
    @Override
    public String toString() {
      return layers + " layer(s), " + merge.label() + (twoBiases ? ", two biases" : "");
    }
  }

  static List<Shape> shapes(CellType cell) {
    List<Shape> s = new ArrayList<>(List.of(new Shape(1, Bidirectional.NONE, false),
        new Shape(3, Bidirectional.NONE, false), new Shape(1, Bidirectional.CONCAT, false),
        new Shape(2, Bidirectional.CONCAT, false), new Shape(2, Bidirectional.SUM, false)));
    if (!(cell instanceof CellType.Gru)) {
      s.add(new Shape(2, Bidirectional.CONCAT, true));
    }
    return s;
  }

  @TestFactory
  List<DynamicTest> everyStack() {
    List<DynamicTest> tests = new ArrayList<>();
    for (CellType cell : CellType.all()) {
      for (Shape shape : shapes(cell)) {
        tests.add(DynamicTest.dynamicTest(cell.name() + ", " + shape, () -> checkStack(
            new RecurrentConfig(cell, 5, 4, shape.layers(), shape.merge(), 0, shape.twoBiases()), 7)));
      }
    }
    return tests;
  }

  static void fill(Tensor t, Rng rng, double range) {
    for (int i = 0; i < t.size(); i++) {
      t.set(i, (float) rng.uniform(-range, range));
    }
  }

  static int[] lengths(int steps, int batch, Rng rng) {
    int[] l = new int[batch];
    for (int b = 0; b < batch; b++) {
      l[b] = b == 0 ? steps : 1 + rng.nextInt(steps);
    }
    return l;
  }

  static void near(double expected, double actual, String what) {
    assertEquals(expected, actual, TOL * (1 + Math.abs(expected)), what);
  }

  static void checkStack(RecurrentConfig cfg, long seed) throws Exception {
    Rng rng = new Rng(seed);
    ParamLayout.Builder lb = ParamLayout.builder();
    cfg.declareParameters(lb, "rnn.");
    Parameters params = new Parameters(lb.build());
    fill(params.values(), rng, 0.6);
    int steps = 6;
    int batch = 3;
    Tensor x = Tensor.zeros(steps, batch, cfg.inputSize());
    fill(x, rng, 1);
    int[] lengths = lengths(steps, batch, rng);
    RecurrentState init = RecurrentState.zeros(cfg, batch);
    fill(init.h(), rng, 0.5);
    if (init.c() != null) {
      fill(init.c(), rng, 0.5);
    }
    RecurrentStack stack = new RecurrentStack(cfg, params, "rnn.", Kernels.best());
    Tensor y = stack.forward(x, steps, batch, lengths, init, false, new Rng(1));
    byte[] model = OnnxExport.stack(cfg, params, "rnn.");
    // No LSTM is coupled by input_forget, which TensorRT's LSTM refuses (ONNX Runtime would take it).
    assertFalse(new String(model, java.nio.charset.StandardCharsets.ISO_8859_1).contains("input_forget"),
        cfg.cell().name() + ": an input_forget attribute");
    OnnxRuntimeRunner.Inputs in = new OnnxRuntimeRunner.Inputs()
        .put("x", x.toArray(), steps, batch, cfg.inputSize())
        .put("sequence_lens", lengths, batch)
        .put("h0", init.h().toArray(), cfg.stateSlots(), batch, cfg.hiddenSize());
    if (init.c() != null) {
      in.put("c0", init.c().toArray(), cfg.stateSlots(), batch, cfg.hiddenSize());
    }
    Map<String, float[]> out;
    try (OnnxRuntimeRunner ort = new OnnxRuntimeRunner(model)) {
      out = ort.run(in);
    }
    int w = cfg.outputSize();
    float[] ortY = out.get("y");
    assertEquals(steps * batch * w, ortY.length, "y's size");
    for (int t = 0; t < steps; t++) {
      for (int b = 0; b < batch; b++) {
        for (int j = 0; j < w; j++) {
          int at = (t * batch + b) * w + j;
          if (t < lengths[b]) {
            near(y.get(at), ortY[at], "y at t=" + t + " b=" + b + " j=" + j);
          } else {
            assertEquals(0, ortY[at], "y past the length of sequence " + b);
          }
        }
      }
    }
    assertStates(stack.finalState(), out);
  }

  static void assertStates(RecurrentState expected, Map<String, float[]> out) {
    float[] hn = out.get("hn");
    assertEquals(expected.h().size(), hn.length, "hn's size");
    for (int i = 0; i < hn.length; i++) {
      near(expected.h().get(i), hn[i], "hn[" + i + "]");
    }
    if (expected.c() != null) {
      float[] cn = out.get("cn");
      assertEquals(expected.c().size(), cn.length, "cn's size");
      for (int i = 0; i < cn.length; i++) {
        near(expected.c().get(i), cn[i], "cn[" + i + "]");
      }
    }
  }

  @TestFactory
  List<DynamicTest> everyReadoutOfWholeModels() {
    List<DynamicTest> tests = new ArrayList<>();
    for (CellType cell : List.of(CellType.parse("lstm-peephole-cifg"), CellType.parse("gru"), CellType.parse("rnn-relu"))) {
      for (Readout readout : Readout.values()) {
        for (Bidirectional merge : Bidirectional.values()) {
          for (boolean tokens : new boolean[] {true, false}) {
            for (OutputKind output : OutputKind.values()) {
              ModelConfig cfg = new ModelConfig(tokens ? 11 : 0, 5, cell, 4, 2, merge, 0, readout, 3, output);
              tests.add(DynamicTest.dynamicTest(cell.name() + ", " + readout.label() + ", " + merge.label()
                  + (tokens ? ", tokens, " : ", real inputs, ") + output.label(), () -> checkModel(cfg, 3)));
            }
          }
        }
      }
    }
    return tests;
  }

  static void checkModel(ModelConfig cfg, long seed) throws Exception {
    SequenceModel m = new SequenceModel(cfg);
    m.initialize(new Rng(seed), 0.5, 0);
    checkModel(m, seed);
  }

  /** {@code m} run in jrnn and, exported, in ONNX Runtime on random tokens or inputs, lengths and states. */
  static void checkModel(SequenceModel m, long seed) throws Exception {
    ModelConfig cfg = m.config();
    Rng rng = new Rng(seed);
    int steps = 6;
    int batch = 4;
    int[] lengths = lengths(steps, batch, rng);
    Batch batchData;
    OnnxRuntimeRunner.Inputs in = new OnnxRuntimeRunner.Inputs();
    if (cfg.tokenInput()) {
      int[] ids = new int[steps * batch];
      long[] ids64 = new long[ids.length];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = rng.nextInt(cfg.vocabSize());
        ids64[i] = ids[i];
      }
      batchData = Batch.ofTokens(steps, batch, ids, lengths, null);
      in.put("tokens", ids64, steps, batch);
    } else {
      Tensor x = Tensor.zeros(steps, batch, cfg.inputSize());
      fill(x, rng, 1);
      batchData = Batch.ofInputs(x, lengths, null);
      in.put("x", x.toArray(), steps, batch, cfg.inputSize());
    }
    RecurrentConfig rc = cfg.recurrent();
    RecurrentState init = RecurrentState.zeros(rc, batch);
    fill(init.h(), rng, 0.5);
    if (init.c() != null) {
      fill(init.c(), rng, 0.5);
    }
    in.put("sequence_lens", lengths, batch).put("h0", init.h().toArray(), rc.stateSlots(), batch, rc.hiddenSize());
    if (init.c() != null) {
      in.put("c0", init.c().toArray(), rc.stateSlots(), batch, rc.hiddenSize());
    }
    m.forward(batchData, init, false, new Rng(1));
    Map<String, float[]> out;
    try (OnnxRuntimeRunner ort = new OnnxRuntimeRunner(OnnxExport.model(cfg, m.parameters()))) {
      out = ort.run(in);
    }
    int k = cfg.outputSize();
    float[] values = out.get(cfg.output() == OutputKind.SOFTMAX ? "logits" : "outputs");
    assertEquals(m.outputRows() * k, values.length, "output size");
    for (int r = 0; r < m.outputRows(); r++) {
      boolean valid = cfg.readout().perSequence() || r / batch < lengths[r % batch];
      if (!valid) {
        continue;
      }
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < k; j++) {
        near(m.outputs().get(r * k + j), values[r * k + j], "output row " + r + " column " + j);
        max = Math.max(max, m.outputs().get(r * k + j));
      }
      if (cfg.output() == OutputKind.SOFTMAX) {
        double z = 0;
        for (int j = 0; j < k; j++) {
          z += Math.exp(m.outputs().get(r * k + j) - max);
        }
        float[] p = out.get("probabilities");
        double total = 0;
        for (int j = 0; j < k; j++) {
          near(Math.exp(m.outputs().get(r * k + j) - max) / z, p[r * k + j], "probability row " + r);
          total += p[r * k + j];
        }
        assertEquals(1, total, 1e-5);
      }
    }
    assertStates(m.finalState(), out);
  }
}
