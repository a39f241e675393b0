package jrnn.device;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import jrnn.models.Workspaces;

/**
 * A trained model's passes on a device for callers in any number of threads, as
 * {@link Workspaces} are for the CPU's models: each call borrows a pass of its own (one made
 * when none is idle, so there are at most as many as calls at once), and the device's memory they
 * hold is freed by {@link #close}. The passes share the device: what they queue runs in turn,
 * while the callers' own work (text, search) runs in parallel.
 *
 * <pre>{@code
 * try (DevicePasses<DeviceInference> gpu = new DevicePasses<>(() -> Gpu.backend().inference(lm.model()))) {
 *   // from any thread:
 *   List<Map.Entry<String, Double>> next = gpu.apply(passes -> lm.next("the stock market", 5, passes));
 * }
 * }</pre>
 *
 * @param <P> the passes ({@link DeviceInference}, {@link DeviceTranslation})
 */
public final class DevicePasses<P extends AutoCloseable> implements AutoCloseable {
  private final Workspaces<P> workspaces;
  private final List<P> made = new ArrayList<>();
  private boolean closed;

  /** A pool whose passes {@code make} makes (each copying the model's parameters to the device). */
  public DevicePasses(Supplier<P> make) {
    this.workspaces = new Workspaces<>(() -> {
      synchronized (made) {
        if (closed) {
          throw new IllegalStateException("DevicePasses: closed");
        }
        P p = make.get();
        made.add(p);
        return p;
      }
    });
  }

  /**
   * Runs {@code call} with passes held by this thread alone for the call, and returns its result
   * (which must not keep references into the passes' buffers).
   *
   * @throws IllegalStateException after {@link #close}
   */
  public <R> R apply(Function<P, R> call) {
    synchronized (made) {
      if (closed) {
        throw new IllegalStateException("DevicePasses: closed");
      }
    }
    return workspaces.apply(call);
  }

  /** How many passes were made: the most calls that ran at once. */
  public int made() {
    synchronized (made) {
      return made.size();
    }
  }

  /** Frees every pass made; calls still running must have returned. */
  @Override
  public void close() {
    List<P> all;
    synchronized (made) {
      if (closed) {
        return;
      }
      closed = true;
      all = new ArrayList<>(made);
    }
    RuntimeException failure = null;
    for (P p : all) {
      try {
        p.close();
      } catch (Exception e) {
        if (failure == null) {
          failure = new IllegalStateException("DevicePasses: freeing a pass failed", e);
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
