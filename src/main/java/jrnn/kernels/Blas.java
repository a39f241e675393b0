package jrnn.kernels;

import java.lang.ref.Reference;
import jrnn.tensor.ShapeMismatchException;
import jrnn.tensor.Tensor;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * Matrix products on {@link Tensor}s through OpenBLAS, row-major, with the operand extents
 * checked before the native call (a wrong offset is an exception here, not a crashed JVM).
 *
 * <p>Operands are given as (tensor, element offset, leading dimension), so that a time step,
 * a gate block or one direction's columns of a wider output are used in place without copies.
 */
public final class Blas {
  private Blas() {}

  /** A FloatPointer whose address is set per call, so that no native call allocates. */
  private static final class RawPointer extends FloatPointer {
    RawPointer() {
      super((Pointer) null);
    }

    RawPointer at(long addr) {
      this.address = addr;
      this.position = 0;
      this.limit = 0;
      this.capacity = 0;
      return this;
    }
  }

  private static final class Scratch {
    final RawPointer a = new RawPointer();
    final RawPointer b = new RawPointer();
    final RawPointer c = new RawPointer();
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  static {
    // OpenBLAS runs single-threaded: jrnn splits large products over its own threads
    // (Parallel), so that OpenBLAS's spinning workers never compete with jrnn's.
    org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(1);
  }

  /** Products smaller than this many multiply-adds run on one thread. */
  private static final long PARALLEL_WORK = 1L << 18;

  /**
   * C = alpha * op(A) * op(B) + beta * C, where op(A) is m x k, op(B) is k x n and C is m x n,
   * all row-major with the given leading dimensions (row strides, in elements).
   */
  public static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
      Tensor a, int aOff, int lda, Tensor b, int bOff, int ldb, float beta,
      Tensor c, int cOff, int ldc) {
    if (m == 0 || n == 0) {
      return;
    }
    checkOperand("gemm A", a, aOff, transA ? k : m, transA ? m : k, lda);
    checkOperand("gemm B", b, bOff, transB ? n : k, transB ? k : n, ldb);
    checkOperand("gemm C", c, cOff, m, n, ldc);
    int threads = Parallel.threads();
    if (threads == 1 || (long) m * n * k < PARALLEL_WORK) {
      sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    } else if (m >= n || m >= 16 * threads) {
      // Rows of C (and of op(A)) in chunks.
      Parallel.run(m, (from, to) -> sgemm(transA, transB, to - from, n, k, alpha,
          a, aOff + (transA ? from : from * lda), lda, b, bOff, ldb, beta,
          c, cOff + from * ldc, ldc));
    } else {
      // Columns of C (and of op(B)) in chunks.
      Parallel.run(n, (from, to) -> sgemm(transA, transB, m, to - from, k, alpha,
          a, aOff, lda, b, bOff + (transB ? from * ldb : from), ldb, beta,
          c, cOff + from, ldc));
    }
  }

