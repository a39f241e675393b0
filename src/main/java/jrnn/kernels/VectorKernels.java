package jrnn.kernels;

import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import jrnn.tensor.Tensor;

/**
 * The gate math of {@link ScalarKernels} on SIMD lanes (the Vector API), the same equations in
 * the same order: each loop handles full vectors of units and leaves the rest of the row to the
 * scalar twin's range methods. tanh, sigmoid and exp are {@link VectorMath}'s: one rational
 * function per gate, deterministic from the first call.
 */
public final class VectorKernels implements Kernels {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();
  private static final ByteOrder ORDER = ByteOrder.nativeOrder();

  /** Floats per SIMD register. */
  static int lanes() {
    return L;
  }

  private static FloatVector load(Tensor t, int i) {
    return FloatVector.fromByteBuffer(S, t.bytes(), 4 * i, ORDER);
  }

  private static void store(FloatVector v, Tensor t, int i) {
    v.intoByteBuffer(t.bytes(), 4 * i, ORDER);
  }

  private static FloatVector tanh(FloatVector x) {
    return VectorMath.tanh(x);
  }

  private static FloatVector sigmoid(FloatVector x) {
    return VectorMath.sigmoid(x);
  }

  /** Units [0, full(n)) are done in vectors, the rest by the scalar twin. */
  private static int full(int n) {
    return n - n % L;
  }

  @Override
  public Packed pack(Tensor w, int off, int ld, int k, int n, boolean transposed, Packed reuse) {
    return PackedGemm.pack(w, off, ld, k, n, transposed,
        reuse instanceof PackedGemm.Panels p ? p : null);
  }

  @Override
  public void multiply(Tensor a, int aOff, int lda, int m, Packed b, Tensor c, int cOff, int ldc,
      boolean accumulate) {
    PackedGemm.multiply(a, aOff, lda, m, (PackedGemm.Panels) b, c, cOff, ldc, accumulate);
  }

  @Override
  public void sumOfProducts(Tensor a, int aOff, int lda, Tensor b, int bOff, int ldb, int rows,
      int n, Tensor out, int outOff) {
    int m = full(n);
    for (int j = 0; j < m; j += L) {
      FloatVector s = FloatVector.zero(S);
      for (int r = 0; r < rows; r++) {
        s = load(a, aOff + r * lda + j).fma(load(b, bOff + r * ldb + j), s);
      }
      store(s.add(load(out, outOff + j)), out, outOff + j);
    }
    ScalarKernels.sumOfProducts(a, aOff, lda, b, bOff, ldb, rows, out, outOff, m, n);
  }

  @Override
  public void activate(Activation f, Tensor x, int off, int n) {
    int m = full(n);
    for (int j = 0; j < m; j += L) {
      FloatVector z = load(x, off + j);
      FloatVector h;
      switch (f) {
        case TANH:
          h = tanh(z);
          break;
        case SIGMOID:
          h = sigmoid(z);
          break;
        default:
          h = z.max(0f);
      }
      store(h, x, off + j);
    }
    ScalarKernels.activate(f, x, off, m, n);
  }

  @Override
  public void activationBackward(Activation f, Tensor h, int hOff, Tensor dh, int dhOff,
      Tensor dz, int dzOff, int n) {
    int m = full(n);
    for (int j = 0; j < m; j += L) {
      FloatVector hv = load(h, hOff + j);
      FloatVector d = load(dh, dhOff + j);
      FloatVector r;
      switch (f) {
        case TANH:
          r = d.mul(hv.mul(hv).neg().add(1f));
          break;
        case SIGMOID:
          r = d.mul(hv.mul(hv.neg().add(1f)));
          break;
        default:
          r = d.blend(0f, hv.compare(VectorOperators.LE, 0f));
      }
      store(r, dz, dzOff + j);
    }
    ScalarKernels.activationBackward(f, h, hOff, dh, dhOff, dz, dzOff, m, n);
  }

