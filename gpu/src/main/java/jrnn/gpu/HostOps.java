package jrnn.gpu;

import jrnn.kernels.Kernels;
import jrnn.kernels.ScalarKernels;
import jrnn.tensor.Tensor;

/**
 * {@link Ops} on the host in plain Java, one loop per operation: the twin of {@link CudaOps}, with
 * which passes built on {@code Ops} are tested on a machine without a GPU. Sums are taken in
 * double. Slow: for tests.
 */
class HostOps implements Ops {
  private static final Kernels SCALAR = new ScalarKernels();

  record HostFloats(Tensor t) implements Floats {
    @Override
    public long size() {
      return t.size();
    }
  }

  record HostInts(int[] v) implements Ints {
    @Override
    public int size() {
      return v.length;
    }
  }

  private static Tensor t(Floats f) {
    return ((HostFloats) f).t();
  }

  private static int[] v(Ints i) {
    return ((HostInts) i).v();
  }

  @Override
  public Floats floats(long n, String what) {
    return new HostFloats(Tensor.zeros((int) Math.max(1, n)));
  }

  @Override
  public Ints ints(int n, String what) {
    return new HostInts(new int[n]);
  }

  @Override
  public void free(Object buffer) {
    // the garbage collector's
  }

  @Override
  public void upload(Floats dst, Tensor src, long n) {
    for (int i = 0; i < n; i++) {
      t(dst).set(i, src.get(i));
    }
  }

  @Override
  public void download(Tensor dst, Floats src, long n) {
    for (int i = 0; i < n; i++) {
      dst.set(i, t(src).get(i));
    }
  }

  @Override
  public void upload(Ints dst, int[] src) {
    System.arraycopy(src, 0, v(dst), 0, src.length);
  }

  @Override
  public void copy(Floats dst, Floats src, long n) {
    for (int i = 0; i < n; i++) {
      t(dst).set(i, t(src).get(i));
    }
  }

  @Override
  public void zero(Floats b, long n) {
    for (int i = 0; i < n; i++) {
      t(b).set(i, 0f);
    }
  }

