package jrnn.layers;

import java.util.Arrays;
import jrnn.cells.RecurrentCell;
import jrnn.kernels.Kernels;
import jrnn.params.Parameters;
import jrnn.tensor.ShapeMismatchException;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;

/**
 * A stack of recurrent layers (SPEC 8-39), each with one or two directions (8-40 .. 8-42) whose
 * outputs are concatenated or summed, and dropout between layers; the equivalent of PyTorch's
 * nn.RNN / nn.LSTM / nn.GRU. Inputs and outputs are time-major, [T, B, width].
 *
 * <p>Outputs of the last forward pass stay valid until the next one; backward must follow the
 * forward it differentiates.
 */
public final class RecurrentStack {
  private final RecurrentConfig config;
  private final String component;
  private final RecurrentLayer[][] layers;
  private final Dropout[] dropouts;  // dropouts[l] on the input of layer l, l >= 1
  private final int hidden;
  private final int width;

  private int steps;
  private int batch;
  private int[] lengths;
  private boolean dropped;
  private Tensor input;
  /** outputs[l]: merged output of layer l, [T, B, W]. */
  private final Tensor[] outputs;
  /** inputs[l] for l >= 1: the input of layer l after dropout (only used when dropping). */
  private final Tensor[] dropIn;
  private final Tensor[] dOutputs;
  private RecurrentState finalState;
  private RecurrentState initialGradient;

  /**
   * A stack of {@code config}'s layers on the parameters of {@code params} named from {@code
   * prefix} (e.g. {@code rnn.}).
   */
  public RecurrentStack(RecurrentConfig config, Parameters params, String prefix, Kernels kernels) {
    this.config = config;
    this.component = "RecurrentStack(" + config.cell().name() + ", " + config.layers() + " layers"
        + (config.directions() == 2 ? ", bidirectional " + config.bidirectional().label() : "") + ")";
    this.hidden = config.hiddenSize();
    this.width = config.outputSize();
    int n = config.layers();
    this.layers = new RecurrentLayer[n][config.directions()];
    this.dropouts = new Dropout[n];
    for (int l = 0; l < n; l++) {
      for (int d = 0; d < config.directions(); d++) {
        RecurrentCell cell = RecurrentCell.create(config.cell(), config.layerInputSize(l), hidden,
            params, prefix, l, d, kernels);
        layers[l][d] = new RecurrentLayer(cell, kernels, d == 1);
      }
      dropouts[l] = new Dropout(l == 0 ? 0 : config.dropout());
    }
    this.outputs = new Tensor[n];
    this.dropIn = new Tensor[n];
    this.dOutputs = new Tensor[n];
    Arrays.fill(outputs, Tensor.zeros(0));
    Arrays.fill(dropIn, Tensor.zeros(0));
    Arrays.fill(dOutputs, Tensor.zeros(0));
  }

  /** The stack's configuration. */
  public RecurrentConfig config() {
    return config;
  }

  /**
   * Runs the stack on {@code x} [T, B, X] (rows of stride X; a larger tensor is read in its
   * first T*B rows). {@code initial} may be null for zero states. Returns the merged output of
   * the top layer, [T, B, W] in the first T*B*W elements of the returned tensor.
   */
  public Tensor forward(Tensor x, int steps, int batch, int[] lengths, RecurrentState initial,
      boolean training, Rng rng) {
    validate(x, steps, batch, lengths, initial);
    this.steps = steps;
    this.batch = batch;
    this.lengths = lengths.clone();
    this.input = x;
    int rows = steps * batch;
    finalState = finalState != null && finalState.h().dim(1) == batch
        ? finalState : RecurrentState.zeros(config, batch);
    Tensor in = x;
    int inLd = config.inputSize();
    dropped = false;
    for (int l = 0; l < config.layers(); l++) {
      if (l > 0 && dropouts[l].active(training)) {
        dropIn[l] = grow(dropIn[l], rows * width);
        dropouts[l].forward(in, dropIn[l], rows * width, rng);
        in = dropIn[l];
        dropped = true;
      }
      outputs[l] = grow(outputs[l], rows * width);
      for (int d = 0; d < config.directions(); d++) {
        int slot = l * config.directions() + d;
        int stateOff = slot * batch * hidden;
        boolean concat = config.bidirectional() == Bidirectional.CONCAT;
        layers[l][d].forward(in, 0, inLd, steps, batch, this.lengths,
            initial == null ? null : initial.h(), stateOff,
            initial == null ? null : initial.c(), stateOff,
            outputs[l], concat ? d * hidden : 0, width, !concat && d == 1);
        layers[l][d].finalHidden(finalState.h(), stateOff);
        if (finalState.c() != null) {
          layers[l][d].finalCell(finalState.c(), stateOff);
        }
      }
      in = outputs[l];
      inLd = width;
    }
    return outputs[config.layers() - 1];
  }

