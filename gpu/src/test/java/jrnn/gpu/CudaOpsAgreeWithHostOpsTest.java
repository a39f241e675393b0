package jrnn.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import jrnn.params.Init;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every operation of {@link CudaOps} (cuBLAS and the kernels compiled at run time) against its
 * twin in {@link HostOps}, on random data with shapes that are not multiples of the launch's
 * blocks: products in all four transpositions, the embedding's gather and scatter-add (repeated
 * ids), row and column sums, dropout masks (equal to the bit: the same hash), the softmax
 * cross-entropy with invalid rows and ties, the sum of squares, scaling, clamping, axpy with and
 * without a mask, the steps of momentum, Nesterov and Adam, CTC, the adversarial perturbation,
 * and the encoder-decoder's pieces (rows copied, tanh, label smoothing, log-softmax, attention's steps, each
 * row's k largest). On a
 * GPU only.
 */
class CudaOpsAgreeWithHostOpsTest {

  @TestFactory
  List<DynamicTest> everyOperation() {
    return GpuTests.onGpu("CUDA's kernels against their host twins", () -> {
      GpuTests.backendOrSkip();
      CudaOps gpu = new CudaOps(((CudaBackend) jrnn.device.Gpu.backend()).cuda());
      HostOps host = new HostOps();
      List<DynamicTest> tests = new ArrayList<>();
      for (boolean ta : new boolean[] {false, true}) {
        for (boolean tb : new boolean[] {false, true}) {
          tests.add(DynamicTest.dynamicTest("gemm " + (ta ? "T" : "N") + (tb ? "T" : "N"),
              () -> gemm(gpu, host, ta, tb, 37, 29, 53)));
        }
      }
      tests.add(DynamicTest.dynamicTest("gather and scatter-add rows", () -> rows(gpu, host)));
      tests.add(DynamicTest.dynamicTest("row vector and column sums", () -> sums(gpu, host)));
      tests.add(DynamicTest.dynamicTest("dropout mask and multiply", () -> dropout(gpu, host)));
      tests.add(DynamicTest.dynamicTest("softmax cross-entropy", () -> softmax(gpu, host)));
      tests.add(DynamicTest.dynamicTest("CTC's loss and gradient", () -> ctc(gpu, host)));
      tests.add(DynamicTest.dynamicTest("adversarial perturbation", () -> adversarial(gpu, host)));
      tests.add(DynamicTest.dynamicTest("rows copied, tanh and its gradient, label smoothing, log-softmax",
          () -> encoderDecoderPieces(gpu, host)));
      tests.add(DynamicTest.dynamicTest("each row's k largest (ties, NaN, rows wider than a block, k up to the row)",
          () -> topOfRows(gpu, host)));
      for (boolean additive : new boolean[] {true, false}) {
        tests.add(DynamicTest.dynamicTest((additive ? "additive" : "multiplicative") + " attention, forward and backward",
            () -> attention(gpu, host, additive)));
      }
      for (int kind = 0; kind < 3; kind++) {
        int k = kind;
        tests.add(DynamicTest.dynamicTest("pooling " + new String[] {"last", "mean", "max"}[kind],
            () -> pooling(gpu, host, k)));
      }
      tests.add(DynamicTest.dynamicTest("norm, scale, clamp, axpy", () -> vectors(gpu, host)));
      tests.add(DynamicTest.dynamicTest("momentum, Nesterov and Adam steps", () -> optimizers(gpu, host)));
      return tests;
    });
  }

  private static Tensor random(int n, long seed) {
    Tensor t = Tensor.zeros(n);
    Init.uniform(t, new Rng(seed), 2);
    return t;
  }

  private record Pair(Ops.Floats gpu, Ops.Floats host) {}

  private static Pair both(CudaOps gpu, HostOps host, Tensor values) {
    Pair p = new Pair(gpu.floats(values.size(), "test"), host.floats(values.size(), "test"));
    gpu.upload(p.gpu(), values, values.size());
    host.upload(p.host(), values, values.size());
    return p;
  }

  private record IntsPair(Ops.Ints gpu, Ops.Ints host) {}

  private static IntsPair both(CudaOps gpu, HostOps host, int[] values) {
    IntsPair p = new IntsPair(gpu.ints(values.length, "test"), host.ints(values.length, "test"));
    gpu.upload(p.gpu(), values);
    host.upload(p.host(), values);
    return p;
  }

