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

  /** Copies all values from {@code other}, which must have the same layout. */
  public void copyValuesFrom(Parameters other) {
    if (!other.layout.entries().toString().equals(layout.entries().toString())) {
      throw new IllegalArgumentException("Parameters.copyValuesFrom: layouts differ");
    }
    values.copyFrom(other.values);
  }
}
