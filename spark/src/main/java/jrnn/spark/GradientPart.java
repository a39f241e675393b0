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

  /** A shard whose loss was {@code loss}, NaN or infinite: the driver's trainer stops or rolls back on it. */
  static GradientPart diverged(double loss) {
    GradientPart part = new GradientPart(0);
    part.lossSum = loss;
    part.divisor = 1;
    return part;
  }

  /**
   * The part of a shard whose loss was normalized by {@code divisor}: the gradient in
   * {@code params}' buffer outside the embedding table, and of the table rows {@code rows}
   * (ascending), each times the divisor; the loss's tallies.
   */
  static GradientPart of(jrnn.params.Parameters params, ParameterSplit split, int[] rows, double divisor,
      jrnn.models.LossStats loss) {
    java.nio.FloatBuffer g = params.grads().data();
    GradientPart part = new GradientPart(split.denseSize());
    float[] dense = split.dense(g);
    for (int i = 0; i < dense.length; i++) {
      part.dense[i] = dense[i] * divisor;
    }
    float[] rowGradients = split.rowValues(rows, g);
    int width = split.width();
    for (int k = 0; k < rows.length; k++) {
      double[] row = new double[width];
      for (int j = 0; j < width; j++) {
        row[j] = rowGradients[k * width + j] * divisor;
      }
      part.rows.put(rows[k], row);
    }
    part.divisor = divisor;
    part.lossSum = loss.sum();
    part.count = loss.count();
    part.correct = loss.correct();
    part.sequences = loss.sequences();
    return part;
  }

  /** Adds {@code other} into this part; returns this. */
  GradientPart add(GradientPart other) {
    if (!Double.isFinite(lossSum) || !Double.isFinite(other.lossSum)) {
      // A diverged part carries no gradient; the sum keeps what the driver reports (NaN or infinity).
      lossSum += other.lossSum;
      return this;
    }
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
