package jrnn.device;

import jrnn.decode.TranslationInference;

/**
 * An encoder-decoder's passes without dropout on a device that holds a copy of its parameters,
 * taken when it is made ({@link #refresh} takes them again): the teacher-forced loss and the
 * decoder's steps of a search, each step's log-probabilities coming back to the host, where the
 * search keeps its hypotheses ({@code translate}, {@code eval translate} with {@code --device
 * gpu}). Closing it frees the device's memory.
 */
public interface DeviceTranslation extends TranslationInference, AutoCloseable {

  /** Takes the model's parameters again, after they changed on the host. */
  void refresh();

  @Override
  void close();
}
