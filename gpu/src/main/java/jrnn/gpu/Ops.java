package jrnn.gpu;

import jrnn.kernels.Activation;
import jrnn.tensor.Tensor;

/**
 * The operations a training pass needs on one kind of memory, with buffers of that memory:
 * {@link CudaOps} on the GPU (cuBLAS and kernels compiled at run time) and {@link HostOps}, its
 * twin in plain Java on the host, which runs the same passes on a machine without a GPU so that
 * what is built from these operations is tested there (docs/gpu.md). Matrices are row-major.
 */
interface Ops extends AutoCloseable {

  /** A buffer of floats in this memory. */
  interface Floats {
    /** How many floats it holds. */
    long size();
  }

  /** A buffer of ints in this memory. */
  interface Ints {
    /** How many ints it holds. */
    int size();
  }

  /** {@code n} zeroed floats, for {@code what} (named in an error). */
  Floats floats(long n, String what);

  /** {@code n} ints, for {@code what}. */
  Ints ints(int n, String what);

  /** Frees a buffer (null: nothing). */
  void free(Object buffer);

  /** Copies the first {@code n} floats of {@code src} into {@code dst}. */
  void upload(Floats dst, Tensor src, long n);

  /** Copies the first {@code n} floats of {@code src} into {@code dst}. */
  void download(Tensor dst, Floats src, long n);

  /** Copies {@code src} into {@code dst}. */
  void upload(Ints dst, int[] src);

  /** Copies the first {@code n} ints of {@code src} into {@code dst}. */
  void download(int[] dst, Ints src, int n);

  /** Copies the first {@code n} floats of {@code src} into {@code dst}, both in this memory. */
  void copy(Floats dst, Floats src, long n);

  /** Sets the first {@code n} floats to zero. */
  void zero(Floats b, long n);

