package jrnn.cli;

import java.util.function.Function;
import java.util.function.Supplier;
import jrnn.decode.TranslationInference;
import jrnn.device.Device;
import jrnn.device.DeviceInference;
import jrnn.device.DeviceTranslation;
import jrnn.device.Gpu;
import jrnn.models.EncoderDecoder;
import jrnn.models.InferencePass;
import jrnn.models.SequenceModel;
import picocli.CommandLine.Option;

/**
 * {@code --device} of the commands that run a trained model: {@code eval lm}, {@code eval
 * sentiment}, {@code eval speech}, {@code next}, {@code generate}, {@code translate}, {@code eval
 * translate}.
 */
final class InferenceDevice {

  @Option(names = "--device", defaultValue = "cpu", description = "cpu, or gpu: the model's passes in the GPU backend,"
      + " the results the CPU's to float32 rounding (docs/gpu.md) (default ${DEFAULT-VALUE}).")
  String device;

  /** Whether {@code --device gpu} was asked for (a bad name is refused with the names there are). */
  boolean gpu() {
    return Device.parse(device) == Device.GPU;
  }

  /**
   * {@code onCpu}'s result, or with {@code --device gpu} {@code onGpu}'s on the model's passes on
   * the GPU (its parameters copied there, the device's memory freed after).
   */
  <T> T run(SequenceModel model, Supplier<T> onCpu, Function<InferencePass, T> onGpu) {
    if (!gpu()) {
      return onCpu.get();
    }
    try (DeviceInference passes = Gpu.backend().inference(model)) {
      return onGpu.apply(passes);
    }
  }

  /** As for a sequence model, an encoder-decoder's (a translator's) passes on the GPU. */
  <T> T run(EncoderDecoder model, Supplier<T> onCpu, Function<TranslationInference, T> onGpu) {
    if (!gpu()) {
      return onCpu.get();
    }
    try (DeviceTranslation passes = Gpu.backend().inference(model)) {
      return onGpu.apply(passes);
    }
  }
}
