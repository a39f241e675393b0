package jrnn.spark;

import java.io.Serializable;

/**
 * What shards send back, summed by Spark's {@code treeReduce}: the gradient times the
 * divisor the shard's loss was normalized by (so that the sum divided by the summed divisors is
 * the global batch's gradient), in double precision, so that the order in which Spark combines
 * the parts changes nothing that float32 parameters can hold; the loss tallies; and each
 * shard's final states, which a language model's next window starts from.
 */
public final class GradientPart implements Serializable {
  private static final long serialVersionUID = 1L;

  final double[] weightedGradient;
  double divisor;
  double lossSum;
  long count;
  long correct;
  long sequences;
  /** Each shard's final states [slots, its B, H] (h, and c or null), by shard index. */
  final java.util.TreeMap<Integer, float[][]> finalStates = new java.util.TreeMap<>();

  GradientPart(int parameters) {
    weightedGradient = new double[parameters];
  }

  /** Adds {@code other} into this part; returns this. */
  GradientPart add(GradientPart other) {
    for (int i = 0; i < weightedGradient.length; i++) {
      weightedGradient[i] += other.weightedGradient[i];
    }
    divisor += other.divisor;
    lossSum += other.lossSum;
    count += other.count;
    correct += other.correct;
    sequences += other.sequences;
    finalStates.putAll(other.finalStates);
    return this;
  }
}
