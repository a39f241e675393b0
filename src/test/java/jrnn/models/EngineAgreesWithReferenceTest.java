package jrnn.models;

import java.util.ArrayList;
import java.util.List;
import jrnn.cells.CellType;
import jrnn.kernels.Kernels;
import jrnn.kernels.ScalarKernels;
import jrnn.layers.Bidirectional;
import jrnn.reference.EngineComparison;
import static org.junit.jupiter.api.Assertions.assertTrue;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The fast float32 engine against the double-precision reference written from the equations:
 * same parameters, a padded batch of lengths 5, 2 and 4, same initial states and dropout masks.
 * Loss, outputs, final states and every gradient (weights, biases, inputs, initial states) agree
 * to |fast - reference| <= 1e-4 (0.2 + |reference|) (see {@link EngineComparison}): float32
 * rounding over a few steps is about 1e-6 of that scale. Each group of values also agrees as a
 * whole, ||fast - reference|| <= 1e-4 ||reference||, which holds a group of small values (a
 * peephole's gradient) to its own size; rounding leaves about 1.4e-6 there.
 */
class EngineAgreesWithReferenceTest {

  record Structure(String label, int layers, Bidirectional merge) {}

  static final List<Structure> STRUCTURES = List.of(
      new Structure("alone", 1, Bidirectional.NONE),
      new Structure("2-layer stack", 2, Bidirectional.NONE),
      new Structure("bidirectional concat", 1, Bidirectional.CONCAT),
      new Structure("bidirectional sum", 1, Bidirectional.SUM),
      new Structure("2-layer bidirectional sum", 2, Bidirectional.SUM));

  static final double TOLERANCE = 1e-4;
  /** ||fast - reference|| / ||reference|| of any group; float32 rounding leaves about 1e-6. */
  static final double RELATIVE_TOLERANCE = 1e-4;

  static void agree(ModelConfig cfg, long seed, LossNormalization norm, Kernels k) {
    EngineComparison.Report r = EngineComparison.compare(cfg, seed, norm, k);
    assertTrue(r.worst() < TOLERANCE, cfg + ": " + r.worstDifference());
    // Each group also as a whole, beside its own size: the element-wise bound, loose enough for
    // the smallest entries, let a peephole gradient 10% off through.
    assertTrue(r.worstRelative().relativeNorm() < RELATIVE_TOLERANCE, cfg + ": " + r.worstRelative());
    assertTrue(r.differences().size() > 5, "compared " + r.differences());
  }

  static List<Kernels> kernels() {
    List<Kernels> k = new ArrayList<>();
    k.add(new ScalarKernels());
    if (!(Kernels.best() instanceof ScalarKernels)) {
      k.add(Kernels.best());
    }
    return k;
  }

  @TestFactory
  List<DynamicTest> everyCellInEveryStructure() {
    List<DynamicTest> tests = new ArrayList<>();
    for (Kernels k : kernels()) {
      for (CellType cell : CellType.all()) {
        for (Structure s : STRUCTURES) {
          ModelConfig cfg = new ModelConfig(0, 3, cell, 5, s.layers(), s.merge(), 0,
              Readout.EVERY_STEP, 4, OutputKind.SOFTMAX);
          tests.add(DynamicTest.dynamicTest(cell.name() + " " + s.label() + " ("
              + k.getClass().getSimpleName() + ")",
              () -> agree(cfg, 11, LossNormalization.PER_OUTPUT, k)));
        }
      }
    }
    return tests;
  }

  @TestFactory
  List<DynamicTest> twoBiases() {
    List<DynamicTest> tests = new ArrayList<>();
    for (Kernels k : kernels()) {
      for (String cell : List.of("rnn-relu", "lstm", "lstm-peephole")) {
        for (Structure s : List.of(STRUCTURES.get(1), STRUCTURES.get(4))) {
          ModelConfig cfg = new ModelConfig(0, 3, CellType.parse(cell), 5, s.layers(), s.merge(), 0,
              Readout.EVERY_STEP, 4, OutputKind.SOFTMAX, true);
          tests.add(DynamicTest.dynamicTest(cell + " with two biases, " + s.label() + " ("
              + k.getClass().getSimpleName() + ")",
              () -> agree(cfg, 13, LossNormalization.PER_SEQUENCE, k)));
        }
      }
    }
    return tests;
  }

  @TestFactory
  List<DynamicTest> everyReadoutAndLoss() {
    List<DynamicTest> tests = new ArrayList<>();
    for (Readout ro : Readout.values()) {
      for (OutputKind out : OutputKind.values()) {
        for (Bidirectional merge : Bidirectional.values()) {
          ModelConfig cfg = new ModelConfig(0, 3, CellType.parse("gru"), 4, 2, merge, 0, ro, 3, out);
          tests.add(DynamicTest.dynamicTest(ro + " " + out + " " + merge,
              () -> agree(cfg, 5, LossNormalization.PER_SEQUENCE, Kernels.best())));
        }
      }
    }
    return tests;
  }

  /**
   * Wider layers and a larger batch: the vector loops, the packed products with their partial
   * panels, and the row blocks run on different threads all take part.
   */
  @TestFactory
  List<DynamicTest> wideLayersAndManySequences() {
    List<DynamicTest> tests = new ArrayList<>();
    int[] lengths = {7, 3, 7, 1, 5, 6, 2, 7, 4, 7, 6};
    for (CellType cell : CellType.all()) {
      ModelConfig cfg = new ModelConfig(0, 21, cell, 37, 2, Bidirectional.CONCAT, 0,
          Readout.EVERY_STEP, 6, OutputKind.SOFTMAX);
      tests.add(DynamicTest.dynamicTest(cell.name() + " H=37, 11 sequences", () -> {
        EngineComparison.Report r = EngineComparison.compare(cfg, lengths, 17,
            LossNormalization.PER_OUTPUT, Kernels.best());
        assertTrue(r.worst() < TOLERANCE, cfg + ": " + r.worstDifference());
        assertTrue(r.worstRelative().relativeNorm() < RELATIVE_TOLERANCE, cfg + ": " + r.worstRelative());
      }));
    }
    return tests;
  }

  @Test
  void embeddingAndDropoutOnEveryConnection() {
    for (CellType cell : List.of(CellType.parse("lstm"), CellType.parse("rnn-relu"))) {
      ModelConfig cfg = new ModelConfig(9, 4, cell, 5, 3, Bidirectional.CONCAT, 0.4,
          Readout.EVERY_STEP, 9, OutputKind.SOFTMAX);
      agree(cfg, 21, LossNormalization.PER_OUTPUT, Kernels.best());
    }
  }
}
