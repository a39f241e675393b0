package jrnn.kernels;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Chooses the gate kernels once: the vector kernels when the JVM has the Vector API module
 * ({@code --add-modules=jdk.incubator.vector}, which bin/jrnn passes) and SIMD registers of at
 * least 4 floats, else the scalar ones. {@code -Djrnn.kernels=scalar} or {@code =vector}
 * overrides the choice.
 *
 * <p>The scalar kernels run a layer 2 to 3 times slower, so every way of falling back to them
 * says so on stderr, once, except when asked for by {@code -Djrnn.kernels=scalar}: a program
 * that embeds jrnn and forgets the module should hear of it rather than find out by timing.
 *
 * <p>The vector kernels read tensors through the Vector API's ByteBuffer access, which JDK 19
 * replaced with MemorySegment access (a preview API until JDK 22). Built on JDK 22 or later,
 * jrnn compiles them with MemorySegment access instead (the Maven profile jdk22). A jar built on
 * JDK 17 and run on JDK 19 or later has the module but kernels that cannot link: jrnn then runs
 * the scalar kernels (2.3 to 2.7 times slower on bench's C2 LSTM inference, JDK 25 against
 * JDK 17).
 */
final class KernelSelection {
  private KernelSelection() {}

  /** Where the vector kernels come from: the real ones, or a stand-in in tests. */
  interface VectorSource {
    /** Floats in a SIMD register. */
    int lanes();

    /** The vector kernels, warmed up; throws what a JVM that cannot run them throws. */
    Kernels warmedUp() throws ReflectiveOperationException;
  }

  private static final VectorSource VECTOR_KERNELS = new VectorSource() {
    @Override
    public int lanes() {
      return VectorKernels.lanes();
    }

    @Override
    public Kernels warmedUp() throws ReflectiveOperationException {
      // By name, so that this class loads on a JVM without the module.
      Kernels k = (Kernels) Class.forName("jrnn.kernels.VectorKernels").getDeclaredConstructor().newInstance();
      KernelWarmup.run(k);
      return k;
    }
  };

  static final Kernels BEST =
      choose(System.getProperty("jrnn.kernels", ""), vectorApiAvailable(), VECTOR_KERNELS, System.err);

  static boolean vectorApiAvailable() {
    return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
  }

  /**
   * The kernels for {@code -Djrnn.kernels=<property>} ("" when unset) on a JVM with or without
   * the Vector API module; why a fallback to the scalar kernels happened goes to {@code notices}.
   */
  static Kernels choose(String property, boolean moduleAvailable, VectorSource vector,
      PrintStream notices) {
    String forced = property.trim().toLowerCase(Locale.ROOT);
    if (!forced.isEmpty() && !forced.equals("scalar") && !forced.equals("vector")) {
      notices.println("jrnn: -Djrnn.kernels=" + property + " is not a choice (scalar or vector);"
          + " ignoring it.");
      forced = "";
    }
    if (forced.equals("scalar")) {
      return new ScalarKernels();
    }
    if (!moduleAvailable) {
      notices.println("jrnn: " + (forced.equals("vector") ? "-Djrnn.kernels=vector cannot be"
          + " honoured: " : "") + "the Vector API module is not loaded, so the scalar kernels run,"
          + " 2 to 3 times slower a layer than the vector ones. Start java with"
          + " --add-modules=jdk.incubator.vector (bin/jrnn does), or pass"
          + " -Djrnn.kernels=scalar to choose them without this notice.");
      return new ScalarKernels();
    }
    try {
      int lanes = vector.lanes();
      if (lanes < 4 && !forced.equals("vector")) {
        notices.println("jrnn: this processor's SIMD registers hold " + lanes + " floats, fewer"
            + " than the 4 at which the vector kernels pay; using the scalar kernels"
            + " (-Djrnn.kernels=vector runs the vector ones anyway).");
        return new ScalarKernels();
      }
      return vector.warmedUp();
    } catch (ReflectiveOperationException | LinkageError e) {
      notices.println("jrnn: the vector kernels cannot run on Java "
          + Runtime.version().feature() + " (" + e.getClass().getSimpleName() + ": "
          + e.getMessage() + "); using the scalar kernels, which run a layer 2 to 3 times"
          + " slower. JDK 17 or 18 runs them, and so does a jrnn built on JDK 22 or later.");
      return new ScalarKernels();
    } catch (RuntimeException e) {
      notices.println("jrnn: the vector kernels failed in their warm-up (" + e + "); using the"
          + " scalar kernels, which run a layer 2 to 3 times slower. This is a fault of jrnn's;"
          + " please report it with this line.");
      return new ScalarKernels();
    }
  }
}
