package jrnn.kernels;

import java.nio.FloatBuffer;
import jrnn.tensor.Tensor;

/**
 * The gate math as plain loops, one unit at a time: the readable twin of the vector kernels,
 * which also use its range methods (units [from, to) of a row of width n) for the units left
 * over after the last full vector.
 */
public final class ScalarKernels implements Kernels {

  static float sigmoid(float x) {
    return (float) (1.0 / (1.0 + Math.exp(-x)));
  }

  static float tanh(float x) {
    return (float) Math.tanh(x);
  }

  static float activation(Activation f, float z) {
    switch (f) {
      case TANH:
        return tanh(z);
      case SIGMOID:
        return sigmoid(z);
      default:
        // NaN passes, as the vector lanes' max does: the result may not hang on which lanes a unit is in.
        return z > 0 || Float.isNaN(z) ? z : 0f;
    }
  }

  static float derivativeFromOutput(Activation f, float h) {
    switch (f) {
      case TANH:
        return 1 - h * h;
      case SIGMOID:
        return h * (1 - h);
      default:
        return h > 0 ? 1f : 0f;
    }
  }

  /** B as it is: the products call OpenBLAS, which packs on every call. */
  record BlasOperand(Tensor w, int off, int ld, int k, int n, boolean transposed) implements Packed {
    @Override
    public int rows() {
      return k;
    }

    @Override
    public int cols() {
      return n;
    }
  }

  @Override
  public Packed pack(Tensor w, int off, int ld, int k, int n, boolean transposed, Packed reuse) {
    return new BlasOperand(w, off, ld, k, n, transposed);
  }

  @Override
  public void multiply(Tensor a, int aOff, int lda, int m, Packed b, Tensor c, int cOff, int ldc,
      boolean accumulate, Tensor bias, int biasOff) {
    BlasOperand op = (BlasOperand) b;
    Blas.gemm(false, op.transposed(), m, op.n(), op.k(), 1f, a, aOff, lda, op.w(), op.off(),
        op.ld(), accumulate ? 1f : 0f, c, cOff, ldc);
    if (bias != null) {
      for (int r = 0; r < m; r++) {
        for (int j = 0; j < op.n(); j++) {
          c.add(cOff + r * ldc + j, bias.get(biasOff + j));
        }
      }
    }
  }

  @Override
  public void sumOfProducts(Tensor a, int aOff, int lda, Tensor b, int bOff, int ldb, int rows,
      int n, Tensor out, int outOff) {
    sumOfProducts(a, aOff, lda, b, bOff, ldb, rows, out, outOff, 0, n);
  }

  static void sumOfProducts(Tensor a, int aOff, int lda, Tensor b, int bOff, int ldb, int rows,
      Tensor out, int outOff, int from, int to) {
    for (int j = from; j < to; j++) {
      double s = 0;
      for (int r = 0; r < rows; r++) {
        s += (double) a.get(aOff + r * lda + j) * b.get(bOff + r * ldb + j);
      }
      out.add(outOff + j, (float) s);
    }
  }

  @Override
  public void activate(Activation f, Tensor x, int off, int n) {
    activate(f, x, off, 0, n);
  }

  static void activate(Activation f, Tensor x, int off, int from, int to) {
    FloatBuffer a = x.data();
    for (int i = off + from; i < off + to; i++) {
      a.put(i, activation(f, a.get(i)));
    }
  }

  @Override
  public void activationBackward(Activation f, Tensor h, int hOff, Tensor dh, int dhOff,
      Tensor dz, int dzOff, int n) {
    activationBackward(f, h, hOff, dh, dhOff, dz, dzOff, 0, n);
  }

  static void activationBackward(Activation f, Tensor h, int hOff, Tensor dh, int dhOff,
      Tensor dz, int dzOff, int from, int to) {
    FloatBuffer hv = h.data();
    FloatBuffer dhv = dh.data();
    FloatBuffer dzv = dz.data();
    for (int i = from; i < to; i++) {
      dzv.put(dzOff + i, dhv.get(dhOff + i) * derivativeFromOutput(f, hv.get(hOff + i)));
    }
  }

