package jrnn.layers;

import jrnn.cells.RecurrentCell;
import jrnn.kernels.Kernels;
import jrnn.kernels.Parallel;
import jrnn.params.Parameters;
import jrnn.tensor.ShapeMismatchException;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;

/**
 * A unidirectional stack of recurrent layers run one time step at a time, every layer through
 * step t before any through step t + 1, and back-propagated the same way (SPEC 8-9 .. 8-20 per
 * step): the decoder of an encoder-decoder, whose input at step t may depend on what the stack
 * put out at step t - 1 (input feeding: the attentional vector of step t - 1 joins the next
 * word's embedding), and which a beam search runs one word at a time from a state it hands in.
 *
 * <p>Use for T steps of B rows: {@link #begin} with the initial state; then for each t, write
 * the first layer's input rows of step t into {@link #input()} (rows t*B .. t*B + B - 1, width
 * {@link #inputSize()}) and call {@link #step}; the top layer's output of step t is then in
 * {@link #top()} from {@link #topOffset}(t). Backward: {@link #beginBackward}, then
 * {@link #backwardStep} for t = T - 1 down to 0, each with dL/d(top output of step t) and
 * returning dL/d(first layer's input of step t); then {@link #finishBackward}, which adds the
 * weights' gradients for all steps at once (the products over all T*B rows, as the other layers
 * do) and leaves dL/d(initial state) in {@link #initialStateGradient()}.
 *
 * <p>Rows are not frozen past a sequence's end: a decoder's padded steps come after its valid
 * ones, their loss is masked, and so nothing flows back from them into the valid steps.
 *
 * <p>Dropout between layers ({@link RecurrentConfig#dropout()}, on the input of each layer l
 * &gt;= 1, as {@link RecurrentStack} does) runs when {@link #begin} is given a generator: the masks
 * of all T steps are drawn there, and each step applies its rows.
 */
public final class DecoderStack {
  private final RecurrentConfig config;
  private final RecurrentCell[] cells;
  private final int hidden;
  private int steps;
  private int batch;
  /** [T*B, X]: the first layer's input rows, written by the caller step by step. */
  private Tensor input = Tensor.zeros(0);
  /** Per layer [B, H]: dL/dh of the step being back-propagated, from above (the layer over it, or the caller). */
  private final Tensor[] dFromAbove;
  /** Per layer [B, H]: dL/dh_{t-1} carried to the step before. */
  private final Tensor[] dhCarry;
  /** Per layer [B, H]: dL/dc_{t-1} carried (LSTM). */
  private final Tensor[] dcCarry;
  private Tensor dInput = Tensor.zeros(0);
  private RecurrentState initialGradient;
  /** dropouts[l] on the input of layer l, l &gt;= 1 (index 0 unused). */
  private final Dropout[] dropouts;
  /** Per layer l &gt;= 1 [T*B, H]: layer l - 1's outputs after dropout, what layer l reads when dropping. */
  private final Tensor[] droppedIn;
  /** Whether the run begun drops between layers. */
  private boolean dropping;

  /**
   * A stack of {@code config}'s layers (unidirectional only) on the parameters of {@code params}
   * named from {@code prefix}.
   */
  public DecoderStack(RecurrentConfig config, Parameters params, String prefix, Kernels kernels) {
    if (config.directions() != 1) {
      throw new IllegalArgumentException("DecoderStack: a decoder runs forward in time only; got "
          + config.bidirectional().label());
    }
    this.config = config;
    this.hidden = config.hiddenSize();
    int n = config.layers();
    this.cells = new RecurrentCell[n];
    this.dFromAbove = new Tensor[n];
    this.dhCarry = new Tensor[n];
    this.dcCarry = new Tensor[n];
    this.dropouts = new Dropout[n];
    this.droppedIn = new Tensor[n];
    for (int l = 0; l < n; l++) {
      dropouts[l] = new Dropout(l == 0 ? 0 : config.dropout());
      droppedIn[l] = Tensor.zeros(0);
      cells[l] = RecurrentCell.create(config.cell(), config.layerInputSize(l), hidden, params, prefix, l, 0, kernels);
      dFromAbove[l] = Tensor.zeros(0);
      dhCarry[l] = Tensor.zeros(0);
      dcCarry[l] = Tensor.zeros(0);
    }
  }

  /** The stack's configuration. */
  public RecurrentConfig config() {
    return config;
  }

  /** X, the width of the first layer's input rows. */
  public int inputSize() {
    return config.inputSize();
  }

