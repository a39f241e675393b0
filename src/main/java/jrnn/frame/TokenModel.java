package jrnn.frame;

import jrnn.data.Vocabulary;
import jrnn.models.SequenceModel;
import jrnn.models.Workspaces;
import jrnn.params.Parameters;
import jrnn.training.Trainer;
import jrnn.training.TrainingConfig;
import jrnn.util.Rng;

/**
 * A model that reads tokens through one vocabulary (a language model, a text classifier): its
 * file holds the vocabulary in section {@code vocab} beside the settings and parameters.
 *
 * <p>Threads: the inference methods of the applications (scoring, classifying, predicting,
 * sampling) may be called from any number of threads at once; each pass runs on a workspace of
 * {@link #workspaces} over the shared parameters. Training ({@link #trainer}) runs on
 * {@link #model()} and must not overlap with inference.
 */
public abstract class TokenModel implements TrainedModel {
  /** The application's settings. */
  protected final Settings settings;
  /** The vocabulary of the model's input tokens. */
  protected final Vocabulary vocab;
  /** The network training updates. */
  protected final SequenceModel model;
  /** Workspaces over {@link #model}'s parameters for inference passes, one per concurrent caller. */
  protected final Workspaces<SequenceModel> workspaces;

  /**
   * A model of {@code settings} reading {@code vocab} through {@code model}, with a workspace pool
   * over its parameters.
   */
  protected TokenModel(Settings settings, Vocabulary vocab, SequenceModel model) {
    this.settings = settings;
    this.vocab = vocab;
    this.model = model;
    this.workspaces = new Workspaces<>(model::newWorkspace);
  }

  @Override
  public Settings settings() {
    return settings;
  }

  /** The vocabulary of the model's input tokens. */
  public Vocabulary vocabulary() {
    return vocab;
  }

  /** The network training updates (not for concurrent inference: see {@link #workspaces}). */
  public SequenceModel model() {
    return model;
  }

  @Override
  public Parameters parameters() {
    return model.parameters();
  }

  /** A trainer that runs the updates of this model's batches ({@link Trainer#step}). */
  @Override
  public Trainer trainer(TrainingConfig config, Rng rng) {
    return new Trainer(model, config, rng);
  }

  @Override
  public AppFile toFile() {
    return AppFile.of(settings, model).putVocabulary("vocab", vocab);
  }
}
