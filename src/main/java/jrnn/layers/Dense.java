package jrnn.layers;

import jrnn.kernels.Blas;
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

  public Dense(Tensor weight, Tensor bias, Tensor gWeight, Tensor gBias) {
    this.weight = weight;
    this.bias = bias;
    this.gWeight = gWeight;
    this.gBias = gBias;
    this.out = weight.dim(0);
    this.in = weight.dim(1);
  }

  /** y[r] = W x[r] + b for n rows. */
  public void forward(Tensor x, int n, Tensor y) {
    for (int r = 0; r < n; r++) {
      y.data().put(r * out, bias.data(), 0, out);
    }
    Blas.gemm(false, true, n, out, in, 1f, x, 0, in, weight, 0, in, 1f, y, 0, out);
  }

  /** dW += dy^T x (8-20), db += column sums of dy, and dx = dy W unless dx is null. */
  public void backward(Tensor x, Tensor dy, int n, Tensor dx) {
    if (ones.size() < n) {
      ones = Tensor.zeros(n).fill(1f);
    }
    Blas.gemm(true, false, out, in, n, 1f, dy, 0, out, x, 0, in, 1f, gWeight, 0, in);
    Blas.gemv(true, n, out, 1f, dy, 0, out, ones, 0, 1f, gBias, 0);
    if (dx != null) {
      Blas.gemm(false, false, n, in, out, 1f, dy, 0, out, weight, 0, in, 0f, dx, 0, in);
    }
  }
}
