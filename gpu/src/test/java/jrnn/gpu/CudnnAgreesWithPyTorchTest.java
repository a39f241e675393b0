package jrnn.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import jrnn.TorchReference;
import jrnn.TorchReference.Case;
import jrnn.device.DeviceRecurrentStack;
import jrnn.device.GpuBackend;
import jrnn.data.Batch;
import jrnn.io.PyTorchWeights;
import jrnn.layers.RecurrentConfig;
import jrnn.layers.RecurrentState;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * cuDNN's stacks against PyTorch's outputs, final states and gradients (shared/data/reference,
 * 9 cases: RNN tanh/ReLU, LSTM, GRU; single, 2 layers, bidirectional), PyTorch's weights read into
 * jrnn's parameters and uploaded as every other model's are. fp32 tolerance 1e-4.
 */
class CudnnAgreesWithPyTorchTest {
  @TestFactory
  Iterable<DynamicTest> everyCase() throws Exception {
    if (jrnn.device.Gpu.unavailableReason() != null) {
      return GpuTests.onGpu("the PyTorch reference cases on the GPU", List::of);
    }
    return TorchReference.tests(c -> true, Case::name, this::check);
  }

  void check(Case c) {
    RecurrentConfig cfg = c.config();
    Parameters params = c.parameters(cfg, "rnn.");
    int steps = c.steps();
    int batch = c.batch();
    Tensor x = Tensor.of(flat(c.x()), steps, batch, cfg.inputSize());
    RecurrentState initial = new RecurrentState(Tensor.of(flat(c.h0()), cfg.stateSlots(), batch, cfg.hiddenSize()),
        c.c0() == null ? null : Tensor.of(flat(c.c0()), cfg.stateSlots(), batch, cfg.hiddenSize()));
    Tensor dTop = Tensor.of(flat(c.r()), steps, batch, cfg.outputSize());
    GpuBackend gpu = GpuTests.backendOrSkip();
    try (DeviceRecurrentStack stack = gpu.recurrentStack(cfg, params, "rnn.")) {
      Tensor y = stack.forward(x, steps, batch, Batch.fullLengths(steps, batch), initial, true);
      assertNear(flat(c.y()), y, c.name() + " y");
      assertNear(flat(c.hn()), stack.finalState().h(), c.name() + " hn");
      if (c.cn() != null) {
        assertNear(flat(c.cn()), stack.finalState().c(), c.name() + " cn");
      }
      Tensor dx = Tensor.zeros(steps, batch, cfg.inputSize());
      params.zeroGrads();
      stack.backward(dTop, null, dx);
      assertNear(flat(c.gradX()), dx, c.name() + " grad_x");
      assertNear(flat(c.gradH0()), stack.initialStateGradient().h(), c.name() + " grad_h0");
      if (c.gradC0() != null) {
        assertNear(flat(c.gradC0()), stack.initialStateGradient().c(), c.name() + " grad_c0");
      }
      Map<String, double[]> expected = PyTorchWeights.gradientsToJrnn(cfg, "rnn.", c.gradWeights());
      expected.forEach((name, g) -> assertNear(g, params.grad(name), c.name() + " gradient of " + name));
    }
  }

  private static void assertNear(double[] expected, Tensor actual, String what) {
    assertEquals(expected.length, actual.size(), what + " size");
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual.get(i), 1e-4 * (1 + Math.abs(expected[i])), what + "[" + i + "]");
    }
  }

  private static double[] flat(double[][][] a) {
    int n = 0;
    for (double[][] m : a) {
      for (double[] r : m) {
        n += r.length;
      }
    }
    double[] out = new double[n];
    int k = 0;
    for (double[][] m : a) {
      for (double[] r : m) {
        System.arraycopy(r, 0, out, k, r.length);
        k += r.length;
      }
    }
    return out;
  }
}
