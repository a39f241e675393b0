package jrnn.spark;

import java.io.Serializable;
import java.nio.FloatBuffer;
import java.util.Arrays;
import jrnn.models.ModelConfig;
import jrnn.params.ParamLayout;

/**
 * A model's parameters cut in two for the trip to the executors: the embedding table, whose rows
 * a shard reads only for the tokens it holds (so those rows travel in its task and only their
 * gradients come back), and the rest, dense, which every shard needs whole (a broadcast). For
 * SST-2's preset the table is 5.0 M of 6.0 M parameters, and a shard of 25 phrases reads about 130
 * of its 16,561 rows.
 *
 * @param offset where the table starts in the flat parameters
 * @param rows the table's rows (0 for a model with real-valued inputs)
 * @param width its width
 * @param total every parameter
 */
record ParameterSplit(int offset, int rows, int width, int total) implements Serializable {

  /** {@code total} parameters, all dense. */
  static ParameterSplit of(int total) {
    return new ParameterSplit(0, 0, 0, total);
  }

  /** The layout's embedding table (if it has one) and the rest. */
  static ParameterSplit of(ParamLayout layout) {
    if (!layout.contains(ModelConfig.EMBEDDING)) {
      return of(layout.size());
    }
    ParamLayout.Entry e = layout.get(ModelConfig.EMBEDDING);
    return new ParameterSplit(e.offset(), e.shape()[0], e.shape()[1], layout.size());
  }

  /** Parameters outside the table. */
  int denseSize() {
    return total - rows * width;
  }

  /** Where the parameters after the table start. */
  private int tableEnd() {
    return offset + rows * width;
  }

  /** The values outside the table, in order. */
  float[] dense(FloatBuffer all) {
    float[] out = new float[denseSize()];
    all.get(0, out, 0, offset);
    all.get(tableEnd(), out, offset, total - tableEnd());
    return out;
  }

  /** Writes {@code dense} (as {@link #dense} gives it) back outside the table. */
  void putDense(float[] dense, FloatBuffer all) {
    all.put(0, dense, 0, offset);
    all.put(tableEnd(), dense, offset, total - tableEnd());
  }

  /** The table's rows that {@code tokens} read (padding included), ascending; none without a table. */
  int[] rowsRead(int[] tokens) {
    if (rows == 0 || tokens == null) {
      return new int[0];
    }
    for (int t : tokens) {
      if (t < 0 || t >= rows) {
        throw new IllegalArgumentException("token id " + t + " is outside the embedding table of " + rows + " rows");
      }
    }
    return Arrays.stream(tokens).distinct().sorted().toArray();
  }

  /** Rows {@code ids} of the table, one after another. */
  float[] rowValues(int[] ids, FloatBuffer all) {
    float[] out = new float[ids.length * width];
    for (int k = 0; k < ids.length; k++) {
      all.get(offset + ids[k] * width, out, k * width, width);
    }
    return out;
  }

  /** Writes rows {@code ids} (as {@link #rowValues} gives them) into the table. */
  void putRows(int[] ids, float[] values, FloatBuffer all) {
    for (int k = 0; k < ids.length; k++) {
      all.put(offset + ids[k] * width, values, k * width, width);
    }
  }
}
