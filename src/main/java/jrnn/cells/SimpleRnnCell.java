package jrnn.cells;

import jrnn.kernels.Activation;
import jrnn.kernels.Blas;
import jrnn.kernels.Kernels;
import jrnn.params.Parameters;

/** h_t = f(W x_t + U h_{t-1} + b) (SPEC 8-1, 8-2); backward delta = f'(z) dh (8-14). */
final class SimpleRnnCell extends RecurrentCell {
  private final Activation f;

  SimpleRnnCell(CellType.Simple type, int inputSize, int hidden, Parameters params, String prefix,
      int layer, int direction, Kernels kernels) {
    super(type, inputSize, hidden, params, prefix, layer, direction, kernels);
    this.f = type.activation();
  }

  @Override
  protected void prepareExtra(int steps, int batch) {}

  @Override
  public void forwardStep(int t, int slot, int prevSlot) {
    int g = gateOffset(t, 0);
    Blas.gemm(false, true, batch, hidden, hidden, 1f, h, stateOffset(prevSlot, 0), hidden, wHh, 0,
        hidden, 1f, gates, g, hidden);
    kernels.activate(f, gates, g, batch * hidden);
    h.data().put(stateOffset(slot, 0), gates.data(), g, batch * hidden);
  }

  @Override
  public void backwardStep(int t, int slot, int prevSlot) {
    int g = gateOffset(t, 0);
    kernels.activationBackward(f, gates, g, dh, 0, dGates, g, batch * hidden);
    Blas.gemm(false, false, batch, hidden, hidden, 1f, dGates, g, hidden, wHh, 0, hidden, 0f,
        dhPrev, 0, hidden);
  }

  @Override
  public void recurrentGradients(int firstPrevSlot) {
    addRecurrentProduct(dGates, 0, hidden, 0, hidden, h, firstPrevSlot);
  }
}
