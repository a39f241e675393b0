package jrnn.layers;

import jrnn.kernels.Activation;
import jrnn.kernels.Blas;
import jrnn.kernels.Kernels;
import jrnn.tensor.Tensor;

/**
 * Attention of a decoder over the states of an encoder, one decoder step at a time, for a batch
 * of sources of different lengths (steps past a source's length get no weight).
 *
 * <p>Encoder states h_s ([S, B, E], time-major: row s*B + b), a query q ([B, D], the decoder's
 * state). Scores, then weights and the context:
 *
 * <pre>
 *   additive (Bahdanau et al. 2015):      e_s = v . tanh(W_k h_s + W_q q + b)     (W_k [A, E], W_q [A, D], b, v [A])
 *   multiplicative (Luong et al. 2015):   e_s = q . (W h_s) = (q W) . h_s         (W [D, E])
 *   alpha_s = exp(e_s) / sum over valid s' of exp(e_s')
 *   c = sum over valid s of alpha_s h_s
 * </pre>
 *
 * <p>The keys W_k h_s do not depend on the decoder's step: {@link #attach} computes them for every
 * source step in one product, and {@link #finishBackward} takes their gradient back through W_k
 * in one product, after the decoder's steps have added theirs. Each step keeps what its backward
 * pass needs in a {@link Step}.
 */
public final class Attention {
  /** How a source state is scored against the query. */
  public enum Score {
    /** Bahdanau et al. (2015): e_s = v . tanh(W_k h_s + W_q q + b). */
    ADDITIVE,
    /** Luong et al. (2015): e_s = q . (W h_s). */
    MULTIPLICATIVE;

