package jrnn.device;

import jrnn.decode.TranslationInference;

/**
 * An encoder-decoder's passes without dropout on a device that holds its parameters (a copy taken
 * when it is made, which {@link #refresh} takes again; or, for the device that trains the model,
 * the parameters it updates): the teacher-forced loss and the decoder's steps of a search, each
 * row's likeliest next words chosen on the device and coming back to the host, where the search
 * keeps its hypotheses
 * ({@code translate}, {@code eval translate} with {@code --device gpu}, and a GPU run's checks).
 * Closing it frees the device's memory.
 */
public interface DeviceTranslation extends TranslationInference, AutoCloseable {

  /** Takes the model's parameters again, after they changed on the host. */
  void refresh();

  @Override
  void close();
}
