package jrnn.apps.sentiment;

import java.util.List;

/** A token sequence with its polarity (1 positive, 0 negative). */
public record Example(List<String> tokens, int label) {
  public Example {
    if (label != 0 && label != 1) {
      throw new IllegalArgumentException("sentiment label must be 0 or 1, got " + label);
    }
    tokens = List.copyOf(tokens);
  }
}
