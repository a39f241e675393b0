package jrnn.cells;

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
  private Kernels.Packed forwardU;
  private Kernels.Packed backwardU;

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
  protected void packForward() {
    forwardU = kernels.pack(wHh, 0, hidden, hidden, gateWidth, true, forwardU);
  }

  @Override
  public void forwardStep(int t, int slot, int prevSlot, int b0, int b1) {
    kernels.multiply(h, stateOffset(prevSlot, b0), hidden, b1 - b0, forwardU, stepProduct,
        b0 * gateWidth, gateWidth, false, forwardBias, 0);
    for (int b = b0; b < b1; b++) {
      addStepProduct(t, b, 0, gateWidth);
      int s = stateOffset(slot, b);
      kernels.lstmForward(gates, gateOffset(t, b), c, stateOffset(prevSlot, b), c, s, tanhC,
          (t * batch + b) * hidden, h, s, peepI, peepF, peepO, hidden, coupled);
    }
  }

  @Override
  public void beginBackward() {
    backwardU = kernels.pack(wHh, 0, hidden, gateWidth, hidden, false, backwardU);
  }

  @Override
  public void backwardStep(int t, int slot, int prevSlot, int b0, int b1) {
    for (int b = b0; b < b1; b++) {
      kernels.lstmBackward(gates, gateOffset(t, b), c, stateOffset(prevSlot, b), tanhC,
          (t * batch + b) * hidden, dh, b * hidden, dc, b * hidden, dGates, gateOffset(t, b),
          peepI, peepF, peepO, hidden, coupled);
    }
    kernels.multiply(dGates, gateOffset(t, b0), gateWidth, b1 - b0, backwardU, dhPrev,
        b0 * hidden, hidden, false, null, 0);
  }

  @Override
  public void recurrentGradients(boolean reverse) {
    int prev = reverse ? 1 : 0;
    addRecurrentProduct(dGates, 0, gateWidth, 0, gateWidth, h, prev);
    if (peepF != null) {
      // d/d p_f = sum dF_pre * c_{t-1}, d/d p_i = sum dI_pre * c_{t-1}, d/d p_o = sum dO_pre * c_t
      int rows = steps * batch;
      int cur = reverse ? 0 : 1;
      int fCol = coupled ? 0 : hidden;
      int oCol = fCol + 2 * hidden;
      kernels.sumOfProducts(dGates, fCol, gateWidth, c, prev * batch * hidden, hidden, rows,
          hidden, gPeepF, 0);
      kernels.sumOfProducts(dGates, oCol, gateWidth, c, cur * batch * hidden, hidden, rows,
          hidden, gPeepO, 0);
      if (peepI != null) {
        kernels.sumOfProducts(dGates, 0, gateWidth, c, prev * batch * hidden, hidden, rows,
            hidden, gPeepI, 0);
      }
    }
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
