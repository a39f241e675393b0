package jrnn.bench;

import java.util.concurrent.TimeUnit;
import jrnn.kernels.Kernels;
import jrnn.kernels.ScalarKernels;
import jrnn.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The kernels one at a time, each fast kernel beside its plain twin: the packed recurrent
 * product against OpenBLAS, and the gate math and softmax on SIMD lanes against the scalar loops.
 * Run with bin/jrnn-jmh.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class KernelBenchmarks {
  @Param({"vector", "scalar"})
  public String kernels;

  /** Rows of a thread's block (B/2 for batch 64) and hidden units. */
  @Param({"32"})
  public int rows;

  @Param({"512"})
  public int hidden;

  Kernels k;
  Tensor h;
  Tensor w;
  Tensor gates;
  Tensor c;
  Tensor cNew;
  Tensor tanhC;
  Tensor out;
  Tensor logits;
  Tensor grad;
  Kernels.Packed packed;
  /** A block of parameters, its gradient and Adam's moments, for {@link #adamStep}. */
  Tensor[] adam;

  @Setup
  public void setup() {
    k = kernels.equals("scalar") ? new ScalarKernels() : Kernels.best();
    h = Tensor.zeros(rows, hidden).fill(0.1f);
    w = Tensor.zeros(4 * hidden, hidden).fill(0.01f);
    gates = Tensor.zeros(rows, 4 * hidden).fill(0.2f);
    c = Tensor.zeros(rows, hidden).fill(0.3f);
    cNew = Tensor.zeros(rows, hidden);
    tanhC = Tensor.zeros(rows, hidden);
    out = Tensor.zeros(rows, hidden);
    logits = Tensor.zeros(10000).fill(0.01f);
    grad = Tensor.zeros(10000);
    packed = k.pack(w, 0, hidden, hidden, 4 * hidden, true, null);
    adam = new Tensor[] {Tensor.zeros(1 << 20).fill(0.1f), Tensor.zeros(1 << 20).fill(0.01f),
        Tensor.zeros(1 << 20), Tensor.zeros(1 << 20)};
  }

  /** Adam's step over a block of 2^20 parameters (4 MB each of weights, gradient and moments), one thread's chunk. */
  @Benchmark
  public void adamStep() {
    k.adamStep(adam[0], adam[1], adam[2], adam[3], 0, 1 << 20, 1e-3f, 0.9f, 0.999f, 1e-8f);
  }

  /** One thread's share of an LSTM step's recurrent product, [rows, H] x [H, 4H]. */
  @Benchmark
  public void recurrentProduct() {
    k.multiply(h, 0, hidden, rows, packed, gates, 0, 4 * hidden, true, null, 0);
  }

  /**
   * Reads 64 MB before each invocation of {@link #recurrentProductColdWeights}, twice the
   * third-level cache here, so that the packed weights have left every cache, as they do when
   * other programs share that cache; then reads the product's rows and output again, so that
   * only the weights come from main memory. (JMH advises against per-invocation set-ups for
   * calls under a millisecond; the product takes about 0.3 to 0.4 ms, so the timer's own cost,
   * tens of nanoseconds, stays small.)
   */
  @State(Scope.Thread)
  public static class EvictedCaches {
    final float[] elsewhere = new float[16 << 20];
    float sink;

    @Setup(Level.Trial)
    public void fill() {
      java.util.Arrays.fill(elsewhere, 1f);
    }

    @Setup(Level.Invocation)
    public void evict(KernelBenchmarks bench) {
      float s = 0;
      for (int i = 0; i < elsewhere.length; i += 16) {
        s += elsewhere[i];
      }
      for (Tensor t : new Tensor[] {bench.h, bench.gates}) {
        for (int i = 0; i < t.size(); i += 16) {
          s += t.get(i);
        }
      }
      sink += s;
    }
  }

  /**
   * {@link #recurrentProduct} with the packed weights coming from main memory: the product is
   * then bound by the memory rather than by the FMA units (docs/engine.md).
   */
  @Benchmark
  public float recurrentProductColdWeights(EvictedCaches caches) {
    k.multiply(h, 0, hidden, rows, packed, gates, 0, 4 * hidden, true, null, 0);
    return caches.sink;
  }

  /** Packing the recurrent weights, once per pass. */
  @Benchmark
  public Object packWeights() {
    return packed = k.pack(w, 0, hidden, hidden, 4 * hidden, true, packed);
  }

  /** The LSTM gate math of a step for the block's rows. */
  @Benchmark
  public void lstmGates() {
    for (int r = 0; r < rows; r++) {
      gates.data().put(r * 4 * hidden, w.data(), 0, 4 * hidden);
      k.lstmForward(gates, r * 4 * hidden, c, r * hidden, cNew, r * hidden, tanhC, r * hidden, out,
          r * hidden, null, null, null, hidden, false);
    }
  }

  /** Softmax cross-entropy and its gradient over a 10,000-word vocabulary. */
  @Benchmark
  public double softmaxRow() {
    return k.softmaxCrossEntropy(logits, 0, 10000, 17, grad, 0, 1f);
  }
}