  @Override
  public void lstmForward(Tensor gates, int gOff, Tensor cPrev, int cpOff, Tensor c, int cOff,
      Tensor tanhC, int tcOff, Tensor h, int hOff, Tensor peepI, Tensor peepF, Tensor peepO,
      int n, boolean coupled) {
    lstmForward(gates, gOff, cPrev, cpOff, c, cOff, tanhC, tcOff, h, hOff, peepI, peepF, peepO,
        n, coupled, 0, n);
  }

  static void lstmForward(Tensor gates, int gOff, Tensor cPrev, int cpOff, Tensor c, int cOff,
      Tensor tanhC, int tcOff, Tensor h, int hOff, Tensor peepI, Tensor peepF, Tensor peepO,
      int n, boolean coupled, int from, int to) {
    FloatBuffer g = gates.data();
    FloatBuffer cp = cPrev.data();
    int iB = gOff;
    int fB = coupled ? gOff : gOff + n;
    int gB = fB + n;
    int oB = gB + n;
    for (int j = from; j < to; j++) {
      float cPrevJ = cp.get(cpOff + j);
      float f = sigmoid(g.get(fB + j) + (peepF != null ? peepF.get(j) * cPrevJ : 0f));   // 8-25, 8-31
      float i = coupled ? 1f - f                                                          // 8-34
          : sigmoid(g.get(iB + j) + (peepI != null ? peepI.get(j) * cPrevJ : 0f));        // 8-26, 8-32
      float cand = tanh(g.get(gB + j));                                                   // 8-27
      float cj = f * cPrevJ + i * cand;                                                   // 8-28
      float o = sigmoid(g.get(oB + j) + (peepO != null ? peepO.get(j) * cj : 0f));        // 8-29, 8-33
      float tc = tanh(cj);
      if (!coupled) {
        g.put(iB + j, i);
      }
      g.put(fB + j, f);
      g.put(gB + j, cand);
      g.put(oB + j, o);
      c.set(cOff + j, cj);
      tanhC.set(tcOff + j, tc);
      h.set(hOff + j, o * tc);                                                            // 8-30
    }
  }

  @Override
  public void lstmBackward(Tensor gates, int gOff, Tensor cPrev, int cpOff, Tensor tanhC,
      int tcOff, Tensor dh, int dhOff, Tensor dc, int dcOff, Tensor dGates, int dgOff,
      Tensor peepI, Tensor peepF, Tensor peepO, int n, boolean coupled) {
    lstmBackward(gates, gOff, cPrev, cpOff, tanhC, tcOff, dh, dhOff, dc, dcOff, dGates, dgOff,
        peepI, peepF, peepO, n, coupled, 0, n);
  }

  static void lstmBackward(Tensor gates, int gOff, Tensor cPrev, int cpOff, Tensor tanhC,
      int tcOff, Tensor dh, int dhOff, Tensor dc, int dcOff, Tensor dGates, int dgOff,
      Tensor peepI, Tensor peepF, Tensor peepO, int n, boolean coupled, int from, int to) {
    FloatBuffer g = gates.data();
    FloatBuffer dg = dGates.data();
    int iB = gOff;
    int fB = coupled ? gOff : gOff + n;
    int gB = fB + n;
    int oB = gB + n;
    int diB = dgOff;
    int dfB = coupled ? dgOff : dgOff + n;
    int dgB = dfB + n;
    int doB = dgB + n;
    for (int j = from; j < to; j++) {
      float f = g.get(fB + j);
      float i = coupled ? 1f - f : g.get(iB + j);
      float cand = g.get(gB + j);
      float o = g.get(oB + j);
      float tc = tanhC.get(tcOff + j);
      float cPrevJ = cPrev.get(cpOff + j);
      float dhJ = dh.get(dhOff + j);
      float dOz = dhJ * tc * o * (1 - o);
      float dC = dc.get(dcOff + j) + dhJ * o * (1 - tc * tc);
      if (peepO != null) {
        dC += dOz * peepO.get(j);
      }
      float dGz = dC * i * (1 - cand * cand);
      float dFz = dC * (coupled ? cPrevJ - cand : cPrevJ) * f * (1 - f);
      float dCPrev = dC * f;
      if (peepF != null) {
        dCPrev += dFz * peepF.get(j);
      }
      if (!coupled) {
        float dIz = dC * cand * i * (1 - i);
        if (peepI != null) {
          dCPrev += dIz * peepI.get(j);
        }
        dg.put(diB + j, dIz);
      }
      dg.put(dfB + j, dFz);
      dg.put(dgB + j, dGz);
      dg.put(doB + j, dOz);
      dc.set(dcOff + j, dCPrev);
    }
  }

