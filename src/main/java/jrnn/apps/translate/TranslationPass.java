package jrnn.apps.translate;

import java.util.Arrays;
import jrnn.models.EncoderDecoder;
import jrnn.models.EncoderDecoderConfig;
import jrnn.models.LossNormalization;
import jrnn.models.LossStats;
import jrnn.params.Parameters;
import jrnn.training.ShardablePass;
import jrnn.training.TranslationExamples;
import jrnn.util.Rng;

/**
 * One update's sentence pairs (subword ids, targets without their markers) as work that a
 * distributed trainer can cut, or a GPU run ({@link TranslationExamples}): teacher-forced
 * forward pass and backward pass of the encoder-decoder the configuration describes, the loss
 * normalized as the training says.
 *
 * @param config the network's configuration
 * @param bos the target's &lt;s&gt; id
 * @param eos the target's &lt;/s&gt; id
 * @param sources each pair's source ids
 * @param targets each pair's target ids
 * @param normalization per target token, or per sentence
 */
public record TranslationPass(EncoderDecoderConfig config, int bos, int eos, int[][] sources, int[][] targets,
    LossNormalization normalization) implements ShardablePass<EncoderDecoder>, TranslationExamples {

  @Override
  public int examples() {
    return sources.length;
  }

  @Override
  public TranslationPass slice(int from, int to) {
    return new TranslationPass(config, bos, eos, Arrays.copyOfRange(sources, from, to),
        Arrays.copyOfRange(targets, from, to), normalization);
  }

  @Override
  public String networkKey() {
    return config.toString();
  }

  @Override
  public EncoderDecoder newNetwork() {
    return new EncoderDecoder(config);
  }

  @Override
  public Parameters parameters(EncoderDecoder network) {
    return network.parameters();
  }

  @Override
  public boolean usesRandomness() {
    return config.dropout() > 0;
  }

  @Override
  public EncoderDecoder.Batch batch() {
    return EncoderDecoder.Batch.of(sources, targets, bos, eos);
  }

  @Override
  public LossStats run(EncoderDecoder network, Rng rng) {
    LossStats loss = network.forward(batch(), true, rng);
    network.backward(normalization);
    return loss;
  }

  @Override
  public double divisor(LossStats loss) {
    return normalization == LossNormalization.PER_SEQUENCE ? sources.length : loss.count();
  }
}
