package jrnn.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every fast kernel equals its plain twin: the vector kernels against the scalar loops, and the
 * packed recurrent product against OpenBLAS, on random data, for row widths that are whole
 * vectors, not (37, 200), and shorter than one vector. |fast - plain| <= 2e-6 (1 + |plain|).
 */
class KernelEquivalenceTest {
  static final int[] WIDTHS = {5, 16, 37, 64, 200};

  static final Kernels SCALAR = new ScalarKernels();

  static Kernels vector() {
    Assumptions.assumeTrue(KernelSelection.vectorApiAvailable(),
        "skipped: the JVM runs without the Vector API module (--add-modules=jdk.incubator.vector)");
    Kernels k = new VectorKernels();
    try {
      Tensor t = Tensor.zeros(64);
      k.add(t, 0, t, 0, t, 0, 64);
    } catch (LinkageError e) {
      // a build on JDK 17 run on JDK 19 or later, or on 19 to 21 at all (docs/engine.md)
      Assumptions.assumeTrue(false, "skipped: these vector kernels were built for another JDK than Java "
          + Runtime.version().feature() + " (" + e + "); a build on JDK 22 or later runs them there");
    }
    return k;
  }

  /** No silent slow path: where the vector kernels can run, they are the ones chosen. */
  @Test
  void theVectorKernelsAreChosenWhereTheyCanRun() {
    vector();
    Assumptions.assumeTrue(VectorKernels.lanes() >= 4, "skipped: SIMD registers narrower than 4 floats");
    assertInstanceOf(VectorKernels.class, Kernels.best());
  }

  static Tensor random(Rng rng, int n, double scale) {
    Tensor t = Tensor.zeros(n);
    for (int i = 0; i < n; i++) {
      t.set(i, (float) rng.uniform(-scale, scale));
    }
    return t;
  }

  static Tensor copy(Tensor t) {
    return Tensor.zeros(t.size()).copyFrom(t);
  }

  static void same(Tensor plain, Tensor fast, String what) {
    for (int i = 0; i < plain.size(); i++) {
      float p = plain.get(i);
      float f = fast.get(i);
      assertTrue(Math.abs(p - f) <= 2e-6 * (1 + Math.abs(p)),
          what + " element " + i + ": plain " + p + ", fast " + f);
    }
  }

  /**
   * Runs {@code body} on two copies of the same random tensors, once with each kernel set, and
   * compares every tensor afterwards (outputs and in-place updates alike).
   */
  static void compare(String what, int count, int size, BiConsumer<Kernels, Tensor[]> body) {
    Rng rng = new Rng(what.hashCode());
    Tensor[] plain = new Tensor[count];
    Tensor[] fast = new Tensor[count];
    for (int i = 0; i < count; i++) {
      plain[i] = random(rng, size, 2.0);
      fast[i] = copy(plain[i]);
    }
    body.accept(SCALAR, plain);
    body.accept(vector(), fast);
    for (int i = 0; i < count; i++) {
      same(plain[i], fast[i], what + " tensor " + i);
    }
  }

  /**
   * The prediction counted right is argmax's, ties to the first: on rows of few values (ties
   * everywhere), a row of equal values, NaN at the target or elsewhere, and every width about a
   * vector's, both kernel sets say what the definition says for every target.
   */
  @Test
  void isArgmaxIsArgmaxWithTiesToTheFirstAndNeverNaN() {
    Rng rng = new Rng(17);
    List<Kernels> both = new java.util.ArrayList<>(List.of(SCALAR));
    if (KernelSelection.vectorApiAvailable()) {
      both.add(vector());
    }
    int rightOfAllEqual = 0;
    for (int n = 1; n <= 40; n++) {
      for (int row = 0; row < 6; row++) {
        Tensor x = Tensor.zeros(n + 3);
        for (int i = 0; i < n + 3; i++) {
          // Three levels only (row 0: one level), so that ties are common; row 5 has a NaN.
          x.set(i, row == 0 ? 0.5f : rng.nextInt(3));
        }
        if (row == 5) {
          x.set(3 + rng.nextInt(n), Float.NaN);
        }
        for (int target = 0; target < n; target++) {
          int first = -1;
          for (int k = 0; k < n; k++) {
            float v = x.get(3 + k);
            if (!Float.isNaN(v) && (first < 0 || v > x.get(3 + first))) {
              first = k;
            }
          }
          boolean expected = first == target;
          for (Kernels k : both) {
            assertEquals(expected, k.isArgmax(x, 3, n, target), k.getClass().getSimpleName() + ", n " + n + ", row "
                + row + ", target " + target);
          }
          rightOfAllEqual += row == 0 && expected ? 1 : 0;
        }
      }
    }
    assertEquals(40, rightOfAllEqual, "a row of equal values is right for its first class only");
  }

