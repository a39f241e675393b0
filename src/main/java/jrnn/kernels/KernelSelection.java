package jrnn.kernels;

import java.util.Locale;

/**
 * Chooses the gate kernels once: the vector kernels when the JVM has the Vector API module
 * ({@code --add-modules=jdk.incubator.vector}, which bin/jrnn passes) and SIMD registers of at
 * least 4 floats, else the scalar ones. {@code -Djrnn.kernels=scalar} or {@code =vector}
 * overrides the choice.
 *
 * <p>The vector kernels read tensors through the Vector API's ByteBuffer access, which JDK 19
 * replaced with MemorySegment access (a preview API until JDK 22). Built on JDK 22 or later,
 * jrnn compiles them with MemorySegment access instead (the Maven profile jdk22). A jar built on
 * JDK 17 and run on JDK 19 or later has the module but kernels that cannot link: jrnn then runs
 * the scalar kernels and says so on stderr once, since a layer runs 2 to 3 times slower on them
 * (2.3 to 2.7 times on bench's C2 LSTM inference, JDK 25 against JDK 17).
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
      } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
        System.err.println("jrnn: the vector kernels cannot run on Java "
            + Runtime.version().feature() + " (" + e.getClass().getSimpleName() + ": "
            + e.getMessage() + "); using the scalar kernels, which run a layer 2 to 3 times"
            + " slower. JDK 17 or 18 runs them, and so does a jrnn built on JDK 22 or later.");
        return new ScalarKernels();
      }
    }
    return new ScalarKernels();
  }
}
