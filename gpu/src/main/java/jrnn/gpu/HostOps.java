package jrnn.gpu;

import jrnn.kernels.Activation;
import jrnn.kernels.Kernels;
import jrnn.kernels.ScalarKernels;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import jrnn.tensor.Tensor;

/**
 * {@link Ops} on the host in plain Java, one loop per operation: the twin of {@link CudaOps}, with
 * which passes built on {@code Ops} are tested on a machine without a GPU. Sums are taken in
 * double. Slow: for tests.
 */
class HostOps implements Ops {
  private static final Kernels SCALAR = new ScalarKernels();

  /**
   * One allocation of {@link #floats} or {@link #ints}, live until freed. A buffer of a freed
   * allocation (or a slice of one) is refused when used, where on a GPU it would read memory
   * that is someone else's.
   */
  static final class Allocation {
    private final String what;
    /** How many floats or ints it holds. */
    private final long size;
    private boolean freed;

    private Allocation(String what, long size) {
      this.what = what;
      this.size = size;
    }

    void requireLive() {
      if (freed) {
        throw new IllegalStateException("a freed buffer used: " + what);
      }
    }
  }

  /** Floats: an allocation's, a slice of one, or (allocation null) a view of host memory that a caller owns. */
  static final class HostFloats implements Floats {
    private final Tensor t;
    private final Allocation of;
    private final boolean slice;

    /** A view of host memory that {@code HostOps} did not allocate and does not free. */
    HostFloats(Tensor t) {
      this(t, null, false);
    }

    private HostFloats(Tensor t, Allocation of, boolean slice) {
      this.t = t;
      this.of = of;
      this.slice = slice;
    }

    /** The floats themselves. */
    Tensor t() {
      if (of != null) {
        of.requireLive();
      }
      return t;
    }

    @Override
    public long size() {
      return t.size();
    }
  }

  static final class HostInts implements Ints {
    private final int[] v;
    private final Allocation of;

    private HostInts(int[] v, Allocation of) {
      this.v = v;
      this.of = of;
    }

    /** The ints themselves. */
    int[] v() {
      of.requireLive();
      return v;
    }

    @Override
    public int size() {
      return v.length;
    }
  }

  /** The allocations not yet freed, in the order they were made: what a model holds, or leaked. */
  private final Set<Allocation> live = Collections.newSetFromMap(new LinkedHashMap<>());

  private static Tensor t(Floats f) {
    return ((HostFloats) f).t();
  }

  private static int[] v(Ints i) {
    return ((HostInts) i).v();
  }

  @Override
  public Floats floats(long n, String what) {
    Allocation a = allocated(what, n);
    return new HostFloats(Tensor.zeros((int) Math.max(1, n)), a, false);
  }

  @Override
  public Ints ints(int n, String what) {
    return new HostInts(new int[n], allocated(what, n));
  }

  private Allocation allocated(String what, long size) {
    Allocation a = new Allocation(what, size);
    synchronized (live) {
      live.add(a);
    }
    return a;
  }

  /**
   * Frees an allocation's buffer; freeing it again does nothing (as {@link CudaOps}'s free). A
   * slice or a view of host memory is not an allocation, and freeing one is refused.
   */
  @Override
  public void free(Object buffer) {
    Allocation a;
    if (buffer == null) {
      return;
    } else if (buffer instanceof HostFloats f && f.of != null && !f.slice) {
      a = f.of;
    } else if (buffer instanceof HostInts i) {
      a = i.of;
    } else {
      throw new IllegalArgumentException("free: " + buffer + " is not an allocation of these operations");
    }
    synchronized (live) {
      a.freed = true;
      live.remove(a);
    }
  }

  /** What the allocations not yet freed are for, oldest first. */
  List<String> liveBuffers() {
    synchronized (live) {
      return live.stream().map(a -> a.what).toList();
    }
  }

