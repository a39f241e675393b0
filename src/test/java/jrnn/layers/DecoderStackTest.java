package jrnn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jrnn.cells.CellType;
import jrnn.kernels.Kernels;
import jrnn.params.Init;
import jrnn.params.ParamLayout;
import jrnn.params.Parameters;
import jrnn.reference.EngineComparison;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;
import org.junit.jupiter.api.Test;

/**
 * The decoder stack alone: stepped one time step at a time, every layer through step t before
 * step t + 1, forward and backward, it computes what the unrolled {@link RecurrentStack} (proven
 * against the double reference and PyTorch) computes for the same weights, inputs and initial
 * state: outputs, final state, and the gradients of the weights, the inputs and the initial state.
 */
class DecoderStackTest {
  static final int T = 6;
  static final int B = 40;
  static final int X = 7;
  static final int H = 24;

  @Test
  void steppingGivesWhatTheUnrolledStackGivesForEveryCell() {
    for (String name : new String[] {"rnn-tanh", "lstm", "lstm-peephole-cifg", "gru", "gru-reset-after"}) {
      RecurrentConfig cfg = new RecurrentConfig(CellType.parse(name), X, H, 2, Bidirectional.NONE, 0);
      ParamLayout.Builder lb = ParamLayout.builder();
      cfg.declareParameters(lb, "decoder.");
      ParamLayout layout = lb.build();
      Parameters unrolledParams = new Parameters(layout);
      Rng rng = new Rng(name.hashCode());
      Init.uniform(unrolledParams.values(), rng, 0.3);
      Parameters steppedParams = new Parameters(layout);
      steppedParams.values().copyFrom(unrolledParams.values());
      Tensor x = Tensor.zeros(T * B * X);
      Init.uniform(x, rng, 1);
      RecurrentState initial = RecurrentState.zeros(cfg, B);
      Init.uniform(initial.h(), rng, 0.5);
      if (initial.c() != null) {
        Init.uniform(initial.c(), rng, 0.5);
      }
      Tensor dTop = Tensor.zeros(T * B * H);
      Init.uniform(dTop, rng, 1);
      int[] lengths = new int[B];
      java.util.Arrays.fill(lengths, T);

      RecurrentStack unrolled = new RecurrentStack(cfg, unrolledParams, "decoder.", Kernels.best());
      Tensor out = unrolled.forward(x, T, B, lengths, initial, true, null);
      Tensor dx = Tensor.zeros(T * B * X);
      unrolled.backward(dTop, null, dx);

      DecoderStack stepped = new DecoderStack(cfg, steppedParams, "decoder.", Kernels.best());
      stepped.begin(T, B, initial);
      double worst = 0;
      for (int t = 0; t < T; t++) {
        stepped.input().data().put(t * B * X, x.data(), t * B * X, B * X);
        stepped.step(t);
        for (int i = 0; i < B * H; i++) {
          worst = Math.max(worst, EngineComparison.scaledDifference(out.get(t * B * H + i),
              stepped.top().get(stepped.topOffset(t) + i)));
        }
      }
      RecurrentState fin = RecurrentState.zeros(cfg, B);
      stepped.stateAfter(T - 1, fin);
      worst = Math.max(worst, worstOf(unrolled.finalState().h(), fin.h()));
      if (fin.c() != null) {
        worst = Math.max(worst, worstOf(unrolled.finalState().c(), fin.c()));
      }
      stepped.beginBackward();
      Tensor dxStepped = Tensor.zeros(T * B * X);
      for (int t = T - 1; t >= 0; t--) {
        Tensor d = stepped.backwardStep(t, dTop, t * B * H);
        dxStepped.data().put(t * B * X, d.data(), 0, B * X);
      }
      stepped.finishBackward();
      worst = Math.max(worst, worstOf(dx, dxStepped));
      worst = Math.max(worst, worstOf(unrolledParams.grads(), steppedParams.grads()));
      worst = Math.max(worst, worstOf(unrolled.initialStateGradient().h(), stepped.initialStateGradient().h()));
      if (initial.c() != null) {
        worst = Math.max(worst, worstOf(unrolled.initialStateGradient().c(), stepped.initialStateGradient().c()));
      }
      assertTrue(worst < 1e-5, name + ": worst scaled difference " + worst);
      double norm = 0;
      for (int i = 0; i < steppedParams.grads().size(); i++) {
        norm += Math.abs(steppedParams.grads().get(i));
      }
      assertTrue(norm > 1, name + ": gradients were computed");
      assertEquals(unrolledParams.grads().size(), steppedParams.grads().size());
    }
  }

  static double worstOf(Tensor a, Tensor b) {
    double w = 0;
    for (int i = 0; i < a.size(); i++) {
      w = Math.max(w, EngineComparison.scaledDifference(a.get(i), b.get(i)));
    }
    return w;
  }
}
