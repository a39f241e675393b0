package jrnn.kernels;

import jrnn.tensor.Tensor;

/**
 * The fused element-wise math of one time step of one sequence (a row of H units), forward and
 * backward, for every cell; the softmax's of the output layer; the optimizers' steps. Each argument is a tensor and the element offset of the row in it;
 * gate rows hold H-wide blocks in the cell's gate order. Every method has two implementations
 * that must agree: {@link ScalarKernels}, plain loops that read like the equations, and
 * {@link VectorKernels}, the same math on SIMD lanes.
 *
 * <p>Naming: {@code pre} pre-activations, {@code act} gate activations, {@code d...} gradients
 * of the loss. Equation numbers are SPEC.md's.
 */
public interface Kernels {

  /**
   * The implementation in use: the vector one where it can run (the Vector API module loaded,
   * SIMD registers of 4 floats or more, kernels that link), else the scalar one, with a notice
   * on stderr saying why unless -Djrnn.kernels=scalar asked for it.
   */
  static Kernels best() {
    return KernelSelection.BEST;
  }

  // ---- the recurrent product ----

  /** A right-hand operand B [k x n] prepared by {@link #pack} for repeated products. */
  interface Packed {
    int rows();

    int cols();
  }

  /**
   * Prepares B [k x n] for {@link #multiply}: B[i][j] = w[off + j*ld + i] when
   * {@code transposed} (w holds W [n x k] row-major, B = W^T), else w[off + i*ld + j].
   * {@code reuse} (or null) is a previous result whose memory may be refilled. Whether the
   * weights are copied now is the implementation's: {@link VectorKernels} copies them into
   * panels (a later change to w is not seen until the next pack), {@link ScalarKernels} keeps a
   * reference to w and reads it at every product. So pack again after the weights change, and
   * do not change them while a pack of them is in use.
   */
  Packed pack(Tensor w, int off, int ld, int k, int n, boolean transposed, Packed reuse);

  /**
   * C[m x n] = A[m x k] B, or C += A B when {@code accumulate}, plus the row vector
   * bias[biasOff .. biasOff + n) on every row unless {@code bias} is null; A and C are
   * row-major with row strides lda and ldc. Runs on the calling thread: the recurrent layers
   * call it from each of their row chunks.
   */
  void multiply(Tensor a, int aOff, int lda, int m, Packed b, Tensor c, int cOff, int ldc,
      boolean accumulate, Tensor bias, int biasOff);

  /** out[j] += sum over r &lt; rows of a[aOff + r*lda + j] * b[bOff + r*ldb + j], for j &lt; n. */
  void sumOfProducts(Tensor a, int aOff, int lda, Tensor b, int bOff, int ldb, int rows, int n,
      Tensor out, int outOff);

  // ---- simple RNN (8-2, 8-14) ----

  /** x[i] = f(x[i]) for n elements, in place. */
  void activate(Activation f, Tensor x, int off, int n);

  /** dz[i] = dh[i] * f'(z[i]), with f' written in terms of h = f(z). */
  void activationBackward(Activation f, Tensor h, int hOff, Tensor dh, int dhOff, Tensor dz,
      int dzOff, int n);

  // ---- LSTM (8-25 .. 8-34) ----

  /**
   * Turns a row of pre-activations (blocks i,f,g,o; f,g,o when coupled) into activations in
   * place and computes c_t, tanh(c_t) and h_t. Peephole vectors are null without peepholes
   * ({@code peepI} also when coupled).
   */
  void lstmForward(Tensor gates, int gOff, Tensor cPrev, int cpOff, Tensor c, int cOff,
      Tensor tanhC, int tcOff, Tensor h, int hOff, Tensor peepI, Tensor peepF, Tensor peepO,
      int n, boolean coupled);

  /**
   * From dL/dh_t ({@code dh}) and dL/dc_t ({@code dc}, overwritten with dL/dc_{t-1}), writes
   * the pre-activation gradients {@code dGates}. (The peephole weights' gradients are sums of
   * dGates times cell states, taken after the time loop.)
   */
  void lstmBackward(Tensor gates, int gOff, Tensor cPrev, int cpOff, Tensor tanhC, int tcOff,
      Tensor dh, int dhOff, Tensor dc, int dcOff, Tensor dGates, int dgOff, Tensor peepI,
      Tensor peepF, Tensor peepO, int n, boolean coupled);

  // ---- GRU (8-35 .. 8-38) ----

