package jrnn.gpu;

import java.util.Arrays;
import jrnn.cells.CellType;
import jrnn.cells.ParamNames;
import jrnn.layers.Bidirectional;
import jrnn.layers.RecurrentConfig;
import jrnn.params.ParamLayout;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;

/**
 * jrnn's own recurrent stack on an {@link Ops}: every cell of the CPU engine (the ones cuDNN lacks
 * too: rnn-sigmoid, the peephole and coupled-gate LSTMs, the GRU with the reset before the
 * product), stacked, bidirectional (concatenated or summed), ragged, with dropout between
 * layers. It follows the CPU engine's {@code RecurrentCell} and {@code RecurrentLayer}:
 *
 * <pre>
 *   gates[T*B, G*H] = x W_ih^T + b                 one product before the time loop (SPEC 8-18)
 *   per step:  product = h_{t-1} W_hh^T            one product (two for the GRU, reset before)
 *              fused kernel: the gate math, the state, the output, the frozen rows
 *   backward per step: fused kernel for dGates and the state's gradient, then += dGates W_hh
 *   after the loop: dW_ih, dW_hh, the biases' and peepholes' gradients, dx (8-17 .. 8-19)
 * </pre>
 *
 * <p>Its weight space is the parameters' own layout (the stack's entries are one range of it),
 * so nothing is mapped: the weights go up and the gradients come down as they are. Dropout
 * masks between layers are {@link Ops#dropoutMask}'s, layer l's from seed + l, the seed given by
 * {@link #seedDropout} (OpsTraining draws it from the trainer's generator, so that a resumed run
 * draws the same masks) or counted on from the last. On {@link CudaOps} it is the GPU's stack for
 * the cells cuDNN lacks, and a translator's encoder and decoder; on {@link HostOps} it runs, and
 * is tested against the CPU engine, on any machine.
 *
 * <p>A decoder runs it one step at a time for every layer ({@link #beginSteps}, {@link #step},
 * {@link #backwardStep}), as the CPU's {@code DecoderStack}: with input feeding the first layer's
 * input at step t is known only after step t - 1, so the input product is taken per step there,
 * and the weights' gradients still over all steps at once after the loop.
 */
final class FusedCellStack implements OpsStack {
  private final Ops ops;
  private final RecurrentConfig config;
  private final Parameters host;
  private final StackRange range;
  private final int hidden;
  private final int width;
  private final int gateWidth;
  private final Unit[][] units;
  private final Ops.Floats weights;
  private final Ops.Floats grads;
  private final Ops.Floats decay;
  private long seed;

  // Buffers for T*B rows, grown to the largest seen: made in one set, freed together.
  private final Allocations sized;
  private int capacity;
  private int batchCapacity;
  private Ops.Floats[] outputs;
  private Ops.Floats[] dOutputs;
  private Ops.Floats[] masks;
  private Ops.Floats[] dropped;
  private Ops.Floats dx;
  private Ops.Floats product;
  private Ops.Floats dRh;
  private Ops.Floats ones;
  private Ops.Floats finalH;
  private Ops.Floats finalC;
  private Ops.Floats initialHGradient;
  private Ops.Floats initialCGradient;
  private Ops.Ints lengths;

  // The last forward.
  private int steps;
  private int batch;
  private Ops.Floats input;
  private boolean droppedOut;
  /** Whether the last forward kept what backward needs (a training forward, since the inputs were last let go). */
  private boolean trained;
  /** Whether the weight space is a part of a whole model's, which its owner uploads and frees. */
  private final boolean sharedSpace;

  /** The stack's own weights, gradients and decay mask (null for inference), when it is not in a model's space. */
  private record OwnSpace(Allocations memory, Ops.Floats weights, Ops.Floats grads, Ops.Floats decay) {}

  private final OwnSpace ownSpace;
  /** Whether it trains: it keeps gradients, and what backward needs. A stack for inference holds the weights alone. */
  private final boolean trains;
  /** Whether a decoder's run is begun ({@link #beginSteps}) and not let go of since. */
  private boolean begun;
  private boolean closed;

  /** A stack that trains, with buffers of its own: weights, gradients and a decay mask. */
  FusedCellStack(Ops ops, RecurrentConfig config, Parameters params, String prefix, long dropoutSeed) {
    this(ops, config, params, prefix, dropoutSeed, null, null, true);
  }

  /** A stack for inference with a buffer of its own for the weights, and nothing for gradients. */
  static FusedCellStack forInference(Ops ops, RecurrentConfig config, Parameters params, String prefix) {
    return new FusedCellStack(ops, config, params, prefix, 0, null, null, false);
  }

