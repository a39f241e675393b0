package jrnn.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import jrnn.device.DeviceRecurrentStack;
import jrnn.device.GpuBackend;
import jrnn.kernels.Kernels;
import jrnn.layers.Bidirectional;
import jrnn.layers.RecurrentConfig;
import jrnn.layers.RecurrentStack;
import jrnn.layers.RecurrentState;
import jrnn.models.ModelConfig;
import jrnn.models.OutputKind;
import jrnn.models.Readout;
import jrnn.params.Init;
import jrnn.params.ParamLayout;
import jrnn.params.Parameters;
import jrnn.reference.ReferenceModel;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * cuDNN's stacks against jrnn's CPU engine and the double-precision reference, on every cell
 * cuDNN has, alone, stacked (3 layers), bidirectional (1 and 2 layers), with two biases, on
 * sequences of different lengths with random initial states: outputs (zero past each end),
 * final states, and the gradients of the input, the initial states and every weight, for random
 * gradients of the outputs and the final states. fp32 tolerance: 1e-4 (plus 1e-4 relative).
 */
class CudnnAgreesWithCpuTest {
  static final double TOL = 1e-4;

  record Shape(String name, int layers, Bidirectional merge, boolean twoBiases) {}

  static final List<Shape> SHAPES = List.of(
      new Shape("1 layer", 1, Bidirectional.NONE, false),
      new Shape("3 layers", 3, Bidirectional.NONE, false),
      new Shape("bidirectional", 1, Bidirectional.CONCAT, false),
      new Shape("2 layers bidirectional", 2, Bidirectional.CONCAT, false),
      new Shape("two biases", 2, Bidirectional.NONE, true));

  @TestFactory
  List<DynamicTest> everyCellAndShape() {
    return GpuTests.onGpu("every cuDNN cell and shape against the CPU engine and the reference", this::cases);
  }

  private List<DynamicTest> cases() {
    List<DynamicTest> tests = new ArrayList<>();
    long seed = 1;
    for (String cell : List.of("rnn-tanh", "rnn-relu", "lstm", "gru-reset-after")) {
      for (Shape shape : SHAPES) {
        if (shape.twoBiases() && cell.startsWith("gru")) {
          continue;
        }
        RecurrentConfig cfg = RecurrentConfig.builder().cell(cell).input(5).hidden(6).layers(shape.layers())
            .bidirectional(shape.merge()).twoBiases(shape.twoBiases()).build();
        long s = seed++;
        tests.add(DynamicTest.dynamicTest(cell + ", " + shape.name(), () -> agree(cfg, 7, 4, s)));
      }
    }
    return tests;
  }

  /** New weights reach the device by uploadWeights: the outputs follow them. */
  @Test
  void uploadedWeightsAreTheOnesUsed() {
    GpuBackend gpu = GpuTests.backendOrSkip();
    RecurrentConfig cfg = RecurrentConfig.builder().cell("lstm").input(3).hidden(4).layers(2).build();
    Parameters params = parameters(cfg, new Rng(3));
    Rng rng = new Rng(4);
    Tensor x = random(rng, 5, 2, 3);
    int[] lengths = {5, 3};
    try (DeviceRecurrentStack stack = gpu.recurrentStack(cfg, params, "rnn.")) {
      Tensor before = stack.forward(x, 5, 2, lengths, null, false);
      Init.uniform(params.values(), new Rng(9), 0.5);
      Tensor stale = stack.forward(x, 5, 2, lengths, null, false);
      assertEquals(before.get(7), stale.get(7), 0, "without an upload the device keeps its weights");
      stack.uploadWeights();
      Tensor after = stack.forward(x, 5, 2, lengths, null, false);
      RecurrentStack cpu = new RecurrentStack(cfg, params, "rnn.", Kernels.best());
      Tensor expected = copy(cpu.forward(x, 5, 2, lengths, null, false, rng), 5 * 2 * 4);
      assertTrue(Math.abs(before.get(7) - after.get(7)) > 1e-3, "the new weights change the output");
      assertClose(expected, after, "after upload");
    }
  }

  /** The bench's timing runs on the device and gives a time for each repetition. */
  @Test
  void timedStepsRun() {
    GpuBackend gpu = GpuTests.backendOrSkip();
    RecurrentConfig cfg = RecurrentConfig.builder().cell("gru-reset-after").input(16).hidden(32).build();
    try (DeviceRecurrentStack stack = gpu.recurrentStack(cfg, parameters(cfg, new Rng(1)), "rnn.")) {
      double[] ms = stack.timeSteps(10, 8, new int[] {10, 9, 8, 7, 6, 5, 4, 3}, true, 2, 4);
      assertEquals(4, ms.length);
      for (double m : ms) {
        assertTrue(m > 0, "a step takes time: " + m);
      }
    }
  }

