package jrnn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jrnn.TorchReference;
import jrnn.TorchReference.Case;
import jrnn.data.Batch;
import jrnn.io.PyTorchWeights;
import jrnn.kernels.Kernels;
import jrnn.params.ParamLayout;
import jrnn.params.Parameters;
import jrnn.reference.ReferenceAgreesWithPyTorchTest;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The fast float32 recurrent stack against PyTorch's double-precision outputs, final states and
 * gradients (shared/data/reference), with PyTorch's weights converted by {@link PyTorchWeights}.
 * Tolerance 1e-5 absolute (plus 1e-5 relative): float32 rounding.
 */
class StackAgreesWithPyTorchTest {
  static final double TOL = 1e-5;

  @TestFactory
  Iterable<DynamicTest> everyCase() throws Exception {
    return TorchReference.tests(c -> true, Case::name, c -> check(c, c.config()));
  }

  /** PyTorch's b_ih and b_hh kept apart, as {@link RecurrentConfig#twoBiases}: the same figures. */
  @TestFactory
  Iterable<DynamicTest> everyCaseWithTwoBiases() throws Exception {
    return TorchReference.tests(c -> !(c.config().cell() instanceof jrnn.cells.CellType.Gru),
        c -> c.name() + " with two biases", c -> {
          RecurrentConfig one = c.config();
          check(c, new RecurrentConfig(one.cell(), one.inputSize(), one.hiddenSize(), one.layers(),
              one.bidirectional(), one.dropout(), true));
        });
  }

  static void near(double expected, double actual, String what) {
    assertEquals(expected, actual, TOL * (1 + Math.abs(expected)), what);
  }

  void check(Case c, RecurrentConfig cfg) {
    Parameters params = c.parameters(cfg, "rnn.");
    ParamLayout layout = params.layout();
    int steps = c.steps();
    int batch = c.batch();
    int x = cfg.inputSize();
    int w = cfg.outputSize();
    int h = cfg.hiddenSize();
    int slots = cfg.stateSlots();
    Tensor in = Tensor.zeros(steps, batch, x);
    Tensor dTop = Tensor.zeros(steps, batch, w);
    for (int t = 0; t < steps; t++) {
      for (int b = 0; b < batch; b++) {
        for (int j = 0; j < x; j++) {
          in.set((t * batch + b) * x + j, (float) c.x()[t][b][j]);
        }
        for (int j = 0; j < w; j++) {
          dTop.set((t * batch + b) * w + j, (float) c.r()[t][b][j]);
        }
      }
    }
    RecurrentState init = RecurrentState.zeros(cfg, batch);
    for (int s = 0; s < slots; s++) {
      for (int b = 0; b < batch; b++) {
        for (int j = 0; j < h; j++) {
          init.h().set((s * batch + b) * h + j, (float) c.h0()[s][b][j]);
          if (init.c() != null) {
            init.c().set((s * batch + b) * h + j, (float) c.c0()[s][b][j]);
          }
        }
      }
    }
    RecurrentStack stack = new RecurrentStack(cfg, params, "rnn.", Kernels.best());
    Tensor y = stack.forward(in, steps, batch, Batch.fullLengths(steps, batch), init, true, new Rng(1));
    Tensor dx = Tensor.zeros(steps, batch, x);
    stack.backward(dTop, null, dx);
    for (int t = 0; t < steps; t++) {
      for (int b = 0; b < batch; b++) {
        for (int j = 0; j < w; j++) {
          near(c.y()[t][b][j], y.get((t * batch + b) * w + j), c.name() + " y");
        }
        for (int j = 0; j < x; j++) {
          near(c.gradX()[t][b][j], dx.get((t * batch + b) * x + j), c.name() + " grad_x");
        }
      }
    }
    for (int s = 0; s < slots; s++) {
      for (int b = 0; b < batch; b++) {
        for (int j = 0; j < h; j++) {
          int at = (s * batch + b) * h + j;
          near(c.hn()[s][b][j], stack.finalState().h().get(at), c.name() + " hn");
          near(c.gradH0()[s][b][j], stack.initialStateGradient().h().get(at), c.name() + " grad_h0");
          if (c.c0() != null) {
            near(c.cn()[s][b][j], stack.finalState().c().get(at), c.name() + " cn");
            near(c.gradC0()[s][b][j], stack.initialStateGradient().c().get(at), c.name() + " grad_c0");
          }
        }
      }
    }
    ReferenceAgreesWithPyTorchTest.assertTorchGradients(c, cfg, layout,
        params.grads().toDoubleArray(), TOL);
  }
}