  /** How many floats and ints the allocations not yet freed hold. */
  long liveElements() {
    synchronized (live) {
      return live.stream().mapToLong(a -> a.size).sum();
    }
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
  public void download(int[] dst, Ints src, int n) {
    System.arraycopy(v(src), 0, dst, 0, n);
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
    // Without dLogits the kernel's gradient goes to a row of scratch.
    Tensor d = dLogits == null ? Tensor.zeros(classes) : t(dLogits);
    for (int r = 0; r < rows; r++) {
      int o = r * classes;
      int dOffset = dLogits == null ? 0 : o;
      if (v(valid)[r] == 0) {
        t(loss).set(r, 0f);
        t(correct).set(r, 0f);
        for (int c = 0; c < classes; c++) {
          d.set(dOffset + c, 0f);
        }
        continue;
      }
      // The CPU engine's plain kernel, its gradient unscaled.
      int target = v(targets)[r];
      t(loss).set(r, (float) SCALAR.softmaxCrossEntropy(x, o, classes, target, d, dOffset, 1f));
      t(correct).set(r, SCALAR.isArgmax(x, o, classes, target) ? 1f : 0f);
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
    SCALAR.momentumStep(t(w), t(g), t(v), 0, (int) n, lr, mu, nesterov);
  }

  @Override
  public void adamStep(Floats w, Floats g, Floats m, Floats v, long n, float a, float b1, float b2, float eHat) {
    SCALAR.adamStep(t(w), t(g), t(m), t(v), 0, (int) n, a, b1, b2, eHat);
  }

  @Override
  public Floats slice(Floats f, long offset, long n) {
    HostFloats h = (HostFloats) f;
    return new HostFloats(t(f).view((int) offset, (int) n), h.of, h.of != null);
  }

  @Override
  public void addColumnDots(Floats a, int lda, Floats b, int ldb, int rows, int n, Floats out) {
    for (int j = 0; j < n; j++) {
      double s = 0;
      for (int r = 0; r < rows; r++) {
        s += (double) t(a).get(r * lda + j) * t(b).get(r * ldb + j);
      }
      t(out).add(j, (float) s);
    }
  }

  // The step kernels' twins: the CPU engine's gate math (ScalarKernels) row by row, around it
  // the frozen rows' rule of RecurrentLayer.

  private static boolean running(Step s, int b) {
    return s.t() < v(s.lengths())[b];
  }

  /** Adds {@code n} columns of each row of {@code product} (row stride {@code ld}, from {@code col}) to the gates'. */
  private static void addProduct(Step s, Floats gates, int gateWidth, Floats product, int col, int n) {
    for (int b = 0; b < s.batch(); b++) {
      for (int j = 0; j < n; j++) {
        t(gates).add(b * gateWidth + col + j, t(product).get(b * gateWidth + col + j));
      }
    }
  }

  /** Row b's new state: {@code value} while its sequence runs, else the carried one. */
  private static void advance(Step s, int b, Tensor value, int valueOff, Floats prev, Floats state) {
    int n = s.hidden();
    boolean running = running(s, b);
    for (int j = 0; j < n; j++) {
      t(state).set(b * n + j, running ? value.get(valueOff + j) : t(prev).get(b * n + j));
    }
  }

  /** {@link #advance} of h, and the output's row: h while the sequence runs, else zero (or nothing added). */
  private static void emit(Step s, int b, Tensor value, int valueOff, Floats hPrev, Floats h, Floats out, int outLd,
      boolean accumulate) {
    advance(s, b, value, valueOff, hPrev, h);
    boolean running = running(s, b);
    for (int j = 0; j < s.hidden(); j++) {
      int o = b * outLd + j;
      float v = t(h).get(b * s.hidden() + j);
      if (running) {
        t(out).set(o, accumulate ? t(out).get(o) + v : v);
      } else if (!accumulate) {
        t(out).set(o, 0f);
      }
    }
  }

  /** dL/dh_t of row b into {@code dh} [H]: dOut + carry; false (and nothing written) for a frozen row. */
  private static boolean stateGradient(Step s, int b, Floats dOut, int outLd, Floats carry, Tensor dh) {
    if (!running(s, b)) {
      return false;
    }
    for (int j = 0; j < s.hidden(); j++) {
      dh.set(j, t(dOut).get(b * outLd + j) + t(carry).get(b * s.hidden() + j));
    }
    return true;
  }

  /** A frozen row's backward: no gate gradient, the carried gradient passed on. */
  private static void passThrough(Step s, int b, int gateWidth, Floats carry, Floats next, Floats... dGates) {
    int n = s.hidden();
    for (Floats d : dGates) {
      for (int j = 0; j < gateWidth; j++) {
        t(d).set(b * gateWidth + j, 0f);
      }
    }
    for (int j = 0; j < n; j++) {
      t(next).set(b * n + j, t(carry).get(b * n + j));
    }
  }

  private static void zeroRow(Floats f, int off, int n) {
    for (int j = 0; j < n; j++) {
      t(f).set(off + j, 0f);
    }
  }

  @Override
  public void rnnForwardStep(Activation f, Step s, Floats gates, Floats product, Floats hPrev, Floats h, Floats out,
      int outLd, boolean accumulate) {
    int n = s.hidden();
    addProduct(s, gates, n, product, 0, n);
    for (int b = 0; b < s.batch(); b++) {
      SCALAR.activate(f, t(gates), b * n, n);
      emit(s, b, t(gates), b * n, hPrev, h, out, outLd, accumulate);
    }
  }

  @Override
  public void rnnBackwardStep(Activation f, Step s, Floats gates, Floats dOut, int outLd, Floats carry, Floats dGates,
      Floats next) {
    int n = s.hidden();
    Tensor dh = Tensor.zeros(n);
    for (int b = 0; b < s.batch(); b++) {
      if (!stateGradient(s, b, dOut, outLd, carry, dh)) {
        passThrough(s, b, n, carry, next, dGates);
        continue;
      }
      SCALAR.activationBackward(f, t(gates), b * n, dh, 0, t(dGates), b * n, n);
      zeroRow(next, b * n, n);
    }
  }

  private static Tensor orNull(Floats f) {
    return f == null ? null : t(f);
  }

  @Override
  public void lstmForwardStep(boolean coupled, Floats peepI, Floats peepF, Floats peepO, Step s, Floats gates,
      Floats product, Floats cPrev, Floats c, Floats tanhC, Floats hPrev, Floats h, Floats out, int outLd,
      boolean accumulate) {
    int n = s.hidden();
    int width = (coupled ? 3 : 4) * n;
    addProduct(s, gates, width, product, 0, width);
    Tensor cNew = Tensor.zeros(n);
    Tensor hNew = Tensor.zeros(n);
    for (int b = 0; b < s.batch(); b++) {
      SCALAR.lstmForward(t(gates), b * width, t(cPrev), b * n, cNew, 0, t(tanhC), b * n, hNew, 0, orNull(peepI),
          orNull(peepF), orNull(peepO), n, coupled);
      advance(s, b, cNew, 0, cPrev, c);
      emit(s, b, hNew, 0, hPrev, h, out, outLd, accumulate);
    }
  }
  @Override
  public void lstmBackwardStep(boolean coupled, Floats peepI, Floats peepF, Floats peepO, Step s, Floats gates,
      Floats cPrev, Floats tanhC, Floats dOut, int outLd, Floats carry, Floats dc, Floats dGates, Floats next) {
    int n = s.hidden();
    int width = (coupled ? 3 : 4) * n;
    Tensor dh = Tensor.zeros(n);
    for (int b = 0; b < s.batch(); b++) {
      if (!stateGradient(s, b, dOut, outLd, carry, dh)) {
        passThrough(s, b, width, carry, next, dGates);
        continue;
      }
      SCALAR.lstmBackward(t(gates), b * width, t(cPrev), b * n, t(tanhC), b * n, dh, 0, t(dc), b * n, t(dGates),
          b * width, orNull(peepI), orNull(peepF), orNull(peepO), n, coupled);
      zeroRow(next, b * n, n);
    }
  }

  @Override
  public void gruGatesStep(Step s, Floats gates, Floats product, Floats hPrev, Floats rh) {
    int n = s.hidden();
    for (int b = 0; b < s.batch(); b++) {
      for (int j = 0; j < 2 * n; j++) {
        t(gates).add(b * 3 * n + j, t(product).get(b * 3 * n + j));
      }
      SCALAR.gruForwardGates(t(gates), b * 3 * n, t(hPrev), b * n, t(rh), b * n, n);
    }
  }

  @Override
  public void gruCandidateStep(Step s, Floats gates, Floats product, Floats hPrev, Floats h, Floats out, int outLd,
      boolean accumulate) {
    int n = s.hidden();
    Tensor hNew = Tensor.zeros(n);
    for (int b = 0; b < s.batch(); b++) {
      for (int j = 2 * n; j < 3 * n; j++) {
        t(gates).add(b * 3 * n + j, t(product).get(b * 3 * n + j));
      }
      SCALAR.gruForwardCandidate(t(gates), b * 3 * n, t(hPrev), b * n, hNew, 0, n);
      emit(s, b, hNew, 0, hPrev, h, out, outLd, accumulate);
    }
  }

  @Override
  public void gruCandidateBackwardStep(Step s, Floats gates, Floats hPrev, Floats dOut, int outLd, Floats carry,
      Floats dGates, Floats next) {
    int n = s.hidden();
    Tensor dh = Tensor.zeros(n);
    for (int b = 0; b < s.batch(); b++) {
      if (!stateGradient(s, b, dOut, outLd, carry, dh)) {
        passThrough(s, b, 3 * n, carry, next, dGates);
        continue;
      }
      zeroRow(dGates, b * 3 * n, n);
      SCALAR.gruBackwardCandidate(t(gates), b * 3 * n, t(hPrev), b * n, dh, 0, t(dGates), b * 3 * n, t(next), b * n, n);
    }
  }

  @Override
  public void gruResetBackwardStep(Step s, Floats gates, Floats hPrev, Floats dRh, Floats dGates, Floats next) {
    int n = s.hidden();
    for (int b = 0; b < s.batch(); b++) {
      if (running(s, b)) {
        SCALAR.gruBackwardReset(t(gates), b * 3 * n, t(hPrev), b * n, t(dRh), b * n, t(dGates), b * 3 * n, t(next),
            b * n, n);
      }
    }
  }

  @Override
  public void gruResetAfterForwardStep(Step s, Floats gates, Floats product, Floats biasHn, Floats hn, Floats hPrev,
      Floats h, Floats out, int outLd, boolean accumulate) {
    int n = s.hidden();
    Tensor hNew = Tensor.zeros(n);
    for (int b = 0; b < s.batch(); b++) {
      SCALAR.gruForwardResetAfter(t(gates), b * 3 * n, t(product), b * 3 * n, t(biasHn), t(hPrev), b * n, t(hn), b * n,
          hNew, 0, n);
      emit(s, b, hNew, 0, hPrev, h, out, outLd, accumulate);
    }
  }

  @Override
  public void gruResetAfterBackwardStep(Step s, Floats gates, Floats hn, Floats hPrev, Floats dOut, int outLd,
      Floats carry, Floats dGates, Floats dGh, Floats next) {
    int n = s.hidden();
    Tensor dh = Tensor.zeros(n);
    for (int b = 0; b < s.batch(); b++) {
      if (!stateGradient(s, b, dOut, outLd, carry, dh)) {
        passThrough(s, b, 3 * n, carry, next, dGates, dGh);
        continue;
      }
      SCALAR.gruBackwardResetAfter(t(gates), b * 3 * n, t(hn), b * n, t(hPrev), b * n, dh, 0, t(dGates), b * 3 * n,
          t(dGh), b * 3 * n, t(next), b * n, n);
    }
  }

  /** The CPU engine's CTC ({@code jrnn.layers.Ctc}), sequence by sequence. */
  @Override
  public double[] ctc(Floats logits, int steps, int batch, int classes, int blank, Ints frames, Ints labels, Ints starts,
      Ints counts, int maxLabels, Floats work, Floats dLogits) {
    double[] losses = new double[batch];
    Tensor d = t(dLogits);
    for (int i = 0; i < steps * batch * classes; i++) {
      d.set(i, 0f);
    }
    for (int b = 0; b < batch; b++) {
      int n = v(frames)[b];
      int[] own = java.util.Arrays.copyOfRange(v(labels), v(starts)[b], v(starts)[b] + v(counts)[b]);
      double[] grad = new double[n * classes];
      jrnn.layers.Ctc.Result r = jrnn.layers.Ctc.loss(jrnn.layers.Ctc.sequence(t(logits), batch, b, n, classes), 0,
          classes, n, classes, blank, own, grad, 1.0);
      losses[b] = r.loss();
      for (int t = 0; t < n; t++) {
        for (int k = 0; k < classes; k++) {
          d.set((t * batch + b) * classes + k, (float) grad[t * classes + k]);
        }
      }
    }
    return losses;
  }

  @Override
  public void adversarialPerturbation(Floats g, int steps, int batch, int width, Ints lengths, float eps, Floats r) {
    jrnn.training.Trainer.adversarialPerturbation(t(g), steps, java.util.Arrays.copyOf(v(lengths), batch), width, eps,
        t(r));
  }

  @Override
  public void copyRows(Floats dst, int dstLd, Floats src, int srcLd, int rows, int cols) {
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        t(dst).set(r * dstLd + c, t(src).get(r * srcLd + c));
      }
    }
  }