  static Parameters parameters(RecurrentConfig cfg, Rng rng) {
    ParamLayout.Builder lb = ParamLayout.builder();
    cfg.declareParameters(lb, "rnn.");
    Parameters params = new Parameters(lb.build());
    Init.uniform(params.values(), rng, 0.5);
    return params;
  }

  static void agree(RecurrentConfig cfg, int steps, int batch, long seed) {
    Rng rng = new Rng(seed);
    Parameters params = parameters(cfg, rng);
    int in = cfg.inputSize();
    int width = cfg.outputSize();
    Tensor x = random(rng, steps, batch, in);
    int[] lengths = raggedLengths(rng, steps, batch);
    RecurrentState initial = randomState(cfg, batch, rng);
    RecurrentState dFinal = randomState(cfg, batch, rng);
    Tensor dTop = random(rng, steps, batch, width);

    RecurrentStack cpu = new RecurrentStack(cfg, params, "rnn.", Kernels.best());
    Pass expected = cpuPass(cpu, params, x, steps, batch, lengths, initial, dTop, dFinal, rng);

    params.zeroGrads();
    try (DeviceRecurrentStack stack = GpuTests.backendOrSkip().recurrentStack(cfg, params, "rnn.")) {
      Tensor y = copy(stack.forward(x, steps, batch, lengths, initial, true), steps * batch * width);
      RecurrentState finalState = stack.finalState().copy();
      Tensor dx = Tensor.zeros(steps, batch, in);
      stack.backward(dTop, dFinal, dx);
      assertSamePass(expected, new Pass(y, finalState, dx, stack.initialStateGradient(), params.grads()), steps,
          lengths, params.layout(), "T=" + steps + ", B=" + batch);
      againstTheReference(cfg, params, x, lengths, initial, dTop, dFinal, y, stack, dx);
    }
  }

  /** The same run in the double-precision reference, one sequence at a time, each only as long as it is. */
  private static void againstTheReference(RecurrentConfig cfg, Parameters params, Tensor x, int[] lengths,
      RecurrentState initial, Tensor dTop, RecurrentState dFinal, Tensor y, DeviceRecurrentStack stack, Tensor dx) {
    ModelConfig model = new ModelConfig(0, cfg.inputSize(), cfg.cell(), cfg.hiddenSize(), cfg.layers(),
        cfg.bidirectional(), 0, Readout.EVERY_STEP, 1, OutputKind.LINEAR, cfg.twoBiases());
    ParamLayout layout = model.parameterLayout();
    double[] p = new double[layout.size()];
    for (ParamLayout.Entry e : params.layout().entries()) {
      System.arraycopy(params.value(e.name()).toDoubleArray(), 0, p, layout.get(e.name()).offset(), e.size());
    }
    ReferenceModel reference = new ReferenceModel(model, p);
    double[] grads = new double[p.length];
    int batch = lengths.length;
    int in = cfg.inputSize();
    int width = cfg.outputSize();
    int slots = cfg.stateSlots();
    int h = cfg.hiddenSize();
    for (int b = 0; b < batch; b++) {
      double[][] xs = new double[lengths[b]][in];
      double[][] dys = new double[lengths[b]][width];
      for (int t = 0; t < lengths[b]; t++) {
        for (int j = 0; j < in; j++) {
          xs[t][j] = x.get((t * batch + b) * in + j);
        }
        for (int j = 0; j < width; j++) {
          dys[t][j] = dTop.get((t * batch + b) * width + j);
        }
      }
      boolean lstm = initial.c() != null;
      ReferenceModel.StackRun run = reference.runStack(xs, rows(initial.h(), b, batch, slots, h),
          lstm ? rows(initial.c(), b, batch, slots, h) : null, dys, rows(dFinal.h(), b, batch, slots, h),
          lstm ? rows(dFinal.c(), b, batch, slots, h) : null, grads);
      for (int t = 0; t < lengths[b]; t++) {
        for (int j = 0; j < width; j++) {
          near(run.top()[t][j], y.get((t * batch + b) * width + j), "reference y");
        }
        for (int j = 0; j < in; j++) {
          near(run.dInputs()[t][j], dx.get((t * batch + b) * in + j), "reference dx");
        }
      }
      for (int s = 0; s < slots; s++) {
        for (int j = 0; j < h; j++) {
          int at = (s * batch + b) * h + j;
          near(run.hn()[s][j], stack.finalState().h().get(at), "reference final h");
          near(run.dH0()[s][j], stack.initialStateGradient().h().get(at), "reference initial h gradient");
          if (lstm) {
            near(run.cn()[s][j], stack.finalState().c().get(at), "reference final c");
            near(run.dC0()[s][j], stack.initialStateGradient().c().get(at), "reference initial c gradient");
          }
        }
      }
    }
    for (ParamLayout.Entry e : params.layout().entries()) {
      int offset = layout.get(e.name()).offset();
      for (int k = 0; k < e.size(); k++) {
        near(grads[offset + k], params.grads().get(e.offset() + k), "reference gradient of " + e.name() + "[" + k + "]");
      }
    }
  }

