package jrnn.kernels;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import jrnn.tensor.Tensor;

/**
 * The gate math of {@link ScalarKernels} on SIMD lanes (the Vector API), the same equations in
 * the same order: each loop handles full vectors of units and leaves the rest of the row to the
 * scalar twin's range methods. tanh, sigmoid and exp are {@link VectorMath}'s, deterministic
 * from the first call.
 *
 * <p>No vector value may be chosen by a branch inside a loop (a ?: or an if that reassigns it):
 * where two vector values merge, JDK 17's JIT boxes them, allocating on every iteration and
 * running the operations unintrinsified. Branches therefore choose between whole loops.
 *
 * <p>Loads and stores are written out as the Vector API's own {@code fromByteBuffer} and
 * {@code intoByteBuffer}, never through a helper of ours. The gate methods are large, and once a
 * compilation grows past C2's node budget (NodeCountInliningCutoff) it stops inlining ordinary
 * calls; a helper left as a call returns a boxed vector, allocating on every iteration. With
 * such helpers, JFR found most of bench's allocation in lstmForward's last loop, and the LSTM
 * gate math ran about a quarter slower. The JDK's own methods are always inlined.
 */
public final class VectorKernels implements Kernels {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();
  private static final ByteOrder ORDER = ByteOrder.nativeOrder();

  /** Floats per SIMD register. */
  static int lanes() {
    return L;
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
      boolean accumulate, Tensor bias, int biasOff) {
    PackedGemm.multiply(
        a, aOff, lda, m, (PackedGemm.Panels) b, c, cOff, ldc, accumulate, bias, biasOff);
  }

  @Override
  public void sumOfProducts(Tensor a, int aOff, int lda, Tensor b, int bOff, int ldb, int rows,
      int n, Tensor out, int outOff) {
    int m = full(n);
    for (int j = 0; j < m; j += L) {
      FloatVector s = FloatVector.zero(S);
      for (int r = 0; r < rows; r++) {
        s =
            FloatVector.fromByteBuffer(S, a.bytes(), 4 * (aOff + r * lda + j), ORDER)
                .fma(FloatVector.fromByteBuffer(S, b.bytes(), 4 * (bOff + r * ldb + j), ORDER), s);
      }
      s.add(FloatVector.fromByteBuffer(S, out.bytes(), 4 * (outOff + j), ORDER))
          .intoByteBuffer(out.bytes(), 4 * (outOff + j), ORDER);
    }
    ScalarKernels.sumOfProducts(a, aOff, lda, b, bOff, ldb, rows, out, outOff, m, n);
  }

  @Override
  public void activate(Activation f, Tensor x, int off, int n) {
    int m = full(n);
    switch (f) {
      case TANH:
        tanhInto(x, off, x, off, m);
        break;
      case SIGMOID:
        sigmoidInPlace(x, off, m);
        break;
      default:
        for (int j = 0; j < m; j += L) {
          FloatVector.fromByteBuffer(S, x.bytes(), 4 * (off + j), ORDER)
              .max(0f)
              .intoByteBuffer(x.bytes(), 4 * (off + j), ORDER);
        }
    }
    ScalarKernels.activate(f, x, off, m, n);
  }

  @Override
  public void activationBackward(Activation f, Tensor h, int hOff, Tensor dh, int dhOff,
      Tensor dz, int dzOff, int n) {
    int m = full(n);
    switch (f) {
      case TANH:
        for (int j = 0; j < m; j += L) {
          FloatVector hv = FloatVector.fromByteBuffer(S, h.bytes(), 4 * (hOff + j), ORDER);
          FloatVector.fromByteBuffer(S, dh.bytes(), 4 * (dhOff + j), ORDER)
              .mul(hv.mul(hv).neg().add(1f))
              .intoByteBuffer(dz.bytes(), 4 * (dzOff + j), ORDER);
        }
        break;
      case SIGMOID:
        for (int j = 0; j < m; j += L) {
          FloatVector hv = FloatVector.fromByteBuffer(S, h.bytes(), 4 * (hOff + j), ORDER);
          FloatVector.fromByteBuffer(S, dh.bytes(), 4 * (dhOff + j), ORDER)
              .mul(hv.mul(hv.neg().add(1f)))
              .intoByteBuffer(dz.bytes(), 4 * (dzOff + j), ORDER);
        }
        break;
      default:
        for (int j = 0; j < m; j += L) {
          FloatVector.fromByteBuffer(S, dh.bytes(), 4 * (dhOff + j), ORDER)
              .blend(
                  0f,
                  FloatVector.fromByteBuffer(S, h.bytes(), 4 * (hOff + j), ORDER)
                      .compare(VectorOperators.LE, 0f))
              .intoByteBuffer(dz.bytes(), 4 * (dzOff + j), ORDER);
        }
    }
    ScalarKernels.activationBackward(f, h, hOff, dh, dhOff, dz, dzOff, m, n);
  }