  /**
   * Starts T steps of B rows from {@code initial} ([layers, B, H], null for zeros), without
   * dropout. The weights are packed here, once for the steps (inside a {@link Parameters#freeze}
   * only once for all).
   */
  public void begin(int steps, int batch, RecurrentState initial) {
    begin(steps, batch, initial, null);
  }

  /**
   * As {@link #begin(int, int, RecurrentState)}, with dropout between layers drawn from
   * {@code dropoutRng} when it is not null and the configuration's probability is above 0.
   */
  public void begin(int steps, int batch, RecurrentState initial, Rng dropoutRng) {
    if (steps <= 0 || batch <= 0) {
      throw new ShapeMismatchException("DecoderStack: steps and batch size must be positive, got T=" + steps
          + ", B=" + batch);
    }
    if (initial != null) {
      initial.requireShape(config, batch, "DecoderStack");
    }
    this.steps = steps;
    this.batch = batch;
    int rows = batch * hidden;
    for (int l = 0; l < cells.length; l++) {
      RecurrentCell cell = cells[l];
      cell.prepare(steps, batch);
      copyOrZero(initial == null ? null : initial.h(), l * rows, cell.h(), rows);
      if (cell.c() != null) {
        copyOrZero(initial == null ? null : initial.c(), l * rows, cell.c(), rows);
      }
      cell.beginForward();
    }
    input = grow(input, steps * batch * config.inputSize());
    dropping = dropoutRng != null && config.dropout() > 0 && cells.length > 1;
    if (dropping) {
      for (int l = 1; l < cells.length; l++) {
        dropouts[l].draw(steps * rows, dropoutRng);
        droppedIn[l] = grow(droppedIn[l], steps * rows);
      }
    }
  }

  /** The first layer's inputs [T*B, X]; the caller writes step t's rows before {@link #step}(t). */
  public Tensor input() {
    return input;
  }

  /** Runs every layer through step t (SPEC 8-39: layer l reads layer l - 1's output of the same step). */
  public void step(int t) {
    requireStep(t);
    for (int l = 0; l < cells.length; l++) {
      RecurrentCell cell = cells[l];
      if (l == 0) {
        cell.projectInputsAt(t, input, t * batch * config.inputSize(), config.inputSize());
      } else if (dropping) {
        int rows = batch * hidden;
        dropouts[l].apply(cells[l - 1].h(), (t + 1) * rows, droppedIn[l], t * rows, t * rows, rows);
        cell.projectInputsAt(t, droppedIn[l], t * rows, hidden);
      } else {
        cell.projectInputsAt(t, cells[l - 1].h(), (t + 1) * batch * hidden, hidden);
      }
      Parallel.run(batch, rowChunks(), (b0, b1) -> cell.forwardStep(t, t + 1, t, b0, b1));
    }
  }

  private int rowChunks() {
    return hidden * config.cell().gates() < 64 ? 1 : Math.max(1, Math.min(Parallel.threads(), batch / 2));
  }

  /** The top layer's states by slot, [T + 1, B, H]: step t's output is slot t + 1. */
  public Tensor top() {
    return cells[cells.length - 1].h();
  }

  /** Where step t's output rows [B, H] start in {@link #top()}. */
  public int topOffset(int t) {
    return (t + 1) * batch * hidden;
  }

  /** Copies the state after step t ([layers, B, H], and c for an LSTM) into {@code dst}. */
  public void stateAfter(int t, RecurrentState dst) {
    requireStep(t);
    dst.requireShape(config, batch, "DecoderStack state");
    int rows = batch * hidden;
    for (int l = 0; l < cells.length; l++) {
      dst.h().data().put(l * rows, cells[l].h().data(), (t + 1) * rows, rows);
      if (dst.c() != null) {
        dst.c().data().put(l * rows, cells[l].c().data(), (t + 1) * rows, rows);
      }
    }
  }

  /** Prepares the backward pass over the steps of the last forward pass; dL/d(final state) is taken as zero. */
  public void beginBackward() {
    int rows = batch * hidden;
    for (int l = 0; l < cells.length; l++) {
      dFromAbove[l] = grow(dFromAbove[l], rows);
      dhCarry[l] = grow(dhCarry[l], rows);
      dhCarry[l].zero();
      if (cells[l].dc() != null) {
        dcCarry[l] = grow(dcCarry[l], rows);
        dcCarry[l].zero();
      }
      cells[l].beginBackward();
    }
    dInput = grow(dInput, batch * config.inputSize());
  }

