package jrnn.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import jrnn.cells.CellType;
import jrnn.data.Batch;
import jrnn.data.TokenStream;
import jrnn.layers.Bidirectional;
import jrnn.layers.RecurrentState;
import jrnn.models.LossNormalization;
import jrnn.models.LossStats;
import jrnn.models.ModelConfig;
import jrnn.models.OutputKind;
import jrnn.models.Readout;
import jrnn.models.SequenceModel;
import jrnn.reference.ReferenceModel;
import jrnn.util.Rng;
import org.junit.jupiter.api.Test;

/**
 * Truncated BPTT: carrying the state across windows makes a stream read in windows give the same
 * outputs as read whole (stateful inference in pieces), and with one window as long as the
 * sequence the gradient is full BPTT's, checked against the double reference.
 */
class TruncatedBpttTest {
  static final ModelConfig CFG = new ModelConfig(11, 5, CellType.parse("lstm"), 8, 2,
      Bidirectional.NONE, 0, Readout.EVERY_STEP, 11, OutputKind.SOFTMAX);

  static int[] tokens(int n, long seed) {
    Rng rng = new Rng(seed);
    int[] t = new int[n];
    for (int i = 0; i < n; i++) {
      t[i] = rng.nextInt(11);
    }
    return t;
  }

  @Test
  void windowsWithCarriedStateReadTheStreamAsAWhole() {
    SequenceModel model = new SequenceModel(CFG);
    model.initialize(new Rng(1), 0.3, 0);
    TokenStream stream = new TokenStream(tokens(61, 5));
    LossStats whole = Trainer.evaluateStream(model, stream, 3, 1000);
    assertEquals(1, stream.windows(3, 1000));
    for (int window : new int[] {1, 4, 7, 20}) {
      LossStats pieces = Trainer.evaluateStream(model, stream, 3, window);
      assertEquals(whole.count(), pieces.count(), "predictions with window " + window);
      assertEquals(whole.sum(), pieces.sum(), 1e-5 * whole.sum(), "loss with window " + window);
    }
    // Without carrying the state, the pieces do differ: the carry is what makes them equal.
    LossStats fresh = LossStats.NONE;
    for (Batch b : stream.batches(3, 4)) {
      fresh = fresh.plus(model.forward(b, null, false, null));
    }
    assertTrue(Math.abs(fresh.sum() - whole.sum()) > 1e-4 * whole.sum(),
        "state carry matters: " + fresh.sum() + " vs " + whole.sum());
  }

  @Test
  void oneWindowAsLongAsTheSequenceIsFullBptt() {
    SequenceModel model = new SequenceModel(CFG);
    model.initialize(new Rng(2), 0.3, 0);
    int[] toks = tokens(21, 9);
    TokenStream stream = new TokenStream(toks);
    Trainer trainer = new Trainer(model, new TrainingConfig("sgd", 0,
        jrnn.optim.LearningRateSchedule.constant(1e-9), 0, 0, 0, LossNormalization.PER_SEQUENCE),
        new Rng(3));
    Batch only = stream.batches(1, 20).iterator().next();
    assertEquals(20, only.steps());
    model.parameters().zeroGrads();
    model.forward(only, null, true, new Rng(3));
    model.backward(LossNormalization.PER_SEQUENCE);
    float[] fast = model.parameters().grads().toArray();

    double[] p = model.parameters().values().toDoubleArray();
    int[] in = new int[20];
    int[] out = new int[20];
    System.arraycopy(toks, 0, in, 0, 20);
    System.arraycopy(toks, 1, out, 0, 20);
    ReferenceModel.Result r = new ReferenceModel(CFG, p).run(
        List.of(new ReferenceModel.Sample(in, null, out, null, null, null, null)),
        LossNormalization.PER_SEQUENCE);
    for (int i = 0; i < fast.length; i++) {
      assertEquals(r.grads[i], fast[i], 2e-5 + 1e-4 * Math.abs(r.grads[i]), "gradient " + i);
    }
    // And the trainer's window loop computes exactly that gradient on its one window.
    List<Double> norms = new ArrayList<>();
    trainer.addListener(s -> norms.add(s.gradNorm()));
    trainer.trainStream(stream, 1, 20, null);
    double refNorm = 0;
    for (double g : r.grads) {
      refNorm += g * g;
    }
    assertEquals(1, norms.size());
    assertEquals(Math.sqrt(refNorm), norms.get(0), 1e-4 * Math.sqrt(refNorm));
  }

  @Test
  void stateCarriedAcrossPiecesEqualsOneRun() {
    ModelConfig cfg = new ModelConfig(0, 3, CellType.parse("gru"), 6, 1, Bidirectional.NONE, 0,
        Readout.EVERY_STEP, 2, OutputKind.LINEAR);
    SequenceModel model = new SequenceModel(cfg);
    model.initialize(new Rng(4), 0, 0);
    Rng rng = new Rng(5);
    jrnn.tensor.Tensor x = jrnn.tensor.Tensor.zeros(9, 2, 3);
    for (int i = 0; i < x.size(); i++) {
      x.set(i, (float) rng.uniform(-1, 1));
    }
    model.forward(Batch.ofInputs(x, Batch.fullLengths(9, 2), null), null, false, null);
    float[] whole = model.outputs().toArray();
    RecurrentState wholeFinal = model.finalState().copy();
    RecurrentState state = null;
    int[] cuts = {0, 4, 5, 9};
    for (int k = 0; k + 1 < cuts.length; k++) {
      int t0 = cuts[k];
      int n = cuts[k + 1] - t0;
      jrnn.tensor.Tensor part = jrnn.tensor.Tensor.zeros(n, 2, 3);
      part.data().put(0, x.data(), t0 * 6, n * 6);
      model.forward(Batch.ofInputs(part, Batch.fullLengths(n, 2), null), state, false, null);
      for (int i = 0; i < n * 2 * 2; i++) {
        assertEquals(whole[t0 * 4 + i], model.outputs().get(i), 1e-6, "output " + (t0 * 4 + i));
      }
      state = model.finalState().copy();
    }
    for (int i = 0; i < wholeFinal.h().size(); i++) {
      assertEquals(wholeFinal.h().get(i), state.h().get(i), 1e-6);
    }
  }
}
