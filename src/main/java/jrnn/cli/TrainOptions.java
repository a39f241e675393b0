package jrnn.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jrnn.apps.translate.TranslationModel;
import jrnn.device.Device;
import jrnn.device.DeviceTraining;
import jrnn.device.Gpu;
import jrnn.device.GpuBackend;
import jrnn.frame.TrainingRun;
import jrnn.frame.TrainingTask;
import picocli.CommandLine.Option;

/** The options every train command has besides its settings. */
final class TrainOptions {
  @Option(names = "--out", required = true, description = "Model file to write (the best model).")
  Path out;

  @Option(names = "--resume", description = "Continue from OUT.ckpt, the checkpoint of the last whole epoch.")
  boolean resume;

  @Option(names = "--device", defaultValue = "cpu", description = "cpu, or gpu: each update (forward, backward,"
      + " clipping, the optimizer's step) in the GPU backend (language models, text and speech classifiers, CTC"
      + " recognisers, translators; docs/gpu.md) (default ${DEFAULT-VALUE}).")
  String device;

  /**
   * Checks {@link #device} before the data are read: its name, and for the GPU that it can be
   * used (the backend is made once and kept).
   */
  void checkDevice() {
    if (Device.parse(device) == Device.GPU) {
      Gpu.backend().prepare();
    }
  }

  /** Runs {@code task}'s training, writing {@link #out}, its updates computed on {@link #device}. */
  void execute(TrainingTask task) throws IOException {
    if (Device.parse(device) == Device.CPU) {
      new TrainingRun(task, out, System.out).execute(resume);
      return;
    }
    GpuBackend gpu = Gpu.backend();
    System.out.println("device: " + gpu.describe());
    List<DeviceTraining> made = new ArrayList<>();
    TrainingRun.distributeGradients(trainer -> {
      DeviceTraining training;
      if (trainer.model() != null) {
        training = gpu.gradients(trainer.model(), trainer.config());
      } else if (task.trained() instanceof TranslationModel translator) {
        training = gpu.gradients(translator.network(), trainer.config());
      } else {
        throw new IllegalArgumentException("--device gpu: the GPU computes the updates of sequence models (language"
            + " models, text and speech classifiers, CTC recognisers) and translators; train this application's model"
            + " with --device cpu");
      }
      made.add(training);
      return training;
    });
    Throwable failure = null;
    try {
      new TrainingRun(task, out, System.out).execute(resume);
    } catch (RuntimeException | IOException | Error e) {
      failure = e;
      throw e;
    } finally {
      TrainingRun.distributeGradients(null);
      for (DeviceTraining training : made) {
        try {
          training.close();
        } catch (RuntimeException e) {
          // The run's own failure is the one to report; a failed release goes with it.
          if (failure == null) {
            throw e;
          }
          failure.addSuppressed(e);
        }
      }
    }
  }
}
