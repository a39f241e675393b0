package jrnn.decode;

import jrnn.models.EncoderDecoder;
import jrnn.tensor.Tensor;

/**
 * A beam search's view of a CPU workspace of an {@link EncoderDecoder} ({@link TranslationInference#of}):
 * rows of hypotheses, each reading one encoded sentence.
 */
final class EncoderDecoderSearch implements BeamSearch.StepModel {
  private final EncoderDecoder net;
  private final EncoderDecoder.Encoded encoded;
  private int[] sentenceOfRow;
  private EncoderDecoder.DecoderState state;

  EncoderDecoderSearch(EncoderDecoder net, EncoderDecoder.Encoded encoded) {
    this.net = net;
    this.encoded = encoded;
  }

  @Override
  public int vocabulary() {
    return net.config().targetVocab();
  }

  @Override
  public void begin(int[] rows) {
    sentenceOfRow = rows.clone();
    net.attend(encoded, sentenceOfRow);
    state = encoded.start().select(sentenceOfRow);
  }

  @Override
  public void step(int[] previous, Tensor logProbs) {
    state = net.step(previous, state, logProbs);
  }

  @Override
  public void select(int[] from) {
    int[] rows = new int[from.length];
    for (int r = 0; r < from.length; r++) {
      rows[r] = sentenceOfRow[from[r]];
    }
    state = state.select(from);
    if (!java.util.Arrays.equals(rows, sentenceOfRow)) {
      sentenceOfRow = rows;
      net.attend(encoded, sentenceOfRow);
    }
  }
}
