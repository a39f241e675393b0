package jrnn.device;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A trained model's passes on a device for callers in any number of threads, as
 * {@code jrnn.models.Workspaces} are for the CPU's models: each call borrows passes of its own
 * (made when none is idle, so there are at most as many as calls at once), and the device's
 * memory they hold is freed by {@link #close}. The passes share the device: what they queue runs
 * in turn, while the callers' own work (text, search) runs in parallel. Passes whose call threw
 * are freed rather than lent again (their buffers may be half made), a failure to free them added
 * to the call's; a call that ends after {@link #close} frees its passes as it returns, and one
 * that was making passes when the pool closed frees them and is refused.
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
  private final Supplier<P> make;
  private final Object lock = new Object();
  private final Deque<P> idle = new ArrayDeque<>();
  private int made;
  private boolean closed;

  /** A pool whose passes {@code make} makes (each copying the model's parameters to the device). */
  public DevicePasses(Supplier<P> make) {
    this.make = make;
  }

  /**
   * Runs {@code call} with passes held by this thread alone for the call, and returns its result
   * (which must not keep references into the passes' buffers).
   *
   * @throws IllegalStateException after {@link #close}
   */
  public <R> R apply(Function<P, R> call) {
    P passes;
    synchronized (lock) {
      requireOpen();
      passes = idle.pollFirst();
    }
    if (passes == null) {
      // Made outside the lock: making passes copies the parameters, and others' calls need not wait.
      passes = make.get();
      boolean late;
      synchronized (lock) {
        late = closed;
        if (!late) {
          made++;
        }
      }
      if (late) {
        free(passes, null);
        throw new IllegalStateException("DevicePasses: closed");
      }
    }
    R result;
    try {
      result = call.apply(passes);
    } catch (RuntimeException | Error e) {
      // Passes whose call threw may be half made: freed, not lent again.
      synchronized (lock) {
        made--;
      }
      free(passes, e);
      throw e;
    }
    boolean free;
    synchronized (lock) {
      free = closed;
      if (free) {
        made--;
      } else {
        idle.offerFirst(passes);
      }
    }
    if (free) {
      free(passes, null);
    }
    return result;
  }

  /** Closes {@code passes}; a failure is added to {@code failure} when there is one, else thrown. */
  private void free(P passes, Throwable failure) {
    try {
      passes.close();
    } catch (Exception e) {
      if (failure != null) {
        failure.addSuppressed(e);
      } else {
        throw new IllegalStateException("DevicePasses: freeing passes failed", e);
      }
    }
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("DevicePasses: closed");
    }
  }

  /** How many passes the pool holds: at most as many as calls ran at once. */
  public int made() {
    synchronized (lock) {
      return made;
    }
  }

  /**
   * Frees the idle passes now, and those lent out when their calls return; calls after it are
   * refused.
   */
  @Override
  public void close() {
    List<P> now;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      now = new ArrayList<>(idle);
      made -= idle.size();
      idle.clear();
    }
    RuntimeException failure = null;
    for (P p : now) {
      try {
        p.close();
      } catch (Exception e) {
        if (failure == null) {
          failure = new IllegalStateException("DevicePasses: freeing passes failed", e);
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
