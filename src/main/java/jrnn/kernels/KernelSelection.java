package jrnn.kernels;

import java.util.Locale;

/**
 * Chooses the gate kernels once: the vector kernels when the JVM has the Vector API module
 * ({@code --add-modules=jdk.incubator.vector}, which bin/jrnn passes) and SIMD registers of at
 * least 4 floats, else the scalar ones. {@code -Djrnn.kernels=scalar} or {@code =vector}
 * overrides the choice.
 */
final class KernelSelection {
  private KernelSelection() {}

  static final Kernels BEST = choose();

  static boolean vectorApiAvailable() {
    return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
  }

  private static Kernels choose() {
    String forced = System.getProperty("jrnn.kernels", "").toLowerCase(Locale.ROOT);
    if (!forced.equals("scalar") && vectorApiAvailable()) {
      try {
        Kernels k = (Kernels) Class.forName("jrnn.kernels.VectorKernels").getDeclaredConstructor().newInstance();
        if (forced.equals("vector") || VectorKernels.lanes() >= 4) {
          KernelWarmup.run(k);
          return k;
        }
      } catch (ReflectiveOperationException | LinkageError e) {
        return new ScalarKernels();
      }
    }
    return new ScalarKernels();
  }
}