  @Override
  public void logSoftmax(Floats x, int rows, int classes) {
    jrnn.models.EncoderDecoder.logSoftmaxRows(SCALAR, t(x), rows, classes);
  }

  @Override
  public void topOfRows(Floats x, int rows, int classes, int k, Ints words, Floats values) {
    float[] chosen = new float[rows * k];
    jrnn.decode.BeamSearch.topOfRows(t(x), rows, classes, k, v(words), chosen);
    for (int i = 0; i < chosen.length; i++) {
      t(values).set(i, chosen[i]);
    }
  }

  @Override
  public void tanh(Floats a, long n) {
    SCALAR.activate(Activation.TANH, t(a), 0, (int) n);
  }

  @Override
  public void tanhBackward(Floats d, Floats y, long n) {
    for (int i = 0; i < n; i++) {
      float v = t(y).get(i);
      t(d).set(i, t(d).get(i) * (1 - v * v));
    }
  }

  /** The CPU model's smoothing ({@code EncoderDecoder.smoothTarget}), row by row. */
  @Override
  public void smoothLabels(Floats dLogits, int rows, int classes, Ints targets, Ints valid, float eps) {
    for (int r = 0; r < rows; r++) {
      if (v(valid)[r] != 0) {
        jrnn.models.EncoderDecoder.smoothTarget(t(dLogits), r * classes, classes, v(targets)[r], eps);
      }
    }
  }