  private static void same(CudaOps gpu, Pair p, int n, double tol, String what) {
    Tensor a = Tensor.zeros(n);
    gpu.download(a, p.gpu(), n);
    Tensor e = ((HostOps.HostFloats) p.host()).t();
    for (int i = 0; i < n; i++) {
      assertEquals(e.get(i), a.get(i), tol * (1 + Math.abs(e.get(i))), what + "[" + i + "]");
    }
  }

  private static void gemm(CudaOps gpu, HostOps host, boolean ta, boolean tb, int m, int n, int k) {
    Pair a = both(gpu, host, random(m * k, 1));
    Pair b = both(gpu, host, random(k * n, 2));
    Pair c = both(gpu, host, random(m * n, 3));
    int lda = ta ? m : k;
    int ldb = tb ? k : n;
    gpu.gemm(ta, tb, m, n, k, 0.7f, a.gpu(), lda, b.gpu(), ldb, 0.5f, c.gpu(), n);
    host.gemm(ta, tb, m, n, k, 0.7f, a.host(), lda, b.host(), ldb, 0.5f, c.host(), n);
    same(gpu, c, m * n, 1e-5, "C");
  }

  private static void rows(CudaOps gpu, HostOps host) {
    int width = 13;
    int vocab = 17;
    int rows = 300;
    Pair table = both(gpu, host, random(vocab * width, 4));
    int[] ids = new int[rows];
    Rng rng = new Rng(5);
    for (int r = 0; r < rows; r++) {
      ids[r] = r % 7 == 3 ? -1 : rng.nextInt(vocab); // -1: padding, zeros and no gradient
    }
    Ops.Ints gIds = gpu.ints(rows, "ids");
    Ops.Ints hIds = host.ints(rows, "ids");
    gpu.upload(gIds, ids);
    host.upload(hIds, ids);
    Pair out = both(gpu, host, Tensor.zeros(rows * width));
    gpu.gatherRows(table.gpu(), width, gIds, rows, out.gpu());
    host.gatherRows(table.host(), width, hIds, rows, out.host());
    same(gpu, out, rows * width, 0, "gathered");
    Pair in = both(gpu, host, random(rows * width, 6));
    gpu.scatterAddRows(table.gpu(), width, gIds, rows, in.gpu());
    host.scatterAddRows(table.host(), width, hIds, rows, in.host());
    same(gpu, table, vocab * width, 1e-5, "scattered");
  }

  private static void pooling(CudaOps gpu, HostOps host, int kind) {
    int steps = 9;
    int batch = 5;
    int width = 12;
    int split = 6;
    int[] lengths = {9, 1, 4, 7, 2};
    Ops.Ints gLengths = gpu.ints(batch, "lengths");
    Ops.Ints hLengths = host.ints(batch, "lengths");
    gpu.upload(gLengths, lengths);
    host.upload(hLengths, lengths);
    Ops.Ints gArgmax = gpu.ints(batch * width, "argmax");
    Ops.Ints hArgmax = host.ints(batch * width, "argmax");
    Pair y = both(gpu, host, random(steps * batch * width, 7));
    Pair out = both(gpu, host, Tensor.zeros(batch * width));
    gpu.poolForward(kind, y.gpu(), steps, batch, width, split, gLengths, out.gpu(), gArgmax);
    host.poolForward(kind, y.host(), steps, batch, width, split, hLengths, out.host(), hArgmax);
    same(gpu, out, batch * width, 1e-6, "pooled");
    Pair dOut = both(gpu, host, random(batch * width, 8));
    Pair dy = both(gpu, host, random(steps * batch * width, 9));
    gpu.poolBackward(kind, dOut.gpu(), steps, batch, width, split, gLengths, gArgmax, dy.gpu());
    host.poolBackward(kind, dOut.host(), steps, batch, width, split, hLengths, hArgmax, dy.host());
    same(gpu, dy, steps * batch * width, 1e-6, "its gradient");
  }

  private static void sums(CudaOps gpu, HostOps host) {
    int rows = 41;
    int cols = 300;
    Pair m = both(gpu, host, random(rows * cols, 7));
    Pair v = both(gpu, host, random(cols, 8));
    gpu.addToRows(m.gpu(), rows, cols, v.gpu());
    host.addToRows(m.host(), rows, cols, v.host());
    same(gpu, m, rows * cols, 1e-6, "rows plus v");
    Pair out = both(gpu, host, random(cols, 9));
    gpu.addColumnSums(m.gpu(), rows, cols, 0.25f, out.gpu());
    host.addColumnSums(m.host(), rows, cols, 0.25f, out.host());
    same(gpu, out, cols, 1e-5, "column sums");
  }

