package jrnn.kernels;

/** Chooses the gate kernels once: vector lanes when the Vector API module is present. */
final class KernelSelection {
  private KernelSelection() {}

  static final Kernels BEST = choose();

  static boolean vectorApiAvailable() {
    return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
        && !Boolean.getBoolean("jrnn.scalar");
  }

  private static Kernels choose() {
    if (vectorApiAvailable()) {
      try {
        return (Kernels) Class.forName("jrnn.kernels.VectorKernels")
            .getDeclaredConstructor().newInstance();
      } catch (ReflectiveOperationException | LinkageError e) {
        return new ScalarKernels();
      }
    }
    return new ScalarKernels();
  }
}
