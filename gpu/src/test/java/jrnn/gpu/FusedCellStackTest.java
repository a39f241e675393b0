package jrnn.gpu;

import static jrnn.gpu.CudnnAgreesWithCpuTest.assertClose;
import static jrnn.gpu.CudnnAgreesWithCpuTest.assertSamePass;
import static jrnn.gpu.CudnnAgreesWithCpuTest.copy;
import static jrnn.gpu.CudnnAgreesWithCpuTest.cpuPass;
import static jrnn.gpu.CudnnAgreesWithCpuTest.parameters;
import static jrnn.gpu.CudnnAgreesWithCpuTest.random;
import static jrnn.gpu.CudnnAgreesWithCpuTest.randomState;
import static jrnn.gpu.CudnnAgreesWithCpuTest.raggedLengths;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import jrnn.cells.CellType;
import jrnn.gpu.CudnnAgreesWithCpuTest.Shape;
import jrnn.kernels.Kernels;
import jrnn.layers.Bidirectional;
import jrnn.layers.RecurrentConfig;
import jrnn.layers.RecurrentStack;
import jrnn.layers.RecurrentState;
import jrnn.params.Init;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.opentest4j.AssertionFailedError;

/**
 * jrnn's own stack on {@link Ops} against the CPU engine's {@link RecurrentStack}, for every cell
 * (those cuDNN lacks among them) alone, stacked, bidirectional (concatenated and summed) and with
 * two biases, on sequences of different lengths from random initial states: outputs (zero past
 * each end), final states, and the gradients of the input, the initial states and every weight,
 * for random gradients of the outputs (and, after the first pass, of the final states); three passes of other shapes through the same stack, so that its
 * buffers grow and are reused. On {@link HostOps} on any machine, on {@link CudaOps} with a GPU.
 * Dropout between layers is checked by a directional derivative with the same masks, and planted
 * errors in the step kernels' twins fail the agreement.
 */
class FusedCellStackTest {
  static final double TOL = 1e-4;

  /** cuDNN's test's shapes, and the sum of the directions, which only jrnn's own stack runs. */
  static final List<Shape> SHAPES = java.util.stream.Stream.concat(CudnnAgreesWithCpuTest.SHAPES.stream(),
      java.util.stream.Stream.of(new Shape("2 layers bidirectional sum", 2, Bidirectional.SUM, false))).toList();

  /** (steps, batch) of the passes each case runs through one stack: first, growing, then a wider batch. */
  static final int[][] PASSES = {{4, 3}, {7, 4}, {3, 5}};

  @TestFactory
  List<DynamicTest> everyCellAndShapeOnTheHostTwin() {
    return cases(HostOps::new);
  }

  @TestFactory
  List<DynamicTest> everyCellAndShapeOnTheGpu() {
    return GpuTests.onGpu("jrnn's own stack on CUDA against the CPU engine", () -> {
      GpuTests.backendOrSkip();
      CudaOps gpu = new CudaOps(((CudaBackend) jrnn.device.Gpu.backend()).cuda());
      return cases(() -> gpu);
    });
  }

  private static List<DynamicTest> cases(Supplier<Ops> ops) {
    List<DynamicTest> tests = new ArrayList<>();
    long seed = 1;
    for (CellType cell : CellType.all()) {
      for (Shape shape : SHAPES) {
        if (shape.twoBiases() && cell instanceof CellType.Gru) {
          continue;
        }
        RecurrentConfig cfg = config(cell, shape);
        long s = seed++;
        tests.add(DynamicTest.dynamicTest(cell.name() + ", " + shape.name(), () -> agree(ops.get(), cfg, s)));
      }
    }
    return tests;
  }

  static RecurrentConfig config(CellType cell, Shape shape) {
    return RecurrentConfig.builder().cell(cell).input(5).hidden(6).layers(shape.layers()).bidirectional(shape.merge())
        .twoBiases(shape.twoBiases()).build();
  }

