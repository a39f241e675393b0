package jrnn.params;

import java.util.concurrent.atomic.AtomicBoolean;
import jrnn.tensor.Tensor;

/**
 * A model's parameters and their gradients: two flat float32 buffers laid out by a
 * {@link ParamLayout}, with a named view of each.
 *
 * <p>Threads: any number of threads may read the values at once (inference, each through its
 * own workspace: {@link jrnn.models.SequenceModel#newWorkspace()}), and {@link #freeze()} may be
 * taken and closed from any of them. Changing the values (an optimizer step, a copy) while
 * another thread reads them is the caller's error, which a freeze in force turns into an
 * exception.
 */
public final class Parameters {
  private final ParamLayout layout;
  private final Tensor values;
  private final Tensor grads;
  /** The number of the freeze in force, 0 when the values may change. */
  private volatile int freeze;
  /** Guarded by {@link #freezeLock}: the freezes numbered so far, and the open scopes of the one in force. */
  private int freezes;
  private int holders;
  private final Object freezeLock = new Object();

  /** Zeroed values and gradients laid out by {@code layout}. */
  public Parameters(ParamLayout layout) {
    this.layout = layout;
    this.values = Tensor.zeros(layout.size());
    this.grads = Tensor.zeros(layout.size());
  }

  /** The names, shapes and offsets of the parameters. */
  public ParamLayout layout() {
    return layout;
  }

  /** All values, flat. */
  public Tensor values() {
    return values;
  }

  /** All gradients, flat. */
  public Tensor grads() {
    return grads;
  }

  /** A view of parameter {@code name}'s values, in its shape; writes go to the flat buffer. */
  public Tensor value(String name) {
    ParamLayout.Entry e = layout.get(name);
    return values.view(e.offset(), e.shape());
  }

  /** A view of parameter {@code name}'s gradient, in its shape. */
  public Tensor grad(String name) {
    ParamLayout.Entry e = layout.get(name);
    return grads.view(e.offset(), e.shape());
  }

  /** Sets every gradient to 0. */
  public void zeroGrads() {
    grads.zero();
  }

  /** A {@link #freeze()} in force; closing it lets the values change again. */
  public interface Frozen extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Promises that the values do not change until the returned scope is closed, so that what
   * is derived from them (the recurrent weights packed for the per-step product) is made once
   * for all the forward passes inside, not once a pass: evaluation over many batches, sampling
   * one token at a time. Optimizers refuse to step while it is in force. A freeze taken while
   * one is in force (nested, or from another thread) joins it: the values stay frozen, under the
   * same number, until every scope is closed. Closing a scope twice changes nothing.
   */
  public Frozen freeze() {
    synchronized (freezeLock) {
      if (holders++ == 0) {
        freeze = ++freezes;
      }
    }
    AtomicBoolean open = new AtomicBoolean(true);
    return () -> {
      if (open.compareAndSet(true, false)) {
        synchronized (freezeLock) {
          if (--holders == 0) {
            freeze = 0;
          }
        }
      }
    };
  }

  /**
   * The freeze in force, numbered from 1, a new number each time; 0 when the values may change.
   * Whatever was derived from the values in freeze n may be reused while this returns n.
   */
  public int freezeInForce() {
    return freeze;
  }

  /** Throws, naming {@code who}, when the values are frozen. */
  public void requireUnfrozen(String who) {
    if (freeze != 0) {
      throw new IllegalStateException(who + ": the parameters are frozen (Parameters.freeze) and must not change");
    }
  }

  /** Copies all values from {@code other}, which must have the same layout. */
  public void copyValuesFrom(Parameters other) {
    requireUnfrozen("Parameters.copyValuesFrom");
    if (!other.layout.entries().toString().equals(layout.entries().toString())) {
      throw new IllegalArgumentException("Parameters.copyValuesFrom: layouts differ");
    }
    values.copyFrom(other.values);
  }
}
