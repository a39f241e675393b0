package jrnn.decode;

import jrnn.models.EncoderDecoder;
import jrnn.models.LossStats;

/**
 * An encoder-decoder's passes without dropout where its parameters are: a CPU workspace of an
 * {@link EncoderDecoder} ({@link #of}), or a device that holds them
 * ({@code jrnn.device.DeviceTranslation}). A translator measures and decodes through it, as a
 * sequence model's applications do through an {@code InferencePass}.
 */
public interface TranslationInference {

  /** The teacher-forced cross-entropy of {@code batch}, summed over its target tokens (&lt;/s&gt; included). */
  LossStats loss(EncoderDecoder.Batch batch);

  /**
   * Encodes {@code sources} (each of at least one id) and returns a search's view of the decoder
   * over them (greedy or beam: {@link BeamSearch}), valid until the next call on this object.
   */
  BeamSearch.StepModel search(int[][] sources);

  /** The passes of the CPU workspace {@code net} (one caller at a time; call inside its parameters' freeze). */
  static TranslationInference of(EncoderDecoder net) {
    return new TranslationInference() {
      @Override
      public LossStats loss(EncoderDecoder.Batch batch) {
        return net.forward(batch, false, null);
      }

      @Override
      public BeamSearch.StepModel search(int[][] sources) {
        return new EncoderDecoderSearch(net, net.encode(sources));
      }
    };
  }
}
