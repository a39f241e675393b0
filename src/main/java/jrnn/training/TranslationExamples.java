package jrnn.training;

import jrnn.models.EncoderDecoder;
import jrnn.models.EncoderDecoderConfig;
import jrnn.models.LossNormalization;

/**
 * A pass of an encoder-decoder's sentence pairs (SPEC 6.3): the teacher-forced loss over the
 * target tokens, &lt;/s&gt; included, its gradient that of the smoothed loss divided as the
 * normalization says: what a device that computes the updates itself
 * ({@link Trainer.BatchGradients#compute(ShardablePass, jrnn.util.Rng)}) needs to know of it.
 */
public interface TranslationExamples {

  /** The network the pass runs. */
  EncoderDecoderConfig config();

  /** The sentence pairs, as the network reads them. */
  EncoderDecoder.Batch batch();

  /** Per target token, or per sentence. */
  LossNormalization normalization();
}
