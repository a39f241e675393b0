package jrnn.params;

import jrnn.tensor.Tensor;

/**
 * A model's parameters and their gradients: two flat float32 buffers laid out by a
 * {@link ParamLayout}, with a named view of each.
 */
public final class Parameters {
  private final ParamLayout layout;
  private final Tensor values;
  private final Tensor grads;
  /** The number of the freeze in force, 0 when the values may change. */
  private int freeze;
  private int freezes;

  public Parameters(ParamLayout layout) {
    this.layout = layout;
    this.values = Tensor.zeros(layout.size());
    this.grads = Tensor.zeros(layout.size());
  }

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

  public Tensor value(String name) {
    ParamLayout.Entry e = layout.get(name);
    return values.view(e.offset(), e.shape());
  }

  public Tensor grad(String name) {
    ParamLayout.Entry e = layout.get(name);
    return grads.view(e.offset(), e.shape());
  }

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
   * one token at a time. Optimizers refuse to step while it is in force. Inside a freeze, a
   * further freeze changes nothing.
   */
  public Frozen freeze() {
    if (freeze != 0) {
      return () -> {};
    }
    freeze = ++freezes;
    return () -> freeze = 0;
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