  /**
   * A stack whose weights and gradients are {@code modelWeights} and {@code modelGradients}, the
   * whole layout of {@code params} on the device (its own range of them): a stack inside a model
   * whose every parameter the device holds in one buffer (an encoder-decoder's). The owner
   * uploads, frees, and decays them. Null gradients: a stack for inference.
   */
  FusedCellStack(Ops ops, RecurrentConfig config, Parameters params, String prefix, long dropoutSeed,
      Ops.Floats modelWeights, Ops.Floats modelGradients) {
    this(ops, config, params, prefix, dropoutSeed, modelWeights, modelGradients, modelGradients != null);
  }

  private FusedCellStack(Ops ops, RecurrentConfig config, Parameters params, String prefix, long dropoutSeed,
      Ops.Floats modelWeights, Ops.Floats modelGradients, boolean trains) {
    this.ops = ops;
    this.trains = trains;
    this.config = config;
    this.host = params;
    this.range = StackRange.of(params.layout(), prefix, "FusedCellStack");
    this.hidden = config.hiddenSize();
    this.width = config.outputSize();
    this.gateWidth = config.cell().gates() * hidden;
    this.seed = dropoutSeed;
    this.sharedSpace = modelWeights != null;
    this.sized = new Allocations(ops);
    if (sharedSpace) {
      this.ownSpace = null;
      this.weights = ops.slice(modelWeights, range.first(), range.count());
      this.grads = trains ? ops.slice(modelGradients, range.first(), range.count()) : null;
      this.decay = null;
    } else {
      // The arguments are evaluated (allocated) in order; make frees those made before one that fails.
      this.ownSpace = Allocations.make(ops, m -> new OwnSpace(m,
          m.floats(range.count(), "the recurrent stack's weights"),
          trains ? m.floats(range.count(), "the recurrent stack's gradients") : null,
          trains ? m.floats(range.count(), "the recurrent stack's decay mask") : null));
      this.weights = ownSpace.weights();
      this.grads = ownSpace.grads();
      this.decay = ownSpace.decay();
    }
    // A failure from here on (a bad layout, a failed copy) frees the stack's own space: no caller can close it.
    try {
      if (decay != null) {
        ops.upload(decay, range.decay(), range.count());
      }
      this.units = new Unit[config.layers()][config.directions()];
      for (int l = 0; l < config.layers(); l++) {
        for (int d = 0; d < config.directions(); d++) {
          units[l][d] = new Unit(prefix, l, d);
        }
      }
      int layers = config.layers();
      outputs = new Ops.Floats[layers];
      dOutputs = new Ops.Floats[layers];
      masks = new Ops.Floats[layers];
      dropped = new Ops.Floats[layers];
      if (!sharedSpace) {
        uploadWeights();
      }
    } catch (RuntimeException | Error e) {
      if (ownSpace != null) {
        ownSpace.memory().freeAfter(e);
      }
      throw e;
    }
  }

  /** One layer's one direction: its parameters' places in the weight space and its buffers. */
  private final class Unit {
    final int inputWidth;
    final boolean reverse;
    final int stateSlot;
    final Ops.Floats wIh;
    final Ops.Floats wHh;
    final Ops.Floats bias;
    final Ops.Floats biasHh;
    final Ops.Floats biasHn;
    final Ops.Floats peepI;
    final Ops.Floats peepF;
    final Ops.Floats peepO;
    final Ops.Floats gWIh;
    final Ops.Floats gWHh;
    final Ops.Floats gBias;
    final Ops.Floats gBiasHh;
    final Ops.Floats gBiasHn;
    final Ops.Floats gPeepI;
    final Ops.Floats gPeepF;
    final Ops.Floats gPeepO;
    /** [T, B, G*H]: pre-activations, then the gates' activations. */
    Ops.Floats gates;
    Ops.Floats dGates;
    /** [T + 1, B, H] states by slot, as RecurrentLayer's: step t reads slot t and writes t + 1 (reversed: t + 1, t). */
    Ops.Floats h;
    Ops.Floats c;
    Ops.Floats tanhC;
    /** GRU, reset before: r * h_{t-1}; reset after: W_hn h_{t-1} + b_hn; [T, B, H]. */
    Ops.Floats saved;
    /** GRU, reset after: the recurrent side's pre-activation gradients [T, B, 3H]. */
    Ops.Floats dGh;
    /** Backward: dL/dh carried to the step before, the next one's, and dL/dc carried (LSTM); [B, H]. */
    Ops.Floats carry;
    Ops.Floats next;
    Ops.Floats dc;

