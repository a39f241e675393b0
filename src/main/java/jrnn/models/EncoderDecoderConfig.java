package jrnn.models;

import jrnn.cells.CellType;
import jrnn.layers.Attention;
import jrnn.layers.Bidirectional;
import jrnn.layers.RecurrentConfig;
import jrnn.params.ParamLayout;

/**
 * An encoder-decoder with attention (SPEC 6.3, machine translation): the encoder reads the whole
 * source, the decoder then writes the target a word at a time from the encoder's final state
 * (through a bridge) and, at every step, from an attention over all the encoder's states.
 *
 * @param sourceVocab source token ids
 * @param targetVocab target token ids
 * @param embedding width of both embeddings
 * @param cell the cell of every encoder and decoder layer
 * @param encoderHidden units of each encoder direction
 * @param encoderLayers encoder layers; {@code bidirectional} gives each two directions, concatenated
 * @param bidirectional whether each encoder layer also reads the source backwards
 * @param decoderHidden units of each decoder layer, also the width of the attentional vector
 * @param decoderLayers decoder layers
 * @param attention how a source state is scored against the decoder's state
 * @param attentionSize additive attention's hidden width (ignored for multiplicative)
 * @param inputFeeding the attentional vector of step t - 1 joins the embedding of word t - 1 as
 *     the decoder's input at step t (Luong et al. 2015)
 * @param tied the output layer's weight is the target embedding table (needs embedding ==
 *     decoderHidden)
 * @param dropout on the embeddings, between encoder layers, between decoder layers and on the attentional vector
 * @param labelSmoothing epsilon of the smoothed target distribution (Szegedy et al. 2016)
 */