  private void validate(Tensor x, int steps, int batch, int[] lengths, RecurrentState initial) {
    if (steps <= 0 || batch <= 0) {
      throw new ShapeMismatchException(component + ": steps and batch size must be positive, got T="
          + steps + ", B=" + batch);
    }
    if (x.size() < steps * batch * config.inputSize()) {
      throw new ShapeMismatchException(component + ": input of " + x.size() + " elements is smaller than T*B*X = "
          + steps + "*" + batch + "*" + config.inputSize());
    }
    if (lengths.length != batch) {
      throw new ShapeMismatchException(component + ": expected " + batch + " sequence lengths, got "
          + lengths.length);
    }
    for (int b = 0; b < batch; b++) {
      if (lengths[b] < 1 || lengths[b] > steps) {
        throw new ShapeMismatchException(component + ": length of sequence " + b + " must be in [1, "
            + steps + "] (the batch's time steps), got " + lengths[b]);
      }
    }
    if (initial != null) {
      initial.requireShape(config, batch, component);
    }
  }

  private static Tensor grow(Tensor t, int size) {
    return t.size() >= size ? t : Tensor.zeros(size);
  }

  /** Final states of every layer and direction after the last forward pass (buffers reused). */
  public RecurrentState finalState() {
    return finalState;
  }

  /**
   * Back-propagates dL/d(top output) [T, B, W] and dL/d(final state) (null for none), adding
   * parameter gradients; writes dL/dx into {@code dx} [T, B, X] unless null. Afterwards
   * {@link #initialStateGradient} holds dL/d(initial state).
   */
  public void backward(Tensor dTop, RecurrentState dFinal, Tensor dx) {
    int rows = steps * batch;
    if (initialGradient == null || initialGradient.h().dim(1) != batch) {
      initialGradient = RecurrentState.zeros(config, batch);
    }
    Tensor dOut = dTop;
    for (int l = config.layers() - 1; l >= 0; l--) {
      Tensor in;
      int inLd;
      Tensor dIn;
      if (l == 0) {
        in = input;
        inLd = config.inputSize();
        dIn = dx;
      } else {
        in = dropouts[l].active(dropped) ? dropIn[l] : outputs[l - 1];
        inLd = width;
        dOutputs[l - 1] = grow(dOutputs[l - 1], rows * width);
        dIn = dOutputs[l - 1];
      }
      boolean concat = config.bidirectional() == Bidirectional.CONCAT;
      for (int d = 0; d < config.directions(); d++) {
        int slot = l * config.directions() + d;
        int stateOff = slot * batch * hidden;
        layers[l][d].backward(dOut, concat ? d * hidden : 0, width,
            dFinal == null ? null : dFinal.h(), stateOff,
            dFinal == null ? null : dFinal.c(), stateOff,
            dIn, 0, inLd, d == 1);
        layers[l][d].initialHiddenGradient(initialGradient.h(), stateOff);
        if (initialGradient.c() != null) {
          layers[l][d].initialCellGradient(initialGradient.c(), stateOff);
        }
      }
      if (l > 0 && dropouts[l].active(dropped)) {
        dropouts[l].backward(dIn, dIn, rows * width);
      }
      dOut = dIn;
    }
  }

  /** dL/d(initial state) after {@link #backward}. */
  public RecurrentState initialStateGradient() {
    return initialGradient;
  }

  /** Sets (or, with null, removes) a probe on every layer and direction. */
  public void setProbe(RecurrentLayer.StepProbe probe) {
    for (RecurrentLayer[] l : layers) {
      for (RecurrentLayer d : l) {
        d.setProbe(probe);
      }
    }
  }

  /** Layer l, direction d (0 forward, 1 backward). */
  public RecurrentLayer layer(int l, int d) {
    return layers[l][d];
  }

  /** The dropout mask on the input of layer l (l >= 1) of the last training pass. */
  public Tensor dropoutMask(int layer) {
    return dropouts[layer].mask();
  }

  /** T of the last forward pass. */
  public int steps() {
    return steps;
  }

  /** B of the last forward pass. */
  public int batch() {
    return batch;
  }
}
