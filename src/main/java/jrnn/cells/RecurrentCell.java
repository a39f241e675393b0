package jrnn.cells;

import jrnn.kernels.Blas;
import jrnn.kernels.Kernels;
import jrnn.kernels.Parallel;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;

/**
 * One direction of one recurrent layer as a cell, float32: a time step forward and backward for
 * a block of the batch's rows, plus the parts that treat all T steps at once, which is where the
 * speed comes from (SPEC 8-17 .. 8-19 as single products):
 *
 * <pre>
 *   gates[T*B, G*H]  = bias + x[T*B, X] W_ih^T            one GEMM before the time loop
 *   gates[t]        += h_{t-1}[B, H] W_hh^T               one product per step, then fused gate math
 *   dW_ih           += dGates^T x,  db += column sums,  dx = dGates W_ih     after the loop
 *   dW_hh           += dGates^T h_{t-1} (all steps)                          after the loop
 * </pre>
 *
 * <p>Dimensions: T steps, B sequences, X input width, H hidden units, G gate blocks. Buffers are
 * time-major; the state buffer {@link #h()} has T + 1 slots of [B, H], the layer deciding which
 * slot a step reads and writes (so that both directions keep their states contiguous). Rows
 * (sequences) are independent within a step, so the layer runs blocks of rows on different
 * threads, each through all the steps, without synchronising. The cell knows nothing of
 * direction or padding: the layer freezes the rows of finished sequences. Buffers grow to the
 * largest batch seen and are reused: nothing is allocated in the time loop.
 */
public abstract class RecurrentCell {
  /** The kind of cell. */
  protected final CellType type;
  /** X, the width of an input row. */
  protected final int inputSize;
  /** H, the hidden units. */
  protected final int hidden;
  /** G * H, the width of a pre-activation row. */
  protected final int gateWidth;
  /** The element-wise kernels the gate math runs on. */
  protected final Kernels kernels;
  /** W_ih [G*H, X], a view of the parameters. */
  protected final Tensor wIh;
  /** W_hh [G*H, H], a view of the parameters. */
  protected final Tensor wHh;
  /** The bias [G*H], a view of the parameters. */
  protected final Tensor bias;
  /** The gradient of {@link #wIh}. */
  protected final Tensor gWIh;
  /** The gradient of {@link #wHh}. */
  protected final Tensor gWHh;
  /** The gradient of {@link #bias}. */
  protected final Tensor gBias;
  /** The second bias b_hh of {@link jrnn.layers.RecurrentConfig#twoBiases}, else null. */
  private final Tensor biasHh;
  private final Tensor gBiasHh;
  /** The bias the pre-activations see: {@link #bias}, or its sum with b_hh, set by {@link #projectInputs}. */
  protected final Tensor forwardBias;
  private final Parameters params;
  /** The freeze in which the forward steps' weights were last packed (0: none). */
  private int packedInFreeze;

  /** T of the pass being run, set by {@link #prepare}. */
  protected int steps;
  /** B of the pass being run, set by {@link #prepare}. */
  protected int batch;
  /** [T, B, G*H]: pre-activations, then (after a step) the gate activations. */
  protected Tensor gates = Tensor.zeros(0);
  /** [T, B, G*H]: dL/d(pre-activations). */
  protected Tensor dGates = Tensor.zeros(0);
  /**
   * [B, G*H]: the current step's recurrent product U h_{t-1} (+ b). It is written here, where it
   * stays in cache, and then added to the step's rows of {@link #gates} just before the gate
   * math reads them: accumulated straight into the [T, B, G*H] gates, the product read and wrote
   * them 128 bytes per row at a time, scattered over megabytes, which cost more than the sum.
   */
  protected Tensor stepProduct = Tensor.zeros(0);
  /** [T + 1, B, H] hidden states by slot. */
  protected Tensor h = Tensor.zeros(0);
  /** [B, H]: dL/dh_t in, dL/dh_{t-1} out. */
  protected Tensor dh = Tensor.zeros(0);
  /** [B, H]: dL/dh_{t-1}, written by {@link #backwardStep}. */
  protected Tensor dhPrev = Tensor.zeros(0);
  private Tensor ones = Tensor.zeros(0);

