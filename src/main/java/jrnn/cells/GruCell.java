package jrnn.cells;

import jrnn.kernels.Blas;
import jrnn.kernels.Kernels;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;

/**
 * GRU (SPEC 8-35 .. 8-38), gate blocks r, z, n, h_t = (1 - z) h_{t-1} + z n.
 *
 * <p>Reset before the product (the chapter's form) needs two recurrent products per step, the
 * second one on r * h_{t-1}; reset after the product (PyTorch's) needs one, W_hh h_{t-1} for
 * all three gates, with the n block kept apart so that r can multiply it.
 */
final class GruCell extends RecurrentCell {
  private final boolean resetAfter;
  private final Tensor biasHn;
  private final Tensor gBiasHn;
  /** Reset after: [B, 3H] W_hh h_{t-1} of the current step. */
  private Tensor gh = Tensor.zeros(0);
  /** Reset after: [T, B, H] W_hn h_{t-1} + b_hn. Reset before: [T, B, H] r * h_{t-1}. */
  private Tensor saved = Tensor.zeros(0);
  /** Reset after: [T, B, 3H] dL/d(recurrent pre-activations). */
  private Tensor dGh = Tensor.zeros(0);
  /** Reset before: [B, H] dL/d(r * h_{t-1}). */
  private Tensor dRh = Tensor.zeros(0);

  GruCell(CellType.Gru type, int inputSize, int hidden, Parameters params, String prefix,
      int layer, int direction, Kernels kernels) {
    super(type, inputSize, hidden, params, prefix, layer, direction, kernels);
    this.resetAfter = type.resetAfter();
    String hn = ParamNames.recurrent(prefix, "bias_hn", layer, direction);
    this.biasHn = resetAfter ? params.value(hn) : null;
    this.gBiasHn = resetAfter ? params.grad(hn) : null;
  }

  @Override
  protected void prepareExtra(int steps, int batch) {
    saved = grow(saved, steps * batch * hidden);
    if (resetAfter) {
      gh = grow(gh, batch * gateWidth);
      dGh = grow(dGh, steps * batch * gateWidth);
    } else {
      dRh = grow(dRh, batch * hidden);
    }
  }

  private int rowOffset(int t, int b) {
    return (t * batch + b) * hidden;
  }

  @Override
  public void forwardStep(int t, int slot, int prevSlot) {
    int n = hidden;
    if (resetAfter) {
      Blas.gemm(false, true, batch, gateWidth, n, 1f, h, stateOffset(prevSlot, 0), n, wHh, 0, n,
          0f, gh, 0, gateWidth);
      for (int b = 0; b < batch; b++) {
        kernels.gruForwardResetAfter(gates, gateOffset(t, b), gh, b * gateWidth, biasHn, h,
            stateOffset(prevSlot, b), saved, rowOffset(t, b), h, stateOffset(slot, b), n);
      }
    } else {
      Blas.gemm(false, true, batch, 2 * n, n, 1f, h, stateOffset(prevSlot, 0), n, wHh, 0, n, 1f,
          gates, gateOffset(t, 0), gateWidth);
      for (int b = 0; b < batch; b++) {
        kernels.gruForwardGates(gates, gateOffset(t, b), h, stateOffset(prevSlot, b), saved,
            rowOffset(t, b), n);
      }
      Blas.gemm(false, true, batch, n, n, 1f, saved, rowOffset(t, 0), n, wHh, 2 * n * n, n, 1f,
          gates, gateOffset(t, 0) + 2 * n, gateWidth);
      for (int b = 0; b < batch; b++) {
        kernels.gruForwardCandidate(gates, gateOffset(t, b), h, stateOffset(prevSlot, b), h,
            stateOffset(slot, b), n);
      }
    }
  }

  @Override
  public void backwardStep(int t, int slot, int prevSlot) {
    int n = hidden;
    if (resetAfter) {
      for (int b = 0; b < batch; b++) {
        kernels.gruBackwardResetAfter(gates, gateOffset(t, b), saved, rowOffset(t, b), h,
            stateOffset(prevSlot, b), dh, b * n, dGates, gateOffset(t, b), dGh, gateOffset(t, b),
            dhPrev, b * n, gBiasHn, n);
      }
      Blas.gemm(false, false, batch, n, gateWidth, 1f, dGh, gateOffset(t, 0), gateWidth, wHh, 0,
          n, 1f, dhPrev, 0, n);
    } else {
      for (int b = 0; b < batch; b++) {
        kernels.gruBackwardCandidate(gates, gateOffset(t, b), h, stateOffset(prevSlot, b), dh,
            b * n, dGates, gateOffset(t, b), dhPrev, b * n, n);
      }
      Blas.gemm(false, false, batch, n, n, 1f, dGates, gateOffset(t, 0) + 2 * n, gateWidth, wHh,
          2 * n * n, n, 0f, dRh, 0, n);
      for (int b = 0; b < batch; b++) {
        kernels.gruBackwardReset(gates, gateOffset(t, b), h, stateOffset(prevSlot, b), dRh, b * n,
            dGates, gateOffset(t, b), dhPrev, b * n, n);
      }
      Blas.gemm(false, false, batch, n, 2 * n, 1f, dGates, gateOffset(t, 0), gateWidth, wHh, 0, n,
          1f, dhPrev, 0, n);
    }
  }

  @Override
  public void recurrentGradients(int firstPrevSlot) {
    int n = hidden;
    if (resetAfter) {
      addRecurrentProduct(dGh, 0, gateWidth, 0, gateWidth, h, firstPrevSlot);
    } else {
      addRecurrentProduct(dGates, 0, gateWidth, 0, 2 * n, h, firstPrevSlot);
      addRecurrentProduct(dGates, 2 * n, gateWidth, 2 * n, n, saved, 0);
    }
  }
}