  @Override
  public void lstmForward(Tensor gates, int gOff, Tensor cPrev, int cpOff, Tensor c, int cOff,
      Tensor tanhC, int tcOff, Tensor h, int hOff, Tensor peepI, Tensor peepF, Tensor peepO,
      int n, boolean coupled) {
    int iB = gOff;
    int fB = coupled ? gOff : gOff + n;
    int gB = fB + n;
    int oB = gB + n;
    int m = full(n);
    for (int j = 0; j < m; j += L) {
      FloatVector cp = load(cPrev, cpOff + j);
      FloatVector fz = load(gates, fB + j);
      if (peepF != null) {
        fz = load(peepF, j).fma(cp, fz);
      }
      FloatVector f = sigmoid(fz);                                           // 8-25, 8-31
      FloatVector i;
      if (coupled) {
        i = f.neg().add(1f);                                                 // 8-34
      } else {
        FloatVector iz = load(gates, iB + j);
        if (peepI != null) {
          iz = load(peepI, j).fma(cp, iz);
        }
        i = sigmoid(iz);                                                     // 8-26, 8-32
        store(i, gates, iB + j);
      }
      FloatVector cand = tanh(load(gates, gB + j));                          // 8-27
      FloatVector cj = f.mul(cp).add(i.mul(cand));                           // 8-28
      FloatVector oz = load(gates, oB + j);
      if (peepO != null) {
        oz = load(peepO, j).fma(cj, oz);
      }
      FloatVector o = sigmoid(oz);                                           // 8-29, 8-33
      FloatVector tc = tanh(cj);
      store(f, gates, fB + j);
      store(cand, gates, gB + j);
      store(o, gates, oB + j);
      store(cj, c, cOff + j);
      store(tc, tanhC, tcOff + j);
      store(o.mul(tc), h, hOff + j);                                         // 8-30
    }
    ScalarKernels.lstmForward(gates, gOff, cPrev, cpOff, c, cOff, tanhC, tcOff, h, hOff, peepI,
        peepF, peepO, n, coupled, m, n);
  }

  @Override
  public void lstmBackward(Tensor gates, int gOff, Tensor cPrev, int cpOff, Tensor tanhC,
      int tcOff, Tensor dh, int dhOff, Tensor dc, int dcOff, Tensor dGates, int dgOff,
      Tensor peepI, Tensor peepF, Tensor peepO, int n, boolean coupled) {
    int iB = gOff;
    int fB = coupled ? gOff : gOff + n;
    int gB = fB + n;
    int oB = gB + n;
    int diB = dgOff;
    int dfB = coupled ? dgOff : dgOff + n;
    int dgB = dfB + n;
    int doB = dgB + n;
    int m = full(n);
    for (int j = 0; j < m; j += L) {
      FloatVector f = load(gates, fB + j);
      FloatVector i = coupled ? f.neg().add(1f) : load(gates, iB + j);
      FloatVector cand = load(gates, gB + j);
      FloatVector o = load(gates, oB + j);
      FloatVector tc = load(tanhC, tcOff + j);
      FloatVector cp = load(cPrev, cpOff + j);
      FloatVector d = load(dh, dhOff + j);
      FloatVector dOz = d.mul(tc).mul(o).mul(o.neg().add(1f));
      FloatVector dC = d.mul(o).mul(tc.mul(tc).neg().add(1f)).add(load(dc, dcOff + j));
      if (peepO != null) {
        dC = dOz.fma(load(peepO, j), dC);
      }
      FloatVector dGz = dC.mul(i).mul(cand.mul(cand).neg().add(1f));
      FloatVector dFz = dC.mul(coupled ? cp.sub(cand) : cp).mul(f).mul(f.neg().add(1f));
      FloatVector dCPrev = dC.mul(f);
      if (peepF != null) {
        dCPrev = dFz.fma(load(peepF, j), dCPrev);
      }
      if (!coupled) {
        FloatVector dIz = dC.mul(cand).mul(i).mul(i.neg().add(1f));
        if (peepI != null) {
          dCPrev = dIz.fma(load(peepI, j), dCPrev);
        }
        store(dIz, dGates, diB + j);
      }
      store(dFz, dGates, dfB + j);
      store(dGz, dGates, dgB + j);
      store(dOz, dGates, doB + j);
      store(dCPrev, dc, dcOff + j);
    }
    ScalarKernels.lstmBackward(gates, gOff, cPrev, cpOff, tanhC, tcOff, dh, dhOff, dc, dcOff,
        dGates, dgOff, peepI, peepF, peepO, n, coupled, m, n);
  }