  /** ReLU keeps a NaN in the vector lanes and in the scalar tail alike, and the reference too. */
  @Test
  void reluPassesNaNWhereverTheUnitIs() {
    List<Kernels> both = new java.util.ArrayList<>(List.of(SCALAR));
    if (KernelSelection.vectorApiAvailable()) {
      both.add(vector());
    }
    for (Kernels k : both) {
      for (int n : new int[] {1, 7, 16, 37}) {
        Tensor x = Tensor.zeros(n);
        for (int i = 0; i < n; i++) {
          x.set(i, i % 3 == 0 ? Float.NaN : i % 3 == 1 ? -1.5f : 2.5f);
        }
        k.activate(Activation.RELU, x, 0, n);
        for (int i = 0; i < n; i++) {
          float expected = i % 3 == 0 ? Float.NaN : i % 3 == 1 ? 0f : 2.5f;
          assertEquals(expected, x.get(i), k.getClass().getSimpleName() + ", width " + n + ", unit " + i);
        }
      }
    }
    assertTrue(Double.isNaN(Activation.RELU.apply(Double.NaN)), "the reference's ReLU");
  }

  @TestFactory
  List<DynamicTest> everyKernelAgreesWithItsPlainTwin() {
    List<DynamicTest> tests = new ArrayList<>();
    for (int n : WIDTHS) {
      int o = 3;  // rows at an offset, as in a batch
      for (Activation f : Activation.values()) {
        tests.add(DynamicTest.dynamicTest("activate " + f + " n=" + n, () -> compare("act" + f + n, 1, 4 * n + o,
            (k, t) -> k.activate(f, t[0], o, 4 * n))));
        tests.add(DynamicTest.dynamicTest("activationBackward " + f + " n=" + n, () -> compare("actb" + f + n, 3, n + o,
            (k, t) -> k.activationBackward(f, t[0], o, t[1], o, t[2], o, n))));
      }
      for (boolean peep : new boolean[] {false, true}) {
        for (boolean coupled : new boolean[] {false, true}) {
          String v = (peep ? "peephole " : "") + (coupled ? "cifg " : "") + "n=" + n;
          tests.add(DynamicTest.dynamicTest("lstmForward " + v, () -> compare("lf" + v, 8, 4 * n + o,
              (k, t) -> k.lstmForward(t[0], o, t[1], o, t[2], o, t[3], o, t[4], o,
                  peep && !coupled ? t[5] : null, peep ? t[6] : null, peep ? t[7] : null, n, coupled))));
          tests.add(DynamicTest.dynamicTest("lstmBackward " + v, () -> compare("lb" + v, 9, 4 * n + o,
              (k, t) -> {
                // Gate activations in (0, 1) and tanh(c) in (-1, 1), as forward leaves them.
                k.activate(Activation.SIGMOID, t[0], 0, t[0].size());
                k.activate(Activation.TANH, t[2], 0, t[2].size());
                k.lstmBackward(t[0], o, t[1], o, t[2], o, t[3], o, t[4], o, t[5], o,
                    peep && !coupled ? t[6] : null, peep ? t[7] : null, peep ? t[8] : null, n, coupled);
              })));
        }
      }
      tests.add(DynamicTest.dynamicTest("gru reset after n=" + n, () -> compare("gra" + n, 6, 3 * n + o,
          (k, t) -> k.gruForwardResetAfter(t[0], o, t[1], o, t[2], t[3], o, t[4], o, t[5], o, n))));
      tests.add(DynamicTest.dynamicTest("gru reset after backward n=" + n, () -> compare("grab" + n, 7, 3 * n + o,
          (k, t) -> {
            k.activate(Activation.SIGMOID, t[0], 0, t[0].size());
            k.gruBackwardResetAfter(t[0], o, t[1], o, t[2], o, t[3], o, t[4], o, t[5], o, t[6], o, n);
          })));
      tests.add(DynamicTest.dynamicTest("gru reset before n=" + n, () -> compare("grb" + n, 4, 3 * n + o,
          (k, t) -> {
            k.gruForwardGates(t[0], o, t[1], o, t[2], o, n);
            k.gruForwardCandidate(t[0], o, t[1], o, t[3], o, n);
          })));
      tests.add(DynamicTest.dynamicTest("gru reset before backward n=" + n, () -> compare("grbb" + n, 6, 3 * n + o,
          (k, t) -> {
            k.activate(Activation.SIGMOID, t[0], 0, t[0].size());
            k.gruBackwardCandidate(t[0], o, t[1], o, t[2], o, t[3], o, t[4], o, n);
            k.gruBackwardReset(t[0], o, t[1], o, t[5], o, t[3], o, t[4], o, n);
          })));
      tests.add(DynamicTest.dynamicTest("softmax cross-entropy n=" + n, () -> compare("sce" + n, 2, n + o,
          (k, t) -> t[0].set(0, (float) k.softmaxCrossEntropy(t[0], o, n, n / 2, t[1], o, 0.5f)))));
      tests.add(DynamicTest.dynamicTest("logSumExp n=" + n, () -> compare("lse" + n, 1, n + o,
          (k, t) -> t[0].set(0, (float) k.logSumExp(t[0], o, n)))));
      tests.add(DynamicTest.dynamicTest("sum of products n=" + n, () -> compare("sop" + n, 3, 7 * n + o,
          (k, t) -> k.sumOfProducts(t[0], o, n, t[1], 1, n, 6, n, t[2], 2))));
      tests.add(DynamicTest.dynamicTest("add n=" + n, () -> compare("add" + n, 3, n + o,
          (k, t) -> k.add(t[0], o, t[1], 1, t[2], 2, n))));
    }
    return tests;
  }