  private static void dropout(CudaOps gpu, HostOps host) {
    int n = 100_003;
    Pair mask = both(gpu, host, Tensor.zeros(n));
    gpu.dropoutMask(mask.gpu(), n, 0.35f, 1234567890123L);
    host.dropoutMask(mask.host(), n, 0.35f, 1234567890123L);
    same(gpu, mask, n, 0, "mask");
    Pair a = both(gpu, host, random(n, 10));
    gpu.multiply(a.gpu(), mask.gpu(), n);
    host.multiply(a.host(), mask.host(), n);
    same(gpu, a, n, 0, "masked");
  }

  private static void vectors(CudaOps gpu, HostOps host) {
    int n = 70_001;
    Pair a = both(gpu, host, random(n, 13));
    Pair x = both(gpu, host, random(n, 14));
    Pair mask = both(gpu, host, Tensor.zeros(n));
    gpu.dropoutMask(mask.gpu(), n, 0.5f, 7);
    host.dropoutMask(mask.host(), n, 0.5f, 7);
    double expected = host.sumOfSquares(new Ops.Floats[] {a.host(), x.host()}, new long[] {n, n - 5});
    assertEquals(expected, gpu.sumOfSquares(new Ops.Floats[] {a.gpu(), x.gpu()}, new long[] {n, n - 5}), 1e-9 * expected,
        "sum of squares");
    gpu.scale(a.gpu(), n, 0.3f);
    host.scale(a.host(), n, 0.3f);
    same(gpu, a, n, 0, "scaled");
    gpu.clamp(a.gpu(), n, 0.25f);
    host.clamp(a.host(), n, 0.25f);
    same(gpu, a, n, 0, "clamped");
    gpu.axpy(a.gpu(), -0.7f, x.gpu(), null, n);
    host.axpy(a.host(), -0.7f, x.host(), null, n);
    same(gpu, a, n, 1e-6, "axpy");
    gpu.axpy(a.gpu(), 0.2f, x.gpu(), mask.gpu(), n);
    host.axpy(a.host(), 0.2f, x.host(), mask.host(), n);
    same(gpu, a, n, 1e-6, "masked axpy");
  }

  private static void optimizers(CudaOps gpu, HostOps host) {
    int n = 50_021;
    for (int kind = 0; kind < 3; kind++) {
      Pair w = both(gpu, host, random(n, 20 + kind));
      Pair m = both(gpu, host, Tensor.zeros(n));
      Pair v = both(gpu, host, Tensor.zeros(n));
      for (int step = 0; step < 3; step++) {
        Pair g = both(gpu, host, random(n, 30 + step));
        if (kind < 2) {
          gpu.momentumStep(w.gpu(), g.gpu(), m.gpu(), n, 0.1f, 0.9f, kind == 1);
          host.momentumStep(w.host(), g.host(), m.host(), n, 0.1f, 0.9f, kind == 1);
        } else {
          gpu.adamStep(w.gpu(), g.gpu(), m.gpu(), v.gpu(), n, 0.01f, 0.9f, 0.999f, 1e-8f);
          host.adamStep(w.host(), g.host(), m.host(), v.host(), n, 0.01f, 0.9f, 0.999f, 1e-8f);
        }
      }
      same(gpu, w, n, 1e-6, "weights after 3 steps of optimizer " + kind);
      same(gpu, m, n, 1e-6, "first state of optimizer " + kind);
      if (kind == 2) {
        same(gpu, v, n, 1e-6, "second moment");
      }
    }
  }

