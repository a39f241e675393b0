package jrnn.models;

import jrnn.cells.CellType;
import jrnn.layers.Bidirectional;
import jrnn.layers.RecurrentConfig;
import jrnn.params.ParamLayout;

/**
 * A sequence model: an optional embedding of token ids, a stack of recurrent layers, and a
 * dense output layer with softmax or identity, read at every step or once per sequence.
 * {@link #builder()} names each field as it is set:
 *
 * <pre>{@code
 * ModelConfig config = ModelConfig.builder()
 *     .inputs(4).cell(CellType.parse("lstm-peephole")).hidden(64).layers(2)
 *     .bidirectional(Bidirectional.CONCAT).dropout(0.2).softmax(4)
 *     .build();
 * }</pre>
 *
 * @param vocabSize number of token ids when the inputs are tokens (read through an embedding
 *     of width {@code inputSize}); 0 when the inputs are real vectors of width {@code inputSize}
 * @param inputSize embedding width, or the width of real-valued inputs
 * @param cell the cell of every recurrent layer
 * @param hiddenSize H, hidden units of each layer and direction
 * @param layers number of stacked recurrent layers
 * @param bidirectional whether each layer also reads backwards, and how the directions merge
 *     (null reads as {@link Bidirectional#NONE})
 * @param dropout applied, as Zaremba et al. 2014 do, to every non-recurrent connection: the
 *     input of the first layer, between layers, and the input of the output layer
 * @param readout where the output layer reads the stack (null reads as
 *     {@link Readout#EVERY_STEP})
 * @param outputSize classes of the softmax, or width of the linear output
 * @param output softmax or linear output (null reads as {@link OutputKind#SOFTMAX})
 * @param twoBiases each recurrent layer has a second bias, {@code bias_hh}
 *     ({@link RecurrentConfig#twoBiases})
 */