  // The gate math runs as passes over a row: tanh and sigmoid in VectorMath's own compilation
  // units, the rest in small loops here. (One fused loop with several tanh, as the scalar twin
  // has, grows past the JIT's inlining budget; see VectorMath.)

  /** x = sigmoid(x) over m elements. */
  private static void sigmoidInPlace(Tensor x, int off, int m) {
    VectorMath.tanhInto(x, off, x, off, m, true);
  }

  /** sigmoid over the r and z blocks of a GRU row: one pass when they are whole vectors. */
  private static void sigmoidR(Tensor gates, int gOff, int n, int m) {
    if (m == n) {
      sigmoidInPlace(gates, gOff, 2 * m);
    } else {
      sigmoidInPlace(gates, gOff, m);
      sigmoidInPlace(gates, gOff + n, m);
    }
  }

  /** y = tanh(x) over m elements (y may be x). */
  private static void tanhInto(Tensor x, int xOff, Tensor y, int yOff, int m) {
    VectorMath.tanhInto(x, xOff, y, yOff, m, false);
  }

  /** x += p * c (a peephole term) over m elements. */
  private static void addProduct(Tensor x, int xOff, Tensor p, Tensor c, int cOff, int m) {
    for (int j = 0; j < m; j += L) {
      FloatVector.fromByteBuffer(S, p.bytes(), 4 * j, ORDER)
          .fma(
              FloatVector.fromByteBuffer(S, c.bytes(), 4 * (cOff + j), ORDER),
              FloatVector.fromByteBuffer(S, x.bytes(), 4 * (xOff + j), ORDER))
          .intoByteBuffer(x.bytes(), 4 * (xOff + j), ORDER);
    }
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
    if (peepF != null) {
      addProduct(gates, fB, peepF, cPrev, cpOff, m);                         // 8-31
      if (peepI != null) {
        addProduct(gates, iB, peepI, cPrev, cpOff, m);                       // 8-32
      }
    }
    if (coupled) {
      sigmoidInPlace(gates, fB, m);                                          // 8-25
    } else if (m == n) {
      sigmoidInPlace(gates, iB, 2 * m); // 8-26, 8-25: i, f adjacent
    } else {
      sigmoidInPlace(gates, iB, m);
      sigmoidInPlace(gates, fB, m);
    }
    tanhInto(gates, gB, gates, gB, m);                                       // 8-27
    ByteBuffer g = gates.bytes();
    ByteBuffer cp = cPrev.bytes();
    ByteBuffer cb = c.bytes();
    if (coupled) {
      for (int j = 0; j < m; j += L) {
        FloatVector f = FloatVector.fromByteBuffer(S, g, 4 * (fB + j), ORDER);
        FloatVector i = f.neg().add(1f);                                     // 8-34
        FloatVector cand = FloatVector.fromByteBuffer(S, g, 4 * (gB + j), ORDER);
        FloatVector before = FloatVector.fromByteBuffer(S, cp, 4 * (cpOff + j), ORDER);
        f.mul(before).add(i.mul(cand)).intoByteBuffer(cb, 4 * (cOff + j), ORDER);   // 8-28
      }
    } else {
      for (int j = 0; j < m; j += L) {
        FloatVector f = FloatVector.fromByteBuffer(S, g, 4 * (fB + j), ORDER);
        FloatVector i = FloatVector.fromByteBuffer(S, g, 4 * (iB + j), ORDER);
        FloatVector cand = FloatVector.fromByteBuffer(S, g, 4 * (gB + j), ORDER);
        FloatVector before = FloatVector.fromByteBuffer(S, cp, 4 * (cpOff + j), ORDER);
        f.mul(before).add(i.mul(cand)).intoByteBuffer(cb, 4 * (cOff + j), ORDER);   // 8-28
      }
    }
    if (peepO != null) {
      addProduct(gates, oB, peepO, c, cOff, m);                              // 8-33
    }
    sigmoidInPlace(gates, oB, m);                                            // 8-29
    tanhInto(c, cOff, tanhC, tcOff, m);
    ByteBuffer tc = tanhC.bytes();
    ByteBuffer hb = h.bytes();
    for (int j = 0; j < m; j += L) {
      FloatVector o = FloatVector.fromByteBuffer(S, g, 4 * (oB + j), ORDER);
      FloatVector t = FloatVector.fromByteBuffer(S, tc, 4 * (tcOff + j), ORDER);
      o.mul(t).intoByteBuffer(hb, 4 * (hOff + j), ORDER);                    // 8-30
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
    // dc becomes dL/dc_t in full: what came from step t + 1, through h_t, and through o's peephole.
    for (int j = 0; j < m; j += L) {
      FloatVector o = FloatVector.fromByteBuffer(S, gates.bytes(), 4 * (oB + j), ORDER);
      FloatVector tc = FloatVector.fromByteBuffer(S, tanhC.bytes(), 4 * (tcOff + j), ORDER);
      FloatVector d = FloatVector.fromByteBuffer(S, dh.bytes(), 4 * (dhOff + j), ORDER);
      d.mul(tc).mul(o).mul(o.neg().add(1f)).intoByteBuffer(dGates.bytes(), 4 * (doB + j), ORDER);
      d.mul(o)
          .mul(tc.mul(tc).neg().add(1f))
          .add(FloatVector.fromByteBuffer(S, dc.bytes(), 4 * (dcOff + j), ORDER))
          .intoByteBuffer(dc.bytes(), 4 * (dcOff + j), ORDER);
    }
    if (peepO != null) {
      addProduct(dc, dcOff, peepO, dGates, doB, m);
    }
    if (coupled) {
      for (int j = 0; j < m; j += L) {
        FloatVector dC = FloatVector.fromByteBuffer(S, dc.bytes(), 4 * (dcOff + j), ORDER);
        FloatVector f = FloatVector.fromByteBuffer(S, gates.bytes(), 4 * (fB + j), ORDER);
        FloatVector cand = FloatVector.fromByteBuffer(S, gates.bytes(), 4 * (gB + j), ORDER);
        dC.mul(f.neg().add(1f))
            .mul(cand.mul(cand).neg().add(1f))
            .intoByteBuffer(dGates.bytes(), 4 * (dgB + j), ORDER);
        dC.mul(FloatVector.fromByteBuffer(S, cPrev.bytes(), 4 * (cpOff + j), ORDER).sub(cand))
            .mul(f)
            .mul(f.neg().add(1f))
            .intoByteBuffer(dGates.bytes(), 4 * (dfB + j), ORDER);
      }
    } else {
      for (int j = 0; j < m; j += L) {
        FloatVector dC = FloatVector.fromByteBuffer(S, dc.bytes(), 4 * (dcOff + j), ORDER);
        FloatVector f = FloatVector.fromByteBuffer(S, gates.bytes(), 4 * (fB + j), ORDER);
        FloatVector i = FloatVector.fromByteBuffer(S, gates.bytes(), 4 * (iB + j), ORDER);
        FloatVector cand = FloatVector.fromByteBuffer(S, gates.bytes(), 4 * (gB + j), ORDER);
        dC.mul(i)
            .mul(cand.mul(cand).neg().add(1f))
            .intoByteBuffer(dGates.bytes(), 4 * (dgB + j), ORDER);
        dC.mul(FloatVector.fromByteBuffer(S, cPrev.bytes(), 4 * (cpOff + j), ORDER))
            .mul(f)
            .mul(f.neg().add(1f))
            .intoByteBuffer(dGates.bytes(), 4 * (dfB + j), ORDER);
        dC.mul(cand)
            .mul(i)
            .mul(i.neg().add(1f))
            .intoByteBuffer(dGates.bytes(), 4 * (diB + j), ORDER);
      }
    }
    // dc becomes dL/dc_{t-1}: through the forget gate and the peepholes of f and i.
    for (int j = 0; j < m; j += L) {
      FloatVector.fromByteBuffer(S, dc.bytes(), 4 * (dcOff + j), ORDER)
          .mul(FloatVector.fromByteBuffer(S, gates.bytes(), 4 * (fB + j), ORDER))
          .intoByteBuffer(dc.bytes(), 4 * (dcOff + j), ORDER);
    }
    if (peepF != null) {
      addProduct(dc, dcOff, peepF, dGates, dfB, m);
      if (peepI != null) {
        addProduct(dc, dcOff, peepI, dGates, diB, m);
      }
    }
    ScalarKernels.lstmBackward(gates, gOff, cPrev, cpOff, tanhC, tcOff, dh, dhOff, dc, dcOff,
        dGates, dgOff, peepI, peepF, peepO, n, coupled, m, n);
  }

  @Override
  public void gruForwardResetAfter(Tensor gates, int gOff, Tensor gh, int ghOff, Tensor biasHn,
      Tensor hPrev, int hpOff, Tensor hn, int hnOff, Tensor h, int hOff, int n) {
    int m = full(n);
    for (int j = 0; j < m; j += L) {
      FloatVector.fromByteBuffer(S, gates.bytes(), 4 * (gOff + j), ORDER)
          .add(FloatVector.fromByteBuffer(S, gh.bytes(), 4 * (ghOff + j), ORDER))
          .intoByteBuffer(gates.bytes(), 4 * (gOff + j), ORDER);
      FloatVector.fromByteBuffer(S, gates.bytes(), 4 * (gOff + n + j), ORDER)
          .add(FloatVector.fromByteBuffer(S, gh.bytes(), 4 * (ghOff + n + j), ORDER))
          .intoByteBuffer(gates.bytes(), 4 * (gOff + n + j), ORDER);
      FloatVector.fromByteBuffer(S, gh.bytes(), 4 * (ghOff + 2 * n + j), ORDER)
          .add(FloatVector.fromByteBuffer(S, biasHn.bytes(), 4 * j, ORDER))
          .intoByteBuffer(hn.bytes(), 4 * (hnOff + j), ORDER);
    }
    sigmoidR(gates, gOff, n, m);                                             // 8-36, 8-35
    for (int j = 0; j < m; j += L) {
      int at = gOff + 2 * n + j;
      FloatVector.fromByteBuffer(S, gates.bytes(), 4 * (gOff + j), ORDER)
          .fma(
              FloatVector.fromByteBuffer(S, hn.bytes(), 4 * (hnOff + j), ORDER),
              FloatVector.fromByteBuffer(S, gates.bytes(), 4 * at, ORDER))
          .intoByteBuffer(gates.bytes(), 4 * at, ORDER);
    }
    tanhInto(gates, gOff + 2 * n, gates, gOff + 2 * n, m);
    for (int j = 0; j < m; j += L) {
      FloatVector z = FloatVector.fromByteBuffer(S, gates.bytes(), 4 * (gOff + n + j), ORDER);
      FloatVector hp = FloatVector.fromByteBuffer(S, hPrev.bytes(), 4 * (hpOff + j), ORDER);
      z.fma(FloatVector.fromByteBuffer(S, gates.bytes(), 4 * (gOff + 2 * n + j), ORDER).sub(hp), hp)
          .intoByteBuffer(h.bytes(), 4 * (hOff + j), ORDER); // 8-38
    }
    // The rest of the row, from the original sums: undo nothing, the scalar twin starts at m.
    ScalarKernels.gruForwardResetAfter(gates, gOff, gh, ghOff, biasHn, hPrev, hpOff, hn, hnOff,
        h, hOff, n, m, n);
  }

  @Override
  public void gruBackwardResetAfter(Tensor gates, int gOff, Tensor hn, int hnOff, Tensor hPrev,
      int hpOff, Tensor dh, int dhOff, Tensor dGates, int dgOff, Tensor dGh, int dghOff,
      Tensor dhPrev, int dhpOff, int n) {
    int m = full(n);
    for (int j = 0; j < m; j += L) {
      FloatVector r = FloatVector.fromByteBuffer(S, gates.bytes(), 4 * (gOff + j), ORDER);
      FloatVector z = FloatVector.fromByteBuffer(S, gates.bytes(), 4 * (gOff + n + j), ORDER);
      FloatVector nv = FloatVector.fromByteBuffer(S, gates.bytes(), 4 * (gOff + 2 * n + j), ORDER);
      FloatVector hp = FloatVector.fromByteBuffer(S, hPrev.bytes(), 4 * (hpOff + j), ORDER);
      FloatVector d = FloatVector.fromByteBuffer(S, dh.bytes(), 4 * (dhOff + j), ORDER);
      FloatVector dNz = d.mul(z).mul(nv.mul(nv).neg().add(1f));
      FloatVector dZz = d.mul(nv.sub(hp)).mul(z).mul(z.neg().add(1f));
      FloatVector dRz =
          dNz.mul(FloatVector.fromByteBuffer(S, hn.bytes(), 4 * (hnOff + j), ORDER))
              .mul(r)
              .mul(r.neg().add(1f));
      FloatVector dHn = dNz.mul(r);
      dRz.intoByteBuffer(dGates.bytes(), 4 * (dgOff + j), ORDER);
      dZz.intoByteBuffer(dGates.bytes(), 4 * (dgOff + n + j), ORDER);
      dNz.intoByteBuffer(dGates.bytes(), 4 * (dgOff + 2 * n + j), ORDER);
      dRz.intoByteBuffer(dGh.bytes(), 4 * (dghOff + j), ORDER);
      dZz.intoByteBuffer(dGh.bytes(), 4 * (dghOff + n + j), ORDER);
      dHn.intoByteBuffer(dGh.bytes(), 4 * (dghOff + 2 * n + j), ORDER);
      d.mul(z.neg().add(1f)).intoByteBuffer(dhPrev.bytes(), 4 * (dhpOff + j), ORDER);
    }
    ScalarKernels.gruBackwardResetAfter(gates, gOff, hn, hnOff, hPrev, hpOff, dh, dhOff, dGates,
        dgOff, dGh, dghOff, dhPrev, dhpOff, n, m, n);
  }

  @Override
  public void gruForwardGates(Tensor gates, int gOff, Tensor hPrev, int hpOff, Tensor rh,
      int rhOff, int n) {
    int m = full(n);
    sigmoidR(gates, gOff, n, m);                                             // 8-36, 8-35
    for (int j = 0; j < m; j += L) {
      FloatVector.fromByteBuffer(S, gates.bytes(), 4 * (gOff + j), ORDER)
          .mul(FloatVector.fromByteBuffer(S, hPrev.bytes(), 4 * (hpOff + j), ORDER))
          .intoByteBuffer(rh.bytes(), 4 * (rhOff + j), ORDER);
    }
    ScalarKernels.gruForwardGates(gates, gOff, hPrev, hpOff, rh, rhOff, n, m, n);
  }

  @Override
  public void gruForwardCandidate(Tensor gates, int gOff, Tensor hPrev, int hpOff, Tensor h,
      int hOff, int n) {
    int m = full(n);
    tanhInto(gates, gOff + 2 * n, gates, gOff + 2 * n, m);                   // 8-37
    for (int j = 0; j < m; j += L) {
      FloatVector z = FloatVector.fromByteBuffer(S, gates.bytes(), 4 * (gOff + n + j), ORDER);
      FloatVector hp = FloatVector.fromByteBuffer(S, hPrev.bytes(), 4 * (hpOff + j), ORDER);
      z.fma(FloatVector.fromByteBuffer(S, gates.bytes(), 4 * (gOff + 2 * n + j), ORDER).sub(hp), hp)
          .intoByteBuffer(h.bytes(), 4 * (hOff + j), ORDER); // 8-38
    }
    ScalarKernels.gruForwardCandidate(gates, gOff, hPrev, hpOff, h, hOff, n, m, n);
  }

  @Override
  public void gruBackwardCandidate(Tensor gates, int gOff, Tensor hPrev, int hpOff, Tensor dh,
      int dhOff, Tensor dGates, int dgOff, Tensor dhPrev, int dhpOff, int n) {
    int m = full(n);
    for (int j = 0; j < m; j += L) {
      FloatVector z = FloatVector.fromByteBuffer(S, gates.bytes(), 4 * (gOff + n + j), ORDER);
      FloatVector nv = FloatVector.fromByteBuffer(S, gates.bytes(), 4 * (gOff + 2 * n + j), ORDER);
      FloatVector d = FloatVector.fromByteBuffer(S, dh.bytes(), 4 * (dhOff + j), ORDER);
      d.mul(nv.sub(FloatVector.fromByteBuffer(S, hPrev.bytes(), 4 * (hpOff + j), ORDER)))
          .mul(z)
          .mul(z.neg().add(1f))
          .intoByteBuffer(dGates.bytes(), 4 * (dgOff + n + j), ORDER);
      d.mul(z)
          .mul(nv.mul(nv).neg().add(1f))
          .intoByteBuffer(dGates.bytes(), 4 * (dgOff + 2 * n + j), ORDER);
      d.mul(z.neg().add(1f)).intoByteBuffer(dhPrev.bytes(), 4 * (dhpOff + j), ORDER);
    }
    ScalarKernels.gruBackwardCandidate(gates, gOff, hPrev, hpOff, dh, dhOff, dGates, dgOff,
        dhPrev, dhpOff, n, m, n);
  }

  @Override
  public void gruBackwardReset(Tensor gates, int gOff, Tensor hPrev, int hpOff, Tensor dRh,
      int drOff, Tensor dGates, int dgOff, Tensor dhPrev, int dhpOff, int n) {
    int m = full(n);
    for (int j = 0; j < m; j += L) {
      FloatVector r = FloatVector.fromByteBuffer(S, gates.bytes(), 4 * (gOff + j), ORDER);
      FloatVector drh = FloatVector.fromByteBuffer(S, dRh.bytes(), 4 * (drOff + j), ORDER);
      drh.mul(FloatVector.fromByteBuffer(S, hPrev.bytes(), 4 * (hpOff + j), ORDER))
          .mul(r)
          .mul(r.neg().add(1f))
          .intoByteBuffer(dGates.bytes(), 4 * (dgOff + j), ORDER);
      drh.fma(r, FloatVector.fromByteBuffer(S, dhPrev.bytes(), 4 * (dhpOff + j), ORDER))
          .intoByteBuffer(dhPrev.bytes(), 4 * (dhpOff + j), ORDER);
    }
    ScalarKernels.gruBackwardReset(gates, gOff, hPrev, hpOff, dRh, drOff, dGates, dgOff, dhPrev,
        dhpOff, m, n);
  }

  @Override
  public double logSumExp(Tensor x, int off, int n) {
    int m = full(n);
    float max = max(x, off, n);
    double sum = VectorMath.sumExp(x, off, max, m);
    for (int k = m; k < n; k++) {
      sum += Math.exp(x.get(off + k) - max);
    }
    return Math.log(sum) + max;
  }

  @Override
  public double softmaxCrossEntropy(Tensor logits, int off, int n, int target, Tensor grad,
      int gOff, float scale) {
    if (grad == null) {
      return logSumExp(logits, off, n) - logits.get(off + target);
    }
    int m = full(n);
    float max = max(logits, off, n);
    // grad holds exp(x - max) until it is scaled by 1 / sum (SPEC 8-9)
    double sum = VectorMath.expSumInto(logits, off, max, grad, gOff, m);
    for (int k = m; k < n; k++) {
      float e = (float) Math.exp(logits.get(off + k) - max);
      grad.set(gOff + k, e);
      sum += e;
    }
    float factor = (float) (scale / sum);
    for (int k = 0; k < m; k += L) {
      FloatVector.fromByteBuffer(S, grad.bytes(), 4 * (gOff + k), ORDER).mul(factor)
          .intoByteBuffer(grad.bytes(), 4 * (gOff + k), ORDER);
    }
    for (int k = m; k < n; k++) {
      grad.set(gOff + k, grad.get(gOff + k) * factor);
    }
    grad.add(gOff + target, -scale);
    return Math.log(sum) + max - logits.get(off + target);
  }

  @Override
  public float max(Tensor x, int off, int n) {
    int m = full(n);
    FloatVector v = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
    for (int k = 0; k < m; k += L) {
      v = v.max(FloatVector.fromByteBuffer(S, x.bytes(), 4 * (off + k), ORDER));
    }
    float start = m > 0 ? v.reduceLanes(VectorOperators.MAX) : Float.NEGATIVE_INFINITY;
    return ScalarKernels.max(x, off, start, m, n);
  }

  @Override
  public boolean isArgmax(Tensor x, int off, int n, int target) {
    float value = x.get(off + target);
    if (Float.isNaN(value)) {
      return false;
    }
    int m = full(n);
    for (int k = 0; k < m; k += L) {
      if (k < target && target < k + L) {
        // The target's own vector, values on both sides of it: element by element.
        if (!ScalarKernels.isArgmax(x, off, value, target, k, k + L)) {
          return false;
        }
        continue;
      }
      // Wholly before the target a tie beats it (ties go to the first); from it on only a larger
      // value. Each compare names its operator as a constant: HotSpot compiles a compare to one
      // instruction only then, and a chosen operator ran the API's per-lane Java fallback, 9% of a
      // translator's training step.
      FloatVector v = FloatVector.fromByteBuffer(S, x.bytes(), 4 * (off + k), ORDER);
      boolean beaten = k < target
          ? v.compare(VectorOperators.GE, value).anyTrue()
          : v.compare(VectorOperators.GT, value).anyTrue();
      if (beaten) {
        return false;
      }
    }
    return ScalarKernels.isArgmax(x, off, value, target, m, n);
  }

  @Override
  public void add(Tensor a, int aOff, Tensor b, int bOff, Tensor y, int yOff, int n) {
    int m = full(n);
    for (int j = 0; j < m; j += L) {
      FloatVector.fromByteBuffer(S, a.bytes(), 4 * (aOff + j), ORDER)
          .add(FloatVector.fromByteBuffer(S, b.bytes(), 4 * (bOff + j), ORDER))
          .intoByteBuffer(y.bytes(), 4 * (yOff + j), ORDER);
    }
    ScalarKernels.add(a, aOff, b, bOff, y, yOff, m, n);
  }

  // The optimizers' steps below are the scalar twin's expressions lane by lane, in the same order
  // of operations and without fused multiply-adds, so that both give the same bits: Java's float
  // arithmetic is IEEE's, and (float) Math.sqrt of a float is its correctly rounded float root.

  @Override
  public void adamStep(Tensor w, Tensor g, Tensor m, Tensor v, int from, int to, float a, float b1, float b2,
      float eHat) {
    float c1 = 1 - b1;
    float c2 = 1 - b2;
    int end = from + full(to - from);
    for (int i = from; i < end; i += L) {
      FloatVector gi = FloatVector.fromByteBuffer(S, g.bytes(), 4 * i, ORDER);
      FloatVector mi = FloatVector.fromByteBuffer(S, m.bytes(), 4 * i, ORDER).mul(b1).add(gi.mul(c1));
      FloatVector vi = FloatVector.fromByteBuffer(S, v.bytes(), 4 * i, ORDER).mul(b2).add(gi.mul(c2).mul(gi));
      mi.intoByteBuffer(m.bytes(), 4 * i, ORDER);
      vi.intoByteBuffer(v.bytes(), 4 * i, ORDER);
      FloatVector.fromByteBuffer(S, w.bytes(), 4 * i, ORDER)
          .sub(mi.mul(a).div(vi.lanewise(VectorOperators.SQRT).add(eHat)))
          .intoByteBuffer(w.bytes(), 4 * i, ORDER);
    }
    ScalarKernels.adam(w, g, m, v, end, to, a, b1, b2, eHat);
  }

  @Override
  public void momentumStep(Tensor w, Tensor g, Tensor velocity, int from, int to, float rate, float mu,
      boolean nesterov) {
    int end = from + full(to - from);
    if (nesterov) {
      for (int i = from; i < end; i += L) {
        FloatVector gi = FloatVector.fromByteBuffer(S, g.bytes(), 4 * i, ORDER);
        FloatVector u = FloatVector.fromByteBuffer(S, velocity.bytes(), 4 * i, ORDER).mul(mu).add(gi);
        u.intoByteBuffer(velocity.bytes(), 4 * i, ORDER);
        FloatVector.fromByteBuffer(S, w.bytes(), 4 * i, ORDER)
            .sub(gi.add(u.mul(mu)).mul(rate))
            .intoByteBuffer(w.bytes(), 4 * i, ORDER);
      }
    } else {
      for (int i = from; i < end; i += L) {
        FloatVector u = FloatVector.fromByteBuffer(S, velocity.bytes(), 4 * i, ORDER).mul(mu)
            .add(FloatVector.fromByteBuffer(S, g.bytes(), 4 * i, ORDER));
        u.intoByteBuffer(velocity.bytes(), 4 * i, ORDER);
        FloatVector.fromByteBuffer(S, w.bytes(), 4 * i, ORDER)
            .sub(u.mul(rate))
            .intoByteBuffer(w.bytes(), 4 * i, ORDER);
      }
    }
    ScalarKernels.momentum(w, g, velocity, end, to, rate, mu, nesterov);
  }
}