    Unit(String prefix, int layer, int direction) {
      this.inputWidth = config.layerInputSize(layer);
      this.reverse = direction == 1;
      this.stateSlot = layer * config.directions() + direction;
      wIh = weight(prefix, "weight_ih", layer, direction, weights);
      wHh = weight(prefix, "weight_hh", layer, direction, weights);
      bias = weight(prefix, "bias", layer, direction, weights);
      biasHh = weight(prefix, "bias_hh", layer, direction, weights);
      biasHn = weight(prefix, "bias_hn", layer, direction, weights);
      peepI = weight(prefix, "weight_ci", layer, direction, weights);
      peepF = weight(prefix, "weight_cf", layer, direction, weights);
      peepO = weight(prefix, "weight_co", layer, direction, weights);
      gWIh = weight(prefix, "weight_ih", layer, direction, grads);
      gWHh = weight(prefix, "weight_hh", layer, direction, grads);
      gBias = weight(prefix, "bias", layer, direction, grads);
      gBiasHh = weight(prefix, "bias_hh", layer, direction, grads);
      gBiasHn = weight(prefix, "bias_hn", layer, direction, grads);
      gPeepI = weight(prefix, "weight_ci", layer, direction, grads);
      gPeepF = weight(prefix, "weight_cf", layer, direction, grads);
      gPeepO = weight(prefix, "weight_co", layer, direction, grads);
    }

    /** The entry's slice of {@code space}, or null when the stack has no such parameter (or no such space). */
    private Ops.Floats weight(String prefix, String kind, int layer, int direction, Ops.Floats space) {
      String name = ParamNames.recurrent(prefix, kind, layer, direction);
      ParamLayout layout = host.layout();
      return space != null && layout.contains(name) ? ops.slice(space, range.offset(layout, name),
          layout.get(name).size()) : null;
    }

    /** Its buffers for T*B {@code rows} of B {@code batch} sequences, in the stack's set sized by the rows. */
    void allocate(int rows, int batch) {
      gates = sized.floats((long) rows * gateWidth, "gates");
      h = sized.floats((long) (rows + batch) * hidden, "hidden states");
      if (config.cell().hasCellState()) {
        c = sized.floats((long) (rows + batch) * hidden, "cell states");
        tanhC = sized.floats((long) rows * hidden, "tanh of the cell states");
      }
      if (config.cell() instanceof CellType.Gru) {
        saved = sized.floats((long) rows * hidden, "the GRU's saved products");
      }
      if (!trains) {
        return;
      }
      dGates = sized.floats((long) rows * gateWidth, "gate gradients");
      if (config.cell() instanceof CellType.Gru gru && gru.resetAfter()) {
        dGh = sized.floats((long) rows * gateWidth, "the GRU's recurrent gradients");
      }
      carry = sized.floats((long) batch * hidden, "a state gradient");
      next = sized.floats((long) batch * hidden, "a state gradient");
      dc = sized.floats((long) batch * hidden, "a cell state gradient");
    }

    private Ops.Floats stateSlot(Ops.Floats states, int slot) {
      return ops.slice(states, (long) slot * batch * hidden, (long) batch * hidden);
    }

    private Ops.Floats stepRows(Ops.Floats buffer, int t, int rowWidth) {
      return ops.slice(buffer, (long) t * batch * rowWidth, (long) batch * rowWidth);
    }

    /** Step t's rows of a [T, B, W] output from column {@code col}. */
    private Ops.Floats outputRows(Ops.Floats out, int t, int col) {
      return ops.slice(out, (long) t * batch * width + col, (long) (batch - 1) * width + hidden);
    }

    private int column() {
      return config.bidirectional() == Bidirectional.CONCAT && reverse ? hidden : 0;
    }

    private boolean accumulates() {
      return config.bidirectional() == Bidirectional.SUM && reverse;
    }

    void forward(Ops.Floats x, Ops.Floats out, Ops.Floats h0, Ops.Floats c0) {
      project(x, 0, steps);
      start(h0, c0);
      for (int k = 0; k < steps; k++) {
        forwardStep(reverse ? steps - 1 - k : k, out);
      }
      keepFinalState();
    }

    /** The input side of steps [t0, t0 + count): their gates' rows = x's rows W_ih^T + b (SPEC 8-18). */
    void project(Ops.Floats x, int t0, int count) {
      int rows = count * batch;
      Ops.Floats xs = ops.slice(x, (long) t0 * batch * inputWidth, (long) rows * inputWidth);
      Ops.Floats g = ops.slice(gates, (long) t0 * batch * gateWidth, (long) rows * gateWidth);
      ops.gemm(false, true, rows, gateWidth, inputWidth, 1f, xs, inputWidth, wIh, inputWidth, 0f, g, gateWidth);
      ops.addToRows(g, rows, gateWidth, bias);
      if (biasHh != null) {
        ops.addToRows(g, rows, gateWidth, biasHh);
      }
    }

    /** The initial states (null: zero) into the slot the first step reads. */
    void start(Ops.Floats h0, Ops.Floats c0) {
      int initial = reverse ? steps : 0;
      initialState(h, initial, h0);
      if (c != null) {
        initialState(c, initial, c0);
      }
    }