  @Override
  public void gruForwardResetAfter(Tensor gates, int gOff, Tensor gh, int ghOff, Tensor biasHn,
      Tensor hPrev, int hpOff, Tensor hn, int hnOff, Tensor h, int hOff, int n) {
    gruForwardResetAfter(gates, gOff, gh, ghOff, biasHn, hPrev, hpOff, hn, hnOff, h, hOff, n, 0, n);
  }

  static void gruForwardResetAfter(Tensor gates, int gOff, Tensor gh, int ghOff, Tensor biasHn,
      Tensor hPrev, int hpOff, Tensor hn, int hnOff, Tensor h, int hOff, int n, int from, int to) {
    FloatBuffer g = gates.data();
    FloatBuffer r = gh.data();
    for (int j = from; j < to; j++) {
      float rj = sigmoid(g.get(gOff + j) + r.get(ghOff + j));                             // 8-36
      float zj = sigmoid(g.get(gOff + n + j) + r.get(ghOff + n + j));                     // 8-35
      float hnj = r.get(ghOff + 2 * n + j) + biasHn.get(j);
      float nj = tanh(g.get(gOff + 2 * n + j) + rj * hnj);
      float hp = hPrev.get(hpOff + j);
      g.put(gOff + j, rj);
      g.put(gOff + n + j, zj);
      g.put(gOff + 2 * n + j, nj);
      hn.set(hnOff + j, hnj);
      h.set(hOff + j, (1 - zj) * hp + zj * nj);                                           // 8-38
    }
  }

  @Override
  public void gruBackwardResetAfter(Tensor gates, int gOff, Tensor hn, int hnOff, Tensor hPrev,
      int hpOff, Tensor dh, int dhOff, Tensor dGates, int dgOff, Tensor dGh, int dghOff,
      Tensor dhPrev, int dhpOff, int n) {
    gruBackwardResetAfter(gates, gOff, hn, hnOff, hPrev, hpOff, dh, dhOff, dGates, dgOff, dGh,
        dghOff, dhPrev, dhpOff, n, 0, n);
  }

  static void gruBackwardResetAfter(Tensor gates, int gOff, Tensor hn, int hnOff, Tensor hPrev,
      int hpOff, Tensor dh, int dhOff, Tensor dGates, int dgOff, Tensor dGh, int dghOff,
      Tensor dhPrev, int dhpOff, int n, int from, int to) {
    FloatBuffer g = gates.data();
    for (int j = from; j < to; j++) {
      float r = g.get(gOff + j);
      float z = g.get(gOff + n + j);
      float nn = g.get(gOff + 2 * n + j);
      float hp = hPrev.get(hpOff + j);
      float dhJ = dh.get(dhOff + j);
      float dNz = dhJ * z * (1 - nn * nn);
      float dZz = dhJ * (nn - hp) * z * (1 - z);
      float dRz = dNz * hn.get(hnOff + j) * r * (1 - r);
      float dHn = dNz * r;
      dGates.set(dgOff + j, dRz);
      dGates.set(dgOff + n + j, dZz);
      dGates.set(dgOff + 2 * n + j, dNz);
      dGh.set(dghOff + j, dRz);
      dGh.set(dghOff + n + j, dZz);
      dGh.set(dghOff + 2 * n + j, dHn);
      dhPrev.set(dhpOff + j, dhJ * (1 - z));
    }
  }

