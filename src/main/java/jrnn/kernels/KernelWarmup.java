package jrnn.kernels;

import jrnn.tensor.Tensor;

/**
 * Runs every path of the vector kernels on tiny data before any real work, interleaved, so that
 * the JIT's profile has seen every branch (full and partial panels, accumulate or not, each row
 * count, both unrolled and single-vector loops, scalar tails) when it compiles them. A branch
 * first taken after compilation deoptimises the method, and a kernel that deoptimises too often
 * is left in slow, allocating code for the rest of the run. Once per JVM, about 2 s, most of
 * it in the first rounds, which the interpreter runs before the JIT has compiled the kernels
 * (docs/engine.md, "What the JIT needs").
 */
final class KernelWarmup {
  private KernelWarmup() {}

  static void run(Kernels k) {
    int lanes = VectorKernels.lanes();
    int n = 3 * lanes + 3;            // two-vector loop, one-vector loop, scalar tail
    int big = Math.max(8 * n + 64, n * n + (2 * lanes + 1) * (2 * lanes + 1));
    Tensor a = fill(Tensor.zeros(big), 0.3f);
    Tensor b = fill(Tensor.zeros(big), -0.2f);
    Tensor c = fill(Tensor.zeros(big), 0.1f);
    Tensor d = fill(Tensor.zeros(big), 0.05f);
    Tensor e = Tensor.zeros(big);
    Tensor f = Tensor.zeros(big);
    Tensor p = fill(Tensor.zeros(big), 0.01f);
    Tensor weights = fill(Tensor.zeros(n), 0.2f);
    Tensor first = Tensor.zeros(n);
    Tensor second = Tensor.zeros(n);
    Kernels.Packed wide = k.pack(a, 0, 2 * lanes + 1, 2 * lanes + 1, 2 * lanes + 1, true, null);
    Kernels.Packed narrow = k.pack(a, 0, n, n, n, false, null);
    for (int it = 0; it < 1500; it++) {
      for (Activation act : Activation.values()) {
        k.activate(act, e, 0, n);
        k.activationBackward(act, a, 0, b, 0, f, 0, n);
      }
      for (int variant = 0; variant < 4; variant++) {
        boolean peep = variant % 2 == 1;
        boolean coupled = variant >= 2;
        fill(e, 0.2f);
        k.lstmForward(e, 0, c, 0, f, 0, d, 0, b, 0, peep && !coupled ? p : null, peep ? p : null,
            peep ? p : null, n, coupled);
        k.lstmBackward(a, 0, c, 0, d, 0, b, 0, f, 0, e, 0, peep && !coupled ? p : null,
            peep ? p : null, peep ? p : null, n, coupled);
      }
      fill(e, 0.2f);
      k.gruForwardResetAfter(e, 0, a, 0, p, c, 0, d, 0, f, 0, n);
      k.gruBackwardResetAfter(a, 0, d, 0, c, 0, b, 0, e, 0, f, 0, d, 0, n);
      k.gruForwardGates(e, 0, c, 0, d, 0, n);
      k.gruForwardCandidate(e, 0, c, 0, f, 0, n);
      k.gruBackwardCandidate(a, 0, c, 0, b, 0, e, 0, f, 0, n);
      k.gruBackwardReset(a, 0, c, 0, d, 0, e, 0, f, 0, n);
      k.softmaxCrossEntropy(a, 0, n, 1, e, 0, 0.5f);
      k.softmaxCrossEntropy(a, 0, n, 2, null, 0, 1f);
      k.max(a, 0, n);
      k.isArgmax(a, 0, n, it % n);
      k.add(a, 0, b, 0, f, 0, n);
      k.sumOfProducts(a, 0, n, b, 0, n, 3, n, f, 0);
      k.adamStep(weights, b, first, second, it % 2, n, 1e-3f, 0.9f, 0.999f, 1e-8f);
      k.momentumStep(weights, b, first, it % 2, n, 1e-3f, 0.9f, it % 4 < 2);
      for (int rows = 1; rows <= 9; rows++) {
        k.multiply(b, 0, 2 * lanes + 1, rows, wide, e, 0, 2 * lanes + 1, rows % 2 == 0, p, 0);
        k.multiply(b, 0, n, rows, narrow, f, 0, n, rows % 3 == 0, rows % 2 == 0 ? p : null, 0);
      }
    }
  }

  private static Tensor fill(Tensor t, float v) {
    for (int i = 0; i < t.size(); i++) {
      t.set(i, v * (1 + (i % 7) * 0.1f));
    }
    return t;
  }
}
