package jrnn.models;

/** The output nonlinearity g and the loss that goes with it (SPEC 8-3, 8-8, 8-9). */
public enum OutputKind {
  /** y = softmax(o), trained with cross-entropy against a class index. */
  SOFTMAX,
  /** y = o (identity), trained with mean squared error against real targets. */
  LINEAR
}
