package jrnn.models;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jrnn.cells.CellType;
import jrnn.data.Batch;
import jrnn.layers.Bidirectional;
import jrnn.layers.RecurrentConfig;
import jrnn.layers.RecurrentState;
import jrnn.tensor.ShapeMismatchException;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad input gets an error that names the component and shows the expected and actual values. */
class ContractTest {

  static void failsWith(Class<? extends Throwable> type, Executable run, String... fragments) {
    Throwable e = assertThrows(type, run);
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' should mention '" + f + "'");
    }
  }

  static final ModelConfig CFG = new ModelConfig(0, 3, CellType.parse("lstm"), 4, 2,
      Bidirectional.CONCAT, 0, Readout.EVERY_STEP, 2, OutputKind.SOFTMAX);

  @Test
  void unknownCellNameListsTheValidOnes() {
    failsWith(IllegalArgumentException.class, () -> CellType.parse("lstn"), "lstn", "lstm-peephole", "gru-reset-after");
  }

  @Test
  void negativeOrZeroSizes() {
    failsWith(IllegalArgumentException.class, () -> new RecurrentConfig(CellType.parse("gru"), 3, -4, 1,
        Bidirectional.NONE, 0), "hidden size", "-4");
    failsWith(IllegalArgumentException.class, () -> new RecurrentConfig(CellType.parse("gru"), 0, 4, 1,
        Bidirectional.NONE, 0), "input size", "0");
    failsWith(IllegalArgumentException.class, () -> new RecurrentConfig(CellType.parse("gru"), 3, 4, 0,
        Bidirectional.NONE, 0), "layers", "0");
    failsWith(IllegalArgumentException.class, () -> new RecurrentConfig(CellType.parse("gru"), 3, 4, 1,
        Bidirectional.NONE, 1.0), "dropout", "1.0");
    failsWith(IllegalArgumentException.class, () -> Tensor.zeros(2, -3), "negative", "-3");
  }

  @Test
  void lengthsLongerThanTheBatchSteps() {
    failsWith(ShapeMismatchException.class, () -> Batch.ofInputs(Tensor.zeros(4, 2, 3),
        new int[] {4, 5}, null), "sequence 1", "[1, 4]", "5");
    failsWith(ShapeMismatchException.class, () -> Batch.ofInputs(Tensor.zeros(4, 2, 3),
        new int[] {4}, null), "lengths", "expected 2", "got 1");
  }

  @Test
  void wrongInputWidth() {
    SequenceModel m = new SequenceModel(CFG);
    failsWith(ShapeMismatchException.class, () -> m.forward(Batch.ofInputs(Tensor.zeros(4, 2, 5),
        Batch.fullLengths(4, 2), null), null, false, null), "SequenceModel(lstm)", "[4, 2, 3]", "[4, 2, 5]");
  }

  @Test
  void aTrainingPassWithDropoutAndNoGeneratorSaysWhatIsMissing() {
    SequenceModel m = new SequenceModel(CFG.withDropout(0.3));
    failsWith(IllegalArgumentException.class, () -> m.forward(Batch.ofInputs(Tensor.zeros(4, 2, 3),
        Batch.fullLengths(4, 2), new int[8]), null, true, null), "dropout 0.3", "rng is null");
  }

  @Test
  void wrongInitialState() {
    SequenceModel m = new SequenceModel(CFG);
    RecurrentState wrong = RecurrentState.zeros(CFG.recurrent(), 3);
    failsWith(ShapeMismatchException.class, () -> m.forward(Batch.ofInputs(Tensor.zeros(4, 2, 3),
        Batch.fullLengths(4, 2), null), wrong, false, null), "initial state h", "[4, 2, 4]", "[4, 3, 4]");
  }

  @Test
  void targetsOutOfRangeAndNonFiniteInputs() {
    SequenceModel m = new SequenceModel(CFG);
    int[] targets = new int[8];
    targets[5] = 7;
    failsWith(IllegalArgumentException.class, () -> m.forward(Batch.ofInputs(Tensor.zeros(4, 2, 3),
        Batch.fullLengths(4, 2), targets), null, true, new Rng(1)), "target 7", "row 5", "[0, 2)");
    Tensor x = Tensor.zeros(4, 2, 3);
    x.set(7, Float.NaN);
    failsWith(IllegalArgumentException.class, () -> Batch.ofInputs(x, Batch.fullLengths(4, 2), null),
        "NaN", "t=1", "b=0");
  }

  @Test
  void tokenIdsOutsideTheVocabulary() {
    ModelConfig cfg = new ModelConfig(5, 3, CellType.parse("gru"), 4, 1, Bidirectional.NONE, 0,
        Readout.EVERY_STEP, 5, OutputKind.SOFTMAX);
    SequenceModel m = new SequenceModel(cfg);
    failsWith(IllegalArgumentException.class, () -> m.forward(Batch.ofTokens(2, 1, new int[] {1, 9},
        new int[] {2}, null), null, false, null), "token id 9", "[0, 5)");
  }

  @Test
  void blasOperandsAreCheckedBeforeTheNativeCall() {
    failsWith(ShapeMismatchException.class, () -> jrnn.kernels.Blas.gemm(false, false, 3, 3, 3, 1f,
        Tensor.zeros(8), 0, 3, Tensor.zeros(9), 0, 3, 0f, Tensor.zeros(9), 0, 3), "gemm A", "needs 9", "has 8");
  }
}