    /** Step t's recurrent product and fused kernel, its output into {@code out}'s rows of step t. */
    void forwardStep(int t, Ops.Floats out) {
      CellType cell = config.cell();
      Ops.Step step = new Ops.Step(t, batch, hidden, lengths);
      Ops.Floats hPrev = stateSlot(h, reverse ? t + 1 : t);
      Ops.Floats hNext = stateSlot(h, reverse ? t : t + 1);
      Ops.Floats g = stepRows(gates, t, gateWidth);
      Ops.Floats o = outputRows(out, t, column());
      if (cell instanceof CellType.Simple s) {
        ops.gemm(false, true, batch, hidden, hidden, 1f, hPrev, hidden, wHh, hidden, 0f, product, hidden);
        ops.rnnForwardStep(s.activation(), step, g, product, hPrev, hNext, o, width, accumulates());
      } else if (cell instanceof CellType.Lstm lstm) {
        ops.gemm(false, true, batch, gateWidth, hidden, 1f, hPrev, hidden, wHh, hidden, 0f, product, gateWidth);
        ops.lstmForwardStep(lstm.coupled(), peepI, peepF, peepO, step, g, product, stateSlot(c, reverse ? t + 1 : t),
            stateSlot(c, reverse ? t : t + 1), stepRows(tanhC, t, hidden), hPrev, hNext, o, width, accumulates());
      } else if (((CellType.Gru) cell).resetAfter()) {
        ops.gemm(false, true, batch, gateWidth, hidden, 1f, hPrev, hidden, wHh, hidden, 0f, product, gateWidth);
        ops.gruResetAfterForwardStep(step, g, product, biasHn, stepRows(saved, t, hidden), hPrev, hNext, o, width,
            accumulates());
      } else {
        // The reset multiplies the state before W_hn does (SPEC 8-37): two products.
        Ops.Floats rh = stepRows(saved, t, hidden);
        ops.gemm(false, true, batch, 2 * hidden, hidden, 1f, hPrev, hidden, wHh, hidden, 0f, product, gateWidth);
        ops.gruGatesStep(step, g, product, hPrev, rh);
        ops.gemm(false, true, batch, hidden, hidden, 1f, rh, hidden, candidateRows(wHh), hidden, 0f,
            candidateColumns(product), gateWidth);
        ops.gruCandidateStep(step, g, product, hPrev, hNext, o, width, accumulates());
      }
    }

    void keepFinalState() {
      int last = reverse ? 0 : steps;
      ops.copy(stateSlot(finalH, stateSlot), stateSlot(h, last), (long) batch * hidden);
      if (c != null) {
        ops.copy(stateSlot(finalC, stateSlot), stateSlot(c, last), (long) batch * hidden);
      }
    }

    private void initialState(Ops.Floats states, int slot, Ops.Floats given) {
      if (given == null) {
        ops.zero(stateSlot(states, slot), (long) batch * hidden);
      } else {
        ops.copy(stateSlot(states, slot), stateSlot(given, stateSlot), (long) batch * hidden);
      }
    }

    /** W_hn, the candidate's rows of W_hh [3H, H]. */
    private Ops.Floats candidateRows(Ops.Floats w) {
      return ops.slice(w, 2L * hidden * hidden, (long) hidden * hidden);
    }

    /** The candidate's columns of a [rows, 3H] buffer, from column 2H. */
    private Ops.Floats candidateColumns(Ops.Floats m) {
      return ops.slice(m, 2L * hidden, m.size() - 2L * hidden);
    }

    /**
     * Back through time from dOut (this direction's columns of [T, B, W]); writes (or, when
     * {@code accumulate}, adds) dL/dx to {@code dIn} and adds the weights' gradients.
     */
    void backward(Ops.Floats x, Ops.Floats dOut, Ops.Floats dFinalH, Ops.Floats dFinalC, Ops.Floats dIn,
        boolean accumulate) {
      beginBackward(dFinalH, dFinalC);
      for (int k = steps - 1; k >= 0; k--) {
        backwardStep(reverse ? steps - 1 - k : k, dOut);
      }
      endBackward();
      inputGradient(0, steps, dIn, accumulate);
      weightGradients(x);
    }

    /** The final states' gradients (null: zero) carried into the last step's backward. */
    void beginBackward(Ops.Floats dFinalH, Ops.Floats dFinalC) {
      initialState(carry, 0, dFinalH);
      if (c != null) {
        initialState(dc, 0, dFinalC);
      }
    }

