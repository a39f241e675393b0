package jrnn.spark;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;

/**
 * What shards send back, summed by Spark's {@code treeReduce}: the gradient times the divisor the
 * shard's loss was normalized by (so that the sum divided by the summed divisors is the global
 * batch's gradient), in double precision, so that the order in which Spark combines the parts
 * changes nothing that float32 parameters can hold; the parameters outside the embedding table
 * whole, and of the table only the rows the shards read (the others' gradient is zero); the loss
 * tallies; and each shard's final states, which a language model's next window starts from.
 */
public final class GradientPart implements Serializable {
  private static final long serialVersionUID = 2L;

  /** The weighted gradient of the parameters outside the embedding table ({@link ParameterSplit#dense}'s order). */
  final double[] dense;
  /** The weighted gradient of each embedding row read, by row. */
  final HashMap<Integer, double[]> rows = new HashMap<>();
  double divisor;
  double lossSum;
  long count;
  long correct;
  long sequences;
  /** Each shard's final states [slots, its B, H] (h, and c or null), by shard index. */
  final java.util.TreeMap<Integer, float[][]> finalStates = new java.util.TreeMap<>();

  GradientPart(int denseSize) {
    dense = new double[denseSize];
  }

  /** Adds {@code other} into this part; returns this. */
  GradientPart add(GradientPart other) {
    for (int i = 0; i < dense.length; i++) {
      dense[i] += other.dense[i];
    }
    for (Map.Entry<Integer, double[]> row : other.rows.entrySet()) {
      double[] mine = rows.get(row.getKey());
      if (mine == null) {
        rows.put(row.getKey(), row.getValue());
      } else {
        double[] theirs = row.getValue();
        for (int j = 0; j < mine.length; j++) {
          mine[j] += theirs[j];
        }
      }
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