  private static void softmax(CudaOps gpu, HostOps host) {
    int rows = 9;
    int classes = 1001;
    Tensor x = random(rows * classes, 11);
    x.set(2 * classes + 5, 3f);
    x.set(2 * classes + 7, 3f); // a tie for the largest logit in row 2
    Pair logits = both(gpu, host, x);
    int[] targets = {0, 5, 7, 1000, 3, 3, 999, 500, 2};
    int[] valid = {1, 1, 1, 0, 1, 1, 1, 0, 1};
    IntsPair t = both(gpu, host, targets);
    IntsPair v = both(gpu, host, valid);
    Pair loss = both(gpu, host, Tensor.zeros(rows));
    Pair correct = both(gpu, host, Tensor.zeros(rows));
    Pair d = both(gpu, host, random(rows * classes, 12));
    gpu.softmaxCrossEntropy(logits.gpu(), rows, classes, t.gpu(), v.gpu(), loss.gpu(), correct.gpu(), d.gpu());
    host.softmaxCrossEntropy(logits.host(), rows, classes, t.host(), v.host(), loss.host(), correct.host(), d.host());
    same(gpu, loss, rows, 1e-5, "loss");
    same(gpu, correct, rows, 0, "correct");
    assertEquals(0f, ((HostOps.HostFloats) correct.host()).t().get(2), "row 2's tie goes to the first, 5, not 7");
    same(gpu, d, rows * classes, 1e-5, "dLogits");
    // Without a gradient (an inference pass): the same loss and hits.
    Pair lossAlone = both(gpu, host, Tensor.zeros(rows));
    Pair correctAlone = both(gpu, host, Tensor.zeros(rows));
    gpu.softmaxCrossEntropy(logits.gpu(), rows, classes, t.gpu(), v.gpu(), lossAlone.gpu(), correctAlone.gpu(), null);
    host.softmaxCrossEntropy(logits.host(), rows, classes, t.host(), v.host(), lossAlone.host(), correctAlone.host(),
        null);
    same(gpu, lossAlone, rows, 1e-5, "loss without dLogits");
    same(gpu, correctAlone, rows, 0, "correct without dLogits");
    Tensor withGradient = Tensor.zeros(rows);
    Tensor without = Tensor.zeros(rows);
    gpu.download(withGradient, loss.gpu(), rows);
    gpu.download(without, lossAlone.gpu(), rows);
    for (int r = 0; r < rows; r++) {
      assertEquals(withGradient.get(r), without.get(r), 0f, "the GPU's loss of row " + r + " without dLogits");
    }
  }

  /** Sequences of other lengths, repeated labels, a sequence no alignment reads and one with no labels. */
  private static void ctc(CudaOps gpu, HostOps host) {
    int steps = 40;
    int batch = 5;
    int classes = 6;
    int[] frames = {40, 2, 17, 1, 25};
    int[][] labels = {{1, 2, 2, 5, 3, 3, 3}, {4, 4}, {2, 1}, {}, {5, 4, 3, 2, 1}};
    Pair logits = both(gpu, host, random(steps * batch * classes, 13));
    int[] flat = java.util.Arrays.stream(labels).flatMapToInt(java.util.Arrays::stream).toArray();
    int[] starts = new int[batch];
    int[] counts = new int[batch];
    for (int b = 1; b < batch; b++) {
      starts[b] = starts[b - 1] + labels[b - 1].length;
    }
    for (int b = 0; b < batch; b++) {
      counts[b] = labels[b].length;
    }
    Ops.Ints[] g = new Ops.Ints[4];
    Ops.Ints[] h = new Ops.Ints[4];
    int[][] values = {frames, flat, starts, counts};
    for (int i = 0; i < 4; i++) {
      g[i] = gpu.ints(values[i].length, "ctc");
      h[i] = host.ints(values[i].length, "ctc");
      gpu.upload(g[i], values[i]);
      host.upload(h[i], values[i]);
    }
    long work = Ops.ctcWork(steps, batch, classes, 7);
    Pair d = both(gpu, host, random(steps * batch * classes, 14));
    double[] gl = gpu.ctc(logits.gpu(), steps, batch, classes, 0, g[0], g[1], g[2], g[3], 7, gpu.floats(work, "work"),
        d.gpu());
    double[] hl = host.ctc(logits.host(), steps, batch, classes, 0, h[0], h[1], h[2], h[3], 7, host.floats(work, "work"),
        d.host());
    assertEquals(Double.POSITIVE_INFINITY, hl[1], "two repeated labels need three frames (label, blank, label)");
    assertTrue(Double.isFinite(hl[0]) && Double.isFinite(hl[3]), "the others are read");
    for (int b = 0; b < batch; b++) {
      assertEquals(hl[b], gl[b], 1e-9 * (1 + Math.abs(hl[b])), "loss of sequence " + b);
    }
    same(gpu, d, steps * batch * classes, 1e-6, "dLogits");
  }