  /** {@code jrnn.layers.Attention}'s forward step, past its products. */
  @Override
  public void attentionForward(boolean additive, Floats keys, Floats query, Floats v, int width, Floats encoder,
      int steps, int batch, int encoderSize, Ints lengths, Floats hidden, Floats alpha, Floats context) {
    Tensor h = t(encoder);
    Tensor a = t(alpha);
    for (int b = 0; b < batch; b++) {
      int len = v(lengths)[b];
      float[] e = new float[len];
      for (int s = 0; s < steps; s++) {
        int r = s * batch + b;
        if (additive) {
          double sum = 0;
          for (int k = 0; k < width; k++) {
            float u = s < len ? (float) Math.tanh(t(keys).get(r * width + k) + t(query).get(b * width + k)) : 0f;
            t(hidden).set(r * width + k, u);
            sum += (double) t(v).get(k) * u;
          }
          if (s < len) {
            e[s] = (float) sum;
          }
        } else if (s < len) {
          e[s] = dot(t(query), b * encoderSize, h, r * encoderSize, encoderSize);
        }
      }
      double max = Double.NEGATIVE_INFINITY;
      for (float x : e) {
        max = Math.max(max, x);
      }
      double total = 0;
      for (float x : e) {
        total += Math.exp(x - max);
      }
      for (int s = 0; s < steps; s++) {
        a.set(s * batch + b, s < len ? (float) (Math.exp(e[s] - max) / total) : 0f);
      }
      for (int j = 0; j < encoderSize; j++) {
        double c = 0;
        for (int s = 0; s < len; s++) {
          int r = s * batch + b;
          c += (double) a.get(r) * h.get(r * encoderSize + j);
        }
        t(context).set(b * encoderSize + j, (float) c);
      }
    }
  }

