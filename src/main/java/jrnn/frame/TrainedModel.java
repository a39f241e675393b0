package jrnn.frame;

import java.io.IOException;
import java.nio.file.Path;
import jrnn.params.Parameters;
import jrnn.training.Trainer;
import jrnn.training.TrainingConfig;
import jrnn.util.Rng;

/** A model of an application: its settings, the network, and the file it writes itself as. */
public interface TrainedModel {
  /** The application's settings the model was made with. */
  Settings settings();

  /** The network's parameters, what training updates and the file holds. */
  Parameters parameters();

  /** A trainer of this model with {@code config}, drawing dropout from {@code rng}. */
  default Trainer trainer(TrainingConfig config, Rng rng) {
    return new Trainer(parameters(), config, rng);
  }

  /** The model file of the model as it is now. */
  AppFile toFile();

  /**
   * Writes the model file atomically: a crash mid-write leaves the previous file intact. The file
   * holds the model as it is now, without the history of the run that trained it: a training run
   * writes that ({@link TrainingRun}), and a model loaded and saved again has none ({@code jrnn
   * info} then shows no run).
   */
  default void save(Path path) throws IOException {
    toFile().write(path);
  }
}