  /** Sequences of other lengths, one of them with a zero gradient. */
  private static void adversarial(CudaOps gpu, HostOps host) {
    int steps = 30;
    int batch = 4;
    int width = 300;
    int[] lengths = {30, 7, 1, 19};
    Tensor g = random(steps * batch * width, 15);
    for (int t = 0; t < steps; t++) {
      for (int j = 0; j < width; j++) {
        g.set((t * batch + 2) * width + j, 0f);
      }
    }
    Pair grad = both(gpu, host, g);
    Pair r = both(gpu, host, random(steps * batch * width, 16));
    Ops.Ints gl = gpu.ints(batch, "lengths");
    Ops.Ints hl = host.ints(batch, "lengths");
    gpu.upload(gl, lengths);
    host.upload(hl, lengths);
    gpu.adversarialPerturbation(grad.gpu(), steps, batch, width, gl, 3f, r.gpu());
    host.adversarialPerturbation(grad.host(), steps, batch, width, hl, 3f, r.host());
    same(gpu, r, steps * batch * width, 1e-6, "r");
  }
  private static void encoderDecoderPieces(CudaOps gpu, HostOps host) {
    Pair src = both(gpu, host, random(37 * 11, 17));
    Pair dst = both(gpu, host, random(37 * 19, 18));
    gpu.copyRows(gpu.slice(dst.gpu(), 5, 37 * 19 - 5), 19, src.gpu(), 11, 37, 9);
    host.copyRows(host.slice(dst.host(), 5, 37 * 19 - 5), 19, src.host(), 11, 37, 9);
    same(gpu, dst, 37 * 19, 0, "copied rows");
    Pair a = both(gpu, host, random(1001, 19));
    gpu.tanh(a.gpu(), 1001);
    host.tanh(a.host(), 1001);
    same(gpu, a, 1001, 1e-6, "tanh");
    Pair d = both(gpu, host, random(1001, 20));
    gpu.tanhBackward(d.gpu(), a.gpu(), 1001);
    host.tanhBackward(d.host(), a.host(), 1001);
    same(gpu, d, 1001, 1e-6, "tanh's gradient");
    int rows = 7;
    int classes = 333;
    int[] targets = {0, 332, 5, 5, 100, 1, 2};
    int[] valid = {1, 1, 0, 1, 1, 0, 1};
    IntsPair t = both(gpu, host, targets);
    IntsPair v = both(gpu, host, valid);
    Pair g = both(gpu, host, random(rows * classes, 21));
    gpu.smoothLabels(g.gpu(), rows, classes, t.gpu(), v.gpu(), 0.1f);
    host.smoothLabels(g.host(), rows, classes, t.host(), v.host(), 0.1f);
    same(gpu, g, rows * classes, 1e-7, "smoothed gradient");
    Tensor logits = random(rows * classes, 34);
    logits.set(classes + 7, 40f); // a row with one large logit
    Pair x = both(gpu, host, logits);
    gpu.logSoftmax(x.gpu(), rows, classes);
    host.logSoftmax(x.host(), rows, classes);
    same(gpu, x, rows * classes, 1e-6, "log-softmax");
  }

  /** Each row's k largest: the same indices and values, ties to the lower index, NaN never chosen. */
  private static void topOfRows(CudaOps gpu, HostOps host) {
    Rng rng = new Rng(40);
    for (int[] shape : new int[][] {{5, 1000, 8}, {3, 7, 7}, {4, 300, 1}, {2, 9, 5}}) {
      int rows = shape[0];
      int classes = shape[1];
      int k = shape[2];
      Tensor x = Tensor.zeros(rows * classes);
      for (int i = 0; i < x.size(); i++) {
        // Few distinct values, so that ties are many; NaN now and then, and a whole row of NaN but one.
        x.set(i, rng.nextInt(10) == 0 ? Float.NaN : rng.nextInt(5) - 2.5f);
      }
      for (int c = 1; c < classes; c++) {
        x.set(classes + c, Float.NaN);
      }
      Pair xs = both(gpu, host, x);
      Ops.Ints gpuWords = gpu.ints(rows * k, "test");
      Ops.Ints hostWords = host.ints(rows * k, "test");
      Pair values = both(gpu, host, Tensor.zeros(rows * k));
      gpu.topOfRows(xs.gpu(), rows, classes, k, gpuWords, values.gpu());
      host.topOfRows(xs.host(), rows, classes, k, hostWords, values.host());
      int[] expected = new int[rows * k];
      int[] actual = new int[rows * k];
      host.download(expected, hostWords, rows * k);
      gpu.download(actual, gpuWords, rows * k);
      org.junit.jupiter.api.Assertions.assertArrayEquals(expected, actual, rows + " x " + classes + ", k " + k);
      // Bit for bit: a row that runs out ends with -Infinity, which no tolerance compares.
      Tensor onGpu = Tensor.zeros(rows * k);
      gpu.download(onGpu, values.gpu(), rows * k);
      org.junit.jupiter.api.Assertions.assertArrayEquals(((HostOps.HostFloats) values.host()).t().toArray(),
          onGpu.toArray(), "the k largest values, " + rows + " x " + classes + ", k " + k);
    }
  }