  /** One single-threaded OpenBLAS call; operands already checked. */
  private static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
      Tensor a, int aOff, int lda, Tensor b, int bOff, int ldb, float beta,
      Tensor c, int cOff, int ldc) {
    Scratch s = SCRATCH.get();
    openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
        transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
        transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
        m, n, k, alpha,
        s.a.at(a.address() + 4L * aOff), lda,
        s.b.at(b.address() + 4L * bOff), ldb, beta,
        s.c.at(c.address() + 4L * cOff), ldc);
    Reference.reachabilityFence(a);
    Reference.reachabilityFence(b);
    Reference.reachabilityFence(c);
  }

  /** y = alpha * op(A) * x + beta * y, with A m x n row-major (op(A) = A^T when transA). */
  public static void gemv(boolean transA, int m, int n, float alpha, Tensor a, int aOff, int lda,
      Tensor x, int xOff, float beta, Tensor y, int yOff) {
    gemv(transA, m, n, alpha, a, aOff, lda, x, xOff, 1, beta, y, yOff, 1);
  }

  /**
   * The same with vectors of stride {@code incX} and {@code incY} (elements apart), as a column of
   * a row-major matrix or one sequence's entries of a time-major batch are.
   */
  public static void gemv(boolean transA, int m, int n, float alpha, Tensor a, int aOff, int lda,
      Tensor x, int xOff, int incX, float beta, Tensor y, int yOff, int incY) {
    if (m == 0 || n == 0) {
      return;
    }
    checkOperand("gemv A", a, aOff, m, n, lda);
    checkVector("gemv x", x, xOff, transA ? m : n, incX);
    checkVector("gemv y", y, yOff, transA ? n : m, incY);
    Scratch s = SCRATCH.get();
    openblas_nolapack.cblas_sgemv(openblas_nolapack.CblasRowMajor,
        transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
        m, n, alpha, s.a.at(a.address() + 4L * aOff), lda,
        s.b.at(x.address() + 4L * xOff), incX, beta, s.c.at(y.address() + 4L * yOff), incY);
    Reference.reachabilityFence(a);
    Reference.reachabilityFence(x);
    Reference.reachabilityFence(y);
  }

  /** A += alpha x y^T, A m x n row-major, x of m elements (stride incX), y of n (stride incY). */
  public static void ger(int m, int n, float alpha, Tensor x, int xOff, int incX, Tensor y, int yOff, int incY,
      Tensor a, int aOff, int lda) {
    if (m == 0 || n == 0) {
      return;
    }
    checkVector("ger x", x, xOff, m, incX);
    checkVector("ger y", y, yOff, n, incY);
    checkOperand("ger A", a, aOff, m, n, lda);
    Scratch s = SCRATCH.get();
    openblas_nolapack.cblas_sger(openblas_nolapack.CblasRowMajor, m, n, alpha, s.a.at(x.address() + 4L * xOff), incX,
        s.b.at(y.address() + 4L * yOff), incY, s.c.at(a.address() + 4L * aOff), lda);
    Reference.reachabilityFence(a);
    Reference.reachabilityFence(x);
    Reference.reachabilityFence(y);
  }

  /** A vector of n elements {@code inc} apart (inc &gt;= 1) from {@code off}, as a column of n rows with row stride inc. */
  private static void checkVector(String what, Tensor t, int off, int n, int inc) {
    if (inc < 1) {
      throw new ShapeMismatchException("Blas." + what + ": stride " + inc + " must be at least 1");
    }
    checkOperand(what, t, off, n, 1, inc);
  }

  private static void checkOperand(String what, Tensor t, int off, int rows, int cols, int ld) {
    if (ld < Math.max(1, cols)) {
      throw new ShapeMismatchException(
          "Blas." + what + ": leading dimension " + ld + " is smaller than the " + cols + " columns");
    }
    long last = (long) off + (long) (rows - 1) * ld + cols;
    if (off < 0 || rows < 0 || cols < 0 || (rows > 0 && cols > 0 && last > t.size())) {
      throw new ShapeMismatchException("Blas." + what + ": a " + rows + " x " + cols
          + " matrix at offset " + off + " with row stride " + ld + " needs " + last
          + " elements, the tensor " + t + " has " + t.size());
    }
  }

  /** Euclidean norm of n elements of {@code x} from {@code off}. */
  public static double norm(Tensor x, int off, int n) {
    checkOperand("nrm2 x", x, off, 1, n, Math.max(1, n));
    double r = openblas_nolapack.cblas_snrm2(n, SCRATCH.get().a.at(x.address() + 4L * off), 1);
    Reference.reachabilityFence(x);
    return r;
  }

  /** y += alpha * x over n elements. */
  public static void axpy(int n, float alpha, Tensor x, int xOff, Tensor y, int yOff) {
    checkOperand("axpy x", x, xOff, 1, n, Math.max(1, n));
    checkOperand("axpy y", y, yOff, 1, n, Math.max(1, n));
    Scratch s = SCRATCH.get();
    openblas_nolapack.cblas_saxpy(n, alpha, s.a.at(x.address() + 4L * xOff), 1,
        s.b.at(y.address() + 4L * yOff), 1);
    Reference.reachabilityFence(x);
    Reference.reachabilityFence(y);
  }

  /** x *= alpha over n elements. */
  public static void scale(int n, float alpha, Tensor x, int off) {
    checkOperand("scal x", x, off, 1, n, Math.max(1, n));
    openblas_nolapack.cblas_sscal(n, alpha, SCRATCH.get().a.at(x.address() + 4L * off), 1);
    Reference.reachabilityFence(x);
  }

  /**
   * OpenBLAS's sgemm alone on an n^3 product, with {@code threads} threads of its own: the
   * reference against which benchmarks measure jrnn's efficiency. Each {@link #measure} times
   * one product, so that a benchmark can interleave them with its own steps and both see the same
   * moments of a shared host, whose speed drifts by tens of percent over seconds.
   */
  public static final class SgemmReference {
    private final int n;
    private final int threads;
    private final Tensor a;
    private final Tensor b;
    private final Tensor c;

    public SgemmReference(int n, int threads) {
      this.n = n;
      this.threads = threads;
      this.a = Tensor.zeros(n, n).fill(0.5f);
      this.b = Tensor.zeros(n, n).fill(0.25f);
      this.c = Tensor.zeros(n, n);
    }

    /** The memory its three matrices hold. */
    public double megabytes() {
      return 3.0 * n * n * Float.BYTES / 1e6;
    }

    /** GFLOP/s of one product; OpenBLAS returns to one thread afterwards. */
    public double measure() {
      org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(threads);
      try {
        long t0 = System.nanoTime();
        sgemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
        return 2.0 * n * n * n / ((System.nanoTime() - t0) / 1e9) / 1e9;
      } finally {
        org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(1);
      }
    }
  }

}
