package jrnn.device;

import jrnn.models.InferencePass;

/**
 * A sequence model's passes without dropout on a device that holds a copy of its parameters,
 * taken when it is made ({@link #refresh} takes them again): measuring a text, scoring or sampling
 * next tokens ({@code eval}, {@code next}, {@code generate} with {@code --device gpu}). Each
 * pass's final states come back to the host, its outputs when asked for. Closing it frees the
 * device's memory.
 */
public interface DeviceInference extends InferencePass, AutoCloseable {

  /** Takes the model's parameters again, after they changed on the host. */
  void refresh();

  @Override
  void close();
}
