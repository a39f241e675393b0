package jrnn.layers;

import jrnn.tensor.Tensor;

/** Token ids to vectors: row id of the [V, E] table {@code embedding.weight}. */
public final class Embedding {
  private final Tensor table;
  private final Tensor grad;
  private final int vocab;
  private final int width;

  /** An embedding over the view {@code table} [V, E] and its gradient {@code grad}. */
  public Embedding(Tensor table, Tensor grad) {
    this.table = table;
    this.grad = grad;
    this.vocab = table.dim(0);
    this.width = table.dim(1);
  }

  /** out[i] = table[ids[i]] for the first n ids; every id must be in [0, V). */
  public void forward(int[] ids, int n, Tensor out) {
    for (int i = 0; i < n; i++) {
      int id = ids[i];
      if (id < 0 || id >= vocab) {
        throw new IllegalArgumentException("Embedding: token id " + id + " at position " + i
            + " is outside the vocabulary [0, " + vocab + ")");
      }
      out.data().put(i * width, table.data(), id * width, width);
    }
  }

  /** grad[ids[i]] += dOut[i] for the first n ids. */
  public void backward(int[] ids, int n, Tensor dOut) {
    for (int i = 0; i < n; i++) {
      int row = ids[i] * width;
      int src = i * width;
      for (int j = 0; j < width; j++) {
        grad.add(row + j, dOut.get(src + j));
      }
    }
  }

  /** E, the width of an embedding vector. */
  public int width() {
    return width;
  }
}