  /** Runs {@link #PASSES} through one stack on {@code ops} and the CPU engine; each must agree. */
  static void agree(Ops ops, RecurrentConfig cfg, long seed) {
    Rng rng = new Rng(seed);
    Parameters cpuParams = parameters(cfg, rng);
    Parameters deviceParams = new Parameters(cpuParams.layout());
    deviceParams.copyValuesFrom(cpuParams);
    RecurrentStack cpu = new RecurrentStack(cfg, cpuParams, "rnn.", Kernels.best());
    try (FusedCellStack stack = new FusedCellStack(ops, cfg, deviceParams, "rnn.", 1)) {
      for (int p = 0; p < PASSES.length; p++) {
        agreeOnce(ops, cfg, cpu, cpuParams, stack, deviceParams, PASSES[p][0], PASSES[p][1], p > 0, rng);
      }
    }
  }

  private static void agreeOnce(Ops ops, RecurrentConfig cfg, RecurrentStack cpu, Parameters cpuParams,
      FusedCellStack stack, Parameters deviceParams, int steps, int batch, boolean finalGradients, Rng rng) {
    int in = cfg.inputSize();
    int width = cfg.outputSize();
    Tensor x = random(rng, steps, batch, in);
    int[] lengths = raggedLengths(rng, steps, batch);
    RecurrentState initial = randomState(cfg, batch, rng);
    Tensor dTop = random(rng, steps, batch, width);
    RecurrentState dFinal = finalGradients ? randomState(cfg, batch, rng) : null;

    CudnnAgreesWithCpuTest.Pass expected = cpuPass(cpu, cpuParams, x, steps, batch, lengths, initial, dTop, dFinal,
        rng);

    deviceParams.zeroGrads();
    Ops.Floats y = stack.forward(up(ops, x), steps, batch, lengths, up(ops, initial.h()),
        initial.c() == null ? null : up(ops, initial.c()), true);
    Tensor yDevice = down(ops, y, steps * batch * width);
    RecurrentState finalState = new RecurrentState(down(ops, stack.finalH(), expected.finalState().h().size()),
        initial.c() == null ? null : down(ops, stack.finalC(), expected.finalState().c().size()));
    Ops.Floats dx = dFinal == null ? stack.backward(up(ops, dTop))
        : stack.backward(up(ops, dTop), up(ops, dFinal.h()), dFinal.c() == null ? null : up(ops, dFinal.c()));
    RecurrentState dInitial = new RecurrentState(down(ops, stack.initialHGradient(), expected.dInitial().h().size()),
        initial.c() == null ? null : down(ops, stack.initialCGradient(), expected.dInitial().c().size()));
    stack.addWeightGradients();
    assertSamePass(expected, new CudnnAgreesWithCpuTest.Pass(yDevice, finalState, down(ops, dx, expected.dx().size()),
        dInitial, deviceParams.grads()), steps, lengths, cpuParams.layout(), "T=" + steps + ", B=" + batch);
  }

  static Ops.Floats up(Ops ops, Tensor t) {
    Ops.Floats f = ops.floats(t.size(), "test");
    ops.upload(f, t, t.size());
    return f;
  }

  static Tensor down(Ops ops, Ops.Floats f, int n) {
    Tensor t = Tensor.zeros(n);
    ops.download(t, f, n);
    return t;
  }

