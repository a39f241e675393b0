package jrnn.kernels;

import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import jrnn.tensor.Tensor;

/**
 * The per-step recurrent product C (+)= A B on SIMD lanes, with B packed once per pass.
 *
 * <p>A general BLAS repacks the weight matrix on every call, which for the few rows of a time
 * step (B sequences) costs as much as the product itself. Here B (the recurrent weights, fixed
 * during a forward or backward pass) is packed once into panels of NR = 2 vectors of columns,
 * [panel][k][NR], zero-padded; each call copies its MR rows of A to the heap and runs a
 * register-blocked micro-kernel of MR x NR accumulators (MR = 8, then 6, 4, 2, 1 for the rest),
 * which keeps both FMA units of a core busy. The kernels read heap arrays, which the JIT
 * compiles to tighter code than buffer reads.
 */
final class PackedGemm {
  private PackedGemm() {}

  static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  static final int L = S.length();
  static final int NR = 2 * L;
  private static final ByteOrder ORDER = ByteOrder.nativeOrder();

  /** B [k x n] packed in panels of NR columns. */
  static final class Panels implements Kernels.Packed {
    final int k;
    final int n;
    final int panels;
    final float[] data;

    Panels(int k, int n) {
      this.k = k;
      this.n = n;
      this.panels = (n + NR - 1) / NR;
      this.data = new float[panels * k * NR];
    }

    @Override
    public int rows() {
      return k;
    }

    @Override
    public int cols() {
      return n;
    }
  }

  /**
   * Packs B [k x n]: B[i][j] = w[off + j*ld + i] when {@code transposed} (w holds W [n x k] and
   * B = W^T), else w[off + i*ld + j].
   */
  static Panels pack(Tensor w, int off, int ld, int k, int n, boolean transposed, Panels reuse) {
    Panels p = reuse != null && reuse.k == k && reuse.n == n ? reuse : new Panels(k, n);
    float[] d = p.data;
    Parallel.run(p.panels, (first, last) -> {
      float[] line = new float[64];
      for (int pan = first; pan < last; pan++) {
        int j0 = pan * NR;
        int cols = Math.min(NR, n - j0);
        int base = pan * k * NR;
        if (transposed) {
          // Column j of B is row j of W. Blocks of 64 k's keep the panel lines being written
          // in the first-level cache while the 2 vectors' worth of rows are read.
          for (int i0 = 0; i0 < k; i0 += 64) {
            int len = Math.min(64, k - i0);
            for (int c = 0; c < NR; c++) {
              if (c < cols) {
                w.data().get(off + (j0 + c) * ld + i0, line, 0, len);
              } else {
                java.util.Arrays.fill(line, 0, len, 0f);
              }
              for (int i = 0; i < len; i++) {
                d[base + (i0 + i) * NR + c] = line[i];
              }
            }
          }
        } else {
          for (int i = 0; i < k; i++) {
            w.data().get(off + i * ld + j0, d, base + i * NR, cols);
            for (int c = cols; c < NR; c++) {
              d[base + i * NR + c] = 0f;
            }
          }
        }
      }
    });
    return p;
  }

