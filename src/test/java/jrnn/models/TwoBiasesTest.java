package jrnn.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import jrnn.cells.CellType;
import jrnn.io.ConfigProperties;
import jrnn.io.ModelFileException;
import jrnn.io.PyTorchWeights;
import jrnn.layers.Bidirectional;
import jrnn.layers.RecurrentConfig;
import jrnn.util.Rng;
import org.junit.jupiter.api.Test;

/**
 * The second bias per recurrent layer (b_hh, as cuDNN and PyTorch keep it): PyTorch's two
 * vectors convert to it and back unchanged, model files carry the option, files without it read
 * as one bias, and the GRU, whose recurrent bias is already its own, refuses it. That the
 * pre-activations see the sum, and that both get its gradient, is held by the gradient checks
 * and the agreement tests (ReferenceGradientCheckTest, EngineAgreesWithReferenceTest,
 * StackAgreesWithPyTorchTest).
 */
class TwoBiasesTest {

  static ModelConfig config(String cell, boolean twoBiases) {
    return new ModelConfig(0, 3, CellType.parse(cell), 4, 2, Bidirectional.CONCAT, 0,
        Readout.EVERY_STEP, 2, OutputKind.SOFTMAX, twoBiases);
  }

  @Test
  void pyTorchsTwoBiasesConvertBothWaysUnchanged() {
    RecurrentConfig cfg = config("lstm", true).recurrent();
    Rng rng = new Rng(3);
    Map<String, double[]> torch = new LinkedHashMap<>();
    for (int l = 0; l < 2; l++) {
      for (int d = 0; d < 2; d++) {
        int in = cfg.layerInputSize(l);
        torch.put(PyTorchWeights.torchName("weight_ih", l, d), random(rng, 16 * in));
        torch.put(PyTorchWeights.torchName("weight_hh", l, d), random(rng, 16 * 4));
        torch.put(PyTorchWeights.torchName("bias_ih", l, d), random(rng, 16));
        torch.put(PyTorchWeights.torchName("bias_hh", l, d), random(rng, 16));
      }
    }
    Map<String, double[]> ours = PyTorchWeights.toJrnn(cfg, "rnn.", torch);
    assertArrayEquals(torch.get("bias_hh_l1_reverse"), ours.get("rnn.bias_hh_l1_reverse"));
    assertArrayEquals(torch.get("bias_ih_l1_reverse"), ours.get("rnn.bias_l1_reverse"));
    Map<String, double[]> back = PyTorchWeights.toTorch(cfg, "rnn.", ours);
    assertEquals(torch.keySet(), back.keySet());
    torch.forEach((name, v) -> assertArrayEquals(v, back.get(name), name));

    // One bias: the sum, and PyTorch gets it back as bias_ih with a zero bias_hh.
    RecurrentConfig one = config("lstm", false).recurrent();
    double[] sum = PyTorchWeights.toJrnn(one, "rnn.", torch).get("rnn.bias_l0");
    for (int k = 0; k < 16; k++) {
      assertEquals(torch.get("bias_ih_l0")[k] + torch.get("bias_hh_l0")[k], sum[k], 1e-15);
    }
  }

  static double[] random(Rng rng, int n) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = rng.uniform(-1, 1);
    }
    return v;
  }

  @Test
  void theLayoutHasTheSecondBiasOnlyWhenAsked() {
    assertTrue(config("rnn-tanh", true).parameterLayout().contains("rnn.bias_hh_l1_reverse"));
    assertFalse(config("rnn-tanh", false).parameterLayout().contains("rnn.bias_hh_l0"));
    assertEquals(16, config("lstm", true).parameterLayout().get("rnn.bias_hh_l0").size());
  }

  @Test
  void theGruRefusesIt() {
    for (String gru : new String[] {"gru", "gru-reset-after"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> config(gru, true));
      assertTrue(e.getMessage().contains("bias_hn") && e.getMessage().contains(gru), e.getMessage());
    }
  }

  @Test
  void modelFilesCarryTheOptionAndOldOnesReadAsOneBias() throws ModelFileException {
    ModelConfig two = config("lstm-peephole", true);
    assertEquals(two, ConfigProperties.read(ConfigProperties.of(two)));
    Map<String, String> old = new LinkedHashMap<>(ConfigProperties.of(config("lstm", false)));
    old.remove("model.two_biases");
    assertEquals(config("lstm", false), ConfigProperties.read(old));
    old.put("model.two_biases", "1");
    ModelFileException e = assertThrows(ModelFileException.class, () -> ConfigProperties.read(old));
    assertTrue(e.getMessage().contains("model.two_biases") && e.getMessage().contains("'1'"), e.getMessage());
  }
}