    /** Back through step t from dOut (this direction's columns of its rows of step t): dGates, and the carry to t - 1. */
    void backwardStep(int t, Ops.Floats dOut) {
      CellType cell = config.cell();
      Ops.Step step = new Ops.Step(t, batch, hidden, lengths);
      Ops.Floats hPrev = stateSlot(h, reverse ? t + 1 : t);
      Ops.Floats g = stepRows(gates, t, gateWidth);
      Ops.Floats dg = stepRows(dGates, t, gateWidth);
      Ops.Floats dO = outputRows(dOut, t, column());
      if (cell instanceof CellType.Simple s) {
        ops.rnnBackwardStep(s.activation(), step, g, dO, width, carry, dg, next);
        ops.gemm(false, false, batch, hidden, hidden, 1f, dg, hidden, wHh, hidden, 1f, next, hidden);
      } else if (cell instanceof CellType.Lstm lstm) {
        ops.lstmBackwardStep(lstm.coupled(), peepI, peepF, peepO, step, g, stateSlot(c, reverse ? t + 1 : t),
            stepRows(tanhC, t, hidden), dO, width, carry, dc, dg, next);
        ops.gemm(false, false, batch, hidden, gateWidth, 1f, dg, gateWidth, wHh, hidden, 1f, next, hidden);
      } else if (((CellType.Gru) cell).resetAfter()) {
        Ops.Floats dgh = stepRows(dGh, t, gateWidth);
        ops.gruResetAfterBackwardStep(step, g, stepRows(saved, t, hidden), hPrev, dO, width, carry, dg, dgh, next);
        ops.gemm(false, false, batch, hidden, gateWidth, 1f, dgh, gateWidth, wHh, hidden, 1f, next, hidden);
      } else {
        ops.gruCandidateBackwardStep(step, g, hPrev, dO, width, carry, dg, next);
        ops.gemm(false, false, batch, hidden, hidden, 1f, candidateColumns(dg), gateWidth, candidateRows(wHh), hidden,
            0f, dRh, hidden);
        ops.gruResetBackwardStep(step, g, hPrev, dRh, dg, next);
        ops.gemm(false, false, batch, hidden, 2 * hidden, 1f, dg, gateWidth, wHh, hidden, 1f, next, hidden);
      }
      Ops.Floats swap = carry;
      carry = next;
      next = swap;
    }

    /** After the first step's backward: the initial states' gradients. */
    void endBackward() {
      long n = (long) batch * hidden;
      ops.copy(stateSlot(initialHGradient, stateSlot), carry, n);
      if (c != null) {
        ops.copy(stateSlot(initialCGradient, stateSlot), dc, n);
      }
    }

    /** dL/dx of steps [t0, t0 + count) = dGates W_ih, written (or added, when {@code accumulate}) to dIn's rows. */
    void inputGradient(int t0, int count, Ops.Floats dIn, boolean accumulate) {
      int rows = count * batch;
      ops.gemm(false, false, rows, inputWidth, gateWidth, 1f,
          ops.slice(dGates, (long) t0 * batch * gateWidth, (long) rows * gateWidth), gateWidth, wIh,
          inputWidth, accumulate ? 1f : 0f, ops.slice(dIn, (long) t0 * batch * inputWidth, (long) rows * inputWidth),
          inputWidth);
    }

    /** After the steps' backward, all steps at once: the weights' gradients (SPEC 8-17 .. 8-19), x the input read. */
    void weightGradients(Ops.Floats x) {
      int rows = steps * batch;
      CellType cell = config.cell();
      ops.gemm(true, false, gateWidth, inputWidth, rows, 1f, dGates, gateWidth, x, inputWidth, 1f, gWIh, inputWidth);
      addColumnSums(dGates, 0, gateWidth, gBias);
      if (gBiasHh != null) {
        addColumnSums(dGates, 0, gateWidth, gBiasHh);
      }
      int firstPrev = reverse ? 1 : 0;
      Ops.Floats previous = ops.slice(h, (long) firstPrev * batch * hidden, (long) rows * hidden);
      if (cell instanceof CellType.Gru gru && gru.resetAfter()) {
        ops.gemm(true, false, gateWidth, hidden, rows, 1f, dGh, gateWidth, previous, hidden, 1f, gWHh, hidden);
        addColumnSums(dGh, 2 * hidden, hidden, gBiasHn);
      } else if (cell instanceof CellType.Gru) {
        ops.gemm(true, false, 2 * hidden, hidden, rows, 1f, dGates, gateWidth, previous, hidden, 1f, gWHh, hidden);
        ops.gemm(true, false, hidden, hidden, rows, 1f, candidateColumns(dGates), gateWidth, saved, hidden, 1f,
            candidateRows(gWHh), hidden);
      } else {
        ops.gemm(true, false, gateWidth, hidden, rows, 1f, dGates, gateWidth, previous, hidden, 1f, gWHh, hidden);
      }
      if (peepF != null) {
        // d p_f = sum dF * c_{t-1}, d p_i = sum dI * c_{t-1}, d p_o = sum dO * c_t (SPEC 8-31 .. 8-33)
        boolean coupled = ((CellType.Lstm) cell).coupled();
        int fCol = coupled ? 0 : hidden;
        Ops.Floats cPrev = ops.slice(c, (long) firstPrev * batch * hidden, (long) rows * hidden);
        Ops.Floats cNow = ops.slice(c, (long) (1 - firstPrev) * batch * hidden, (long) rows * hidden);
        ops.addColumnDots(columns(dGates, fCol), gateWidth, cPrev, hidden, rows, hidden, gPeepF);
        ops.addColumnDots(columns(dGates, fCol + 2 * hidden), gateWidth, cNow, hidden, rows, hidden, gPeepO);
        if (peepI != null) {
          ops.addColumnDots(dGates, gateWidth, cPrev, hidden, rows, hidden, gPeepI);
        }
      }
    }

