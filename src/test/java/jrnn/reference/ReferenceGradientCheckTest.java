package jrnn.reference;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import jrnn.cells.CellType;
import jrnn.layers.Bidirectional;
import jrnn.models.LossNormalization;
import jrnn.models.ModelConfig;
import jrnn.models.OutputKind;
import jrnn.models.Readout;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Finite differences against the analytic gradients of the double-precision reference, for every
 * cell alone, in a 2-layer stack and bidirectional with each merge, on a batch of sequences of
 * lengths 5, 2 and 4, for all weights, biases, inputs and initial states; and for every readout
 * and loss. Threshold: relative error 1e-5, as for the gradcheck command.
 */
class ReferenceGradientCheckTest {
  static final double THRESHOLD = 1e-5;

  record Structure(String label, int layers, Bidirectional merge) {}

  static final List<Structure> STRUCTURES = List.of(
      new Structure("alone", 1, Bidirectional.NONE),
      new Structure("2-layer stack", 2, Bidirectional.NONE),
      new Structure("bidirectional concat", 1, Bidirectional.CONCAT),
      new Structure("bidirectional sum", 1, Bidirectional.SUM),
      new Structure("2-layer bidirectional concat", 2, Bidirectional.CONCAT));

  static ModelConfig config(CellType cell, Structure s) {
    return new ModelConfig(0, 3, cell, 4, s.layers(), s.merge(), 0, Readout.EVERY_STEP, 3,
        OutputKind.SOFTMAX);
  }

  static void assertPasses(String what, ModelGradientCheck.Report r) {
    for (GradientCheck.Result res : r.results()) {
      assertTrue(res.maxRelativeError() < THRESHOLD, what + ": " + res);
      assertTrue(res.checked() > 0, what + ": nothing checked in " + res);
    }
  }

  @TestFactory
  List<DynamicTest> everyCellInEveryStructure() {
    List<DynamicTest> tests = new ArrayList<>();
    for (CellType cell : CellType.all()) {
      for (Structure s : STRUCTURES) {
        String name = cell.name() + " " + s.label();
        tests.add(DynamicTest.dynamicTest(name, () -> assertPasses(name,
            ModelGradientCheck.run(config(cell, s), 42, LossNormalization.PER_OUTPUT,
                ReferenceModel.STANDARD_CELLS))));
      }
    }
    return tests;
  }

  @TestFactory
  List<DynamicTest> everyReadoutAndLoss() {
    List<DynamicTest> tests = new ArrayList<>();
    CellType lstm = CellType.parse("lstm");
    for (Readout ro : Readout.values()) {
      for (OutputKind out : OutputKind.values()) {
        for (Bidirectional merge : Bidirectional.values()) {
          for (LossNormalization norm : LossNormalization.values()) {
            ModelConfig cfg = new ModelConfig(0, 3, lstm, 4, 1, merge, 0, ro, 3, out);
            String name = ro + " " + out + " " + merge + " " + norm;
            tests.add(DynamicTest.dynamicTest(name, () -> assertPasses(name,
                ModelGradientCheck.run(cfg, 7, norm, ReferenceModel.STANDARD_CELLS))));
          }
        }
      }
    }
    return tests;
  }

  static ModelConfig twoBiases(CellType cell, Structure s) {
    return new ModelConfig(0, 3, cell, 4, s.layers(), s.merge(), 0, Readout.EVERY_STEP, 3,
        OutputKind.SOFTMAX, true);
  }

  @TestFactory
  List<DynamicTest> twoBiasesInEveryStructure() {
    List<DynamicTest> tests = new ArrayList<>();
    for (String cell : List.of("rnn-tanh", "lstm", "lstm-peephole-cifg")) {
      for (Structure s : STRUCTURES) {
        String name = cell + " with two biases " + s.label();
        tests.add(DynamicTest.dynamicTest(name, () -> assertPasses(name,
            ModelGradientCheck.run(twoBiases(CellType.parse(cell), s), 42,
                LossNormalization.PER_OUTPUT, ReferenceModel.STANDARD_CELLS))));
      }
    }
    return tests;
  }

  /** An LSTM whose backward leaves out the second bias's gradient. */
  static final class OneBiasGradientLstm extends ReferenceCell.Lstm {
    OneBiasGradientLstm(ModelConfig cfg, int inputSize, double[] p, double[] g,
        jrnn.params.ParamLayout layout, int layer, int direction) {
      super((CellType.Lstm) cfg.cell(), inputSize, cfg.hiddenSize(), p, g, layout,
          ModelConfig.RNN_PREFIX, layer, direction);
    }

    @Override
    protected void backPreactivation(int row, double d, Step s, double[] dx, double[] dhPrev) {
      super.backPreactivation(row, d, s, dx, dhPrev);
      g[biasHh + row] -= d;
    }
  }

  @Test
  void aLostSecondBiasGradientFailsTheCheck() {
    ModelConfig cfg = twoBiases(CellType.parse("lstm"), STRUCTURES.get(0));
    ModelGradientCheck.Report bad = ModelGradientCheck.run(cfg, 42, LossNormalization.PER_OUTPUT,
        OneBiasGradientLstm::new);
    assertTrue(bad.maxRelativeError() > 1e-3, "the planted bug is caught: " + bad.maxRelativeError());
  }

  @Test
  void embeddingAndDropout() {
    for (CellType cell : List.of(CellType.parse("gru"), CellType.parse("lstm-peephole-cifg"))) {
      ModelConfig cfg = new ModelConfig(7, 3, cell, 4, 2, Bidirectional.CONCAT, 0.3,
          Readout.EVERY_STEP, 5, OutputKind.SOFTMAX);
      assertPasses(cell.name() + " with embedding and dropout",
          ModelGradientCheck.run(cfg, 3, LossNormalization.PER_SEQUENCE, ReferenceModel.STANDARD_CELLS));
    }
  }

  /** A cell whose backward forgets a tenth of the cell-state carry: a typical BPTT slip. */
  static final class ForgetfulLstm extends ReferenceCell.Lstm {
    ForgetfulLstm(ModelConfig cfg, int inputSize, double[] p, double[] g,
        jrnn.params.ParamLayout layout, int layer, int direction) {
      super((CellType.Lstm) cfg.cell(), inputSize, cfg.hiddenSize(), p, g, layout,
          ModelConfig.RNN_PREFIX, layer, direction);
    }

    @Override
    public void backward(Step s, double[] dh, double[] dc, double[] dx, double[] dhPrev, double[] dcPrev) {
      super.backward(s, dh, dc, dx, dhPrev, dcPrev);
      for (int k = 0; k < dcPrev.length; k++) {
        dcPrev[k] *= 0.9;
      }
    }
  }

  @Test
  void aPlantedGradientBugFailsTheCheck() {
    ModelConfig cfg = config(CellType.parse("lstm-peephole"), STRUCTURES.get(1));
    ModelGradientCheck.Report good = ModelGradientCheck.run(cfg, 42, LossNormalization.PER_OUTPUT,
        ReferenceModel.STANDARD_CELLS);
    ModelGradientCheck.Report bad = ModelGradientCheck.run(cfg, 42, LossNormalization.PER_OUTPUT,
        ForgetfulLstm::new);
    assertTrue(good.maxRelativeError() < THRESHOLD, "the correct cell passes: " + good.maxRelativeError());
    assertTrue(bad.maxRelativeError() > 1e-3, "the planted bug is caught: " + bad.maxRelativeError());
  }
}
