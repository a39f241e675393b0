package jrnn.apps.sentiment;

import java.util.List;

/**
 * A token sequence with its label: the polarity (1 positive, 0 negative), or, in fine-grained
 * training data, the SST label from 0 (very negative) through 2 (neutral) to 4 (very positive).
 *
 * @param tokens the tokens (copied)
 * @param label 0 or 1, or an SST label 0-4
 */
public record Example(List<String> tokens, int label) {
  /** Checks the label (0 to 4) and copies the tokens. */
  public Example {
    if (label < 0 || label > 4) {
      throw new IllegalArgumentException("sentiment label must be 0 or 1 (or an SST label 0-4), got " + label);
    }
    tokens = List.copyOf(tokens);
  }
}