  /** {@code jrnn.layers.Attention}'s backward step, past its products. */
  @Override
  public void attentionBackward(boolean additive, Floats alpha, Floats hidden, Floats query, Floats v, int width,
      Floats encoder, int steps, int batch, int encoderSize, Ints lengths, Floats dContext, Floats de,
      Floats dEncoder, Floats gKeys, Floats dQuery) {
    Tensor h = t(encoder);
    Tensor a = t(alpha);
    Tensor dc = t(dContext);
    for (int b = 0; b < batch; b++) {
      int len = v(lengths)[b];
      // dalpha_s = dc . h_s; de_s = alpha_s (dalpha_s - sum alpha dalpha); dh_s += alpha_s dc.
      float[] dAlpha = new float[len];
      double mean = 0;
      for (int s = 0; s < len; s++) {
        int r = s * batch + b;
        dAlpha[s] = dot(dc, b * encoderSize, h, r * encoderSize, encoderSize);
        mean += (double) a.get(r) * dAlpha[s];
        for (int j = 0; j < encoderSize; j++) {
          t(dEncoder).add(r * encoderSize + j, a.get(r) * dc.get(b * encoderSize + j));
        }
      }
      for (int s = 0; s < steps; s++) {
        t(de).set(s * batch + b, s < len ? (float) (a.get(s * batch + b) * (dAlpha[s] - mean)) : 0f);
      }
      if (additive) {
        for (int k = 0; k < width; k++) {
          double dq = 0;
          for (int s = 0; s < len; s++) {
            int r = s * batch + b;
            float u = t(hidden).get(r * width + k);
            float dPre = t(de).get(r) * t(v).get(k) * (1 - u * u);
            t(gKeys).add(r * width + k, dPre);
            dq += dPre;
          }
          t(dQuery).set(b * width + k, (float) dq);
        }
      } else {
        for (int j = 0; j < encoderSize; j++) {
          double dp = 0;
          for (int s = 0; s < len; s++) {
            int r = s * batch + b;
            dp += (double) t(de).get(r) * h.get(r * encoderSize + j);
            t(dEncoder).add(r * encoderSize + j, t(de).get(r) * t(query).get(b * encoderSize + j));
          }
          t(dQuery).set(b * encoderSize + j, (float) dp);
        }
      }
    }
  }

  private static float dot(Tensor x, int xOff, Tensor y, int yOff, int n) {
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += (double) x.get(xOff + i) * y.get(yOff + i);
    }
    return (float) sum;
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
