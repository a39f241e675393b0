package jrnn.device;

import java.util.Iterator;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/** Finds the GPU backend, once, when it is first asked for. */
public final class Gpu {
  private static GpuBackend backend;
  private static GpuUnavailableException failure;

  private Gpu() {}

  /**
   * The GPU backend: the first {@link GpuBackend} provider on the class path, made once.
   *
   * @throws GpuUnavailableException when there is none (jrnn-gpu is not on the class path) or it
   *     cannot open a device (no driver, no GPU, libraries missing); the same one every time
   */
  public static synchronized GpuBackend backend() {
    if (backend != null) {
      return backend;
    }
    if (failure == null) {
      try {
        backend = load(ServiceLoader.load(GpuBackend.class, Gpu.class.getClassLoader()).iterator());
        return backend;
      } catch (GpuUnavailableException e) {
        failure = e;
      }
    }
    throw failure;
  }

  /** Why the GPU cannot be used, or null when it can (the backend is then made). */
  public static String unavailableReason() {
    try {
      backend();
      return null;
    } catch (GpuUnavailableException e) {
      return e.getMessage();
    }
  }

  static GpuBackend load(Iterator<GpuBackend> providers) {
    try {
      if (!providers.hasNext()) {
        throw new GpuUnavailableException("the GPU backend (jrnn-gpu) is not on the class path;"
            + " build it with (cd gpu && mvn -q -DskipTests package) after `mvn -q -DskipTests install`"
            + " here, and run bin/jrnn, which then finds it (docs/gpu.md)");
      }
      return providers.next();
    } catch (ServiceConfigurationError e) {
      // The provider's constructor threw: its own reason, if it gave one, is the cause.
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof GpuUnavailableException u) {
          throw u;
        }
      }
      // Any other failure (CUDA refusing the device, a handle not made): the deepest cause says what.
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      throw new GpuUnavailableException("the GPU backend failed to start: " + (root == e ? e.getMessage()
          : (root.getMessage() != null ? root.getMessage() : root.toString()) + " (" + e.getMessage() + ")"), e);
    }
  }
}