    /**
     * The score named {@code s}, case-insensitive: {@code additive} ({@code bahdanau}) or
     * {@code multiplicative} ({@code luong}, {@code general}).
     */
    public static Score parse(String s) {
      switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
        case "additive":
        case "bahdanau":
          return ADDITIVE;
        case "multiplicative":
        case "luong":
        case "general":
          return MULTIPLICATIVE;
        default:
          throw new IllegalArgumentException("unknown attention score '" + s
              + "'; expected additive (bahdanau) or multiplicative (luong)");
      }
    }
  }

  /**
   * The weights of one kind of score, with their gradients (additive: W_k, W_q, b, v; multiplicative: W).
   *
   * @param keyWeight W_k [A, E] (additive) or W [D, E] (multiplicative)
   * @param queryWeight W_q [A, D] (additive; null for multiplicative)
   * @param bias b [A] (additive; null for multiplicative)
   * @param vector v [A] (additive; null for multiplicative)
   * @param gKeyWeight the gradient of {@code keyWeight}
   * @param gQueryWeight the gradient of {@code queryWeight}
   * @param gBias the gradient of {@code bias}
   * @param gVector the gradient of {@code vector}
   */
  public record Weights(Tensor keyWeight, Tensor queryWeight, Tensor bias, Tensor vector,
      Tensor gKeyWeight, Tensor gQueryWeight, Tensor gBias, Tensor gVector) {}

  /** What one decoder step computed and its backward pass reads. */
  public static final class Step {
    Tensor query;
    /** alpha, [S*B] (the first S*B values). */
    public final Tensor weights;
    /** c, [B, E] (the first B*E values). */
    public final Tensor context;
    /** additive: tanh(W_k h + W_q q + b), [S*B, A]; multiplicative: q W, [B, E]. */
    final Tensor hidden;

    Step(int rows, int batch, int encoderSize, int hiddenSize) {
      this.weights = Tensor.zeros(rows);
      this.context = Tensor.zeros(batch * encoderSize);
      this.hidden = Tensor.zeros(hiddenSize);
    }

    boolean holds(int rows, int batch, int encoderSize, int hiddenSize) {
      return weights.size() >= rows && context.size() >= batch * encoderSize && hidden.size() >= hiddenSize;
    }
  }

  private final Score score;
  private final Weights w;
  private final Kernels kernels;
  private final int encoderSize;
  private final int querySize;
  private final int attentionSize;
  private Tensor encoder;
  private int steps;
  private int batch;
  private int[] lengths;
  private Tensor keys = Tensor.zeros(0);
  private Tensor gKeys = Tensor.zeros(0);
  /** additive: one step's dL/d(W_k h + W_q q + b), [S*B, A]. */
  private Tensor dPre = Tensor.zeros(0);
  /**
   * The steps since {@link #attach}, whose buffers the next attach reuses: a decoder runs this
   * layer at every target word of every batch, and off-heap buffers are slow to allocate.
   */
  private final java.util.List<Step> pool = new java.util.ArrayList<>();
  private int used;
  private Tensor projected = Tensor.zeros(0);
  private Tensor dProjected = Tensor.zeros(0);
  private Tensor dp = Tensor.zeros(0);
  /** e and dL/de, [S*B]. */
  private Tensor scores = Tensor.zeros(0);
  private Tensor dScores = Tensor.zeros(0);
  /** dL/dalpha of one source's steps, [S]. */
  private Tensor dAlpha = Tensor.zeros(0);

  /**
   * @param w additive: keyWeight [A, E], queryWeight [A, D], bias [A], vector [A]; multiplicative:
   *     keyWeight [D, E] (W) and the others null
   * @param kernels the element-wise math (the additive score's tanh)
   */
  public Attention(Score score, int encoderSize, int querySize, Weights w, Kernels kernels) {
    this.score = score;
    this.w = w;
    this.kernels = kernels;
    this.encoderSize = encoderSize;
    this.querySize = querySize;
    if (score == Score.ADDITIVE) {
      this.attentionSize = w.keyWeight().dim(0);
      w.keyWeight().requireShape("attention W_k", attentionSize, encoderSize);
      w.queryWeight().requireShape("attention W_q", attentionSize, querySize);
      w.bias().requireShape("attention b", attentionSize);
      w.vector().requireShape("attention v", attentionSize);
    } else {
      this.attentionSize = encoderSize;
      w.keyWeight().requireShape("attention W", querySize, encoderSize);
    }
  }

  /**
   * Attends over {@code encoder} ([steps * batch, E]) from now on, each source b of
   * {@code lengths[b]} steps (at least 1); computes the additive keys and clears their gradient.
   * The additive score reads the padded steps' rows too (what it computes from them is never
   * used), so they must be finite, zeros for instance.
   */
  public void attach(Tensor encoder, int steps, int batch, int[] lengths) {
    if (lengths.length != batch) {
      throw new IllegalArgumentException("attention: " + lengths.length + " source lengths for a batch of " + batch);
    }
    for (int b = 0; b < batch; b++) {
      if (lengths[b] < 1 || lengths[b] > steps) {
        throw new IllegalArgumentException("attention: source " + b + " has length " + lengths[b]
            + ", not in [1, " + steps + "]");
      }
    }
    if (encoder.size() < steps * batch * encoderSize) {
      throw new IllegalArgumentException("attention: encoder states hold " + encoder.size() + " values, "
          + steps + " x " + batch + " x " + encoderSize + " needed");
    }
    this.encoder = encoder;
    this.steps = steps;
    this.batch = batch;
    this.lengths = lengths.clone();
    this.used = 0;
    if (scores.size() < steps * batch) {
      scores = Tensor.zeros(steps * batch);
      dScores = Tensor.zeros(steps * batch);
    }
    if (dAlpha.size() < steps) {
      dAlpha = Tensor.zeros(steps);
    }
    if (score == Score.ADDITIVE) {
      int rows = steps * batch;
      if (keys.size() < rows * attentionSize) {
        keys = Tensor.zeros(rows * attentionSize);
        gKeys = Tensor.zeros(rows * attentionSize);
        dPre = Tensor.zeros(rows * attentionSize);
      }
      Blas.gemm(false, true, rows, attentionSize, encoderSize, 1f, encoder, 0, encoderSize, w.keyWeight(), 0,
          encoderSize, 0f, keys, 0, attentionSize);
      gKeys.zero();
    }
  }

  /**
   * Lets the next {@link #forward} reuse the buffers of the steps since {@link #attach}: for a
   * decoder that runs step by step without a backward pass (a search), whose steps would
   * otherwise each keep theirs.
   */
  public void rewind() {
    used = 0;
  }

  /**
   * One decoder step: the weights and context for {@code query} ([B, D]), kept with what backward
   * needs. The step's buffers are reused after the next {@link #attach}.
   */
  public Step forward(Tensor query) {
    int rows = steps * batch;
    int hiddenSize = score == Score.ADDITIVE ? rows * attentionSize : batch * encoderSize;
    if (used == pool.size() || !pool.get(used).holds(rows, batch, encoderSize, hiddenSize)) {
      Step fresh = new Step(rows, batch, encoderSize, hiddenSize);
      if (used == pool.size()) {
        pool.add(fresh);
      } else {
        pool.set(used, fresh);
      }
    }
    Step st = pool.get(used++);
    st.query = query;
    Tensor e = scores;
    // Source b's states h_s are the rows s*B + b: a matrix of lengths[b] rows at offset b*E with row stride B*E.
    int stride = batch * encoderSize;
    if (score == Score.ADDITIVE) {
      // W_q q + b for each b, then u = tanh(keys + that), e = v . u.
      if (projected.size() < batch * attentionSize) {
        projected = Tensor.zeros(batch * attentionSize);
        dProjected = Tensor.zeros(batch * attentionSize);
      }
      for (int b = 0; b < batch; b++) {
        projected.data().put(b * attentionSize, w.bias().data(), 0, attentionSize);
      }
      Blas.gemm(false, true, batch, attentionSize, querySize, 1f, query, 0, querySize, w.queryWeight(), 0, querySize,
          1f, projected, 0, attentionSize);
      // Every row, padded steps' too (their scores are never read): step s's rows are one block of B*A.
      int block = batch * attentionSize;
      for (int s = 0; s < steps; s++) {
        kernels.add(keys, s * block, projected, 0, st.hidden, s * block, block);
      }
      kernels.activate(Activation.TANH, st.hidden, 0, rows * attentionSize);
      Blas.gemv(false, rows, attentionSize, 1f, st.hidden, 0, attentionSize, w.vector(), 0, 1, 0f, e, 0, 1);
    } else {
      // p = q W ([B, E]); the scores e = H_b p_b below.
      Blas.gemm(false, false, batch, encoderSize, querySize, 1f, query, 0, querySize, w.keyWeight(), 0, encoderSize,
          0f, st.hidden, 0, encoderSize);
    }
    // c_b = sum_s alpha_s h_s = H_b^T alpha_b; each source's scores, weights and context in turn, while H_b is in cache.
    st.context.zero();
    for (int b = 0; b < batch; b++) {
      if (score == Score.MULTIPLICATIVE) {
        Blas.gemv(false, lengths[b], encoderSize, 1f, encoder, b * encoderSize, stride, st.hidden, b * encoderSize, 1,
            0f, e, b, batch);
      }
      softmaxOverSource(e, b, st.weights);
      Blas.gemv(true, lengths[b], encoderSize, 1f, encoder, b * encoderSize, stride, st.weights, b, batch, 0f,
          st.context, b * encoderSize, 1);
    }
    return st;
  }

  private void softmaxOverSource(Tensor e, int b, Tensor alpha) {
    double max = Double.NEGATIVE_INFINITY;
    for (int s = 0; s < lengths[b]; s++) {
      max = Math.max(max, e.get(s * batch + b));
    }
    double sum = 0;
    for (int s = 0; s < lengths[b]; s++) {
      sum += Math.exp(e.get(s * batch + b) - max);
    }
    for (int s = 0; s < steps; s++) {
      int r = s * batch + b;
      alpha.set(r, s < lengths[b] ? (float) (Math.exp(e.get(r) - max) / sum) : 0f);
    }
  }

  /**
   * Back-propagates dL/dc ({@code dContext}, [B, E]) through one step: adds to the weights'
   * gradients, to {@code dQuery} ([B, D]) and to {@code dEncoder} ([S*B, E]); the additive keys'
   * part waits in their gradient for {@link #finishBackward}.
   */
  public void backward(Step st, Tensor dContext, Tensor dQuery, Tensor dEncoder) {
    Tensor de = dScores;
    int stride = batch * encoderSize;
    boolean multiplicative = score == Score.MULTIPLICATIVE;
    // Padded steps' de stay 0: the additive score's products below run over every row.
    de.zero();
    if (multiplicative) {
      if (dp.size() < batch * encoderSize) {
        dp = Tensor.zeros(batch * encoderSize);
      }
      dp.zero();
    }
    for (int b = 0; b < batch; b++) {
      // dalpha = H_b dc_b; de_s = alpha_s (dalpha_s - sum alpha dalpha); H_b's gradient += alpha_b dc_b^T.
      Blas.gemv(false, lengths[b], encoderSize, 1f, encoder, b * encoderSize, stride, dContext, b * encoderSize, 1, 0f,
          dAlpha, 0, 1);
      Blas.ger(lengths[b], encoderSize, 1f, st.weights, b, batch, dContext, b * encoderSize, 1, dEncoder,
          b * encoderSize, stride);
      double mean = 0;
      for (int s = 0; s < lengths[b]; s++) {
        mean += (double) st.weights.get(s * batch + b) * dAlpha.get(s);
      }
      for (int s = 0; s < lengths[b]; s++) {
        int r = s * batch + b;
        de.set(r, (float) (st.weights.get(r) * (dAlpha.get(s) - mean)));
      }
      if (multiplicative) {
        // e_s = p_b . h_s: dp_b = H_b^T de_b; H_b's gradient += de_b p_b^T.
        Blas.gemv(true, lengths[b], encoderSize, 1f, encoder, b * encoderSize, stride, de, b, batch, 0f, dp,
            b * encoderSize, 1);
        Blas.ger(lengths[b], encoderSize, 1f, de, b, batch, st.hidden, b * encoderSize, 1, dEncoder, b * encoderSize,
            stride);
      }
    }
    if (score == Score.ADDITIVE) {
      // e = U v, U = tanh(pre): dv += U^T de; dpre = (de v^T) * (1 - U^2); dkeys += dpre; dprojected_b = sum_s dpre.
      int rows = steps * batch;
      int block = batch * attentionSize;
      Blas.gemv(true, rows, attentionSize, 1f, st.hidden, 0, attentionSize, de, 0, 1, 1f, w.gVector(), 0, 1);
      Blas.gemm(false, false, rows, attentionSize, 1, 1f, de, 0, 1, w.vector(), 0, attentionSize, 0f, dPre, 0,
          attentionSize);
      kernels.activationBackward(Activation.TANH, st.hidden, 0, dPre, 0, dPre, 0, rows * attentionSize);
      Blas.axpy(rows * attentionSize, 1f, dPre, 0, gKeys, 0);
      dProjected.zero();
      for (int s = 0; s < steps; s++) {
        Blas.axpy(block, 1f, dPre, s * block, dProjected, 0);
      }
      for (int b = 0; b < batch; b++) {
        Blas.axpy(attentionSize, 1f, dProjected, b * attentionSize, w.gBias(), 0);
      }
      Blas.gemm(true, false, attentionSize, querySize, batch, 1f, dProjected, 0, attentionSize, st.query, 0, querySize,
          1f, w.gQueryWeight(), 0, querySize);
      Blas.gemm(false, false, batch, querySize, attentionSize, 1f, dProjected, 0, attentionSize, w.queryWeight(), 0,
          querySize, 1f, dQuery, 0, querySize);
    } else {
      // p = q W, with dp from the sources' loop above: dW += q^T dp, dq += dp W^T.
      Blas.gemm(true, false, querySize, encoderSize, batch, 1f, st.query, 0, querySize, dp, 0, encoderSize, 1f,
          w.gKeyWeight(), 0, encoderSize);
      Blas.gemm(false, true, batch, querySize, encoderSize, 1f, dp, 0, encoderSize, w.keyWeight(), 0, encoderSize, 1f,
          dQuery, 0, querySize);
    }
  }

  /** After every step's backward: the additive keys' gradient through W_k, dW_k += dK^T H and dH += dK W_k. */
  public void finishBackward(Tensor dEncoder) {
    if (score != Score.ADDITIVE) {
      return;
    }
    int rows = steps * batch;
    Blas.gemm(true, false, attentionSize, encoderSize, rows, 1f, gKeys, 0, attentionSize, encoder, 0, encoderSize, 1f,
        w.gKeyWeight(), 0, encoderSize);
    Blas.gemm(false, false, rows, encoderSize, attentionSize, 1f, gKeys, 0, attentionSize, w.keyWeight(), 0,
        encoderSize, 1f, dEncoder, 0, encoderSize);
    gKeys.zero();
  }
}
