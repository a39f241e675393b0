package jrnn.gpu;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * What one owner holds on a device, freed together: buffers of an {@link Ops}, and parts that
 * close (a stack, an optimizer). An owner makes its buffers through one and frees them with
 * {@link #free}, the last made first, so that no list of what to free can miss a buffer. A
 * constructor that fails partway (a device out of memory) calls {@link #freeAfter}: what it had
 * already made is freed, as no caller could close an object that was never returned; {@link #make}
 * does that for an owner made from its allocations alone.
 */
final class Allocations {
  private final Ops ops;
  /** Ops buffers and AutoCloseables, in the order they were made. */
  private final List<Object> held = new ArrayList<>();

  Allocations(Ops ops) {
    this.ops = ops;
  }

  /**
   * An owner of buffers made by {@code make} from a new set of allocations, which are freed if
   * making it fails.
   */
  static <T> T make(Ops ops, Function<Allocations, T> make) {
    Allocations memory = new Allocations(ops);
    try {
      return make.apply(memory);
    } catch (RuntimeException | Error e) {
      memory.freeAfter(e);
      throw e;
    }
  }

  /** {@code n} zeroed floats for {@code what}, held until {@link #free}. */
  Ops.Floats floats(long n, String what) {
    Ops.Floats f = ops.floats(n, what);
    held.add(f);
    return f;
  }

  /** {@link #floats} when {@code wanted}, else null: a buffer only some uses of a model read (training's). */
  Ops.Floats floatsIf(boolean wanted, long n, String what) {
    return wanted ? floats(n, what) : null;
  }

  /** {@code n} ints for {@code what}, held until {@link #free}. */
  Ops.Ints ints(int n, String what) {
    Ops.Ints i = ops.ints(n, what);
    held.add(i);
    return i;
  }

  /** Takes {@code part} to close with the rest; null: nothing. */
  <T extends AutoCloseable> T own(T part) {
    if (part != null) {
      held.add(part);
    }
    return part;
  }

  /**
   * Frees every buffer and closes every part, the last made first; again, it does nothing. Each
   * is tried: a failure to free one is thrown after the others are freed.
   */
  void free() {
    Throwable failure = null;
    try {
      for (int k = held.size() - 1; k >= 0; k--) {
        try {
          release(held.get(k));
        } catch (Throwable t) {
          failure = first(failure, t);
        }
      }
    } finally {
      held.clear();
    }
    rethrow(failure);
  }

  /** Frees each of {@code sets} (null: nothing), each tried: the first failure is thrown after all are freed. */
  static void freeAll(Allocations... sets) {
    Throwable failure = null;
    for (Allocations set : sets) {
      try {
        if (set != null) {
          set.free();
        }
      } catch (Throwable t) {
        failure = first(failure, t);
      }
    }
    rethrow(failure);
  }

  private static Throwable first(Throwable failure, Throwable t) {
    if (failure == null) {
      return t;
    }
    failure.addSuppressed(t);
    return failure;
  }

  private static void rethrow(Throwable failure) {
    if (failure instanceof RuntimeException r) {
      throw r;
    } else if (failure instanceof Error e) {
      throw e;
    } else if (failure != null) {
      throw new IllegalStateException("a device part's close failed", failure);
    }
  }

  /** Frees what is held after {@code cause} stopped its owner's construction; a failure to free goes with the cause. */
  void freeAfter(Throwable cause) {
    try {
      free();
    } catch (RuntimeException | Error e) {
      cause.addSuppressed(e);
    }
  }

  private void release(Object o) throws Exception {
    if (o instanceof AutoCloseable part) {
      part.close();
    } else {
      ops.free(o);
    }
  }
}
