package jrnn.kernels;

import java.util.Locale;

/**
 * Chooses the gate kernels once. The vector kernels need the Vector API module
 * ({@code --add-modules=jdk.incubator.vector}, which bin/jrnn passes) and a vector tanh the JIT
 * compiles to SIMD code, which JDK 17+ has on x86-64 Linux and Windows (Intel SVML); elsewhere
 * its per-lane fallback would be slower than the scalar loops. {@code -Djrnn.kernels=scalar} or
 * {@code =vector} overrides the choice.
 */
final class KernelSelection {
  private KernelSelection() {}

  static final Kernels BEST = choose();

  static boolean vectorApiAvailable() {
    return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
  }

  static boolean vectorMathIntrinsic() {
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    return (arch.equals("amd64") || arch.equals("x86_64")) && (os.contains("linux") || os.contains("windows"));
  }

  private static Kernels choose() {
    String forced = System.getProperty("jrnn.kernels", "").toLowerCase(Locale.ROOT);
    boolean vector = forced.equals("vector") || (!forced.equals("scalar") && vectorMathIntrinsic());
    if (vector && vectorApiAvailable()) {
      try {
        return (Kernels) Class.forName("jrnn.kernels.VectorKernels").getDeclaredConstructor().newInstance();
      } catch (ReflectiveOperationException | LinkageError e) {
        return new ScalarKernels();
      }
    }
    return new ScalarKernels();
  }
}
