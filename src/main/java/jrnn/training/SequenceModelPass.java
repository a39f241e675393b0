package jrnn.training;

import jrnn.kernels.Kernels;
import jrnn.models.ModelConfig;
import jrnn.models.SequenceModel;
import jrnn.params.Parameters;

/** A {@link ShardablePass} that runs on a {@link SequenceModel} of the configuration it carries. */
public interface SequenceModelPass extends ShardablePass<SequenceModel> {
  /** The network's configuration. */
  ModelConfig config();

  @Override
  default String networkKey() {
    return config().toString();
  }

  @Override
  default SequenceModel newNetwork() {
    return new SequenceModel(config(), new Parameters(config().parameterLayout()), Kernels.best());
  }

  @Override
  default Parameters parameters(SequenceModel network) {
    return network.parameters();
  }

  @Override
  default boolean usesRandomness() {
    return config().dropout() > 0;
  }
}