  /**
   * Reset after the product: {@code gates} holds W_i x + b for r,z,n and {@code gh} holds
   * W_h h_{t-1} for r,z,n. Writes activations r,z,n into {@code gates}, W_hn h + b_hn into
   * {@code hn} and h_t into {@code h}.
   */
  void gruForwardResetAfter(Tensor gates, int gOff, Tensor gh, int ghOff, Tensor biasHn,
      Tensor hPrev, int hpOff, Tensor hn, int hnOff, Tensor h, int hOff, int n);

  /**
   * Backward of {@link #gruForwardResetAfter}: writes dL/d(pre) of the input side into
   * {@code dGates} and of the recurrent side into {@code dGh}, and sets {@code dhPrev} to the
   * part of dL/dh_{t-1} that bypasses the product, dh (1 - z).
   */
  void gruBackwardResetAfter(Tensor gates, int gOff, Tensor hn, int hnOff, Tensor hPrev,
      int hpOff, Tensor dh, int dhOff, Tensor dGates, int dgOff, Tensor dGh, int dghOff,
      Tensor dhPrev, int dhpOff, int n);

  /** Reset before the product, first half: r and z from their pre-activations; rh = r * h_{t-1}. */
  void gruForwardGates(Tensor gates, int gOff, Tensor hPrev, int hpOff, Tensor rh, int rhOff, int n);

  /** Second half: n = tanh(pre_n) and h_t = (1 - z) h_{t-1} + z n. */
  void gruForwardCandidate(Tensor gates, int gOff, Tensor hPrev, int hpOff, Tensor h, int hOff, int n);

  /**
   * Backward, first half: dL/d(pre) of z and n into {@code dGates}; {@code dhPrev} = dh (1 - z).
   */
  void gruBackwardCandidate(Tensor gates, int gOff, Tensor hPrev, int hpOff, Tensor dh, int dhOff,
      Tensor dGates, int dgOff, Tensor dhPrev, int dhpOff, int n);

  /**
   * Second half, given dL/d(rh) = dn_pre W_hn: dL/d(pre_r) into {@code dGates} and
   * dhPrev += dRh * r.
   */
  void gruBackwardReset(Tensor gates, int gOff, Tensor hPrev, int hpOff, Tensor dRh, int drOff,
      Tensor dGates, int dgOff, Tensor dhPrev, int dhpOff, int n);

  // ---- output layer ----

  /**
   * log sum exp(x) of the n values from {@code off}, as max + log(sum exp(x - max)): the
   * log-partition of a softmax (SPEC 8-8), so that log softmax(x)_k = x_k - logSumExp. The scalar
   * twin sums Math.exp in double; the vector kernel sums its float exponential in float lanes, as
   * the training softmax does.
   */
  double logSumExp(Tensor x, int off, int n);

  /**
   * Softmax cross-entropy of one row of n logits against class {@code target}: returns
   * -log softmax(x)[target] (SPEC 8-8, 8-9) and, unless {@code grad} is null, writes
   * grad = scale * (softmax(x) - onehot(target)).
   */
  double softmaxCrossEntropy(Tensor logits, int off, int n, int target, Tensor grad, int gOff,
      float scale);

  /** The largest of n values from {@code off}. */
  float max(Tensor x, int off, int n);

  /**
   * Whether element {@code target} of the n values from {@code off} is the argmax: larger than
   * every value before it and no smaller than any after it (ties go to the first, as argmax
   * takes them, so that a row of equal values is right for one class only), and not NaN. Stops at
   * the first value that beats it, so that for a wrong guess among many classes it reads little.
   */
  boolean isArgmax(Tensor x, int off, int n, int target);

  // ---- optimizers ----

  /**
   * Adam's step (Kingma and Ba 2015) on elements [from, to), with the bias corrections folded
   * into the step size {@code a} and {@code eHat}: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g g;
   * w -= a m / (sqrt(v) + eHat). Element by element, so that any split of the elements over
   * threads gives the same values.
   */
  void adamStep(Tensor w, Tensor g, Tensor m, Tensor v, int from, int to, float a, float b1, float b2, float eHat);

  /**
   * SGD with momentum on elements [from, to): u = mu u + g; w -= rate u, or with Nesterov's
   * momentum w -= rate (g + mu u). Element by element.
   */
  void momentumStep(Tensor w, Tensor g, Tensor velocity, int from, int to, float rate, float mu, boolean nesterov);

  // ---- helpers ----

  /** y[i] = a[i] + b[i]. */
  void add(Tensor a, int aOff, Tensor b, int bOff, Tensor y, int yOff, int n);
}
