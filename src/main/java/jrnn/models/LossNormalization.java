package jrnn.models;

/**
 * What a batch's summed loss is divided by before its gradient is taken. The reported loss per
 * output (for perplexity and accuracy) does not depend on it.
 */
public enum LossNormalization {
  /** Mean over the outputs: valid steps for a per-step readout, sequences otherwise. */
  PER_OUTPUT,
  /**
   * Summed over time, mean over the sequences of the batch: the convention of Zaremba et al.
   * 2014, with which their learning rate of 1 is right (a per-token mean trains T times slower).
   */
  PER_SEQUENCE
}
