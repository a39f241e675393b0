package jrnn.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import jrnn.TorchReference;
import jrnn.TorchReference.Case;
import jrnn.cells.CellType;
import jrnn.io.PyTorchWeights;
import jrnn.models.ModelConfig;
import jrnn.models.OutputKind;
import jrnn.models.Readout;
import jrnn.layers.RecurrentConfig;
import jrnn.params.ParamLayout;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The double-precision reference against PyTorch's outputs, final states and gradients
 * (shared/data/reference), after converting PyTorch's weights with {@link PyTorchWeights}:
 * this pins down gate order, bias and GRU conventions. Tolerance 1e-10: both are double.
 */
public class ReferenceAgreesWithPyTorchTest {
  static final double TOL = 1e-10;

  @TestFactory
  Iterable<DynamicTest> everyCase() throws Exception {
    return TorchReference.tests(c -> true, Case::name, this::check);
  }

  static ModelConfig modelOf(Case c) {
    var r = c.config();
    return new ModelConfig(0, r.inputSize(), r.cell(), r.hiddenSize(), r.layers(),
        r.bidirectional(), 0, Readout.EVERY_STEP, 1, OutputKind.LINEAR);
  }

  /** Our flat parameter array from PyTorch's weights. */
  static double[] paramsOf(Case c, ParamLayout layout) {
    Map<String, double[]> ours = PyTorchWeights.toJrnn(c.config(), ModelConfig.RNN_PREFIX, c.weights());
    double[] p = new double[layout.size()];
    ours.forEach((name, v) -> {
      ParamLayout.Entry e = layout.get(name);
      assertEquals(e.size(), v.length, name);
      System.arraycopy(v, 0, p, e.offset(), v.length);
    });
    return p;
  }

  void check(Case c) {
    ModelConfig cfg = modelOf(c);
    ParamLayout layout = cfg.parameterLayout();
    double[] params = paramsOf(c, layout);
    ReferenceModel model = new ReferenceModel(cfg, params);
    double[] grads = new double[params.length];
    int slots = c.config().stateSlots();
    int h = c.config().hiddenSize();
    double loss = 0;
    for (int b = 0; b < c.batch(); b++) {
      double[][] x = new double[c.steps()][];
      double[][] dTop = new double[c.steps()][];
      for (int t = 0; t < c.steps(); t++) {
        x[t] = c.x()[t][b];
        dTop[t] = c.r()[t][b];
      }
      double[][] h0 = new double[slots][];
      double[][] c0 = c.c0() == null ? null : new double[slots][];
      for (int s = 0; s < slots; s++) {
        h0[s] = c.h0()[s][b];
        if (c0 != null) {
          c0[s] = c.c0()[s][b];
        }
      }
      ReferenceModel.StackRun run = model.runStack(x, h0, c0, dTop, null, null, grads);
      for (int t = 0; t < c.steps(); t++) {
        for (int j = 0; j < run.top()[t].length; j++) {
          assertEquals(c.y()[t][b][j], run.top()[t][j], TOL, c.name() + " y[" + t + "][" + b + "][" + j + "]");
          loss += run.top()[t][j] * c.r()[t][b][j];
        }
        for (int j = 0; j < x[t].length; j++) {
          assertEquals(c.gradX()[t][b][j], run.dInputs()[t][j], TOL, c.name() + " grad_x");
        }
      }
      for (int s = 0; s < slots; s++) {
        for (int j = 0; j < h; j++) {
          assertEquals(c.hn()[s][b][j], run.hn()[s][j], TOL, c.name() + " hn");
          assertEquals(c.gradH0()[s][b][j], run.dH0()[s][j], TOL, c.name() + " grad_h0");
          if (c.c0() != null) {
            assertEquals(c.cn()[s][b][j], run.cn()[s][j], TOL, c.name() + " cn");
            assertEquals(c.gradC0()[s][b][j], run.dC0()[s][j], TOL, c.name() + " grad_c0");
          }
        }
      }
    }
    assertEquals(c.loss(), loss, TOL, c.name() + " loss");
    assertTorchGradients(c, layout, grads, TOL);
    assertGradientsFromTorch(c, layout, grads);
  }

  /**
   * PyTorch's gradients mapped to jrnn's parameters ({@link PyTorchWeights#gradientsToJrnn}, the
   * map the GPU backend reads cuDNN's gradients with) equal ours.
   */
  static void assertGradientsFromTorch(Case c, ParamLayout layout, double[] grads) {
    Map<String, double[]> fromTorch = PyTorchWeights.gradientsToJrnn(c.config(), ModelConfig.RNN_PREFIX, c.gradWeights());
    int checked = 0;
    for (ParamLayout.Entry e : layout.entries()) {
      if (!e.name().startsWith(ModelConfig.RNN_PREFIX)) {
        continue;
      }
      double[] g = fromTorch.get(e.name());
      assertEquals(e.size(), g.length, c.name() + " " + e.name());
      for (int k = 0; k < g.length; k++) {
        assertEquals(grads[e.offset() + k], g[k], TOL * Math.max(1, Math.abs(g[k])),
            c.name() + " " + e.name() + "[" + k + "] from PyTorch's gradient");
      }
      checked++;
    }
    assertEquals(checked, fromTorch.size(), c.name() + ": every mapped gradient is one of jrnn's parameters");
  }

  /** Compares our flat gradients, mapped to PyTorch's parameters, with PyTorch's. */
  public static void assertTorchGradients(Case c, ParamLayout layout, double[] grads, double tol) {
    assertTorchGradients(c, c.config(), layout, grads, tol);
  }

  /** As above, for jrnn parameters of {@code cfg}, which may keep PyTorch's two biases apart. */
  public static void assertTorchGradients(Case c, RecurrentConfig cfg, ParamLayout layout,
      double[] grads, double tol) {
    Map<String, double[]> ours = new LinkedHashMap<>();
    for (ParamLayout.Entry e : layout.entries()) {
      double[] g = new double[e.size()];
      System.arraycopy(grads, e.offset(), g, 0, e.size());
      ours.put(e.name(), g);
    }
    Map<String, double[]> mapped = PyTorchWeights.toTorch(cfg, ModelConfig.RNN_PREFIX, ours);
    boolean gru = c.config().cell() instanceof CellType.Gru;
    int h = c.config().hiddenSize();
    for (var e : c.gradWeights().entrySet()) {
      String name = e.getKey();
      double[] expected = e.getValue();
      double[] actual;
      if (name.startsWith("bias_hh") && !cfg.twoBiases()) {
        // d/d bias_hh = d/d bias (their sum), but for the GRU's n rows, d/d bias_hn.
        double[] viaBias = mapped.get(name.replace("bias_hh", "bias_ih"));
        double[] viaHn = mapped.get(name);
        actual = new double[expected.length];
        for (int k = 0; k < actual.length; k++) {
          actual[k] = gru && k >= 2 * h ? viaHn[k] : viaBias[k];
        }
      } else {
        actual = mapped.get(name);
      }
      for (int k = 0; k < expected.length; k++) {
        assertEquals(expected[k], actual[k], tol * Math.max(1, Math.abs(expected[k])),
            c.name() + " grad " + name + "[" + k + "]");
      }
    }
  }
}