  private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[NR * 8], new float[NR]});

  /**
   * C[m x n] (=, or += when {@code accumulate}) A[m x k] B, plus bias[biasOff ..] on every row
   * unless bias is null; A rows of stride lda from aOff.
   */
  static void multiply(Tensor a, int aOff, int lda, int m, Panels b, Tensor c, int cOff, int ldc,
      boolean accumulate, Tensor bias, int biasOff) {
    int k = b.k;
    float[][] scratch = SCRATCH.get();
    if (scratch[0].length < m * k) {
      scratch[0] = new float[Math.max(m * k, scratch[0].length * 2)];
    }
    float[] as = scratch[0];
    for (int r = 0; r < m; r++) {
      a.data().get(aOff + r * lda, as, r * k, k);
    }
    float[] tmp = scratch[1];
    float[] rowBias = scratch[2];
    for (int pan = 0; pan < b.panels; pan++) {
      int cols = Math.min(NR, b.n - pan * NR);
      // The panel's bias, zero-padded, is added in flush with the accumulators.
      for (int j = 0; j < NR; j++) {
        rowBias[j] = bias != null && j < cols ? bias.get(biasOff + pan * NR + j) : 0f;
      }
      // Blocks of 8 rows, then 6, 4, 2, 1, so that few rows fall to the slower small kernels:
      // 8q + 2 is done as 8(q - 1) + 6 + 4.
      int eights = m % 8 == 2 && m >= 10 ? m / 8 - 1 : m / 8;
      int r = 0;
      for (; r < 8 * eights; r += 8) {
        kernel8(as, r * k, k, b.data, pan * k * NR, tmp);
        flush(tmp, 8, c, cOff + r * ldc + pan * NR, ldc, cols, accumulate, rowBias);
      }
      for (; r + 6 <= m; r += 6) {
        kernel6(as, r * k, k, b.data, pan * k * NR, tmp);
        flush(tmp, 6, c, cOff + r * ldc + pan * NR, ldc, cols, accumulate, rowBias);
      }
      for (; r + 4 <= m; r += 4) {
        kernel4(as, r * k, k, b.data, pan * k * NR, tmp);
        flush(tmp, 4, c, cOff + r * ldc + pan * NR, ldc, cols, accumulate, rowBias);
      }
      for (; r + 2 <= m; r += 2) {
        kernel2(as, r * k, k, b.data, pan * k * NR, tmp);
        flush(tmp, 2, c, cOff + r * ldc + pan * NR, ldc, cols, accumulate, rowBias);
      }
      for (; r < m; r++) {
        kernel1(as, r * k, k, b.data, pan * k * NR, tmp);
        flush(tmp, 1, c, cOff + r * ldc + pan * NR, ldc, cols, accumulate, rowBias);
      }
    }
  }

  /**
   * Writes (or adds) {@code rows} rows of accumulators, parked in {@code tmp} by a kernel, and
   * the panel's bias to C. The kernels park them rather than write them, and have no branches:
   * a vector handed to a method that is not inlined is boxed, and a branch first taken after the
   * JIT compiled a kernel would send it back to slow code.
   */
  private static void flush(float[] tmp, int rows, Tensor c, int c0, int ldc, int cols,
      boolean accumulate, float[] rowBias) {
    if (cols < NR) {
      flushPartial(tmp, rows, c, c0, ldc, cols, accumulate, rowBias);
    } else if (accumulate) {
      flushAdd(tmp, rows, c, c0, ldc, rowBias);
    } else {
      flushStore(tmp, rows, c, c0, ldc, rowBias);
    }
  }

  private static void flushAdd(float[] tmp, int rows, Tensor c, int c0, int ldc, float[] rowBias) {
    FloatVector bias0 = FloatVector.fromArray(S, rowBias, 0);
    FloatVector bias1 = FloatVector.fromArray(S, rowBias, L);
    for (int r = 0; r < rows; r++) {
      int at = 4 * (c0 + r * ldc);
      FloatVector v0 = FloatVector.fromArray(S, tmp, r * NR).add(bias0)
          .add(FloatVector.fromByteBuffer(S, c.bytes(), at, ORDER));
      FloatVector v1 = FloatVector.fromArray(S, tmp, r * NR + L).add(bias1)
          .add(FloatVector.fromByteBuffer(S, c.bytes(), at + 4 * L, ORDER));
      v0.intoByteBuffer(c.bytes(), at, ORDER);
      v1.intoByteBuffer(c.bytes(), at + 4 * L, ORDER);
    }
  }

  private static void flushStore(float[] tmp, int rows, Tensor c, int c0, int ldc, float[] rowBias) {
    FloatVector bias0 = FloatVector.fromArray(S, rowBias, 0);
    FloatVector bias1 = FloatVector.fromArray(S, rowBias, L);
    for (int r = 0; r < rows; r++) {
      int at = 4 * (c0 + r * ldc);
      FloatVector.fromArray(S, tmp, r * NR).add(bias0).intoByteBuffer(c.bytes(), at, ORDER);
      FloatVector.fromArray(S, tmp, r * NR + L).add(bias1).intoByteBuffer(c.bytes(), at + 4 * L, ORDER);
    }
  }

  private static void flushPartial(float[] tmp, int rows, Tensor c, int c0, int ldc, int cols,
      boolean accumulate, float[] rowBias) {
    for (int r = 0; r < rows; r++) {
      int at = c0 + r * ldc;
      for (int j = 0; j < cols; j++) {
        float v = tmp[r * NR + j] + rowBias[j];
        c.set(at + j, accumulate ? c.get(at + j) + v : v);
      }
    }
  }

  private static void kernel8(float[] a, int a0, int k, float[] b, int b0, float[] tmp) {
    FloatVector x00 = FloatVector.zero(S);
    FloatVector x01 = FloatVector.zero(S);
    FloatVector x10 = FloatVector.zero(S);
    FloatVector x11 = FloatVector.zero(S);
    FloatVector x20 = FloatVector.zero(S);
    FloatVector x21 = FloatVector.zero(S);
    FloatVector x30 = FloatVector.zero(S);
    FloatVector x31 = FloatVector.zero(S);
    FloatVector x40 = FloatVector.zero(S);
    FloatVector x41 = FloatVector.zero(S);
    FloatVector x50 = FloatVector.zero(S);
    FloatVector x51 = FloatVector.zero(S);
    FloatVector x60 = FloatVector.zero(S);
    FloatVector x61 = FloatVector.zero(S);
    FloatVector x70 = FloatVector.zero(S);
    FloatVector x71 = FloatVector.zero(S);
    for (int i = 0; i < k; i++) {
      FloatVector p0 = FloatVector.fromArray(S, b, b0 + i * NR);
      FloatVector p1 = FloatVector.fromArray(S, b, b0 + i * NR + L);
      FloatVector s = FloatVector.broadcast(S, a[a0 + i]);
      x00 = p0.fma(s, x00);
      x01 = p1.fma(s, x01);
      s = FloatVector.broadcast(S, a[a0 + k + i]);
      x10 = p0.fma(s, x10);
      x11 = p1.fma(s, x11);
      s = FloatVector.broadcast(S, a[a0 + 2 * k + i]);
      x20 = p0.fma(s, x20);
      x21 = p1.fma(s, x21);
      s = FloatVector.broadcast(S, a[a0 + 3 * k + i]);
      x30 = p0.fma(s, x30);
      x31 = p1.fma(s, x31);
      s = FloatVector.broadcast(S, a[a0 + 4 * k + i]);
      x40 = p0.fma(s, x40);
      x41 = p1.fma(s, x41);
      s = FloatVector.broadcast(S, a[a0 + 5 * k + i]);
      x50 = p0.fma(s, x50);
      x51 = p1.fma(s, x51);
      s = FloatVector.broadcast(S, a[a0 + 6 * k + i]);
      x60 = p0.fma(s, x60);
      x61 = p1.fma(s, x61);
      s = FloatVector.broadcast(S, a[a0 + 7 * k + i]);
      x70 = p0.fma(s, x70);
      x71 = p1.fma(s, x71);
    }
    x00.intoArray(tmp, 0 * NR);
    x01.intoArray(tmp, 0 * NR + L);
    x10.intoArray(tmp, 1 * NR);
    x11.intoArray(tmp, 1 * NR + L);
    x20.intoArray(tmp, 2 * NR);
    x21.intoArray(tmp, 2 * NR + L);
    x30.intoArray(tmp, 3 * NR);
    x31.intoArray(tmp, 3 * NR + L);
    x40.intoArray(tmp, 4 * NR);
    x41.intoArray(tmp, 4 * NR + L);
    x50.intoArray(tmp, 5 * NR);
    x51.intoArray(tmp, 5 * NR + L);
    x60.intoArray(tmp, 6 * NR);
    x61.intoArray(tmp, 6 * NR + L);
    x70.intoArray(tmp, 7 * NR);
    x71.intoArray(tmp, 7 * NR + L);
  }

  private static void kernel6(float[] a, int a0, int k, float[] b, int b0, float[] tmp) {
    FloatVector x00 = FloatVector.zero(S);
    FloatVector x01 = FloatVector.zero(S);
    FloatVector x10 = FloatVector.zero(S);
    FloatVector x11 = FloatVector.zero(S);
    FloatVector x20 = FloatVector.zero(S);
    FloatVector x21 = FloatVector.zero(S);
    FloatVector x30 = FloatVector.zero(S);
    FloatVector x31 = FloatVector.zero(S);
    FloatVector x40 = FloatVector.zero(S);
    FloatVector x41 = FloatVector.zero(S);
    FloatVector x50 = FloatVector.zero(S);
    FloatVector x51 = FloatVector.zero(S);
    for (int i = 0; i < k; i++) {
      FloatVector p0 = FloatVector.fromArray(S, b, b0 + i * NR);
      FloatVector p1 = FloatVector.fromArray(S, b, b0 + i * NR + L);
      FloatVector s = FloatVector.broadcast(S, a[a0 + i]);
      x00 = p0.fma(s, x00);
      x01 = p1.fma(s, x01);
      s = FloatVector.broadcast(S, a[a0 + k + i]);
      x10 = p0.fma(s, x10);
      x11 = p1.fma(s, x11);
      s = FloatVector.broadcast(S, a[a0 + 2 * k + i]);
      x20 = p0.fma(s, x20);
      x21 = p1.fma(s, x21);
      s = FloatVector.broadcast(S, a[a0 + 3 * k + i]);
      x30 = p0.fma(s, x30);
      x31 = p1.fma(s, x31);
      s = FloatVector.broadcast(S, a[a0 + 4 * k + i]);
      x40 = p0.fma(s, x40);
      x41 = p1.fma(s, x41);
      s = FloatVector.broadcast(S, a[a0 + 5 * k + i]);
      x50 = p0.fma(s, x50);
      x51 = p1.fma(s, x51);
    }
    x00.intoArray(tmp, 0 * NR);
    x01.intoArray(tmp, 0 * NR + L);
    x10.intoArray(tmp, 1 * NR);
    x11.intoArray(tmp, 1 * NR + L);
    x20.intoArray(tmp, 2 * NR);
    x21.intoArray(tmp, 2 * NR + L);
    x30.intoArray(tmp, 3 * NR);
    x31.intoArray(tmp, 3 * NR + L);
    x40.intoArray(tmp, 4 * NR);
    x41.intoArray(tmp, 4 * NR + L);
    x50.intoArray(tmp, 5 * NR);
    x51.intoArray(tmp, 5 * NR + L);
  }

  private static void kernel4(float[] a, int a0, int k, float[] b, int b0, float[] tmp) {
    FloatVector x00 = FloatVector.zero(S);
    FloatVector x01 = FloatVector.zero(S);
    FloatVector x10 = FloatVector.zero(S);
    FloatVector x11 = FloatVector.zero(S);
    FloatVector x20 = FloatVector.zero(S);
    FloatVector x21 = FloatVector.zero(S);
    FloatVector x30 = FloatVector.zero(S);
    FloatVector x31 = FloatVector.zero(S);
    for (int i = 0; i < k; i++) {
      FloatVector p0 = FloatVector.fromArray(S, b, b0 + i * NR);
      FloatVector p1 = FloatVector.fromArray(S, b, b0 + i * NR + L);
      FloatVector s = FloatVector.broadcast(S, a[a0 + i]);
      x00 = p0.fma(s, x00);
      x01 = p1.fma(s, x01);
      s = FloatVector.broadcast(S, a[a0 + k + i]);
      x10 = p0.fma(s, x10);
      x11 = p1.fma(s, x11);
      s = FloatVector.broadcast(S, a[a0 + 2 * k + i]);
      x20 = p0.fma(s, x20);
      x21 = p1.fma(s, x21);
      s = FloatVector.broadcast(S, a[a0 + 3 * k + i]);
      x30 = p0.fma(s, x30);
      x31 = p1.fma(s, x31);
    }
    x00.intoArray(tmp, 0 * NR);
    x01.intoArray(tmp, 0 * NR + L);
    x10.intoArray(tmp, 1 * NR);
    x11.intoArray(tmp, 1 * NR + L);
    x20.intoArray(tmp, 2 * NR);
    x21.intoArray(tmp, 2 * NR + L);
    x30.intoArray(tmp, 3 * NR);
    x31.intoArray(tmp, 3 * NR + L);
  }

  private static void kernel2(float[] a, int a0, int k, float[] b, int b0, float[] tmp) {
    FloatVector x00 = FloatVector.zero(S);
    FloatVector x01 = FloatVector.zero(S);
    FloatVector x10 = FloatVector.zero(S);
    FloatVector x11 = FloatVector.zero(S);
    for (int i = 0; i < k; i++) {
      FloatVector p0 = FloatVector.fromArray(S, b, b0 + i * NR);
      FloatVector p1 = FloatVector.fromArray(S, b, b0 + i * NR + L);
      FloatVector s = FloatVector.broadcast(S, a[a0 + i]);
      x00 = p0.fma(s, x00);
      x01 = p1.fma(s, x01);
      s = FloatVector.broadcast(S, a[a0 + k + i]);
      x10 = p0.fma(s, x10);
      x11 = p1.fma(s, x11);
    }
    x00.intoArray(tmp, 0 * NR);
    x01.intoArray(tmp, 0 * NR + L);
    x10.intoArray(tmp, 1 * NR);
    x11.intoArray(tmp, 1 * NR + L);
  }

  private static void kernel1(float[] a, int a0, int k, float[] b, int b0, float[] tmp) {
    FloatVector x00 = FloatVector.zero(S);
    FloatVector x01 = FloatVector.zero(S);
    for (int i = 0; i < k; i++) {
      FloatVector s = FloatVector.broadcast(S, a[a0 + i]);
      x00 = FloatVector.fromArray(S, b, b0 + i * NR).fma(s, x00);
      x01 = FloatVector.fromArray(S, b, b0 + i * NR + L).fma(s, x01);
    }
    x00.intoArray(tmp, 0 * NR);
    x01.intoArray(tmp, 0 * NR + L);
  }
}
