package jrnn.params;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The names, shapes and offsets of a model's parameters in one flat buffer. Optimizers, gradient
 * clipping, checkpoints and gradient checks are loops over that buffer; layers see named views.
 * Names follow PyTorch's convention ({@code rnn.weight_ih_l0}, {@code rnn.weight_hh_l1_reverse},
 * {@code embedding.weight}); see docs/parameters.md for every name and how it maps.
 */
public final class ParamLayout {

  /**
   * One parameter: its name, shape and first element in the flat buffer.
   *
   * @param name the parameter's name, e.g. {@code rnn.weight_ih_l0}
   * @param shape its shape
   * @param offset index of its first element in the flat buffer
   * @param size its number of elements
   */
  public record Entry(String name, int[] shape, int offset, int size) {
    @Override
    public String toString() {
      return name + Arrays.toString(shape);
    }
  }

  private final List<Entry> entries;
  private final Map<String, Entry> byName;
  private final int size;

  private ParamLayout(List<Entry> entries) {
    this.entries = Collections.unmodifiableList(entries);
    this.byName = new LinkedHashMap<>();
    int n = 0;
    for (Entry e : entries) {
      byName.put(e.name(), e);
      n = e.offset() + e.size();
    }
    this.size = n;
  }

  /** The parameters in declaration order (unmodifiable). */
  public List<Entry> entries() {
    return entries;
  }

  /** Total number of parameters. */
  public int size() {
    return size;
  }

  /** Whether there is a parameter named {@code name}. */
  public boolean contains(String name) {
    return byName.containsKey(name);
  }

  /**
   * The parameter named {@code name}; throws {@link IllegalArgumentException} listing the names
   * when there is none.
   */
  public Entry get(String name) {
    Entry e = byName.get(name);
    if (e == null) {
      throw new IllegalArgumentException("no parameter named '" + name + "'; the model has "
          + byName.keySet());
    }
    return e;
  }

  /** An empty builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** Collects parameters in declaration order. */
  public static final class Builder {
    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, Entry> seen = new LinkedHashMap<>();
    private long next;

    /**
     * Appends parameter {@code name} of {@code shape} (positive dimensions) after the previous
     * ones; names must be unique.
     */
    public Builder add(String name, int... shape) {
      if (seen.containsKey(name)) {
        throw new IllegalArgumentException("parameter '" + name + "' declared twice");
      }
      long n = 1;
      for (int d : shape) {
        if (d <= 0) {
          throw new IllegalArgumentException("parameter '" + name + "': dimensions must be positive, got "
              + Arrays.toString(shape));
        }
        n *= d;
      }
      if (next + n > Integer.MAX_VALUE / Float.BYTES) {
        throw new IllegalArgumentException("parameter '" + name + "': the model exceeds "
            + Integer.MAX_VALUE / Float.BYTES + " parameters");
      }
      Entry e = new Entry(name, shape.clone(), (int) next, (int) n);
      entries.add(e);
      seen.put(name, e);
      next += n;
      return this;
    }

    /** The layout of the parameters added so far. */
    public ParamLayout build() {
      return new ParamLayout(new ArrayList<>(entries));
    }
  }
}
