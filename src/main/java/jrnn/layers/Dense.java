package jrnn.layers;

import jrnn.kernels.Blas;
import jrnn.kernels.Parallel;
import jrnn.tensor.Tensor;

/** A fully connected layer y = V x + c over rows (SPEC 8-3), weight [out, in] as in PyTorch. */
public final class Dense {
  private final Tensor weight;
  private final Tensor bias;
  private final Tensor gWeight;
  private final Tensor gBias;
  private final int in;
  private final int out;
  private Tensor ones = Tensor.zeros(0);

  /** A layer over the views {@code weight} [out, in] and {@code bias} [out], with their gradients. */
  public Dense(Tensor weight, Tensor bias, Tensor gWeight, Tensor gBias) {
    this.weight = weight;
    this.bias = bias;
    this.gWeight = gWeight;
    this.gBias = gBias;
    this.out = weight.dim(0);
    this.in = weight.dim(1);
  }

  /** y[r] = W x[r] + b for n rows; each thread writes the bias into its rows, then multiplies. */
  public void forward(Tensor x, int n, Tensor y) {
    Parallel.run(n, (r0, r1) -> {
      for (int r = r0; r < r1; r++) {
        y.data().put(r * out, bias.data(), 0, out);
      }
      Blas.gemm(false, true, r1 - r0, out, in, 1f, x, r0 * in, in, weight, 0, in, 1f, y, r0 * out, out);
    });
  }

  /**
   * Back-propagates dL/dy = alpha * dy: dW += alpha dy^T x (8-20), db += alpha (column sums of
   * dy), and dx = alpha dy W unless dx is null.
   */
  public void backward(Tensor x, Tensor dy, float alpha, int n, Tensor dx) {
    if (ones.size() < n) {
      ones = Tensor.zeros(n).fill(1f);
    }
    Blas.gemm(true, false, out, in, n, alpha, dy, 0, out, x, 0, in, 1f, gWeight, 0, in);
    Parallel.run(out, (c0, c1) -> Blas.gemv(true, n, c1 - c0, alpha, dy, c0, out, ones, 0, 1f, gBias, c0));
    if (dx != null) {
      Blas.gemm(false, false, n, in, out, alpha, dy, 0, out, weight, 0, in, 0f, dx, 0, in);
    }
  }
}
