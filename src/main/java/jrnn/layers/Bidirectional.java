package jrnn.layers;

import java.util.Locale;

/**
 * Whether a recurrent stack also reads the sequence backwards, and how the two directions'
 * outputs are merged (SPEC 8-40 .. 8-42): concatenated (width 2H) or summed (width H).
 */
public enum Bidirectional {
  /** Forward only. */
  NONE,
  /** Both directions, outputs concatenated: [forward, backward], width 2H. */
  CONCAT,
  /** Both directions, outputs summed, width H. */
  SUM;

  /** 1 for {@link #NONE}, else 2. */
  public int directions() {
    return this == NONE ? 1 : 2;
  }

  /** Reads {@code none}, {@code concat} or {@code sum}. */
  public static Bidirectional parse(String s) {
    String n = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
    switch (n) {
      case "none":
      case "":
        return NONE;
      case "concat":
        return CONCAT;
      case "sum":
        return SUM;
      default:
        throw new IllegalArgumentException(
            "unknown bidirectional merge '" + s + "'; expected none, concat or sum");
    }
  }

  /** The name {@link #parse} reads: {@code none}, {@code concat} or {@code sum}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
