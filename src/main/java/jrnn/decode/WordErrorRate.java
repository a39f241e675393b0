package jrnn.decode;

import java.util.List;

/**
 * Word error rate: the fewest substitutions, deletions and insertions that turn a hypothesis
 * into its reference (Levenshtein distance over words), summed over a corpus, over the reference
 * words. WER = (S + D + I) / N; it exceeds 1 when a recogniser inserts more than the references hold.
 */
public final class WordErrorRate {
  /**
   * Counts over a corpus: substitutions, deletions, insertions, reference words, sentences wrong.
   *
   * @param substitutions words substituted (S)
   * @param deletions reference words deleted (D)
   * @param insertions words inserted (I)
   * @param referenceWords words in the references (N)
   * @param sentences sentences counted
   * @param sentencesWrong sentences with at least one error
   */
  public record Tally(int substitutions, int deletions, int insertions, int referenceWords, int sentences,
      int sentencesWrong) {
    /** The empty tally, zero everywhere. */
    public static final Tally NONE = new Tally(0, 0, 0, 0, 0, 0);

    /** S + D + I. */
    public int errors() {
      return substitutions + deletions + insertions;
    }

    /** (S + D + I) / N; 0 for no reference words and no errors, infinite for errors against none. */
    public double rate() {
      return referenceWords == 0 ? (errors() == 0 ? 0 : Double.POSITIVE_INFINITY) : (double) errors() / referenceWords;
    }

    /** The sum of this tally and {@code o}, count by count. */
    public Tally plus(Tally o) {
      return new Tally(substitutions + o.substitutions, deletions + o.deletions, insertions + o.insertions,
          referenceWords + o.referenceWords, sentences + o.sentences, sentencesWrong + o.sentencesWrong);
    }
  }

  private WordErrorRate() {}

  /** The alignment of one hypothesis with its reference that has the fewest errors (substitutions first among ties). */
  public static Tally of(List<String> hypothesis, List<String> reference) {
    int n = reference.size();
    int m = hypothesis.size();
    // cost[i][j]: errors turning hypothesis[0, j) into reference[0, i); with each, its S, D, I.
    int[][] cost = new int[n + 1][m + 1];
    int[][][] counts = new int[n + 1][m + 1][3];
    for (int i = 1; i <= n; i++) {
      cost[i][0] = i;
      counts[i][0] = new int[] {0, i, 0};
    }
    for (int j = 1; j <= m; j++) {
      cost[0][j] = j;
      counts[0][j] = new int[] {0, 0, j};
    }
    for (int i = 1; i <= n; i++) {
      for (int j = 1; j <= m; j++) {
        boolean same = reference.get(i - 1).equals(hypothesis.get(j - 1));
        int diagonal = cost[i - 1][j - 1] + (same ? 0 : 1);
        int deletion = cost[i - 1][j] + 1;
        int insertion = cost[i][j - 1] + 1;
        int best = Math.min(diagonal, Math.min(deletion, insertion));
        cost[i][j] = best;
        int[] c;
        if (best == diagonal) {
          c = counts[i - 1][j - 1].clone();
          c[0] += same ? 0 : 1;
        } else if (best == deletion) {
          c = counts[i - 1][j].clone();
          c[1]++;
        } else {
          c = counts[i][j - 1].clone();
          c[2]++;
        }
        counts[i][j] = c;
      }
    }
    int[] c = counts[n][m];
    return new Tally(c[0], c[1], c[2], n, 1, cost[n][m] > 0 ? 1 : 0);
  }

  /** The corpus tally of hypotheses against references, line for line. */
  public static Tally corpus(List<List<String>> hypotheses, List<List<String>> references) {
    if (hypotheses.size() != references.size()) {
      throw new IllegalArgumentException("word error rate: " + hypotheses.size() + " hypotheses for "
          + references.size() + " references");
    }
    Tally t = Tally.NONE;
    for (int i = 0; i < hypotheses.size(); i++) {
      t = t.plus(of(hypotheses.get(i), references.get(i)));
    }
    return t;
  }
}