    private Ops.Floats columns(Ops.Floats m, int col) {
      return ops.slice(m, col, m.size() - col);
    }

    /** out[j] += the sum over the T*B rows of m[r][col + j], j &lt; n: a product with a row of ones. */
    private void addColumnSums(Ops.Floats m, int col, int n, Ops.Floats out) {
      int rows = steps * batch;
      ops.gemm(false, false, 1, n, rows, 1f, ones, rows, columns(m, col), gateWidth, 1f, out, n);
    }
  }

  @Override
  public void uploadWeights() {
    ops.upload(weights, host.values().view(range.first(), range.count()), range.count());
  }

  /** Sizes the buffers for T*B rows of B sequences, growing them when needed. */
  private void prepare(int steps, int batch) {
    int rows = steps * batch;
    if (rows > capacity || batch > batchCapacity) {
      int rowsWanted = Math.max(rows, capacity);
      int batchWanted = Math.max(batch, batchCapacity);
      // An allocation that fails leaves no capacity and no run to go on with; what it made is in the set, freed next.
      capacity = 0;
      batchCapacity = 0;
      release();
      sized.free();
      for (Unit[] layer : units) {
        for (Unit u : layer) {
          u.allocate(rowsWanted, batchWanted);
        }
      }
      // Dropout's buffers and every gradient's only where it trains: inference has neither.
      for (int l = 0; l < config.layers(); l++) {
        outputs[l] = sized.floats((long) rowsWanted * width, "a layer's outputs");
        dOutputs[l] = trains && l < config.layers() - 1 ? sized.floats((long) rowsWanted * width,
            "a layer's output gradients") : null;
        if (trains && l > 0 && config.dropout() > 0) {
          masks[l] = sized.floats((long) rowsWanted * width, "a dropout mask");
          dropped[l] = sized.floats((long) rowsWanted * width, "a layer's input after dropout");
        }
      }
      long stateRows = (long) batchWanted * hidden;
      product = sized.floats((long) batchWanted * gateWidth, "a step's recurrent product");
      finalH = sized.floats(config.stateSlots() * stateRows, "final hidden states");
      finalC = config.cell().hasCellState() ? sized.floats(config.stateSlots() * stateRows, "final cell states") : null;
      if (trains) {
        dx = sized.floats((long) rowsWanted * config.inputSize(), "the stack's input gradient");
        dRh = sized.floats(stateRows, "the GRU's reset gradient");
        ones = sized.floats(rowsWanted, "ones");
        ops.upload(ones, Tensor.zeros(rowsWanted).fill(1f), rowsWanted);
        initialHGradient = sized.floats(config.stateSlots() * stateRows, "initial hidden states' gradients");
        initialCGradient = config.cell().hasCellState()
            ? sized.floats(config.stateSlots() * stateRows, "initial cell states' gradients") : null;
      }
      capacity = rowsWanted;
      batchCapacity = batchWanted;
    }
    if (lengths == null || lengths.size() < batch) {
      // Room for the most rows seen: a search's rows change at every step, the kernels read the first B.
      Ops.Ints old = lengths;
      lengths = null;
      ops.free(old);
      lengths = ops.ints(batchCapacity, "sequence lengths");
    }
  }

  @Override
  public Ops.Floats forward(Ops.Floats x, int steps, int batch, int[] lengths, Ops.Floats h0, Ops.Floats c0,
      boolean training) {
    if (training) {
      requireTrains("a training forward");
    }
    prepare(steps, batch);
    this.steps = steps;
    this.batch = batch;
    this.input = x;
    this.trained = training;
    this.begun = false;
    ops.upload(this.lengths, lengths);
    long rows = (long) steps * batch;
    droppedOut = training && config.dropout() > 0;
    Ops.Floats in = x;
    for (int l = 0; l < config.layers(); l++) {
      if (l > 0 && droppedOut) {
        ops.dropoutMask(masks[l], rows * width, (float) config.dropout(), seed + l);
        ops.copy(dropped[l], in, rows * width);
        ops.multiply(dropped[l], masks[l], rows * width);
        in = dropped[l];
      }
      for (Unit u : units[l]) {
        u.forward(in, outputs[l], h0, c0);
      }
      in = outputs[l];
    }
    if (droppedOut) {
      seed += config.layers();
    }
    return outputs[config.layers() - 1];
  }