  private static double[][] rows(Tensor state, int b, int batch, int slots, int h) {
    double[][] out = new double[slots][h];
    for (int s = 0; s < slots; s++) {
      for (int j = 0; j < h; j++) {
        out[s][j] = state.get((s * batch + b) * h + j);
      }
    }
    return out;
  }

  /** Lengths of {@code batch} sequences: the first {@code steps} long, the others drawn in [1, steps]. */
  static int[] raggedLengths(Rng rng, int steps, int batch) {
    int[] lengths = new int[batch];
    lengths[0] = steps;
    for (int b = 1; b < batch; b++) {
      lengths[b] = 1 + rng.nextInt(steps);
    }
    return lengths;
  }

  /** States of {@code cfg}'s shape for {@code batch} sequences, uniform in [-1, 1] (h, then c). */
  static RecurrentState randomState(RecurrentConfig cfg, int batch, Rng rng) {
    RecurrentState s = RecurrentState.zeros(cfg, batch);
    Init.uniform(s.h(), rng, 1);
    if (s.c() != null) {
      Init.uniform(s.c(), rng, 1);
    }
    return s;
  }

  static Tensor random(Rng rng, int... shape) {
    Tensor t = Tensor.zeros(shape);
    Init.uniform(t, rng, 1);
    return t;
  }

  static Tensor copy(Tensor t, int n) {
    Tensor c = Tensor.zeros(n);
    for (int i = 0; i < n; i++) {
      c.set(i, t.get(i));
    }
    return c;
  }

  static void near(double expected, double actual, String what) {
    assertEquals(expected, actual, TOL * (1 + Math.abs(expected)), what);
  }

  /**
   * One training pass of a recurrent stack and its backward: the outputs [T, B, W], the final
   * states, and the gradients of the input, the initial states and every weight (the whole
   * layout's vector).
   */
  record Pass(Tensor y, RecurrentState finalState, Tensor dx, RecurrentState dInitial, Tensor grads) {}

  /** The CPU engine's pass of {@code cpu} on x from {@code initial}, back from dTop and dFinal (null: zero). */
  static Pass cpuPass(RecurrentStack cpu, Parameters params, Tensor x, int steps, int batch, int[] lengths,
      RecurrentState initial, Tensor dTop, RecurrentState dFinal, Rng rng) {
    RecurrentConfig cfg = cpu.config();
    Tensor y = copy(cpu.forward(x, steps, batch, lengths, initial, true, rng), steps * batch * cfg.outputSize());
    RecurrentState finalState = cpu.finalState().copy();
    Tensor dx = Tensor.zeros(steps, batch, cfg.inputSize());
    params.zeroGrads();
    cpu.backward(dTop, dFinal, dx);
    return new Pass(y, finalState, dx, cpu.initialStateGradient().copy(), copy(params.grads(), params.grads().size()));
  }

  /**
   * A device's pass equals the CPU engine's to {@link #TOL} (relative past 1) in every quantity,
   * and its outputs are zero past each sequence's end.
   */
  static void assertSamePass(Pass expected, Pass actual, int steps, int[] lengths, ParamLayout layout, String at) {
    int batch = lengths.length;
    int width = expected.y().size() / (steps * batch);
    assertClose(expected.y(), actual.y(), at + " y");
    for (int b = 0; b < batch; b++) {
      for (int t = lengths[b]; t < steps; t++) {
        for (int j = 0; j < width; j++) {
          assertEquals(0f, actual.y().get((t * batch + b) * width + j), at + " y past the end of sequence " + b
              + " at step " + t);
        }
      }
    }
    assertClose(expected.finalState().h(), actual.finalState().h(), at + " final h");
    assertClose(expected.dx(), actual.dx(), at + " dx");
    assertClose(expected.dInitial().h(), actual.dInitial().h(), at + " initial h gradient");
    if (expected.finalState().c() != null) {
      assertClose(expected.finalState().c(), actual.finalState().c(), at + " final c");
      assertClose(expected.dInitial().c(), actual.dInitial().c(), at + " initial c gradient");
    }
    for (ParamLayout.Entry e : layout.entries()) {
      for (int k = 0; k < e.size(); k++) {
        near(expected.grads().get(e.offset() + k), actual.grads().get(e.offset() + k),
            at + " gradient of " + e.name() + "[" + k + "]");
      }
    }
  }

  static void assertClose(Tensor expected, Tensor actual, String what) {
    for (int i = 0; i < expected.size(); i++) {
      near(expected.get(i), actual.get(i), what + "[" + i + "]");
    }
  }
}