  /**
   * The optimizers' steps give the very same bits on both kernel sets and however the elements
   * are split (as Parallel splits them over threads): a resumed or re-threaded run must not drift.
   * The vector kernels are first run thousands of times, so that the JIT has compiled their SIMD
   * code (until then the Vector API computes lane by lane in Java). The data hold a zero gradient
   * and second moment, a subnormal gradient and one whose square overflows.
   */
  @Test
  void optimizerStepsGiveTheSameBitsOnEveryKernelAndSplit() {
    List<Kernels> kernels = new ArrayList<>(List.of(SCALAR));
    if (KernelSelection.vectorApiAvailable()) {
      Kernels v = vector();
      int size = 4 * VectorKernels.lanes() + 3;
      Tensor[] warm = {Tensor.zeros(size).fill(0.1f), Tensor.zeros(size), Tensor.zeros(size), Tensor.zeros(size)};
      for (int it = 0; it < 20_000; it++) {
        v.adamStep(warm[0], warm[0], warm[1], warm[2], 1, warm[0].size(), 1e-3f, 0.9f, 0.999f, 1e-8f);
        v.momentumStep(warm[0], warm[3], warm[1], 1, warm[0].size(), 1e-3f, 0.9f, it % 2 == 0);
      }
      kernels.add(v);
    }
    // VectorKernels' class needs the Vector API module; without it, AVX-512's width stands in.
    int lanes = KernelSelection.vectorApiAvailable() ? VectorKernels.lanes() : 16;
    int n = 3 * lanes * 7 + 5;
    int[][] splits = {{0, n}, {0, 1, n}, {0, 13, 2 * lanes + 3, n}};
    for (String step : new String[] {"adam", "momentum", "nesterov"}) {
      Tensor[] first = null;
      for (Kernels k : kernels) {
        for (int[] split : splits) {
          Rng rng = new Rng(step.hashCode());
          Tensor w = random(rng, n, 1);
          Tensor m = random(rng, n, 0.1);
          Tensor v = Tensor.zeros(n);
          for (int i = 0; i < n; i++) {
            v.set(i, (float) rng.uniform(0, 0.01));
          }
          v.set(7, 0f);
          m.set(7, 0f);
          Tensor start = copy(w);
          for (int t = 0; t < 3; t++) {
            Tensor g = random(rng, n, 1 + t);
            g.set(t, 0f);
            g.set(7, 0f);
            g.set(5, 1e-40f);
            g.set(n - 2, 3e19f);
            for (int c = 0; c + 1 < split.length; c++) {
              switch (step) {
                case "adam" -> k.adamStep(w, g, m, v, split[c], split[c + 1], 1e-3f, 0.9f, 0.999f, 1e-8f);
                default -> k.momentumStep(w, g, m, split[c], split[c + 1], 0.1f, 0.9f, step.equals("nesterov"));
              }
            }
          }
          int moved = 0;
          for (int i = 0; i < n; i++) {
            moved += w.get(i) != start.get(i) ? 1 : 0;
          }
          assertTrue(moved > n / 2, step + " moved " + moved + " of " + n + " weights");
          Tensor[] now = {w, m, v};
          if (first == null) {
            first = now;
          } else {
            for (int x = 0; x < now.length; x++) {
              for (int i = 0; i < n; i++) {
                assertEquals(Float.floatToIntBits(first[x].get(i)), Float.floatToIntBits(now[x].get(i)),
                    step + " on " + k.getClass().getSimpleName() + " split " + java.util.Arrays.toString(split)
                        + ": tensor " + x + " element " + i + ": " + first[x].get(i) + " vs " + now[x].get(i));
              }
            }
          }
        }
      }
    }
  }

