package jrnn.models;

import jrnn.cells.CellType;
import jrnn.layers.Bidirectional;
import jrnn.layers.RecurrentConfig;
import jrnn.params.ParamLayout;

/**
 * A sequence model: an optional embedding of token ids, a stack of recurrent layers, and a
 * dense output layer with softmax or identity, read at every step or once per sequence.
 *
 * @param vocabSize number of token ids when the inputs are tokens (read through an embedding
 *     of width {@code inputSize}); 0 when the inputs are real vectors of width {@code inputSize}
 * @param inputSize embedding width, or the width of real-valued inputs
 * @param dropout applied, as Zaremba et al. 2014 do, to every non-recurrent connection: the
 *     input of the first layer, between layers, and the input of the output layer
 * @param twoBiases each recurrent layer has a second bias, {@code bias_hh}
 *     ({@link RecurrentConfig#twoBiases})
 */
public record ModelConfig(int vocabSize, int inputSize, CellType cell, int hiddenSize,
    int layers, Bidirectional bidirectional, double dropout, Readout readout, int outputSize,
    OutputKind output, boolean twoBiases) {

  /** A model with one bias vector per recurrent layer and direction. */
  public ModelConfig(int vocabSize, int inputSize, CellType cell, int hiddenSize, int layers,
      Bidirectional bidirectional, double dropout, Readout readout, int outputSize,
      OutputKind output) {
    this(vocabSize, inputSize, cell, hiddenSize, layers, bidirectional, dropout, readout,
        outputSize, output, false);
  }

  public static final String RNN_PREFIX = "rnn.";
  public static final String EMBEDDING = "embedding.weight";
  public static final String HEAD_WEIGHT = "head.weight";
  public static final String HEAD_BIAS = "head.bias";

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

  public ModelConfig withDropout(double p) {
    return new ModelConfig(vocabSize, inputSize, cell, hiddenSize, layers, bidirectional, p,
        readout, outputSize, output, twoBiases);
  }
}
