package jrnn.models;

import java.util.Locale;

/**
 * Where a model reads its output: at every step (sequence labelling, language models) or once
 * per sequence from its last state or a pooled state (classification).
 */
public enum Readout {
  /** An output at every valid step: y_t = g(V h_t) (SPEC 8-3, 8-8). */
  EVERY_STEP,
  /**
   * One output from the last state: the final state of the top layer, and with two directions
   * the forward final state (at the last valid step) merged with the backward one (at step 0).
   */
  LAST,
  /** One output from the mean of the top layer's outputs over the valid steps. */
  MEAN,
  /** One output from the element-wise maximum of the top layer's outputs over the valid steps. */
  MAX;

  /** Whether there is one output per sequence rather than per step. */
  public boolean perSequence() {
    return this != EVERY_STEP;
  }

  /**
   * The readout named {@code s}: {@code every_step} (or {@code every-step}), {@code last}, {@code
   * mean} or {@code max}.
   */
  public static Readout parse(String s) {
    String n = s == null ? "" : s.trim().toLowerCase(Locale.ROOT).replace('-', '_');
    for (Readout r : values()) {
      if (r.name().toLowerCase(Locale.ROOT).equals(n)) {
        return r;
      }
    }
    throw new IllegalArgumentException(
        "unknown readout '" + s + "'; expected every_step, last, mean or max");
  }

  /** The name {@link #parse} reads. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