  /**
   * The library's DeviceRecurrentStack over jrnn's own stack, as the GPU backend gives it for the
   * stacks cuDNN cannot run: host tensors in and out agree with the CPU engine's stack, the
   * gradients of the initial states included, and its timed steps run.
   */
  @Test
  void theLibrarysDeviceStackOverItAgreesWithTheCpuEngine() {
    for (String cell : List.of("lstm-peephole", "gru")) {
      RecurrentConfig cfg = RecurrentConfig.builder().cell(cell).input(3).hidden(4).layers(2)
          .bidirectional(Bidirectional.SUM).build();
      Rng rng = new Rng(8);
      Parameters params = parameters(cfg, rng);
      Tensor x = random(rng, 5, 3, 3);
      int[] lengths = {5, 2, 4};
      RecurrentState initial = randomState(cfg, 3, rng);
      RecurrentState dFinal = randomState(cfg, 3, rng);
      Tensor dTop = random(rng, 5, 3, 4);
      RecurrentStack cpu = new RecurrentStack(cfg, params, "rnn.", Kernels.best());
      CudnnAgreesWithCpuTest.Pass expected = cpuPass(cpu, params, x, 5, 3, lengths, initial, dTop, dFinal, rng);

      params.zeroGrads();
      try (OpsDeviceStack stack = new OpsDeviceStack(new HostOps(), cfg, params, "rnn.", 1)) {
        Tensor y = copy(stack.forward(x, 5, 3, lengths, initial, true), 60);
        RecurrentState finalState = stack.finalState().copy();
        Tensor dx = Tensor.zeros(5, 3, 3);
        stack.backward(dTop, dFinal, dx);
        assertSamePass(expected, new CudnnAgreesWithCpuTest.Pass(y, finalState, dx, stack.initialStateGradient(),
            params.grads()), 5, lengths, params.layout(), cell);
        // Without dx (an input that needs no gradient), as cuDNN's stack allows: the same weights' gradients.
        Tensor withDx = copy(params.grads(), params.grads().size());
        params.zeroGrads();
        stack.forward(x, 5, 3, lengths, initial, true);
        stack.backward(dTop, dFinal, null);
        assertClose(withDx, copy(params.grads(), params.grads().size()), cell + ": the weights' gradients without dx");
        double[] ms = stack.timeSteps(4, 2, new int[] {4, 3}, true, 1, 2);
        assertEquals(2, ms.length);
        assertTrue(ms[0] > 0 && ms[1] > 0, "a step takes time");
      }
    }
  }

