package jrnn.spark;

import java.util.Arrays;
import jrnn.data.Batch;
import jrnn.models.LossNormalization;
import jrnn.models.LossStats;
import jrnn.models.ModelConfig;
import jrnn.models.SequenceModel;
import jrnn.training.SequenceModelPass;
import jrnn.util.Rng;

/**
 * A pass for tests: sequences of token ids with one label each, through a classifier; the loss's
 * gradient is the mean over the sequences. A {@code poison} that is NaN or infinite is what
 * {@link #run} reports as its loss, as a diverged network would (0: the true loss).
 */
record ClassifierPass(ModelConfig config, int[][] sequences, int[] labels, double poison)
    implements SequenceModelPass {

  @Override
  public int examples() {
    return sequences.length;
  }

  @Override
  public ClassifierPass slice(int from, int to) {
    return new ClassifierPass(config, Arrays.copyOfRange(sequences, from, to), Arrays.copyOfRange(labels, from, to),
        poison);
  }

  @Override
  public LossStats run(SequenceModel network, Rng rng) {
    int b = sequences.length;
    int steps = Arrays.stream(sequences).mapToInt(s -> s.length).max().orElse(1);
    int[] tokens = new int[steps * b];
    int[] lengths = new int[b];
    for (int j = 0; j < b; j++) {
      lengths[j] = sequences[j].length;
      for (int t = 0; t < lengths[j]; t++) {
        tokens[t * b + j] = sequences[j][t];
      }
    }
    LossStats loss = network.forward(Batch.ofTokens(steps, b, tokens, lengths, labels), null, true, rng);
    network.backward(LossNormalization.PER_OUTPUT);
    return Double.isNaN(poison) || Double.isInfinite(poison) ? new LossStats(poison, loss.count(), 0, b) : loss;
  }

  @Override
  public double divisor(LossStats loss) {
    return loss.count();
  }
}