  /**
   * Back through step t: {@code dTop} holds dL/d(top output of step t) for the B rows from
   * {@code dTopOff}. Returns dL/d(first layer's input of step t), [B, X] (a buffer the next call
   * overwrites).
   */
  public Tensor backwardStep(int t, Tensor dTop, int dTopOff) {
    requireStep(t);
    int rows = batch * hidden;
    dFromAbove[cells.length - 1].data().put(0, dTop.data(), dTopOff, rows);
    for (int l = cells.length - 1; l >= 0; l--) {
      RecurrentCell cell = cells[l];
      // dh_t = (from above) + (from step t + 1); the LSTM's dc_t is the carried one.
      kernelsAdd(dFromAbove[l], dhCarry[l], cell.dh(), rows);
      if (cell.dc() != null) {
        cell.dc().data().put(0, dcCarry[l].data(), 0, rows);
      }
      Parallel.run(batch, rowChunks(), (b0, b1) -> cell.backwardStep(t, t + 1, t, b0, b1));
      dhCarry[l].data().put(0, cell.dhPrev().data(), 0, rows);
      if (cell.dc() != null) {
        dcCarry[l].data().put(0, cell.dcPrev().data(), 0, rows);
      }
      if (l > 0) {
        cell.inputGradientAt(t, dFromAbove[l - 1], 0, hidden, false);
        if (dropping) {
          // Through the mask of step t: dL/d(layer l - 1's output) = mask * dL/d(layer l's input).
          dropouts[l].apply(dFromAbove[l - 1], 0, dFromAbove[l - 1], 0, t * rows, rows);
        }
      } else {
        cell.inputGradientAt(t, dInput, 0, config.inputSize(), false);
      }
    }
    return dInput;
  }

  private static void kernelsAdd(Tensor a, Tensor b, Tensor y, int n) {
    for (int i = 0; i < n; i++) {
      y.set(i, a.get(i) + b.get(i));
    }
  }

  /** After the steps' backward: the weights' gradients over all steps; dL/d(initial state) kept. */
  public void finishBackward() {
    for (int l = 0; l < cells.length; l++) {
      RecurrentCell cell = cells[l];
      if (l == 0) {
        cell.inputGradients(input, 0, config.inputSize(), null, 0, 0, false);
      } else if (dropping) {
        cell.inputGradients(droppedIn[l], 0, hidden, null, 0, 0, false);
      } else {
        cell.inputGradients(cells[l - 1].h(), batch * hidden, hidden, null, 0, 0, false);
      }
      cell.recurrentGradients(false);
    }
    if (initialGradient == null || initialGradient.h().dim(1) != batch) {
      initialGradient = RecurrentState.zeros(config, batch);
    }
    int rows = batch * hidden;
    for (int l = 0; l < cells.length; l++) {
      initialGradient.h().data().put(l * rows, dhCarry[l].data(), 0, rows);
      if (initialGradient.c() != null) {
        initialGradient.c().data().put(l * rows, dcCarry[l].data(), 0, rows);
      }
    }
  }

  /**
   * The dropout mask on the input of layer l (l &gt;= 1) of the last run begun, which must have
   * dropped; step t's rows from t*B*H. The tensor may be longer: only its first T*B*H elements are
   * this run's.
   */
  public Tensor dropoutMask(int layer) {
    if (layer < 1 || layer >= cells.length) {
      throw new IllegalArgumentException("DecoderStack: layer " + layer + " has no dropout; layers 1 to "
          + (cells.length - 1) + " do");
    }
    if (!dropping) {
      throw new IllegalStateException("DecoderStack.dropoutMask: the last run begun drew no dropout masks");
    }
    return dropouts[layer].mask();
  }

  /** dL/d(initial state) after {@link #finishBackward}. */
  public RecurrentState initialStateGradient() {
    return initialGradient;
  }

  private void requireStep(int t) {
    if (t < 0 || t >= steps) {
      throw new IllegalArgumentException("DecoderStack: step " + t + " is outside [0, " + steps + ")");
    }
  }

  private static void copyOrZero(Tensor src, int srcOff, Tensor dst, int n) {
    if (src == null) {
      for (int i = 0; i < n; i++) {
        dst.set(i, 0f);
      }
    } else {
      dst.data().put(0, src.data(), srcOff, n);
    }
  }

  private static Tensor grow(Tensor t, int size) {
    return t.size() >= size ? t : Tensor.zeros(size);
  }
}