  /** Weights changed on the host reach the stack by uploadWeights, and the weight space is the layout's range. */
  @Test
  void uploadedWeightsAreTheOnesUsedAndComeBack() {
    RecurrentConfig cfg = RecurrentConfig.builder().cell("gru").input(3).hidden(4).layers(2).build();
    Parameters params = parameters(cfg, new Rng(3));
    HostOps ops = new HostOps();
    Tensor x = random(new Rng(4), 5, 2, 3);
    int[] lengths = {5, 3};
    try (FusedCellStack stack = new FusedCellStack(ops, cfg, params, "rnn.", 1)) {
      assertEquals(params.values().size(), stack.weightCount(), "the stack's parameters are the whole layout here");
      float before = down(ops, stack.forward(up(ops, x), 5, 2, lengths, null, null, false), 20).get(7);
      Init.uniform(params.values(), new Rng(9), 0.5);
      float stale = down(ops, stack.forward(up(ops, x), 5, 2, lengths, null, null, false), 20).get(7);
      assertEquals(before, stale, 0, "without an upload the stack keeps its weights");
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> stack.backward(up(ops,
          Tensor.zeros(20))));
      assertEquals("FusedCellStack.backward needs a training forward first", e.getMessage());
      stack.uploadWeights();
      Tensor after = down(ops, stack.forward(up(ops, x), 5, 2, lengths, null, null, false), 20);
      RecurrentStack cpu = new RecurrentStack(cfg, params, "rnn.", Kernels.best());
      assertClose(copy(cpu.forward(x, 5, 2, lengths, null, false, new Rng(1)), 20), after, "after upload");
      ops.scale(stack.weights(), stack.weightCount(), 2f);
      Tensor expected = copy(params.values(), params.values().size());
      stack.weightsToHost();
      for (int i = 0; i < params.values().size(); i++) {
        assertEquals(2 * expected.get(i), params.values().get(i), 1e-6, "weight " + i + " back on the host");
      }
    }
  }

  /**
   * With dropout between layers, the gradient is the derivative of the loss with the same masks
   * (a stack made with the same seed draws them again): along a random direction of the weights
   * and of the input, against central differences of sum(y * R). Inference draws none: it is the
   * CPU engine's.
   */
  @Test
  void dropoutBetweenLayersIsDifferentiatedWithItsMasks() {
    for (String cell : List.of("lstm-peephole", "gru", "rnn-sigmoid")) {
      directionalDerivative(new HostOps(), cell);
    }
  }

  static void directionalDerivative(Ops ops, String cellName) {
    RecurrentConfig cfg = RecurrentConfig.builder().cell(cellName).input(4).hidden(5).layers(3)
        .bidirectional(Bidirectional.CONCAT).dropout(0.4).build();
    Rng rng = new Rng(11);
    Parameters params = parameters(cfg, rng);
    int steps = 6;
    int batch = 3;
    int[] lengths = {6, 4, 2};
    Tensor x = random(rng, steps, batch, 4);
    Tensor r = random(rng, steps, batch, cfg.outputSize());
    Tensor vw = random(rng, params.values().size());
    Tensor vx = random(rng, x.size());

    Tensor dx;
    try (FusedCellStack stack = new FusedCellStack(ops, cfg, params, "rnn.", 77)) {
      stack.forward(up(ops, x), steps, batch, lengths, null, null, true);
      dx = down(ops, stack.backward(up(ops, r)), x.size());
      params.zeroGrads();
      stack.addWeightGradients();
    }
    double directional = 0;
    for (int i = 0; i < params.values().size(); i++) {
      directional += (double) params.grads().get(i) * vw.get(i);
    }
    for (int i = 0; i < x.size(); i++) {
      directional += (double) dx.get(i) * vx.get(i);
    }
    double eps = 1e-2;
    Tensor w0 = copy(params.values(), params.values().size());
    double[] loss = new double[2];
    for (int side = 0; side < 2; side++) {
      double e = side == 0 ? eps : -eps;
      Tensor xs = copy(x, x.size());
      for (int i = 0; i < params.values().size(); i++) {
        params.values().set(i, (float) (w0.get(i) + e * vw.get(i)));
      }
      for (int i = 0; i < x.size(); i++) {
        xs.set(i, (float) (x.get(i) + e * vx.get(i)));
      }
      try (FusedCellStack stack = new FusedCellStack(ops, cfg, params, "rnn.", 77)) {
        Tensor y = down(ops, stack.forward(up(ops, xs), steps, batch, lengths, null, null, true), r.size());
        for (int i = 0; i < r.size(); i++) {
          loss[side] += (double) y.get(i) * r.get(i);
        }
      }
    }
    params.values().copyFrom(w0);
    double difference = (loss[0] - loss[1]) / (2 * eps);
    assertEquals(difference, directional, 0.01 * Math.abs(difference), cellName + ": d/d eps of sum(y R) along v");

    try (FusedCellStack stack = new FusedCellStack(ops, cfg, params, "rnn.", 77)) {
      Tensor y = down(ops, stack.forward(up(ops, x), steps, batch, lengths, null, null, false), r.size());
      RecurrentStack cpu = new RecurrentStack(cfg, params, "rnn.", Kernels.best());
      assertClose(copy(cpu.forward(x, steps, batch, lengths, null, false, new Rng(1)), r.size()), y,
          cellName + ": inference without dropout");
    }
  }

  /** Errors planted in the step kernels' twins make the agreement fail. */
  @Test
  void plantedErrorsInTheStepKernelsFail() {
    // A peephole's term left out of the cell state's gradient.
    HostOps noPeepholeInBackward = new HostOps() {
      @Override
      public void lstmBackwardStep(boolean coupled, Floats peepI, Floats peepF, Floats peepO, Step s, Floats gates,
          Floats cPrev, Floats tanhC, Floats dOut, int outLd, Floats carry, Floats dc, Floats dGates, Floats next) {
        super.lstmBackwardStep(coupled, peepI, null, peepO, s, gates, cPrev, tanhC, dOut, outLd, carry, dc, dGates,
            next);
      }
    };
    assertFails(noPeepholeInBackward, "lstm-peephole");
    // The reset gate's gradient never formed (GRU, reset before).
    HostOps noResetGradient = new HostOps() {
      @Override
      public void gruResetBackwardStep(Step s, Floats gates, Floats hPrev, Floats dRh, Floats dGates, Floats next) {}
    };
    assertFails(noResetGradient, "gru");
    // A frozen row's output not zeroed: the first pass's padding shows through.
    HostOps frozenRowsRun = new HostOps() {
      @Override
      public void rnnForwardStep(jrnn.kernels.Activation f, Step s, Floats gates, Floats product, Floats hPrev,
          Floats h, Floats out, int outLd, boolean accumulate) {
        int[] all = new int[s.batch()];
        java.util.Arrays.fill(all, Integer.MAX_VALUE);
        Ints lengths = ints(s.batch(), "all running");
        upload(lengths, all);
        super.rnnForwardStep(f, new Step(s.t(), s.batch(), s.hidden(), lengths), gates, product, hPrev, h, out, outLd,
            accumulate);
      }
    };
    assertFails(frozenRowsRun, "rnn-sigmoid");
    // The reset gate left out of the recurrent candidate's gradient (GRU, reset after): dGh_n = dN, not dN r.
    HostOps resetLeftOut = new HostOps() {
      @Override
      public void gruResetAfterBackwardStep(Step s, Floats gates, Floats hn, Floats hPrev, Floats dOut, int outLd,
          Floats carry, Floats dGates, Floats dGh, Floats next) {
        super.gruResetAfterBackwardStep(s, gates, hn, hPrev, dOut, outLd, carry, dGates, dGh, next);
        int n = s.hidden();
        for (int b = 0; b < s.batch(); b++) {
          for (int j = 2 * n; j < 3 * n; j++) {
            ((HostFloats) dGh).t().set(b * 3 * n + j, ((HostFloats) dGates).t().get(b * 3 * n + j));
          }
        }
      }
    };
    assertFails(resetLeftOut, "gru-reset-after");
    // A frozen row's gradient not passed through: the final states' gradients never reach the initial ones.
    HostOps frozenGradientDropped = new HostOps() {
      @Override
      public void lstmBackwardStep(boolean coupled, Floats peepI, Floats peepF, Floats peepO, Step s, Floats gates,
          Floats cPrev, Floats tanhC, Floats dOut, int outLd, Floats carry, Floats dc, Floats dGates, Floats next) {
        super.lstmBackwardStep(coupled, peepI, peepF, peepO, s, gates, cPrev, tanhC, dOut, outLd, carry, dc, dGates,
            next);
        for (int b = 0; b < s.batch(); b++) {
          if (s.t() >= ((HostInts) s.lengths()).v()[b]) {
            for (int j = 0; j < s.hidden(); j++) {
              ((HostFloats) next).t().set(b * s.hidden() + j, 0f);
            }
          }
        }
      }
    };
    assertFails(frozenGradientDropped, "lstm");
  }

  private static void assertFails(HostOps planted, String cell) {
    RecurrentConfig cfg = config(CellType.parse(cell), SHAPES.get(3));
    agree(new HostOps(), cfg, 5);
    assertThrows(AssertionFailedError.class, () -> agree(planted, cfg, 5), cell + ": the planted error is caught");
  }

  /** A dropout planted out of the backward pass fails the directional derivative. */
  @Test
  void aDropoutLeftOutOfBackwardFails() {
    HostOps noMaskInBackward = new HostOps() {
      private boolean backward;

      @Override
      public void gruGatesStep(Step s, Floats gates, Floats product, Floats hPrev, Floats rh) {
        backward = false;
        super.gruGatesStep(s, gates, product, hPrev, rh);
      }

      @Override
      public void gruCandidateBackwardStep(Step s, Floats gates, Floats hPrev, Floats dOut, int outLd, Floats carry,
          Floats dGates, Floats next) {
        backward = true;
        super.gruCandidateBackwardStep(s, gates, hPrev, dOut, outLd, carry, dGates, next);
      }

      @Override
      public void multiply(Floats a, Floats m, long n) {
        if (!backward) {
          super.multiply(a, m, n);
        }
      }
    };
    AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> directionalDerivative(noMaskInBackward,
        "gru"));
    assertTrue(e.getMessage().contains("d/d eps"), e.getMessage());
  }
}