  /**
   * A cell of {@code type} over the views of its layer's and direction's parameters in {@code
   * params}, named by {@code prefix} (see {@link ParamNames}).
   */
  protected RecurrentCell(CellType type, int inputSize, int hidden, Parameters params,
      String prefix, int layer, int direction, Kernels kernels) {
    this.type = type;
    this.inputSize = inputSize;
    this.hidden = hidden;
    this.gateWidth = type.gates() * hidden;
    this.kernels = kernels;
    this.params = params;
    this.wIh = params.value(ParamNames.recurrent(prefix, "weight_ih", layer, direction));
    this.wHh = params.value(ParamNames.recurrent(prefix, "weight_hh", layer, direction));
    this.bias = params.value(ParamNames.recurrent(prefix, "bias", layer, direction));
    this.gWIh = params.grad(ParamNames.recurrent(prefix, "weight_ih", layer, direction));
    this.gWHh = params.grad(ParamNames.recurrent(prefix, "weight_hh", layer, direction));
    this.gBias = params.grad(ParamNames.recurrent(prefix, "bias", layer, direction));
    String hh = ParamNames.recurrent(prefix, "bias_hh", layer, direction);
    this.biasHh = params.layout().contains(hh) ? params.value(hh) : null;
    this.gBiasHh = biasHh != null ? params.grad(hh) : null;
    this.forwardBias = biasHh != null ? Tensor.zeros(gateWidth) : bias;
  }

  /** The fast cell of {@code type} for one layer and direction, on views of {@code params}. */
  public static RecurrentCell create(CellType type, int inputSize, int hidden, Parameters params,
      String prefix, int layer, int direction, Kernels kernels) {
    if (type instanceof CellType.Simple s) {
      return new SimpleRnnCell(s, inputSize, hidden, params, prefix, layer, direction, kernels);
    } else if (type instanceof CellType.Lstm l) {
      return new LstmCell(l, inputSize, hidden, params, prefix, layer, direction, kernels);
    }
    return new GruCell((CellType.Gru) type, inputSize, hidden, params, prefix, layer, direction, kernels);
  }

  /** The kind of cell. */
  public CellType type() {
    return type;
  }

  /** H, the hidden units. */
  public int hiddenSize() {
    return hidden;
  }

  /** Sizes the buffers for T steps of B sequences (growing them if needed). */
  public void prepare(int steps, int batch) {
    this.steps = steps;
    this.batch = batch;
    int rows = steps * batch;
    gates = grow(gates, rows * gateWidth);
    dGates = grow(dGates, rows * gateWidth);
    stepProduct = grow(stepProduct, batch * gateWidth);
    h = grow(h, (steps + 1) * batch * hidden);
    dh = grow(dh, batch * hidden);
    dhPrev = grow(dhPrev, batch * hidden);
    if (ones.size() < rows) {
      ones = Tensor.zeros(rows).fill(1f);
    }
    prepareExtra(steps, batch);
  }

  /** gates[t, b, col0 .. col0 + width) += stepProduct[b, col0 .. col0 + width). */
  protected void addStepProduct(int t, int b, int col0, int width) {
    int g = gateOffset(t, b) + col0;
    kernels.add(gates, g, stepProduct, b * gateWidth + col0, gates, g, width);
  }

  /** Buffers a particular cell needs besides the common ones. */
  protected abstract void prepareExtra(int steps, int batch);

  /** {@code t} when it holds {@code size} elements, else a new zeroed tensor of that size. */
  protected static Tensor grow(Tensor t, int size) {
    return t.size() >= size ? t : Tensor.zeros(size);
  }

  /**
   * gates[t, b] = W_ih x[t, b] for all steps at once (x rows have stride {@code xLd}), plus the
   * bias when {@link #biasInProjection}; otherwise the step's recurrent product adds it, which
   * spares a pass over T*B rows of the gates.
   */
  public void projectInputs(Tensor x, int xOff, int xLd) {
    if (biasHh != null) {
      kernels.add(bias, 0, biasHh, 0, forwardBias, 0, gateWidth);
    }
    boolean withBias = biasInProjection();
    Parallel.run(steps * batch, (r0, r1) -> {
      if (withBias) {
        for (int r = r0; r < r1; r++) {
          gates.data().put(r * gateWidth, forwardBias.data(), 0, gateWidth);
        }
      }
      Blas.gemm(false, true, r1 - r0, gateWidth, inputSize, 1f, x, xOff + r0 * xLd, xLd, wIh, 0,
          inputSize, withBias ? 1f : 0f, gates, r0 * gateWidth, gateWidth);
    });
  }

