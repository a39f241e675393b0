package jrnn.cells;

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
  /** Reset after: [T, B, H] W_hn h_{t-1} + b_hn. Reset before: [T, B, H] r * h_{t-1}. */
  private Tensor saved = Tensor.zeros(0);
  /** Reset after: [T, B, 3H] dL/d(recurrent pre-activations). */
  private Tensor dGh = Tensor.zeros(0);
  /** Reset before: [B, H] dL/d(r * h_{t-1}). */
  private Tensor dRh = Tensor.zeros(0);
  /** Reset after: all of W_hh; reset before: its r,z rows and its n rows, for each direction. */
  private Kernels.Packed forwardU;
  private Kernels.Packed forwardUn;
  private Kernels.Packed backwardU;
  private Kernels.Packed backwardUn;

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
      dGh = grow(dGh, steps * batch * gateWidth);
    } else {
      dRh = grow(dRh, batch * hidden);
    }
  }

  private int rowOffset(int t, int b) {
    return (t * batch + b) * hidden;
  }

  /** With the reset after the product, the n gate's bias must stay out of r's reach. */
  @Override
  protected boolean biasInProjection() {
    return resetAfter;
  }

  @Override
  protected void packForward() {
    int n = hidden;
    if (resetAfter) {
      forwardU = kernels.pack(wHh, 0, n, n, gateWidth, true, forwardU);
    } else {
      forwardU = kernels.pack(wHh, 0, n, n, 2 * n, true, forwardU);
      forwardUn = kernels.pack(wHh, 2 * n * n, n, n, n, true, forwardUn);
    }
  }

  @Override
  public void forwardStep(int t, int slot, int prevSlot, int b0, int b1) {
    int n = hidden;
    int rows = b1 - b0;
    if (resetAfter) {
      // The recurrent product stays apart: r multiplies its candidate part (SPEC, reset after).
      kernels.multiply(h, stateOffset(prevSlot, b0), n, rows, forwardU, stepProduct,
          b0 * gateWidth, gateWidth, false, null, 0);
      for (int b = b0; b < b1; b++) {
        kernels.gruForwardResetAfter(gates, gateOffset(t, b), stepProduct, b * gateWidth, biasHn, h,
            stateOffset(prevSlot, b), saved, rowOffset(t, b), h, stateOffset(slot, b), n);
      }
    } else {
      kernels.multiply(h, stateOffset(prevSlot, b0), n, rows, forwardU, stepProduct,
          b0 * gateWidth, gateWidth, false, forwardBias, 0);
      for (int b = b0; b < b1; b++) {
        addStepProduct(t, b, 0, 2 * n);
        kernels.gruForwardGates(gates, gateOffset(t, b), h, stateOffset(prevSlot, b), saved,
            rowOffset(t, b), n);
      }
      kernels.multiply(saved, rowOffset(t, b0), n, rows, forwardUn, stepProduct,
          b0 * gateWidth + 2 * n, gateWidth, false, forwardBias, 2 * n);
      for (int b = b0; b < b1; b++) {
        addStepProduct(t, b, 2 * n, n);
        kernels.gruForwardCandidate(gates, gateOffset(t, b), h, stateOffset(prevSlot, b), h,
            stateOffset(slot, b), n);
      }
    }
  }

  @Override
  public void beginBackward() {
    int n = hidden;
    if (resetAfter) {
      backwardU = kernels.pack(wHh, 0, n, gateWidth, n, false, backwardU);
    } else {
      backwardU = kernels.pack(wHh, 0, n, 2 * n, n, false, backwardU);
      backwardUn = kernels.pack(wHh, 2 * n * n, n, n, n, false, backwardUn);
    }
  }

  @Override
  public void backwardStep(int t, int slot, int prevSlot, int b0, int b1) {
    int n = hidden;
    int rows = b1 - b0;
    if (resetAfter) {
      for (int b = b0; b < b1; b++) {
        kernels.gruBackwardResetAfter(gates, gateOffset(t, b), saved, rowOffset(t, b), h,
            stateOffset(prevSlot, b), dh, b * n, dGates, gateOffset(t, b), dGh, gateOffset(t, b),
            dhPrev, b * n, n);
      }
      kernels.multiply(dGh, gateOffset(t, b0), gateWidth, rows, backwardU, dhPrev, b0 * n, n, true,
          null, 0);
    } else {
      for (int b = b0; b < b1; b++) {
        kernels.gruBackwardCandidate(gates, gateOffset(t, b), h, stateOffset(prevSlot, b), dh,
            b * n, dGates, gateOffset(t, b), dhPrev, b * n, n);
      }
      kernels.multiply(dGates, gateOffset(t, b0) + 2 * n, gateWidth, rows, backwardUn, dRh,
          b0 * n, n, false, null, 0);
      for (int b = b0; b < b1; b++) {
        kernels.gruBackwardReset(gates, gateOffset(t, b), h, stateOffset(prevSlot, b), dRh, b * n,
            dGates, gateOffset(t, b), dhPrev, b * n, n);
      }
      kernels.multiply(dGates, gateOffset(t, b0), gateWidth, rows, backwardU, dhPrev, b0 * n, n, true,
          null, 0);
    }
  }

  @Override
  public double recurrentGradientNormAt(int t, int prevSlot) {
    int n = hidden;
    if (resetAfter) {
      return outerNorm(dGh, gateOffset(t, 0), gateWidth, gateWidth, h, stateOffset(prevSlot, 0), n, n);
    }
    // The r, z rows multiply h_{t-1}, the n rows r * h_{t-1}: two blocks of rows of dL/dW_hh.
    double rz = outerNorm(dGates, gateOffset(t, 0), gateWidth, 2 * n, h, stateOffset(prevSlot, 0), n, n);
    double cand = outerNorm(dGates, gateOffset(t, 0) + 2 * n, gateWidth, n, saved, rowOffset(t, 0), n, n);
    return Math.sqrt(rz * rz + cand * cand);
  }

  @Override
  public void recurrentGradients(boolean reverse) {
    int n = hidden;
    int prev = reverse ? 1 : 0;
    if (resetAfter) {
      addRecurrentProduct(dGh, 0, gateWidth, 0, gateWidth, h, prev);
      columnSums(dGh, 2 * n, gateWidth, n, gBiasHn, 0);
    } else {
      addRecurrentProduct(dGates, 0, gateWidth, 0, 2 * n, h, prev);
      addRecurrentProduct(dGates, 2 * n, gateWidth, 2 * n, n, saved, 0);
    }
  }
}
