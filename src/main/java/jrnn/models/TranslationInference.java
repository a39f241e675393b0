package jrnn.models;

import jrnn.decode.BeamSearch;

/**
 * An encoder-decoder's passes without dropout where its parameters are: the CPU's
 * {@link EncoderDecoder} (one workspace), or a device that holds them
 * ({@code jrnn.device.DeviceTranslation}). A translator measures and decodes through it, as a
 * sequence model's applications do through an {@link InferencePass}.
 */
public interface TranslationInference {

  /** The teacher-forced cross-entropy of {@code batch}, summed over its target tokens (&lt;/s&gt; included). */
  LossStats loss(EncoderDecoder.Batch batch);

  /**
   * Encodes {@code sources} (each of at least one id) and returns a search's view of the decoder
   * over them (greedy or beam: {@link BeamSearch}), valid until the next call on this object.
   */
  BeamSearch.StepModel search(int[][] sources);
}