  @Override
  public void gruForwardGates(Tensor gates, int gOff, Tensor hPrev, int hpOff, Tensor rh,
      int rhOff, int n) {
    gruForwardGates(gates, gOff, hPrev, hpOff, rh, rhOff, n, 0, n);
  }

  static void gruForwardGates(Tensor gates, int gOff, Tensor hPrev, int hpOff, Tensor rh,
      int rhOff, int n, int from, int to) {
    FloatBuffer g = gates.data();
    for (int j = from; j < to; j++) {
      float r = sigmoid(g.get(gOff + j));                                                 // 8-36
      g.put(gOff + j, r);
      g.put(gOff + n + j, sigmoid(g.get(gOff + n + j)));                                  // 8-35
      rh.set(rhOff + j, r * hPrev.get(hpOff + j));
    }
  }

  @Override
  public void gruForwardCandidate(Tensor gates, int gOff, Tensor hPrev, int hpOff, Tensor h,
      int hOff, int n) {
    gruForwardCandidate(gates, gOff, hPrev, hpOff, h, hOff, n, 0, n);
  }

  static void gruForwardCandidate(Tensor gates, int gOff, Tensor hPrev, int hpOff, Tensor h,
      int hOff, int n, int from, int to) {
    FloatBuffer g = gates.data();
    for (int j = from; j < to; j++) {
      float z = g.get(gOff + n + j);
      float nn = tanh(g.get(gOff + 2 * n + j));                                           // 8-37
      g.put(gOff + 2 * n + j, nn);
      h.set(hOff + j, (1 - z) * hPrev.get(hpOff + j) + z * nn);                           // 8-38
    }
  }

  @Override
  public void gruBackwardCandidate(Tensor gates, int gOff, Tensor hPrev, int hpOff, Tensor dh,
      int dhOff, Tensor dGates, int dgOff, Tensor dhPrev, int dhpOff, int n) {
    gruBackwardCandidate(gates, gOff, hPrev, hpOff, dh, dhOff, dGates, dgOff, dhPrev, dhpOff, n, 0, n);
  }

  static void gruBackwardCandidate(Tensor gates, int gOff, Tensor hPrev, int hpOff, Tensor dh,
      int dhOff, Tensor dGates, int dgOff, Tensor dhPrev, int dhpOff, int n, int from, int to) {
    FloatBuffer g = gates.data();
    for (int j = from; j < to; j++) {
      float z = g.get(gOff + n + j);
      float nn = g.get(gOff + 2 * n + j);
      float dhJ = dh.get(dhOff + j);
      dGates.set(dgOff + n + j, dhJ * (nn - hPrev.get(hpOff + j)) * z * (1 - z));
      dGates.set(dgOff + 2 * n + j, dhJ * z * (1 - nn * nn));
      dhPrev.set(dhpOff + j, dhJ * (1 - z));
    }
  }

  @Override
  public void gruBackwardReset(Tensor gates, int gOff, Tensor hPrev, int hpOff, Tensor dRh,
      int drOff, Tensor dGates, int dgOff, Tensor dhPrev, int dhpOff, int n) {
    gruBackwardReset(gates, gOff, hPrev, hpOff, dRh, drOff, dGates, dgOff, dhPrev, dhpOff, 0, n);
  }

