package jrnn.cells;

import jrnn.kernels.Activation;
import jrnn.kernels.Kernels;
import jrnn.params.Parameters;

/** h_t = f(W x_t + U h_{t-1} + b) (SPEC 8-1, 8-2); backward delta = f'(z) dh (8-14). */
final class SimpleRnnCell extends RecurrentCell {
  private final Activation f;
  private Kernels.Packed forwardU;
  private Kernels.Packed backwardU;

  SimpleRnnCell(CellType.Simple type, int inputSize, int hidden, Parameters params, String prefix,
      int layer, int direction, Kernels kernels) {
    super(type, inputSize, hidden, params, prefix, layer, direction, kernels);
    this.f = type.activation();
  }

  @Override
  protected void prepareExtra(int steps, int batch) {}

  @Override
  protected void packForward() {
    forwardU = kernels.pack(wHh, 0, hidden, hidden, hidden, true, forwardU);
  }

  @Override
  public void forwardStep(int t, int slot, int prevSlot, int b0, int b1) {
    int g = gateOffset(t, b0);
    int n = (b1 - b0) * hidden;
    kernels.multiply(h, stateOffset(prevSlot, b0), hidden, b1 - b0, forwardU, stepProduct,
        b0 * hidden, hidden, false, forwardBias, 0);
    kernels.add(gates, g, stepProduct, b0 * hidden, gates, g, n);
    kernels.activate(f, gates, g, n);
    h.data().put(stateOffset(slot, b0), gates.data(), g, n);
  }

  @Override
  public void beginBackward() {
    backwardU = kernels.pack(wHh, 0, hidden, hidden, hidden, false, backwardU);
  }

  @Override
  public void backwardStep(int t, int slot, int prevSlot, int b0, int b1) {
    int g = gateOffset(t, b0);
    kernels.activationBackward(f, gates, g, dh, b0 * hidden, dGates, g, (b1 - b0) * hidden);
    kernels.multiply(dGates, g, hidden, b1 - b0, backwardU, dhPrev, b0 * hidden, hidden, false,
        null, 0);
  }

  @Override
  public void recurrentGradients(boolean reverse) {
    addRecurrentProduct(dGates, 0, hidden, 0, hidden, h, reverse ? 1 : 0);
  }
}
