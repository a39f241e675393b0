package jrnn.cells;

import jrnn.kernels.Blas;
import jrnn.kernels.Kernels;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;

/**
 * LSTM (SPEC 8-25 .. 8-30), with peepholes (8-31 .. 8-33) and coupled gates (8-34) as options.
 * Gate blocks i, f, g, o (f, g, o when coupled); the diagonal peephole weights are
 * {@code weight_ci}, {@code weight_cf}, {@code weight_co}.
 */
final class LstmCell extends RecurrentCell {
  private final boolean coupled;
  private final Tensor peepI;
  private final Tensor peepF;
  private final Tensor peepO;
  private final Tensor gPeepI;
  private final Tensor gPeepF;
  private final Tensor gPeepO;
  /** [T + 1, B, H] cell states by slot. */
  private Tensor c = Tensor.zeros(0);
  /** [T, B, H] tanh(c_t), kept for backward. */
  private Tensor tanhC = Tensor.zeros(0);
  /** [B, H] dL/dc_t in, overwritten with dL/dc_{t-1}. */
  private Tensor dc = Tensor.zeros(0);

  LstmCell(CellType.Lstm type, int inputSize, int hidden, Parameters params, String prefix,
      int layer, int direction, Kernels kernels) {
    super(type, inputSize, hidden, params, prefix, layer, direction, kernels);
    this.coupled = type.coupled();
    boolean peep = type.peephole();
    String ci = ParamNames.recurrent(prefix, "weight_ci", layer, direction);
    String cf = ParamNames.recurrent(prefix, "weight_cf", layer, direction);
    String co = ParamNames.recurrent(prefix, "weight_co", layer, direction);
    this.peepI = peep && !coupled ? params.value(ci) : null;
    this.gPeepI = peep && !coupled ? params.grad(ci) : null;
    this.peepF = peep ? params.value(cf) : null;
    this.gPeepF = peep ? params.grad(cf) : null;
    this.peepO = peep ? params.value(co) : null;
    this.gPeepO = peep ? params.grad(co) : null;
  }

  @Override
  protected void prepareExtra(int steps, int batch) {
    c = grow(c, (steps + 1) * batch * hidden);
    tanhC = grow(tanhC, steps * batch * hidden);
    dc = grow(dc, batch * hidden);
  }

  @Override
  public void forwardStep(int t, int slot, int prevSlot) {
    Blas.gemm(false, true, batch, gateWidth, hidden, 1f, h, stateOffset(prevSlot, 0), hidden,
        wHh, 0, hidden, 1f, gates, gateOffset(t, 0), gateWidth);
    for (int b = 0; b < batch; b++) {
      int s = stateOffset(slot, b);
      kernels.lstmForward(gates, gateOffset(t, b), c, stateOffset(prevSlot, b), c, s, tanhC,
          (t * batch + b) * hidden, h, s, peepI, peepF, peepO, hidden, coupled);
    }
  }

  @Override
  public void backwardStep(int t, int slot, int prevSlot) {
    for (int b = 0; b < batch; b++) {
      kernels.lstmBackward(gates, gateOffset(t, b), c, stateOffset(prevSlot, b), c,
          stateOffset(slot, b), tanhC, (t * batch + b) * hidden, dh, b * hidden, dc, b * hidden,
          dGates, gateOffset(t, b), peepI, peepF, peepO, gPeepI, gPeepF, gPeepO, hidden, coupled);
    }
    Blas.gemm(false, false, batch, hidden, gateWidth, 1f, dGates, gateOffset(t, 0), gateWidth,
        wHh, 0, hidden, 0f, dhPrev, 0, hidden);
  }

  @Override
  public void recurrentGradients(int firstPrevSlot) {
    addRecurrentProduct(dGates, 0, gateWidth, 0, gateWidth, h, firstPrevSlot);
  }

  @Override
  public Tensor c() {
    return c;
  }

  @Override
  public Tensor dc() {
    return dc;
  }

  /** The same buffer as {@link #dc()}: backward overwrites dL/dc_t with dL/dc_{t-1}. */
  @Override
  public Tensor dcPrev() {
    return dc;
  }
}