public record EncoderDecoderConfig(int sourceVocab, int targetVocab, int embedding, CellType cell,
    int encoderHidden, int encoderLayers, boolean bidirectional, int decoderHidden, int decoderLayers,
    Attention.Score attention, int attentionSize, boolean inputFeeding, boolean tied, double dropout,
    double labelSmoothing) implements java.io.Serializable {

  /** The source embedding table [sourceVocab, embedding]. */
  public static final String SOURCE_EMBEDDING = "source_embedding.weight";
  /** The target embedding table [targetVocab, embedding], also the output weight when tied. */
  public static final String TARGET_EMBEDDING = "target_embedding.weight";
  /** Prefix of the encoder stack's parameters, e.g. {@code encoder.weight_ih_l0}. */
  public static final String ENCODER = "encoder.";
  /** Prefix of the decoder stack's parameters. */
  public static final String DECODER = "decoder.";
  /** W_b of the bridge to the decoder's initial h [decoderLayers*decoderHidden, bridgeInputSize]. */
  public static final String BRIDGE_H_WEIGHT = "bridge.h.weight";
  /** b_b of the bridge to the decoder's initial h. */
  public static final String BRIDGE_H_BIAS = "bridge.h.bias";
  /** The bridge's weight to the decoder's initial c (LSTM only). */
  public static final String BRIDGE_C_WEIGHT = "bridge.c.weight";
  /** The bridge's bias to the decoder's initial c (LSTM only). */
  public static final String BRIDGE_C_BIAS = "bridge.c.bias";
  /** W_k [attentionSize, E] (additive) or W [decoderHidden, E] (multiplicative). */
  public static final String ATTENTION_KEY = "attention.key_weight";
  /** W_q [attentionSize, decoderHidden], additive attention only. */
  public static final String ATTENTION_QUERY = "attention.query_weight";
  /** b [attentionSize], additive attention only. */
  public static final String ATTENTION_BIAS = "attention.bias";
  /** v [attentionSize], additive attention only. */
  public static final String ATTENTION_VECTOR = "attention.vector";
  /** W_c [decoderHidden, E + decoderHidden], which makes the attentional vector of [c_t; s_t]. */
  public static final String COMBINE_WEIGHT = "combine.weight";
  /** b_c [decoderHidden] of the attentional vector. */
  public static final String COMBINE_BIAS = "combine.bias";
  /** W_o [targetVocab, decoderHidden]; absent when tied. */
  public static final String OUTPUT_WEIGHT = "output.weight";
  /** b_o [targetVocab]. */
  public static final String OUTPUT_BIAS = "output.bias";

  /**
   * Checks the sizes (positive), the cell and attention (given), tying (embedding ==
   * decoderHidden), dropout and smoothing (in [0, 1)).
   */
  public EncoderDecoderConfig {
    positive("source vocabulary", sourceVocab);
    positive("target vocabulary", targetVocab);
    positive("embedding", embedding);
    positive("encoder hidden units", encoderHidden);
    positive("encoder layers", encoderLayers);
    positive("decoder hidden units", decoderHidden);
    positive("decoder layers", decoderLayers);
    if (cell == null || attention == null) {
      throw new IllegalArgumentException("EncoderDecoderConfig: cell and attention must be given");
    }
    if (attention == Attention.Score.ADDITIVE) {
      positive("attention size", attentionSize);
    }
    if (tied && embedding != decoderHidden) {
      throw new IllegalArgumentException("EncoderDecoderConfig: tied embeddings need the embedding width ("
          + embedding + ") equal to the decoder's hidden units (" + decoderHidden + ")");
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("EncoderDecoderConfig: dropout must be in [0, 1), got " + dropout);
    }
    if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
      throw new IllegalArgumentException("EncoderDecoderConfig: label smoothing must be in [0, 1), got "
          + labelSmoothing);
    }
  }

  private static void positive(String what, int v) {
    if (v <= 0) {
      throw new IllegalArgumentException("EncoderDecoderConfig: " + what + " must be positive, got " + v);
    }
  }

  /**
   * The encoder stack: reads embeddings, concatenates its two directions when bidirectional,
   * dropout between layers.
   */
  public RecurrentConfig encoder() {
    return new RecurrentConfig(cell, embedding, encoderHidden, encoderLayers,
        bidirectional ? Bidirectional.CONCAT : Bidirectional.NONE, dropout);
  }

  /** The decoder stack: unidirectional, reads {@link #decoderInputSize()} wide rows, dropout between layers. */
  public RecurrentConfig decoder() {
    return new RecurrentConfig(cell, decoderInputSize(), decoderHidden, decoderLayers, Bidirectional.NONE, dropout);
  }

  /** Width of an encoder state, what attention reads: 2H with two directions. */
  public int encoderOutputSize() {
    return encoder().outputSize();
  }

  /** The decoder's input: the previous word's embedding, and the previous attentional vector when fed. */
  public int decoderInputSize() {
    return embedding + (inputFeeding ? decoderHidden : 0);
  }

  /** What the bridge reads: the top encoder layer's final states, both directions side by side. */
  public int bridgeInputSize() {
    return encoderHidden * (bidirectional ? 2 : 1);
  }

  /** Every parameter of the model, named by the constants above, in a fixed order. */
  public ParamLayout parameterLayout() {
    ParamLayout.Builder b = ParamLayout.builder();
    b.add(SOURCE_EMBEDDING, sourceVocab, embedding);
    b.add(TARGET_EMBEDDING, targetVocab, embedding);
    encoder().declareParameters(b, ENCODER);
    b.add(BRIDGE_H_WEIGHT, decoderLayers * decoderHidden, bridgeInputSize());
    b.add(BRIDGE_H_BIAS, decoderLayers * decoderHidden);
    if (cell.hasCellState()) {
      b.add(BRIDGE_C_WEIGHT, decoderLayers * decoderHidden, bridgeInputSize());
      b.add(BRIDGE_C_BIAS, decoderLayers * decoderHidden);
    }
    decoder().declareParameters(b, DECODER);
    if (attention == Attention.Score.ADDITIVE) {
      b.add(ATTENTION_KEY, attentionSize, encoderOutputSize());
      b.add(ATTENTION_QUERY, attentionSize, decoderHidden);
      b.add(ATTENTION_BIAS, attentionSize);
      b.add(ATTENTION_VECTOR, attentionSize);
    } else {
      b.add(ATTENTION_KEY, decoderHidden, encoderOutputSize());
    }
    b.add(COMBINE_WEIGHT, decoderHidden, encoderOutputSize() + decoderHidden);
    b.add(COMBINE_BIAS, decoderHidden);
    if (!tied) {
      b.add(OUTPUT_WEIGHT, targetVocab, decoderHidden);
    }
    b.add(OUTPUT_BIAS, targetVocab);
    return b.build();
  }

  /**
   * A builder with the translation preset's shape: one bidirectional encoder layer, one decoder
   * layer, multiplicative attention with input feeding, untied output, no dropout or smoothing.
   * Vocabularies, widths and the cell must be set.
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds an {@link EncoderDecoderConfig} by named fields; {@link #build()} checks it as the record does. */
  public static final class Builder {
    private int sourceVocab;
    private int targetVocab;
    private int embedding;
    private CellType cell;
    private int encoderHidden;
    private int encoderLayers = 1;
    private boolean bidirectional = true;
    private int decoderHidden;
    private int decoderLayers = 1;
    private Attention.Score attention = Attention.Score.MULTIPLICATIVE;
    private int attentionSize;
    private boolean inputFeeding = true;
    private boolean tied;
    private double dropout;
    private double labelSmoothing;

    private Builder() {}

    /** Sizes of the source and target vocabularies. */
    public Builder vocabularies(int source, int target) {
      this.sourceVocab = source;
      this.targetVocab = target;
      return this;
    }

    /** Width of both embeddings. */
    public Builder embedding(int width) {
      this.embedding = width;
      return this;
    }

    /** The cell of every encoder and decoder layer. */
    public Builder cell(CellType type) {
      this.cell = type;
      return this;
    }

    /** The cell by name ({@link CellType#parse}). */
    public Builder cell(String name) {
      return cell(CellType.parse(name));
    }

    /** Encoder units per direction, layers, and whether each layer reads both ways. */
    public Builder encoder(int hidden, int layers, boolean bothDirections) {
      this.encoderHidden = hidden;
      this.encoderLayers = layers;
      this.bidirectional = bothDirections;
      return this;
    }

    /** Decoder units per layer (also the attentional vector's width) and layers. */
    public Builder decoder(int hidden, int layers) {
      this.decoderHidden = hidden;
      this.decoderLayers = layers;
      return this;
    }

    /** Multiplicative attention (Luong et al. 2015). */
    public Builder multiplicativeAttention() {
      this.attention = Attention.Score.MULTIPLICATIVE;
      return this;
    }

    /** Additive attention (Bahdanau et al. 2015) with a hidden layer of {@code size}. */
    public Builder additiveAttention(int size) {
      this.attention = Attention.Score.ADDITIVE;
      this.attentionSize = size;
      return this;
    }

    /** Whether the previous attentional vector joins the decoder's input (default on). */
    public Builder inputFeeding(boolean on) {
      this.inputFeeding = on;
      return this;
    }

    /** The output layer's weight is the target embedding (needs embedding width == decoder units). */
    public Builder tied(boolean on) {
      this.tied = on;
      return this;
    }

    /** Dropout on the embeddings, between encoder layers, between decoder layers and on the attentional vector, in [0, 1). */
    public Builder dropout(double p) {
      this.dropout = p;
      return this;
    }

    /** Epsilon of the smoothed target distribution, in [0, 1) (default 0). */
    public Builder labelSmoothing(double epsilon) {
      this.labelSmoothing = epsilon;
      return this;
    }

    /** The configuration, checked as the record checks it. */
    public EncoderDecoderConfig build() {
      return new EncoderDecoderConfig(sourceVocab, targetVocab, embedding, cell, encoderHidden, encoderLayers,
          bidirectional, decoderHidden, decoderLayers, attention, attentionSize, inputFeeding, tied, dropout,
          labelSmoothing);
    }
  }
}