  @Override
  public void seedDropout(long seed) {
    this.seed = seed;
  }

  /** Forgets the last forward's inputs (their buffer is to be freed): backward needs a new training forward. */
  void release() {
    input = null;
    trained = false;
    begun = false;
  }

  private void requireTrains(String what) {
    if (!trains) {
      throw new IllegalStateException("FusedCellStack: made for inference, it keeps no gradients: " + what
          + " needs a stack that trains");
    }
  }

  @Override
  public Ops.Floats finalH() {
    return finalH;
  }

  @Override
  public Ops.Floats finalC() {
    return finalC;
  }

  /**
   * {@inheritDoc} {@link #initialHGradient()} and {@link #initialCGradient()} then hold the
   * initial states'.
   */
  @Override
  public Ops.Floats backward(Ops.Floats dy, Ops.Floats dFinalH, Ops.Floats dFinalC) {
    requireTrains("backward");
    if (!trained) {
      throw new IllegalStateException("FusedCellStack.backward needs a training forward first");
    }
    ops.zero(grads, range.count());
    long rows = (long) steps * batch;
    Ops.Floats dOut = dy;
    for (int l = config.layers() - 1; l >= 0; l--) {
      Ops.Floats in = l == 0 ? input : droppedOut ? dropped[l] : outputs[l - 1];
      Ops.Floats dIn = l == 0 ? dx : dOutputs[l - 1];
      for (int d = 0; d < config.directions(); d++) {
        units[l][d].backward(in, dOut, dFinalH, dFinalC, dIn, d == 1);
      }
      if (l > 0 && droppedOut) {
        ops.multiply(dIn, masks[l], rows * width);
      }
      dOut = dIn;
    }
    return dx;
  }

  // ---- a decoder's run, one step at a time for every layer (as the CPU's DecoderStack) ----

  /**
   * Starts a decoder's run of T {@code steps} of B {@code batch} rows from h0, c0 ([layers, B, H];
   * null: zero), taken one step at a time for every layer by {@link #step}, because the first
   * layer's input at step t may depend on the top layer's output at t - 1 (input feeding). The
   * first layer reads the rows of step t of {@code x} [T*B, X], which the caller writes before
   * {@link #step}(t). Training keeps what {@link #backwardStep} needs. Rows are not frozen (a
   * decoder's padded steps come last and their loss is masked). The stack must be
   * unidirectional. With {@code dropout} (a training run of a stack that trains), the masks
   * between layers of all T steps are drawn here, as {@link #forward}'s, and each step applies
   * its rows, as the CPU's {@code DecoderStack} does.
   */
  void beginSteps(Ops.Floats x, int steps, int batch, Ops.Floats h0, Ops.Floats c0, boolean dropout) {
    if (steps <= 0 || batch <= 0) {
      throw new IllegalArgumentException("FusedCellStack: a decoder's run needs steps and rows, got T=" + steps + ", B="
          + batch);
    }
    if (config.directions() != 1) {
      throw new IllegalArgumentException("FusedCellStack: a decoder's steps run in a unidirectional stack; this one is "
          + config.bidirectional().label());
    }
    if (dropout) {
      requireTrains("a decoder's run with dropout");
    }
    prepare(steps, batch);
    this.steps = steps;
    this.batch = batch;
    this.input = x;
    this.trained = trains;
    this.begun = true;
    droppedOut = dropout && config.dropout() > 0 && config.layers() > 1;
    if (droppedOut) {
      long rows = (long) steps * batch;
      for (int l = 1; l < config.layers(); l++) {
        ops.dropoutMask(masks[l], rows * width, (float) config.dropout(), seed + l);
      }
      seed += config.layers();
    }
    int[] whole = new int[batch];
    Arrays.fill(whole, steps);
    ops.upload(lengths, whole);
    for (Unit[] layer : units) {
      layer[0].start(h0, c0);
    }
  }

  /** Runs every layer through step t (SPEC 8-39: layer l reads layer l - 1's output of the same step). */
  void step(int t) {
    requireStep(t);
    long n = (long) batch * width;
    for (int l = 0; l < config.layers(); l++) {
      Unit u = units[l][0];
      if (l > 0 && droppedOut) {
        Ops.Floats in = ops.slice(dropped[l], t * n, n);
        ops.copy(in, ops.slice(outputs[l - 1], t * n, n), n);
        ops.multiply(in, ops.slice(masks[l], t * n, n), n);
        u.project(dropped[l], t, 1);
      } else {
        u.project(l == 0 ? input : outputs[l - 1], t, 1);
      }
      u.forwardStep(t, outputs[l]);
    }
  }