  @Override
  public void gruForwardResetAfter(Tensor gates, int gOff, Tensor gh, int ghOff, Tensor biasHn,
      Tensor hPrev, int hpOff, Tensor hn, int hnOff, Tensor h, int hOff, int n) {
    int m = full(n);
    for (int j = 0; j < m; j += L) {
      FloatVector r = sigmoid(load(gates, gOff + j).add(load(gh, ghOff + j)));               // 8-36
      FloatVector z = sigmoid(load(gates, gOff + n + j).add(load(gh, ghOff + n + j)));       // 8-35
      FloatVector hnv = load(gh, ghOff + 2 * n + j).add(load(biasHn, j));
      FloatVector nv = tanh(r.fma(hnv, load(gates, gOff + 2 * n + j)));
      FloatVector hp = load(hPrev, hpOff + j);
      store(r, gates, gOff + j);
      store(z, gates, gOff + n + j);
      store(nv, gates, gOff + 2 * n + j);
      store(hnv, hn, hnOff + j);
      store(z.fma(nv.sub(hp), hp), h, hOff + j);                                              // 8-38
    }
    ScalarKernels.gruForwardResetAfter(gates, gOff, gh, ghOff, biasHn, hPrev, hpOff, hn, hnOff,
        h, hOff, n, m, n);
  }

  @Override
  public void gruBackwardResetAfter(Tensor gates, int gOff, Tensor hn, int hnOff, Tensor hPrev,
      int hpOff, Tensor dh, int dhOff, Tensor dGates, int dgOff, Tensor dGh, int dghOff,
      Tensor dhPrev, int dhpOff, int n) {
    int m = full(n);
    for (int j = 0; j < m; j += L) {
      FloatVector r = load(gates, gOff + j);
      FloatVector z = load(gates, gOff + n + j);
      FloatVector nv = load(gates, gOff + 2 * n + j);
      FloatVector hp = load(hPrev, hpOff + j);
      FloatVector d = load(dh, dhOff + j);
      FloatVector dNz = d.mul(z).mul(nv.mul(nv).neg().add(1f));
      FloatVector dZz = d.mul(nv.sub(hp)).mul(z).mul(z.neg().add(1f));
      FloatVector dRz = dNz.mul(load(hn, hnOff + j)).mul(r).mul(r.neg().add(1f));
      FloatVector dHn = dNz.mul(r);
      store(dRz, dGates, dgOff + j);
      store(dZz, dGates, dgOff + n + j);
      store(dNz, dGates, dgOff + 2 * n + j);
      store(dRz, dGh, dghOff + j);
      store(dZz, dGh, dghOff + n + j);
      store(dHn, dGh, dghOff + 2 * n + j);
      store(d.mul(z.neg().add(1f)), dhPrev, dhpOff + j);
    }
    ScalarKernels.gruBackwardResetAfter(gates, gOff, hn, hnOff, hPrev, hpOff, dh, dhOff, dGates,
        dgOff, dGh, dghOff, dhPrev, dhpOff, n, m, n);
  }

  @Override
  public void gruForwardGates(Tensor gates, int gOff, Tensor hPrev, int hpOff, Tensor rh,
      int rhOff, int n) {
    int m = full(n);
    for (int j = 0; j < m; j += L) {
      FloatVector r = sigmoid(load(gates, gOff + j));                        // 8-36
      store(r, gates, gOff + j);
      store(sigmoid(load(gates, gOff + n + j)), gates, gOff + n + j);        // 8-35
      store(r.mul(load(hPrev, hpOff + j)), rh, rhOff + j);
    }
    ScalarKernels.gruForwardGates(gates, gOff, hPrev, hpOff, rh, rhOff, n, m, n);
  }

  @Override
  public void gruForwardCandidate(Tensor gates, int gOff, Tensor hPrev, int hpOff, Tensor h,
      int hOff, int n) {
    int m = full(n);
    for (int j = 0; j < m; j += L) {
      FloatVector z = load(gates, gOff + n + j);
      FloatVector nv = tanh(load(gates, gOff + 2 * n + j));                  // 8-37
      FloatVector hp = load(hPrev, hpOff + j);
      store(nv, gates, gOff + 2 * n + j);
      store(z.fma(nv.sub(hp), hp), h, hOff + j);                             // 8-38
    }
    ScalarKernels.gruForwardCandidate(gates, gOff, hPrev, hpOff, h, hOff, n, m, n);
  }

