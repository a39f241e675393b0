package jrnn.frame;

import java.io.IOException;
import java.nio.file.Path;
import jrnn.models.SequenceModel;

/** A model of an application: its settings, the network, and the file it writes itself as. */
public interface TrainedModel {
  Settings settings();

  SequenceModel model();

  /** The model file of the model as it is now. */
  AppFile toFile();

  /** Writes the model file atomically: a crash mid-write leaves the previous file intact. */
  default void save(Path path) throws IOException {
    toFile().write(path);
  }
}
