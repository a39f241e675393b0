package jrnn.models;

import java.util.Locale;

/** The output nonlinearity g and the loss that goes with it (SPEC 8-3, 8-8, 8-9). */
public enum OutputKind {
  /** y = softmax(o), trained with cross-entropy against a class index. */
  SOFTMAX,
  /** y = o (identity), trained with mean squared error against real targets. */
  LINEAR;

  /** Reads {@code softmax} or {@code linear}. */
  public static OutputKind parse(String s) {
    String n = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
    return switch (n) {
      case "softmax" -> SOFTMAX;
      case "linear" -> LINEAR;
      default -> throw new IllegalArgumentException("unknown output '" + s + "'; expected softmax or linear");
    };
  }

  /** The name {@link #parse} reads. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