  /**
   * C[m x n] = alpha op(A) op(B) + beta C, where op(A) is m x k (A itself, or A's transpose when
   * {@code transA}), op(B) k x n, and lda, ldb, ldc the row strides of A, B, C as stored.
   */
  void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Floats a, int lda,
      Floats b, int ldb, float beta, Floats c, int ldc);

  /** out[r] = table[ids[r]] for r < rows, rows of {@code width}, zeros where ids[r] < 0 (padding): the embedding's forward. */
  void gatherRows(Floats table, int width, Ints ids, int rows, Floats out);

  /** table[ids[r]] += in[r] for r < rows with ids[r] >= 0: the embedding's gradient (a row read twice gets both). */
  void scatterAddRows(Floats table, int width, Ints ids, int rows, Floats in);

  /** m[r][c] += v[c]. */
  void addToRows(Floats m, int rows, int cols, Floats v);

  /** out[c] += scale * sum over r of m[r][c]. */
  void addColumnSums(Floats m, int rows, int cols, float scale, Floats out);

  /**
   * An inverted-dropout mask: mask[i] = 1/(1-p) where the hash of (seed, i) drawn uniform in
   * [0, 1) is at least p, else 0. The same seed gives the same mask in every implementation.
   */
  void dropoutMask(Floats mask, long n, float p, long seed);

  /** a[i] *= m[i]. */
  void multiply(Floats a, Floats m, long n);

  /**
   * Softmax cross-entropy of each row of logits [rows x classes] against targets[r], for rows
   * with valid[r] != 0: loss[r] = -log softmax(row)[target], correct[r] = 1 when the target is
   * the row's argmax (ties to the first, never a NaN; as Kernels.isArgmax), dLogits[r] =
   * softmax(row) - onehot(target). Other rows get 0 in all three. A null dLogits: the loss alone
   * (an inference pass keeps no gradient).
   */
  void softmaxCrossEntropy(Floats logits, int rows, int classes, Ints targets, Ints valid, Floats loss,
      Floats correct, Floats dLogits);

  /**
   * One vector per sequence from the outputs {@code y} [steps, batch, width] over each sequence's
   * valid steps ({@code lengths} [batch]), into {@code out} [batch, width]: {@code kind} 0 the last
   * step's (columns from {@code split} on, a backward direction's, at step 0), 1 the mean, 2 the
   * maximum (its step into {@code argmax} [batch, width], the first of equals).
   */
  void poolForward(int kind, Floats y, int steps, int batch, int width, int split, Ints lengths, Floats out,
      Ints argmax);

  /**
   * The gradient {@code dy} [steps, batch, width] of {@link #poolForward}'s outputs given theirs,
   * {@code dOut} [batch, width]; zero at the steps a vector did not read, padding included.
   */
  void poolBackward(int kind, Floats dOut, int steps, int batch, int width, int split, Ints lengths, Ints argmax,
      Floats dy);

  /** The sum of the squares of the first {@code n[k]} floats of each {@code a[k]}, accumulated in double. */
  double sumOfSquares(Floats[] a, long[] n);

  /** a[i] *= s. */
  void scale(Floats a, long n, float s);

  /** a[i] = a[i] clamped to [-limit, limit]. */
  void clamp(Floats a, long n, float limit);

  /** y[i] += alpha * x[i] * mask[i] (mask null: 1). */
  void axpy(Floats y, float alpha, Floats x, Floats mask, long n);

  /** One step of SGD with momentum mu, as {@code Sgd.step}: v = mu v + g; w -= lr (nesterov ? g + mu v : v). */
  void momentumStep(Floats w, Floats g, Floats v, long n, float lr, float mu, boolean nesterov);

  /**
   * One step of Adam, as {@code Adam.step}: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
   * w -= a m / (sqrt(v) + eHat), the bias corrections folded into a and eHat.
   */
  void adamStep(Floats w, Floats g, Floats m, Floats v, long n, float a, float b1, float b2, float eHat);

  /**
   * Floats [offset, offset + n) of {@code f}: the same memory, not a copy (a view of a buffer's
   * rows, for the products and kernels of one time step); freeing it frees nothing.
   */
  Floats slice(Floats f, long offset, long n);

  /**
   * out[j] += the sum over r &lt; rows of a[r lda + j] b[r ldb + j] for j &lt; n, accumulated in
   * double: a peephole weight's gradient from the gate's pre-activation gradients and the cell
   * states (SPEC 8-31 .. 8-33).
   */
  void addColumnDots(Floats a, int lda, Floats b, int ldb, int rows, int n, Floats out);

  /**
   * One time step of one layer and direction, for the step kernels below: step {@code t} of
   * {@code batch} sequences whose lengths are {@code lengths} (on this memory), {@code hidden}
   * units H. A row whose sequence ended before t is frozen, as in {@code RecurrentLayer}: its
   * state is carried, its output zero (left as it is when added to), its gradient passed through
   * unchanged. The buffers a step kernel takes are the step's rows: gates and products [B, G*H],
   * states [B, H]; outputs [B, outLd] from the direction's column.
   */
  record Step(int t, int batch, int hidden, Ints lengths) {}

  /**
   * A simple recurrent step (SPEC 8-1, 8-2): h = f(gates + product), the activation also left in
   * {@code gates}; {@code out} gets h, or h is added to it when {@code accumulate}.
   */
  void rnnForwardStep(Activation f, Step s, Floats gates, Floats product, Floats hPrev, Floats h, Floats out, int outLd,
      boolean accumulate);

  /**
   * Back through {@link #rnnForwardStep} (8-14): with dh = dOut + carry, dGates = f'(h) dh and
   * next = 0 (the caller adds dGates W_hh); a frozen row: dGates = 0, next = carry.
   */
  void rnnBackwardStep(Activation f, Step s, Floats gates, Floats dOut, int outLd, Floats carry, Floats dGates,
      Floats next);

  /**
   * An LSTM step (SPEC 8-25 .. 8-34, as {@code Kernels.lstmForward}): gates + product are the
   * pre-activations (blocks i, f, g, o; f, g, o when {@code coupled}), turned into activations in
   * place; writes c, tanh(c) and h. Peephole weights [H] may be null (no peepholes; peepI also
   * when coupled).
   */
  void lstmForwardStep(boolean coupled, Floats peepI, Floats peepF, Floats peepO, Step s, Floats gates, Floats product,
      Floats cPrev, Floats c, Floats tanhC, Floats hPrev, Floats h, Floats out, int outLd, boolean accumulate);

  /**
   * Back through {@link #lstmForwardStep}: dh = dOut + carry, {@code dc} holds dL/dc_t and
   * becomes dL/dc_{t-1}; writes dGates and next = 0. A frozen row: dGates = 0, next = carry, dc
   * unchanged.
   */
  void lstmBackwardStep(boolean coupled, Floats peepI, Floats peepF, Floats peepO, Step s, Floats gates, Floats cPrev,
      Floats tanhC, Floats dOut, int outLd, Floats carry, Floats dc, Floats dGates, Floats next);

  /**
   * A GRU step with the reset before the product (SPEC 8-35, 8-36), first half: r and z from
   * gates + product (blocks r, z of rows of width 3H), and rh = r h_{t-1} for the product with
   * W_hn.
   */
  void gruGatesStep(Step s, Floats gates, Floats product, Floats hPrev, Floats rh);

  /**
   * Its second half (8-37, 8-38): n = tanh(gates_n + product_n), h = (1 - z) h_{t-1} + z n.
   */
  void gruCandidateStep(Step s, Floats gates, Floats product, Floats hPrev, Floats h, Floats out, int outLd,
      boolean accumulate);

  /**
   * Back through {@link #gruCandidateStep}: with dh = dOut + carry, dGates' z and n blocks, 0 in
   * its r block, and next = dh (1 - z); a frozen row: dGates = 0, next = carry. The caller then
   * forms dRh = dGates_n W_hn for {@link #gruResetBackwardStep}.
   */
  void gruCandidateBackwardStep(Step s, Floats gates, Floats hPrev, Floats dOut, int outLd, Floats carry, Floats dGates,
      Floats next);

  /** Back through {@link #gruGatesStep}'s reset: dGates_r = dRh h_{t-1} r (1 - r), next += dRh r; frozen rows untouched. */
  void gruResetBackwardStep(Step s, Floats gates, Floats hPrev, Floats dRh, Floats dGates, Floats next);

  /**
   * A GRU step with the reset after the product (PyTorch's, as {@code Kernels.gruForwardResetAfter}):
   * {@code product} is W_hh h_{t-1} for r, z, n; saves hn = W_hn h_{t-1} + b_hn.
   */
  void gruResetAfterForwardStep(Step s, Floats gates, Floats product, Floats biasHn, Floats hn, Floats hPrev, Floats h,
      Floats out, int outLd, boolean accumulate);

  /**
   * Back through {@link #gruResetAfterForwardStep}: dGates (the input side), dGh (the recurrent
   * side, for dW_hh, b_hn and next += dGh W_hh) and next = dh (1 - z); frozen rows: zeros, next =
   * carry.
   */
  void gruResetAfterBackwardStep(Step s, Floats gates, Floats hn, Floats hPrev, Floats dOut, int outLd, Floats carry,
      Floats dGates, Floats dGh, Floats next);

  /**
   * CTC's loss and gradient ({@code jrnn.layers.Ctc}, SPEC 6.2, in double precision, log space) of
   * each sequence b of {@code logits} [steps, batch, classes] over its first {@code frames[b]}
   * frames against its labels, {@code labels[starts[b] ..] } ({@code counts[b]} of them, at most
   * {@code maxLabels}), {@code blank} the blank's class. Writes dL/dlogits, unscaled, into
   * {@code dLogits} (zero past a sequence's frames, and for a sequence no alignment can read) and
   * returns the losses, +infinity for those sequences. {@code work}: room for {@link #ctcWork}
   * doubles. The caller checks the frames (1 to {@code steps}) and the labels (classes other than
   * the blank): the device's kernel reads them as they are.
   */
  double[] ctc(Floats logits, int steps, int batch, int classes, int blank, Ints frames, Ints labels, Ints starts,
      Ints counts, int maxLabels, Floats work, Floats dLogits);

  /** The floats of {@link #ctc}'s workspace: log-probabilities, alpha and beta of each sequence, in doubles, and the losses. */
  static long ctcWork(int steps, int batch, int classes, int maxLabels) {
    return 2L * ((long) batch * steps * (classes + 2L * (2 * maxLabels + 1)) + batch);
  }

  /**
   * Adversarial training's perturbation (as {@code Trainer.adversarialPerturbation}): r = eps g_b /
   * ||g_b|| on the rows t*B + b (t &lt; lengths[b]) of each sequence b, from {@code g} [steps,
   * batch, width], the norm over the sequence's valid rows in double; zeros on padded rows and for
   * a sequence whose gradient is zero.
   */
  void adversarialPerturbation(Floats g, int steps, int batch, int width, Ints lengths, float eps, Floats r);

  /**
   * dst[r dstLd + c] = src[r srcLd + c] for r &lt; rows, c &lt; cols: a block of columns of one
   * matrix into another's (two pieces side by side in a row, or taken apart again).
   */
  void copyRows(Floats dst, int dstLd, Floats src, int srcLd, int rows, int cols);

  /** Each of {@code rows} rows of {@code classes} values made its log-softmax (as {@code EncoderDecoder.logSoftmaxRows}; the host twin sums in double). */
  void logSoftmax(Floats x, int rows, int classes);

  /**
   * The {@code k} largest of each of {@code rows} rows of {@code classes} values, as
   * {@link jrnn.decode.BeamSearch#topOfRows} chooses them: largest first, among equals the lower
   * index first, NaN never (index -1 and -Infinity where a row runs out); indices into
   * {@code words}, values into {@code values}, [rows, k].
   */
  void topOfRows(Floats x, int rows, int classes, int k, Ints words, Floats values);

  /** a[i] = tanh(a[i]). */
  void tanh(Floats a, long n);

  /** d[i] *= 1 - y[i]^2: a gradient back through y = tanh(x). */
  void tanhBackward(Floats d, Floats y, long n);

  /**
   * Label smoothing's part of the gradient (as {@code EncoderDecoder}'s loss): on the rows with
   * valid[r] != 0 of {@code dLogits} [rows x classes], which holds softmax - onehot(target),
   * subtracts eps / classes from every entry and adds eps at the target, making it softmax - q
   * for q = (1 - eps) onehot + eps / classes.
   */
  void smoothLabels(Floats dLogits, int rows, int classes, Ints targets, Ints valid, float eps);

  /**
   * One decoder step's attention over the encoder's states (as {@code jrnn.layers.Attention}'s
   * forward), for each sequence b over its source steps s &lt; lengths[b], rows r = s*B + b of
   * {@code encoder} [S*B, E]:
   *
   * <pre>
   *   additive:        e_r = v . u_r,  u_r = tanh(keys_r + query_b)   keys [S*B, A], query [B, A] (W_q q + b), u into hidden [S*B, A]
   *   multiplicative:  e_r = query_b . h_r                            query [B, E] (q W); keys, v, hidden unused
   *   alpha_r = softmax of e over the sequence's steps (0 past its end), into alpha [S*B]
   *   context_b = sum over its steps of alpha_r h_r, into context [B, E]
   * </pre>
   *
   * {@code width}: A, or E for multiplicative (whose query rows are E wide). Rows of hidden past a
   * sequence's end are zero.
   */
  void attentionForward(boolean additive, Floats keys, Floats query, Floats v, int width, Floats encoder, int steps,
      int batch, int encoderSize, Ints lengths, Floats hidden, Floats alpha, Floats context);

  /**
   * Back through {@link #attentionForward} given dL/dcontext [B, E]: de [S*B] written (the scores'
   * gradient, 0 past a sequence's end), dEncoder [S*B, E] += alpha dcontext (and, multiplicative,
   * += de query_b); additive: gKeys [S*B, A] += dPre = de v (1 - u^2), dQuery [B, A] = the sum of
   * dPre over the source steps; multiplicative: dQuery [B, E] = the sum over s of de h_s. The
   * callers take the weights' gradients from de and dQuery with products. Unused buffers may be
   * null: query for additive; hidden, v and gKeys for multiplicative.
   */
  void attentionBackward(boolean additive, Floats alpha, Floats hidden, Floats query, Floats v, int width,
      Floats encoder, int steps, int batch, int encoderSize, Ints lengths, Floats dContext, Floats de,
      Floats dEncoder, Floats gKeys, Floats dQuery);

  /** Waits for the work handed to the device (nothing on the host). */
  void synchronize();

  @Override
  void close();

  /**
   * The uniform draw in [0, 1) of element {@code i} for {@code seed}: splitmix64 of
   * seed + (i + 1) * golden ratio, its top 24 bits. The kernels compute the same.
   */
  static float uniform(long seed, long i) {
    long z = seed + (i + 1) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z = z ^ (z >>> 31);
    return (z >>> 40) * 0x1.0p-24f;
  }
}
