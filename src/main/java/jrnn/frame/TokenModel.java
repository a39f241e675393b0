package jrnn.frame;

import jrnn.data.Vocabulary;
import jrnn.models.SequenceModel;
import jrnn.params.Parameters;
import jrnn.training.Trainer;
import jrnn.training.TrainingConfig;
import jrnn.util.Rng;

/**
 * A model that reads tokens through one vocabulary (a language model, a text classifier): its
 * file holds the vocabulary in section {@code vocab} beside the settings and parameters.
 */
public abstract class TokenModel implements TrainedModel {
  protected final Settings settings;
  protected final Vocabulary vocab;
  protected final SequenceModel model;

  protected TokenModel(Settings settings, Vocabulary vocab, SequenceModel model) {
    this.settings = settings;
    this.vocab = vocab;
    this.model = model;
  }

  @Override
  public Settings settings() {
    return settings;
  }

  public Vocabulary vocabulary() {
    return vocab;
  }

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
