package jrnn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jrnn.cells.CellType;
import jrnn.layers.Bidirectional;
import jrnn.layers.RecurrentConfig;
import jrnn.params.ParamLayout;
import jrnn.util.Rng;
import org.junit.jupiter.api.Test;

/**
 * {@link PyTorchWeights#gradientsToJrnn} is the adjoint of {@link PyTorchWeights#toTorch}: for
 * any jrnn weights p and PyTorch-layout gradient g, &lt;toTorch(p), g&gt; = &lt;p,
 * gradientsToJrnn(g)&gt;, which is what makes the chain rule carry gradients computed in
 * PyTorch's layout (cuDNN's) back to jrnn's parameters. (The PyTorch reference cases check the
 * same map on PyTorch's own gradients, in ReferenceAgreesWithPyTorchTest.)
 */
class PyTorchGradientMapTest {

  @Test
  void theGradientMapIsTheAdjointOfTheWeightMap() {
    Rng rng = new Rng(7);
    int cases = 0;
    for (String cell : List.of("rnn-tanh", "rnn-relu", "lstm", "gru-reset-after")) {
      for (Bidirectional merge : List.of(Bidirectional.NONE, Bidirectional.CONCAT)) {
        for (boolean twoBiases : List.of(false, true)) {
          if (twoBiases && cell.startsWith("gru")) {
            continue;
          }
          RecurrentConfig cfg = RecurrentConfig.builder().cell(cell).input(3).hidden(4).layers(2)
              .bidirectional(merge).twoBiases(twoBiases).build();
          ParamLayout.Builder lb = ParamLayout.builder();
          cfg.declareParameters(lb, "rnn.");
          Map<String, double[]> p = new LinkedHashMap<>();
          for (ParamLayout.Entry e : lb.build().entries()) {
            p.put(e.name(), random(e.size(), rng));
          }
          Map<String, double[]> torchWeights = PyTorchWeights.toTorch(cfg, "rnn.", p);
          Map<String, double[]> g = new LinkedHashMap<>();
          torchWeights.forEach((name, v) -> g.put(name, random(v.length, rng)));
          Map<String, double[]> back = PyTorchWeights.gradientsToJrnn(cfg, "rnn.", g);
          assertEquals(p.keySet(), back.keySet(), cfg + ": one gradient for each jrnn parameter");
          double lhs = 0;
          for (var e : torchWeights.entrySet()) {
            lhs += dot(e.getValue(), g.get(e.getKey()));
          }
          double rhs = 0;
          for (var e : p.entrySet()) {
            rhs += dot(e.getValue(), back.get(e.getKey()));
          }
          assertEquals(lhs, rhs, 1e-12 * Math.max(1, Math.abs(lhs)), cell + " " + merge + " two biases " + twoBiases);
          cases++;
        }
      }
    }
    assertEquals(14, cases);
  }

  private static double[] random(int n, Rng rng) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = 2 * rng.nextDouble() - 1;
    }
    return v;
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
