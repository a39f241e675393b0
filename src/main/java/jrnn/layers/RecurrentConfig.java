package jrnn.layers;

import jrnn.cells.CellType;
import jrnn.cells.ParamNames;
import jrnn.params.ParamLayout;

/**
 * A stack of recurrent layers (SPEC 8-39), each optionally bidirectional (8-40 .. 8-42), with
 * dropout between layers. Layer l reads the merged output of layer l - 1; layer 0 reads the
 * input of width {@code inputSize}.
 *
 * @param cell the kind of cell of every layer
 * @param inputSize X, the width of layer 0's input
 * @param hiddenSize H, the hidden units of each layer and direction
 * @param layers the number of stacked layers
 * @param bidirectional whether each layer also reads backwards, and how the directions merge
 *     (null reads as {@link Bidirectional#NONE})
 * @param dropout dropout on the input of every layer above the first, in [0, 1)
 * @param twoBiases each layer has a second bias vector {@code bias_hh} beside {@code bias}, as
 *     cuDNN, PyTorch and Zaremba et al.'s code have (b_ih and b_hh). The pre-activations see
 *     only their sum, as in the chapter's single b, but both are trained: under SGD their sum
 *     moves twice as fast, and drawn at random it starts twice as spread. LSTM and simple
 *     RNN cells only; the GRU's recurrent bias is already its own ({@code bias_hn}).
 */
public record RecurrentConfig(CellType cell, int inputSize, int hiddenSize, int layers,
    Bidirectional bidirectional, double dropout, boolean twoBiases) {

  /** A stack with one bias vector per layer and direction. */
  public RecurrentConfig(CellType cell, int inputSize, int hiddenSize, int layers,
      Bidirectional bidirectional, double dropout) {
    this(cell, inputSize, hiddenSize, layers, bidirectional, dropout, false);
  }

  /** Checks every field's range; a null {@code bidirectional} becomes {@link Bidirectional#NONE}. */
  public RecurrentConfig {
    if (cell == null) {
      throw new IllegalArgumentException("RecurrentConfig: cell type must be given");
    }
    if (inputSize <= 0) {
      throw new IllegalArgumentException("RecurrentConfig: input size must be positive, got " + inputSize);
    }
    if (hiddenSize <= 0) {
      throw new IllegalArgumentException("RecurrentConfig: hidden size must be positive, got " + hiddenSize);
    }
    if (layers <= 0) {
      throw new IllegalArgumentException("RecurrentConfig: number of layers must be positive, got " + layers);
    }
    if (bidirectional == null) {
      bidirectional = Bidirectional.NONE;
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("RecurrentConfig: dropout must be in [0, 1), got " + dropout);
    }
    if (twoBiases && cell instanceof CellType.Gru) {
      throw new IllegalArgumentException("RecurrentConfig: two biases are for LSTM and simple RNN"
          + " cells; the GRU keeps its recurrent bias as bias_hn (cell " + cell.name() + ")");
    }
  }

  /** 1, or 2 when bidirectional. */
  public int directions() {
    return bidirectional.directions();
  }

  /** Width of each layer's merged output: 2H for concatenation, H otherwise. */
  public int outputSize() {
    return bidirectional == Bidirectional.CONCAT ? 2 * hiddenSize : hiddenSize;
  }

  /** The input width of layer {@code layer}: {@code inputSize} for layer 0, else {@link #outputSize()}. */
  public int layerInputSize(int layer) {
    return layer == 0 ? inputSize : outputSize();
  }

  /** Number of state slots, layers * directions, as in PyTorch's h0 [layers*D, B, H]. */
  public int stateSlots() {
    return layers * directions();
  }

  /** Declares every parameter of the stack, layer by layer, forward direction first. */
  public void declareParameters(ParamLayout.Builder b, String prefix) {
    int g = cell.gates() * hiddenSize;
    for (int l = 0; l < layers; l++) {
      for (int d = 0; d < directions(); d++) {
        b.add(ParamNames.recurrent(prefix, "weight_ih", l, d), g, layerInputSize(l));
        b.add(ParamNames.recurrent(prefix, "weight_hh", l, d), g, hiddenSize);
        b.add(ParamNames.recurrent(prefix, "bias", l, d), g);
        if (twoBiases) {
          b.add(ParamNames.recurrent(prefix, "bias_hh", l, d), g);
        }
        if (cell instanceof CellType.Lstm lstm && lstm.peephole()) {
          if (!lstm.coupled()) {
            b.add(ParamNames.recurrent(prefix, "weight_ci", l, d), hiddenSize);
          }
          b.add(ParamNames.recurrent(prefix, "weight_cf", l, d), hiddenSize);
          b.add(ParamNames.recurrent(prefix, "weight_co", l, d), hiddenSize);
        }
        if (cell instanceof CellType.Gru gru && gru.resetAfter()) {
          b.add(ParamNames.recurrent(prefix, "bias_hn", l, d), hiddenSize);
        }
      }
    }
  }

  /** A builder with the defaults: one layer, one direction, no dropout, one bias. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link RecurrentConfig} by named fields; {@link #build()} checks it as the record does. */
  public static final class Builder {
    private CellType cell;
    private int inputSize;
    private int hiddenSize;
    private int layers = 1;
    private Bidirectional bidirectional = Bidirectional.NONE;
    private double dropout;
    private boolean twoBiases;

    private Builder() {}

    /** The cell type of every layer. */
    public Builder cell(CellType type) {
      this.cell = type;
      return this;
    }

    /** The cell by name ({@link CellType#parse}). */
    public Builder cell(String name) {
      return cell(CellType.parse(name));
    }

    /** Width of the first layer's input. */
    public Builder input(int width) {
      this.inputSize = width;
      return this;
    }

    /** Hidden units of each layer and direction. */
    public Builder hidden(int units) {
      this.hiddenSize = units;
      return this;
    }

    /** The number of stacked layers (default 1). */
    public Builder layers(int n) {
      this.layers = n;
      return this;
    }

    /** Whether each layer also reads backwards, and how the directions merge (default none). */
    public Builder bidirectional(Bidirectional merge) {
      this.bidirectional = merge;
      return this;
    }

    /** Dropout between layers, in [0, 1). */
    public Builder dropout(double p) {
      this.dropout = p;
      return this;
    }

    /** A second bias {@code bias_hh} per layer and direction (see the record's {@code twoBiases}). */
    public Builder twoBiases(boolean on) {
      this.twoBiases = on;
      return this;
    }

    /** The configuration, checked as the record checks it. */
    public RecurrentConfig build() {
      return new RecurrentConfig(cell, inputSize, hiddenSize, layers, bidirectional, dropout, twoBiases);
    }
  }
}