  @TestFactory
  List<DynamicTest> packedProductEqualsOpenBlas() {
    List<DynamicTest> tests = new ArrayList<>();
    int[][] shapes = {{1, 32, 16}, {3, 37, 5}, {10, 200, 800}, {16, 64, 256}, {17, 96, 33}, {32, 100, 70}, {33, 512, 128}};
    for (int[] s : shapes) {
      for (boolean transposed : new boolean[] {true, false}) {
        for (boolean accumulate : new boolean[] {true, false}) {
          int m = s[0];
          int n = s[1];
          int k = s[2];
          String name = "m=" + m + " n=" + n + " k=" + k + (transposed ? " B=W^T" : " B=W") + (accumulate ? " +=" : " =");
          tests.add(DynamicTest.dynamicTest(name, () -> {
            Rng rng = new Rng(m * 31 + n);
            int lda = k + 3;
            int ldc = n + 5;
            int ldw = (transposed ? k : n) + 2;
            Tensor a = random(rng, m * lda + 4, 1);
            Tensor w = random(rng, (transposed ? n : k) * ldw + 6, 1);
            Tensor c = random(rng, m * ldc + 7, 1);
            Tensor cFast = copy(c);
            Tensor bias = accumulate ? random(rng, n + 2, 1) : null;  // with and without a row bias
            Kernels v = vector();
            SCALAR.multiply(a, 4, lda, m, SCALAR.pack(w, 6, ldw, k, n, transposed, null), c, 7, ldc, accumulate, bias, 2);
            v.multiply(a, 4, lda, m, v.pack(w, 6, ldw, k, n, transposed, null), cFast, 7, ldc, accumulate, bias, 2);
            for (int i = 0; i < c.size(); i++) {
              float p = c.get(i);
              float f = cFast.get(i);
              assertTrue(Math.abs(p - f) <= 1e-5 * (1 + Math.abs(p)) * Math.sqrt(k),
                  name + " element " + i + ": OpenBLAS " + p + ", packed " + f);
            }
          }));
        }
      }
    }
    return tests;
  }
}