  /** The top layer's outputs [T, B, H] of the steps run so far. */
  Ops.Floats top() {
    return outputs[config.layers() - 1];
  }

  /** Copies the states after step t of a decoder's run into h and c ([layers, B, H]; c for an LSTM, else null). */
  void stateAfter(int t, Ops.Floats h, Ops.Floats c) {
    requireStep(t);
    long n = (long) batch * hidden;
    for (int l = 0; l < config.layers(); l++) {
      Unit u = units[l][0];
      ops.copy(ops.slice(h, l * n, n), u.stateSlot(u.h, t + 1), n);
      if (u.c != null) {
        ops.copy(ops.slice(c, l * n, n), u.stateSlot(u.c, t + 1), n);
      }
    }
  }

  /** Starts the backward pass of the steps of the last {@link #beginSteps} (no final states' gradients). */
  void beginBackwardSteps() {
    requireTrains("backward");
    requireStep(0);
    ops.zero(grads, range.count());
    for (Unit[] layer : units) {
      layer[0].beginBackward(null, null);
    }
  }

  /**
   * Back through step t, from dL/d(top output) in the rows of step t of {@code dTop} [T, B, H];
   * returns the buffer [T*B, X] whose rows of step t now hold dL/d(the first layer's input).
   */
  Ops.Floats backwardStep(int t, Ops.Floats dTop) {
    requireTrains("backward");
    requireStep(t);
    Ops.Floats dOut = dTop;
    for (int l = config.layers() - 1; l >= 0; l--) {
      Unit u = units[l][0];
      u.backwardStep(t, dOut);
      Ops.Floats dIn = l == 0 ? dx : dOutputs[l - 1];
      u.inputGradient(t, 1, dIn, false);
      if (l > 0 && droppedOut) {
        long n = (long) batch * width;
        ops.multiply(ops.slice(dIn, t * n, n), ops.slice(masks[l], t * n, n), n);
      }
      dOut = dIn;
    }
    return dx;
  }

  /** After the first step's backward: the weights' gradients of all steps, and the initial states' ({@link #initialHGradient()}). */
  void finishBackwardSteps() {
    requireTrains("backward");
    requireStep(0);
    for (int l = 0; l < config.layers(); l++) {
      Unit u = units[l][0];
      u.endBackward();
      u.weightGradients(l == 0 ? input : droppedOut ? dropped[l] : outputs[l - 1]);
    }
  }

  private void requireStep(int t) {
    if (!begun) {
      throw new IllegalStateException("FusedCellStack: no decoder's run was begun (beginSteps)");
    }
    if (t < 0 || t >= steps) {
      throw new IllegalArgumentException("FusedCellStack: step " + t + " is outside the run begun, [0, " + steps + ")");
    }
  }

  /** dL/dh0 [layers*D, B, H] after the last backward. */
  Ops.Floats initialHGradient() {
    return initialHGradient;
  }

  /** dL/dc0 (LSTM) after the last backward, else null. */
  Ops.Floats initialCGradient() {
    return initialCGradient;
  }

  @Override
  public void addWeightGradients() {
    requireTrains("the weights' gradients");
    Tensor g = Tensor.zeros(range.count());
    ops.download(g, grads, range.count());
    Tensor to = host.grads().view(range.first(), range.count());
    for (int i = 0; i < range.count(); i++) {
      to.add(i, g.get(i));
    }
  }

  @Override
  public Ops.Floats weights() {
    return weights;
  }

  @Override
  public Ops.Floats weightGradients() {
    requireTrains("the weights' gradients");
    return grads;
  }

  @Override
  public long weightCount() {
    return range.count();
  }

  @Override
  public Ops.Floats gradientMask() {
    return null;
  }

  @Override
  public Ops.Floats decayMask() {
    return decay;
  }

  @Override
  public void weightsToHost() {
    ops.download(host.values().view(range.first(), range.count()), weights, range.count());
  }

  @Override
  public void vectorToHost(Ops.Floats vector, Tensor flat, boolean signed) {
    ops.download(flat.view(range.first(), range.count()), vector, range.count());
  }

  @Override
  public void vectorFromHost(Tensor flat, Ops.Floats vector, boolean signed) {
    ops.upload(vector, flat.view(range.first(), range.count()), range.count());
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    capacity = 0;
    batchCapacity = 0;
    ops.free(lengths);
    lengths = null;
    Allocations.freeAll(sized, ownSpace == null ? null : ownSpace.memory());
  }
}
