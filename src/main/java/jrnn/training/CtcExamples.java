package jrnn.training;

import jrnn.data.Batch;

/**
 * A pass whose loss is CTC's ({@link jrnn.layers.Ctc}, SPEC 6.2) at a sequence model's linear
 * outputs of every step, summed over the sequences that some alignment can read, its gradient
 * that of the loss's mean over all the sequences: what a device that computes the updates itself
 * ({@link Trainer.BatchGradients#compute(ShardablePass, jrnn.util.Rng)}) needs to know of it.
 */
public interface CtcExamples {

  /** The sequences' input vectors and lengths (no targets). */
  Batch batch();

  /** Each sequence's label ids. */
  int[][] labels();

  /** The blank's class. */
  int blank();
}
