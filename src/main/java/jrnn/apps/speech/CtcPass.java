package jrnn.apps.speech;

import java.util.Arrays;
import java.util.List;
import jrnn.data.Batch;
import jrnn.models.LossStats;
import jrnn.models.ModelConfig;
import jrnn.models.SequenceModel;
import jrnn.tensor.Tensor;
import jrnn.training.CtcExamples;
import jrnn.training.SequenceModelPass;
import jrnn.util.Rng;

/**
 * One update's recordings (features) and their label sequences as work that a distributed
 * trainer can cut: the recogniser's forward pass, CTC's loss and gradient (SPEC 6.2), the
 * backward pass; the gradient is of the loss's mean over the recordings.
 *
 * @param config the recogniser's network
 * @param features each recording's feature frames
 * @param labels each recording's label ids
 */
record CtcPass(ModelConfig config, float[][][] features, int[][] labels) implements SequenceModelPass, CtcExamples {

  @Override
  public int examples() {
    return features.length;
  }

  @Override
  public CtcPass slice(int from, int to) {
    return new CtcPass(config, Arrays.copyOfRange(features, from, to), Arrays.copyOfRange(labels, from, to));
  }

  @Override
  public Batch batch() {
    return SpeechModel.batch(List.of(features), null);
  }

  @Override
  public int blank() {
    return SpeechModel.BLANK_ID;
  }

  @Override
  public LossStats run(SequenceModel network, Rng rng) {
    Batch batch = batch();
    network.forward(batch, null, true, rng);
    Tensor grad = Tensor.zeros(batch.steps() * batch.size() * config.outputSize());
    LossStats loss = SpeechTask.ctcLoss(network.outputs(), config.outputSize(), batch, labels, grad);
    network.backwardFromOutputs(grad);
    return loss;
  }

  @Override
  public double divisor(LossStats loss) {
    // ctcLoss takes the gradient of the mean over every recording, those without an alignment too.
    return features.length;
  }
}
