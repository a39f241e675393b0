package jrnn.training;

import java.io.Serializable;
import jrnn.models.LossStats;
import jrnn.params.Parameters;
import jrnn.util.Rng;

/**
 * The examples of one update as work that a distributed trainer can cut into consecutive parts
 * and compute elsewhere ({@link Trainer#update(ShardablePass, Object)}): it holds plain data
 * (serializable) and makes the network it runs on from the configuration it carries, so a worker
 * that has only the parameters' values computes the gradient of its part. It is how the
 * applications whose updates are not batches of sequences from one {@code SequenceModel} (an
 * encoder-decoder's sentence pairs, a CTC recogniser's recordings) train on a cluster.
 *
 * @param <N> the network it runs on
 */
public interface ShardablePass<N> extends Serializable {
  /** The examples of the update. */
  int examples();

  /** Examples {@code [from, to)} as a pass of their own. */
  ShardablePass<N> slice(int from, int to);

  /** Names the network's configuration: a worker keeps one network per name and reuses it. */
  String networkKey();

  /** A network of the configuration carried (its parameters to be overwritten). */
  N newNetwork();

  /** The parameters {@code network} computes with. */
  Parameters parameters(N network);

  /** Whether {@link #run} draws from its generator (dropout): one machine's run draws nothing for it otherwise. */
  boolean usesRandomness();

  /**
   * The examples' loss, and the gradient of what the update minimises added to {@code network}'s
   * gradient buffer (zeroed before), normalized by {@link #divisor}; dropout draws from {@code rng}.
   */
  LossStats run(N network, Rng rng);

  /**
   * What {@link #run}'s gradient was divided by (the examples' outputs, or the examples): the
   * parts' gradients times their divisors sum to the whole update's times its divisor.
   */
  double divisor(LossStats loss);
}