  /**
   * As {@link #projectInputs}, for the B rows of step t alone, read from {@code xOff} with stride
   * {@code xLd}: for a decoder whose input at step t is known only once step t - 1 has run (input
   * feeding, or a layer above the first, stepped together with the layers below it).
   */
  public void projectInputsAt(int t, Tensor x, int xOff, int xLd) {
    if (biasHh != null) {
      kernels.add(bias, 0, biasHh, 0, forwardBias, 0, gateWidth);
    }
    boolean withBias = biasInProjection();
    int g0 = gateOffset(t, 0);
    Parallel.run(batch, (r0, r1) -> {
      if (withBias) {
        for (int r = r0; r < r1; r++) {
          gates.data().put(g0 + r * gateWidth, forwardBias.data(), 0, gateWidth);
        }
      }
      Blas.gemm(false, true, r1 - r0, gateWidth, inputSize, 1f, x, xOff + r0 * xLd, xLd, wIh, 0,
          inputSize, withBias ? 1f : 0f, gates, g0 + r0 * gateWidth, gateWidth);
    });
  }

  /**
   * dL/dx of step t's B rows, dGates[t] W_ih, written (or added, when {@code accumulate}) to
   * {@code dx} from {@code dxOff} with stride {@code dxLd}; valid after {@link #backwardStep} of
   * step t. {@link #inputGradients} with a null dx then adds the weights' gradients for all steps.
   */
  public void inputGradientAt(int t, Tensor dx, int dxOff, int dxLd, boolean accumulate) {
    Blas.gemm(false, false, batch, inputSize, gateWidth, 1f, dGates, gateOffset(t, 0), gateWidth, wIh, 0,
        inputSize, accumulate ? 1f : 0f, dx, dxOff, dxLd);
  }

  /** X, the width of an input row. */
  public int inputSize() {
    return inputSize;
  }

  /** Whether the bias joins the pre-activations in {@link #projectInputs} rather than in the step. */
  protected boolean biasInProjection() {
    return false;
  }

  /**
   * Prepares the recurrent weights for the steps of a forward pass: packs them, unless the
   * parameters are frozen and were already packed in that freeze.
   */
  public final void beginForward() {
    int freeze = params.freezeInForce();
    if (freeze != 0 && freeze == packedInFreeze) {
      return;
    }
    packForward();
    packedInFreeze = freeze;
  }

  /** Packs the recurrent weights for the steps of a forward pass. */
  protected abstract void packForward();

  /** Step t for rows [b0, b1): reads the state in {@code prevSlot}, writes it to {@code slot}. */
  public abstract void forwardStep(int t, int slot, int prevSlot, int b0, int b1);

  /** Prepares the recurrent weights for the steps of a backward pass. */
  public abstract void beginBackward();

  /**
   * Back through step t for rows [b0, b1): reads {@link #dh()} (and {@link #dc()}), writes
   * dGates[t] and {@link #dhPrev()} (and {@link #dcPrev()}) in those rows.
   */
  public abstract void backwardStep(int t, int slot, int prevSlot, int b0, int b1);

  /**
   * After the time loop: dW_ih += dGates^T x, db += sum of dGates rows (8-18, 8-19), and
   * dx (=, or += when {@code accumulate}) dGates W_ih when {@code dx} is not null.
   */
  public void inputGradients(Tensor x, int xOff, int xLd, Tensor dx, int dxOff, int dxLd,
      boolean accumulate) {
    int rows = steps * batch;
    Blas.gemm(true, false, gateWidth, inputSize, rows, 1f, dGates, 0, gateWidth, x, xOff, xLd,
        1f, gWIh, 0, inputSize);
    columnSums(dGates, 0, gateWidth, gateWidth, gBias, 0);
    if (gBiasHh != null) {
      columnSums(dGates, 0, gateWidth, gateWidth, gBiasHh, 0);
    }
    if (dx != null) {
      Blas.gemm(false, false, rows, inputSize, gateWidth, 1f, dGates, 0, gateWidth, wIh, 0,
          inputSize, accumulate ? 1f : 0f, dx, dxOff, dxLd);
    }
  }