  /** Sources of other lengths (one of a single step), widths past a block of threads. */
  private static void attention(CudaOps gpu, HostOps host, boolean additive) {
    int steps = 13;
    int batch = 5;
    int encoderSize = 300;
    int width = additive ? 270 : encoderSize;
    int[] lengths = {13, 1, 7, 12, 3};
    int rows = steps * batch;
    IntsPair l = both(gpu, host, lengths);
    Ops.Ints gl = l.gpu();
    Ops.Ints hl = l.host();
    Pair enc = both(gpu, host, random(rows * encoderSize, 22));
    Pair keys = both(gpu, host, random(rows * width, 23));
    Pair query = both(gpu, host, random(batch * width, 24));
    Pair v = both(gpu, host, random(width, 25));
    Pair hidden = both(gpu, host, random(rows * width, 26));
    Pair alpha = both(gpu, host, random(rows, 27));
    Pair context = both(gpu, host, random(batch * encoderSize, 28));
    // Scores of order 1, as trained models have: the vector's and the query's entries scaled down.
    gpu.scale(v.gpu(), width, 0.1f);
    host.scale(v.host(), width, 0.1f);
    gpu.scale(query.gpu(), batch * width, 0.05f);
    host.scale(query.host(), batch * width, 0.05f);
    gpu.attentionForward(additive, additive ? keys.gpu() : null, query.gpu(), additive ? v.gpu() : null, width,
        enc.gpu(), steps, batch, encoderSize, gl, additive ? hidden.gpu() : null, alpha.gpu(), context.gpu());
    host.attentionForward(additive, additive ? keys.host() : null, query.host(), additive ? v.host() : null, width,
        enc.host(), steps, batch, encoderSize, hl, additive ? hidden.host() : null, alpha.host(), context.host());
    if (additive) {
      same(gpu, hidden, rows * width, 1e-6, "hidden");
    }
    same(gpu, alpha, rows, 1e-5, "alpha");
    same(gpu, context, batch * encoderSize, 1e-5, "context");
    Pair dContext = both(gpu, host, random(batch * encoderSize, 29));
    Pair de = both(gpu, host, random(rows, 30));
    Pair dEncoder = both(gpu, host, random(rows * encoderSize, 31));
    Pair gKeys = both(gpu, host, random(rows * width, 32));
    Pair dQuery = both(gpu, host, random(batch * width, 33));
    gpu.attentionBackward(additive, alpha.gpu(), additive ? hidden.gpu() : null, additive ? null : query.gpu(),
        additive ? v.gpu() : null, width, enc.gpu(), steps, batch, encoderSize, gl, dContext.gpu(), de.gpu(),
        dEncoder.gpu(), additive ? gKeys.gpu() : null, dQuery.gpu());
    host.attentionBackward(additive, alpha.host(), additive ? hidden.host() : null, additive ? null : query.host(),
        additive ? v.host() : null, width, enc.host(), steps, batch, encoderSize, hl, dContext.host(), de.host(),
        dEncoder.host(), additive ? gKeys.host() : null, dQuery.host());
    same(gpu, de, rows, 1e-4, "the scores' gradient");
    same(gpu, dEncoder, rows * encoderSize, 1e-4, "the encoder's gradient");
    same(gpu, dQuery, batch * width, 1e-4, "the query's gradient");
    if (additive) {
      same(gpu, gKeys, rows * width, 1e-4, "the keys' gradient");
    }
  }
}