  @Override
  public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Floats a, int lda,
      Floats b, int ldb, float beta, Floats c, int ldc) {
    Tensor ta = t(a);
    Tensor tb = t(b);
    Tensor tc = t(c);
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int p = 0; p < k; p++) {
          float x = transA ? ta.get(p * lda + i) : ta.get(i * lda + p);
          float y = transB ? tb.get(j * ldb + p) : tb.get(p * ldb + j);
          s += (double) x * y;
        }
        int at = i * ldc + j;
        tc.set(at, (float) (alpha * s + (beta == 0 ? 0 : beta * tc.get(at))));
      }
    }
  }

  @Override
  public void gatherRows(Floats table, int width, Ints ids, int rows, Floats out) {
    for (int r = 0; r < rows; r++) {
      int id = v(ids)[r];
      for (int c = 0; c < width; c++) {
        t(out).set(r * width + c, id < 0 ? 0f : t(table).get(id * width + c));
      }
    }
  }

  @Override
  public void scatterAddRows(Floats table, int width, Ints ids, int rows, Floats in) {
    for (int r = 0; r < rows; r++) {
      if (v(ids)[r] < 0) {
        continue;
      }
      int to = v(ids)[r] * width;
      for (int c = 0; c < width; c++) {
        t(table).add(to + c, t(in).get(r * width + c));
      }
    }
  }

  @Override
  public void poolForward(int kind, Floats y, int steps, int batch, int width, int split, Ints lengths, Floats out,
      Ints argmax) {
    for (int b = 0; b < batch; b++) {
      int len = v(lengths)[b];
      for (int j = 0; j < width; j++) {
        float value;
        if (kind == 0) {
          value = t(y).get(((j < split ? len - 1 : 0) * batch + b) * width + j);
        } else if (kind == 1) {
          double s = 0;
          for (int t = 0; t < len; t++) {
            s += t(y).get((t * batch + b) * width + j);
          }
          value = (float) (s / len);
        } else {
          int best = 0;
          value = t(y).get(b * width + j);
          for (int t = 1; t < len; t++) {
            float x = t(y).get((t * batch + b) * width + j);
            if (x > value) {
              value = x;
              best = t;
            }
          }
          v(argmax)[b * width + j] = best;
        }
        t(out).set(b * width + j, value);
      }
    }
  }

  @Override
  public void poolBackward(int kind, Floats dOut, int steps, int batch, int width, int split, Ints lengths,
      Ints argmax, Floats dy) {
    for (int t = 0; t < steps; t++) {
      for (int b = 0; b < batch; b++) {
        int len = v(lengths)[b];
        for (int j = 0; j < width; j++) {
          int r = b * width + j;
          float g = 0;
          if (t < len) {
            g = kind == 0 ? (t == (j < split ? len - 1 : 0) ? t(dOut).get(r) : 0)
                : kind == 1 ? t(dOut).get(r) / len
                : t == v(argmax)[r] ? t(dOut).get(r) : 0;
          }
          t(dy).set((t * batch + b) * width + j, g);
        }
      }
    }
  }

  @Override
  public void addToRows(Floats m, int rows, int cols, Floats v) {
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        t(m).add(r * cols + c, t(v).get(c));
      }
    }
  }

  @Override
  public void addColumnSums(Floats m, int rows, int cols, float scale, Floats out) {
    for (int c = 0; c < cols; c++) {
      double s = 0;
      for (int r = 0; r < rows; r++) {
        s += t(m).get(r * cols + c);
      }
      t(out).add(c, (float) (scale * s));
    }
  }

  @Override
  public void dropoutMask(Floats mask, long n, float p, long seed) {
    float keep = 1f / (1f - p);
    for (int i = 0; i < n; i++) {
      t(mask).set(i, Ops.uniform(seed, i) >= p ? keep : 0f);
    }
  }

  @Override
  public void multiply(Floats a, Floats m, long n) {
    for (int i = 0; i < n; i++) {
      t(a).set(i, t(a).get(i) * t(m).get(i));
    }
  }

  @Override
  public void softmaxCrossEntropy(Floats logits, int rows, int classes, Ints targets, Ints valid, Floats loss,
      Floats correct, Floats dLogits) {
    Tensor x = t(logits);
    Tensor d = t(dLogits);
    for (int r = 0; r < rows; r++) {
      int o = r * classes;
      if (v(valid)[r] == 0) {
        t(loss).set(r, 0f);
        t(correct).set(r, 0f);
        for (int c = 0; c < classes; c++) {
          d.set(o + c, 0f);
        }
        continue;
      }
      // The CPU engine's plain kernel, its gradient unscaled.
      int target = v(targets)[r];
      t(loss).set(r, (float) SCALAR.softmaxCrossEntropy(x, o, classes, target, d, o, 1f));
      t(correct).set(r, x.get(o + target) >= SCALAR.max(x, o, classes) ? 1f : 0f);
    }
  }

  @Override
  public double sumOfSquares(Floats[] a, long[] n) {
    double s = 0;
    for (int k = 0; k < a.length; k++) {
      for (int i = 0; i < n[k]; i++) {
        double v = t(a[k]).get(i);
        s += v * v;
      }
    }
    return s;
  }

  @Override
  public void scale(Floats a, long n, float s) {
    for (int i = 0; i < n; i++) {
      t(a).set(i, t(a).get(i) * s);
    }
  }

  @Override
  public void clamp(Floats a, long n, float limit) {
    for (int i = 0; i < n; i++) {
      t(a).set(i, Math.max(-limit, Math.min(limit, t(a).get(i))));
    }
  }

  @Override
  public void axpy(Floats y, float alpha, Floats x, Floats mask, long n) {
    for (int i = 0; i < n; i++) {
      float m = mask == null ? 1f : t(mask).get(i);
      t(y).set(i, t(y).get(i) + alpha * t(x).get(i) * m);
    }
  }

  @Override
  public void momentumStep(Floats w, Floats g, Floats v, long n, float lr, float mu, boolean nesterov) {
    for (int i = 0; i < n; i++) {
      float gi = t(g).get(i);
      float vi = mu * t(v).get(i) + gi;
      t(v).set(i, vi);
      t(w).set(i, t(w).get(i) - lr * (nesterov ? gi + mu * vi : vi));
    }
  }

  @Override
  public void adamStep(Floats w, Floats g, Floats m, Floats v, long n, float a, float b1, float b2, float eHat) {
    for (int i = 0; i < n; i++) {
      float gi = t(g).get(i);
      float mi = b1 * t(m).get(i) + (1 - b1) * gi;
      float vi = b2 * t(v).get(i) + (1 - b2) * gi * gi;
      t(m).set(i, mi);
      t(v).set(i, vi);
      t(w).set(i, t(w).get(i) - a * mi / ((float) Math.sqrt(vi) + eHat));
    }
  }

  @Override
  public void synchronize() {
    // nothing runs behind the host's back
  }

  @Override
  public void close() {
    // nothing held
  }
}