  /** out[j] += sum over the T*B rows of m[off + r*ld + j], j &lt; n. */
  protected void columnSums(Tensor m, int off, int ld, int n, Tensor out, int outOff) {
    Blas.gemv(true, steps * batch, n, 1f, m, off, ld, ones, 0, 1f, out, outOff);
  }

  /**
   * After the time loop: gradients of the recurrent weights (8-17) and of the cell's own
   * parameters. {@code reverse} tells the slot layout: step t read slot t (forward) or t + 1
   * (reverse) and wrote slot t + 1 or t.
   */
  public abstract void recurrentGradients(boolean reverse);

  /** dW_hh += dG^T [h_{t-1} for all t], for the gate rows [row0, row0 + rows) of W_hh. */
  protected void addRecurrentProduct(Tensor dG, int dgCol, int dgLd, int row0, int rows,
      Tensor states, int firstSlot) {
    Blas.gemm(true, false, rows, hidden, steps * batch, 1f, dG, dgCol, dgLd, states,
        firstSlot * batch * hidden, hidden, 1f, gWHh, row0 * hidden, hidden);
  }

  /**
   * The Frobenius norm of step t's own term in dL/dW_hh (SPEC 8-17), for the rows of the
   * batch: ||sum_b delta_t[b] h_{t-1}[b]^T||, computed as sqrt(sum_{b,b'} (delta_b . delta_b')
   * (h_b . h_b')) without forming the matrix. Valid after {@link #backwardStep} for step t.
   */
  public double recurrentGradientNormAt(int t, int prevSlot) {
    return outerNorm(dGates, gateOffset(t, 0), gateWidth, gateWidth, h, stateOffset(prevSlot, 0), hidden, hidden);
  }

  /** The same for step t's term in dL/dW_ih (8-18), with the step's inputs x[t]. */
  public double inputGradientNormAt(int t, Tensor x, int xOff, int xLd) {
    return outerNorm(dGates, gateOffset(t, 0), gateWidth, gateWidth, x, xOff + t * batch * xLd, xLd, inputSize);
  }

  /** ||sum_b a_b c_b^T|| for B rows a_b (width na, stride lda) and c_b (width nc, stride ldc). */
  protected double outerNorm(Tensor a, int aOff, int lda, int na, Tensor c, int cOff, int ldc, int nc) {
    double s = 0;
    for (int b = 0; b < batch; b++) {
      for (int b2 = 0; b2 < batch; b2++) {
        double da = 0;
        for (int j = 0; j < na; j++) {
          da += (double) a.get(aOff + b * lda + j) * a.get(aOff + b2 * lda + j);
        }
        double dc = 0;
        for (int j = 0; j < nc; j++) {
          dc += (double) c.get(cOff + b * ldc + j) * c.get(cOff + b2 * ldc + j);
        }
        s += da * dc;
      }
    }
    return Math.sqrt(Math.max(0, s));
  }

  /** [T + 1, B, H] hidden states by slot. */
  public Tensor h() {
    return h;
  }

  /** [T + 1, B, H] cell states by slot, or null for cells without one. */
  public Tensor c() {
    return null;
  }

  /** [B, H]: dL/dh_t, the input of {@link #backwardStep}. */
  public Tensor dh() {
    return dh;
  }

  /** [B, H]: dL/dh_{t-1}, written by {@link #backwardStep}. */
  public Tensor dhPrev() {
    return dhPrev;
  }

  /** [B, H]: dL/dc_t for cells with a cell state; null here. */
  public Tensor dc() {
    return null;
  }

  /** [B, H]: dL/dc_{t-1} for cells with a cell state; null here. */
  public Tensor dcPrev() {
    return null;
  }

  /** Offset of row b of slot s in a [T + 1, B, H] state buffer. */
  protected int stateOffset(int slot, int b) {
    return (slot * batch + b) * hidden;
  }

  /** Offset of row b of step t in a [T, B, G*H] gate buffer. */
  protected int gateOffset(int t, int b) {
    return (t * batch + b) * gateWidth;
  }
}