  static void gruBackwardReset(Tensor gates, int gOff, Tensor hPrev, int hpOff, Tensor dRh,
      int drOff, Tensor dGates, int dgOff, Tensor dhPrev, int dhpOff, int from, int to) {
    FloatBuffer g = gates.data();
    for (int j = from; j < to; j++) {
      float r = g.get(gOff + j);
      float drh = dRh.get(drOff + j);
      dGates.set(dgOff + j, drh * hPrev.get(hpOff + j) * r * (1 - r));
      dhPrev.add(dhpOff + j, drh * r);
    }
  }

  @Override
  public double logSumExp(Tensor x, int off, int n) {
    float max = max(x, off, n);
    double sum = 0;
    for (int k = 0; k < n; k++) {
      sum += Math.exp(x.get(off + k) - max);
    }
    return Math.log(sum) + max;
  }

  @Override
  public double softmaxCrossEntropy(Tensor logits, int off, int n, int target, Tensor grad,
      int gOff, float scale) {
    double logZ = logSumExp(logits, off, n);
    if (grad != null) {
      for (int k = 0; k < n; k++) {
        grad.set(gOff + k, scale * (float) Math.exp(logits.get(off + k) - logZ));
      }
      grad.add(gOff + target, -scale);
    }
    return logZ - logits.get(off + target);
  }

  @Override
  public float max(Tensor x, int off, int n) {
    return max(x, off, Float.NEGATIVE_INFINITY, 0, n);
  }

  @Override
  public boolean isArgmax(Tensor x, int off, int n, int target) {
    float value = x.get(off + target);
    return !Float.isNaN(value) && isArgmax(x, off, value, target, 0, n);
  }

  /** Whether no value in [from, to) beats {@code value} at {@code target}: one before it by a tie, one after by more. */
  static boolean isArgmax(Tensor x, int off, float value, int target, int from, int to) {
    for (int k = from; k < to; k++) {
      float y = x.get(off + k);
      if (k < target ? y >= value : y > value) {
        return false;
      }
    }
    return true;
  }

  static float max(Tensor x, int off, float start, int from, int to) {
    float m = start;
    for (int k = from; k < to; k++) {
      m = Math.max(m, x.get(off + k));
    }
    return m;
  }

  @Override
  public void add(Tensor a, int aOff, Tensor b, int bOff, Tensor y, int yOff, int n) {
    add(a, aOff, b, bOff, y, yOff, 0, n);
  }

  static void add(Tensor a, int aOff, Tensor b, int bOff, Tensor y, int yOff, int from, int to) {
    for (int i = from; i < to; i++) {
      y.set(yOff + i, a.get(aOff + i) + b.get(bOff + i));
    }
  }

  @Override
  public void adamStep(Tensor w, Tensor g, Tensor m, Tensor v, int from, int to, float a, float b1, float b2,
      float eHat) {
    adam(w, g, m, v, from, to, a, b1, b2, eHat);
  }

  static void adam(Tensor w, Tensor g, Tensor m, Tensor v, int from, int to, float a, float b1, float b2,
      float eHat) {
    for (int i = from; i < to; i++) {
      float gi = g.get(i);
      float mi = b1 * m.get(i) + (1 - b1) * gi;
      float vi = b2 * v.get(i) + (1 - b2) * gi * gi;
      m.set(i, mi);
      v.set(i, vi);
      w.set(i, w.get(i) - a * mi / ((float) Math.sqrt(vi) + eHat));
    }
  }

  @Override
  public void momentumStep(Tensor w, Tensor g, Tensor velocity, int from, int to, float rate, float mu,
      boolean nesterov) {
    momentum(w, g, velocity, from, to, rate, mu, nesterov);
  }

  static void momentum(Tensor w, Tensor g, Tensor velocity, int from, int to, float rate, float mu,
      boolean nesterov) {
    for (int i = from; i < to; i++) {
      float gi = g.get(i);
      float u = mu * velocity.get(i) + gi;
      velocity.set(i, u);
      w.set(i, w.get(i) - rate * (nesterov ? gi + mu * u : u));
    }
  }
}