public record ModelConfig(int vocabSize, int inputSize, CellType cell, int hiddenSize,
    int layers, Bidirectional bidirectional, double dropout, Readout readout, int outputSize,
    OutputKind output, boolean twoBiases) implements java.io.Serializable {

  /** A model with one bias vector per recurrent layer and direction. */
  public ModelConfig(int vocabSize, int inputSize, CellType cell, int hiddenSize, int layers,
      Bidirectional bidirectional, double dropout, Readout readout, int outputSize,
      OutputKind output) {
    this(vocabSize, inputSize, cell, hiddenSize, layers, bidirectional, dropout, readout,
        outputSize, output, false);
  }

  /** Prefix of the recurrent stack's parameters, e.g. {@code rnn.weight_ih_l0}. */
  public static final String RNN_PREFIX = "rnn.";
  /** The embedding table [vocabSize, inputSize] (token inputs only). */
  public static final String EMBEDDING = "embedding.weight";
  /** The output layer's weight V [outputSize, headInputSize]. */
  public static final String HEAD_WEIGHT = "head.weight";
  /** The output layer's bias c [outputSize]. */
  public static final String HEAD_BIAS = "head.bias";

  /** Checks the sizes and dropout; null readout, output and bidirectional take their defaults. */
  public ModelConfig {
    if (vocabSize < 0) {
      throw new IllegalArgumentException("ModelConfig: vocabulary size must not be negative, got " + vocabSize);
    }
    if (outputSize <= 0) {
      throw new IllegalArgumentException("ModelConfig: output size must be positive, got " + outputSize);
    }
    if (readout == null) {
      readout = Readout.EVERY_STEP;
    }
    if (output == null) {
      output = OutputKind.SOFTMAX;
    }
    if (bidirectional == null) {
      bidirectional = Bidirectional.NONE;
    }
    // Validates cell, sizes and dropout with messages of its own.
    new RecurrentConfig(cell, inputSize, hiddenSize, layers, bidirectional, dropout, twoBiases);
  }

  /** Whether the inputs are token ids (vocabSize &gt; 0) rather than real vectors. */
  public boolean tokenInput() {
    return vocabSize > 0;
  }

  /** The recurrent stack; its own dropout is the between-layer part of {@link #dropout}. */
  public RecurrentConfig recurrent() {
    return new RecurrentConfig(cell, inputSize, hiddenSize, layers, bidirectional, dropout,
        twoBiases);
  }

  /** Width of the vector the output layer reads. */
  public int headInputSize() {
    return recurrent().outputSize();
  }

  /** Every parameter: the embedding (token inputs), the stack's under {@link #RNN_PREFIX}, then the head. */
  public ParamLayout parameterLayout() {
    ParamLayout.Builder b = ParamLayout.builder();
    if (tokenInput()) {
      b.add(EMBEDDING, vocabSize, inputSize);
    }
    recurrent().declareParameters(b, RNN_PREFIX);
    b.add(HEAD_WEIGHT, outputSize, headInputSize());
    b.add(HEAD_BIAS, outputSize);
    return b.build();
  }

  /** A builder with the defaults: one layer, one direction, no dropout, a softmax read at every step. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link ModelConfig}; {@link #build()} checks it as the record does. */
  public static final class Builder extends Fields<Builder> {
    private Builder() {}

    /** The configuration, checked as the record checks it. */
    public ModelConfig build() {
      return config();
    }
  }

  /**
   * The fields of a model, set by name: shared by {@link ModelConfig#builder()} and
   * {@code SequenceModel.builder()}, which builds the model itself.
   *
   * @param <B> the builder type, returned by every setter
   */
  public abstract static class Fields<B extends Fields<B>> {
    private int vocabSize;
    private int inputSize;
    private CellType cell;
    private int hiddenSize;
    private int layers = 1;
    private Bidirectional bidirectional = Bidirectional.NONE;
    private double dropout;
    private Readout readout = Readout.EVERY_STEP;
    private int outputSize;
    private OutputKind output = OutputKind.SOFTMAX;
    private boolean twoBiases;

    /** Fields with the defaults: one layer, one direction, no dropout, a softmax read at every step. */
    protected Fields() {}

    @SuppressWarnings("unchecked")
    private B self() {
      return (B) this;
    }

    /** Real-valued inputs of {@code width} features per step. */
    public B inputs(int width) {
      this.vocabSize = 0;
      this.inputSize = width;
      return self();
    }

    /** Token ids below {@code vocabulary}, read through an embedding of {@code embeddingWidth}. */
    public B tokens(int vocabulary, int embeddingWidth) {
      if (vocabulary <= 0) {
        throw new IllegalArgumentException("ModelConfig: vocabulary size must be positive, got " + vocabulary);
      }
      this.vocabSize = vocabulary;
      this.inputSize = embeddingWidth;
      return self();
    }

    /** The recurrent cell, such as {@code CellType.parse("gru")}. */
    public B cell(CellType type) {
      this.cell = type;
      return self();
    }

    /** The recurrent cell by name ({@link CellType#parse}): "rnn-tanh", "lstm-peephole", "gru-reset-after", ... */
    public B cell(String name) {
      return cell(CellType.parse(name));
    }

    /** Hidden units of each layer and direction. */
    public B hidden(int units) {
      this.hiddenSize = units;
      return self();
    }

    /** Number of stacked recurrent layers (default 1). */
    public B layers(int n) {
      this.layers = n;
      return self();
    }

    /** Two directions per layer and how their outputs merge ({@link Bidirectional#NONE}: one). */
    public B bidirectional(Bidirectional merge) {
      this.bidirectional = merge;
      return self();
    }

    /** Dropout on every non-recurrent connection, in [0, 1). */
    public B dropout(double p) {
      this.dropout = p;
      return self();
    }

    /** Where the output layer reads the stack: every step, or once per sequence. */
    public B readout(Readout r) {
      this.readout = r;
      return self();
    }

    /** A softmax over {@code classes} classes, trained on cross-entropy. */
    public B softmax(int classes) {
      this.outputSize = classes;
      this.output = OutputKind.SOFTMAX;
      return self();
    }

    /** {@code width} real-valued outputs, trained on mean squared error. */
    public B linear(int width) {
      this.outputSize = width;
      this.output = OutputKind.LINEAR;
      return self();
    }

    /** A second bias per recurrent layer ({@link RecurrentConfig#twoBiases}). */
    public B twoBiases(boolean on) {
      this.twoBiases = on;
      return self();
    }

    /** The configuration set so far, checked as the record checks it. */
    protected ModelConfig config() {
      if (inputSize == 0) {
        throw new IllegalArgumentException("ModelConfig: the inputs are not set: call inputs(width) or tokens(vocabulary, width)");
      }
      if (outputSize == 0) {
        throw new IllegalArgumentException("ModelConfig: the outputs are not set: call softmax(classes) or linear(width)");
      }
      return new ModelConfig(vocabSize, inputSize, cell, hiddenSize, layers, bidirectional, dropout, readout,
          outputSize, output, twoBiases);
    }
  }

  /** This configuration with dropout {@code p}. */
  public ModelConfig withDropout(double p) {
    return new ModelConfig(vocabSize, inputSize, cell, hiddenSize, layers, bidirectional, p,
        readout, outputSize, output, twoBiases);
  }
}