  @Override
  public void gruBackwardCandidate(Tensor gates, int gOff, Tensor hPrev, int hpOff, Tensor dh,
      int dhOff, Tensor dGates, int dgOff, Tensor dhPrev, int dhpOff, int n) {
    int m = full(n);
    for (int j = 0; j < m; j += L) {
      FloatVector z = load(gates, gOff + n + j);
      FloatVector nv = load(gates, gOff + 2 * n + j);
      FloatVector d = load(dh, dhOff + j);
      store(d.mul(nv.sub(load(hPrev, hpOff + j))).mul(z).mul(z.neg().add(1f)), dGates, dgOff + n + j);
      store(d.mul(z).mul(nv.mul(nv).neg().add(1f)), dGates, dgOff + 2 * n + j);
      store(d.mul(z.neg().add(1f)), dhPrev, dhpOff + j);
    }
    ScalarKernels.gruBackwardCandidate(gates, gOff, hPrev, hpOff, dh, dhOff, dGates, dgOff,
        dhPrev, dhpOff, n, m, n);
  }

  @Override
  public void gruBackwardReset(Tensor gates, int gOff, Tensor hPrev, int hpOff, Tensor dRh,
      int drOff, Tensor dGates, int dgOff, Tensor dhPrev, int dhpOff, int n) {
    int m = full(n);
    for (int j = 0; j < m; j += L) {
      FloatVector r = load(gates, gOff + j);
      FloatVector drh = load(dRh, drOff + j);
      store(drh.mul(load(hPrev, hpOff + j)).mul(r).mul(r.neg().add(1f)), dGates, dgOff + j);
      store(drh.fma(r, load(dhPrev, dhpOff + j)), dhPrev, dhpOff + j);
    }
    ScalarKernels.gruBackwardReset(gates, gOff, hPrev, hpOff, dRh, drOff, dGates, dgOff, dhPrev,
        dhpOff, m, n);
  }

  @Override
  public double softmaxCrossEntropy(Tensor logits, int off, int n, int target, Tensor grad,
      int gOff, float scale) {
    int m = full(n);
    FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
    for (int k = 0; k < m; k += L) {
      vmax = vmax.max(load(logits, off + k));
    }
    float max = m > 0 ? vmax.reduceLanes(VectorOperators.MAX) : Float.NEGATIVE_INFINITY;
    for (int k = m; k < n; k++) {
      max = Math.max(max, logits.get(off + k));
    }
    FloatVector vsum = FloatVector.zero(S);
    for (int k = 0; k < m; k += L) {
      vsum = vsum.add(VectorMath.exp(load(logits, off + k).sub(max)));
    }
    double sum = m > 0 ? vsum.reduceLanes(VectorOperators.ADD) : 0;
    for (int k = m; k < n; k++) {
      sum += Math.exp(logits.get(off + k) - max);
    }
    float logZ = (float) (Math.log(sum) + max);
    if (grad != null) {
      for (int k = 0; k < m; k += L) {
        store(VectorMath.exp(load(logits, off + k).sub(logZ)).mul(scale), grad, gOff + k);
      }
      for (int k = m; k < n; k++) {
        grad.set(gOff + k, scale * (float) Math.exp(logits.get(off + k) - logZ));
      }
      grad.add(gOff + target, -scale);
    }
    return logZ - logits.get(off + target);
  }

  @Override
  public float max(Tensor x, int off, int n) {
    int m = full(n);
    FloatVector v = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
    for (int k = 0; k < m; k += L) {
      v = v.max(load(x, off + k));
    }
    float start = m > 0 ? v.reduceLanes(VectorOperators.MAX) : Float.NEGATIVE_INFINITY;
    return ScalarKernels.max(x, off, start, m, n);
  }

  @Override
  public void add(Tensor a, int aOff, Tensor b, int bOff, Tensor y, int yOff, int n) {
    int m = full(n);
    for (int j = 0; j < m; j += L) {
      store(load(a, aOff + j).add(load(b, bOff + j)), y, yOff + j);
    }
    ScalarKernels.add(a, aOff, b, bOff, y, yOff, m, n);
  }
}
