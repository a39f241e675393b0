package jrnn.decode;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Corpus BLEU as the field computes it (Papineni et al. 2002, with SacreBLEU's defaults, so that
 * figures compare with published ones): detokenized, cased text, tokenized by the rules of WMT's
 * mteval-v13a script, n-grams up to 4 clipped by the most any reference holds, the closest
 * reference length per sentence for the brevity penalty, and the NIST "exp" smoothing of a
 * precision with no match (each such order in turn halves what one match would give).
 */
public final class Bleu {
  /** The longest n-gram counted. */
  public static final int ORDER = 4;

  private static final Pattern PUNCTUATION = Pattern.compile("([\\{-\\~\\[-\\` -\\&\\(-\\+\\:-\\@\\/])");
  private static final Pattern PERIOD_COMMA_AFTER_NON_DIGIT = Pattern.compile("([^0-9])([\\.,])");
  private static final Pattern PERIOD_COMMA_BEFORE_NON_DIGIT = Pattern.compile("([\\.,])([^0-9])");
  // Whitespace as Python's str.split and rstrip see it, which SacreBLEU uses: Unicode's, and the
  // separators U+001C..U+001F, which Python counts and Unicode's White_Space does not.
  private static final Pattern SPACE = Pattern.compile("(?U)[\\s\\x1c-\\x1f]+");
  private static final Pattern TRAILING_SPACE = Pattern.compile("(?U)[\\s\\x1c-\\x1f]+$");
  private static final Pattern DASH_AFTER_DIGIT = Pattern.compile("([0-9])(-)");

  private Bleu() {}

  /**
   * The score (0 to 100) with what it is made of: the precisions of each order (percent), the
   * brevity penalty, and the lengths in tokens.
   *
   * @param bleu the score, 0 to 100
   * @param precisions the clipped n-gram precision of each order 1 to {@link #ORDER}, percent
   * @param brevityPenalty the brevity penalty, in [0, 1]
   * @param hypothesisLength tokens in the hypotheses
   * @param referenceLength tokens in the closest references
   */
  public record Score(double bleu, double[] precisions, double brevityPenalty, long hypothesisLength,
      long referenceLength) {
    /** As SacreBLEU prints it: "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)". */
    @Override
    public String toString() {
      StringBuilder p = new StringBuilder();
      for (int n = 0; n < precisions.length; n++) {
        p.append(n == 0 ? "" : "/").append(String.format(Locale.ROOT, "%.1f", precisions[n]));
      }
      return String.format(Locale.ROOT, "BLEU = %.2f %s (BP = %.3f ratio = %.3f hyp_len = %d ref_len = %d)", bleu, p,
          brevityPenalty, referenceLength == 0 ? 0 : (double) hypothesisLength / referenceLength, hypothesisLength,
          referenceLength);
    }
  }

  /** The tokens mteval-v13a makes of a line: punctuation apart, periods and commas apart unless within a number. */
  public static String[] tokenize(String line) {
    String s = TRAILING_SPACE.matcher(line).replaceAll("").replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
        .replace("&quot;", "\"").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">");
    s = " " + s + " ";
    s = PUNCTUATION.matcher(s).replaceAll(" $1 ");
    s = PERIOD_COMMA_AFTER_NON_DIGIT.matcher(s).replaceAll("$1 $2 ");
    s = PERIOD_COMMA_BEFORE_NON_DIGIT.matcher(s).replaceAll(" $1 $2");
    s = DASH_AFTER_DIGIT.matcher(s).replaceAll("$1 $2 ");
    return java.util.Arrays.stream(SPACE.split(s)).filter(t -> !t.isEmpty()).toArray(String[]::new);
  }

  /** Corpus BLEU of {@code hypotheses} against one reference each. */
  public static Score corpus(List<String> hypotheses, List<String> references) {
    return corpusMultiple(hypotheses, List.of(references));
  }

  /**
   * Corpus BLEU of {@code hypotheses} against one or more reference streams, each holding a
   * reference for every hypothesis.
   */
  public static Score corpusMultiple(List<String> hypotheses, List<List<String>> referenceStreams) {
    if (referenceStreams.isEmpty()) {
      throw new IllegalArgumentException("BLEU needs at least one reference stream");
    }
    for (List<String> stream : referenceStreams) {
      if (stream.size() != hypotheses.size()) {
        throw new IllegalArgumentException("BLEU: " + hypotheses.size() + " hypotheses but a reference stream of "
            + stream.size() + " sentences");
      }
    }
    long[] correct = new long[ORDER];
    long[] total = new long[ORDER];
    long hypLength = 0;
    long refLength = 0;
    for (int i = 0; i < hypotheses.size(); i++) {
      String[] hyp = tokenize(hypotheses.get(i));
      Map<String, Integer> maxRef = new HashMap<>();
      int closest = -1;
      for (List<String> stream : referenceStreams) {
        String[] ref = tokenize(stream.get(i));
        int diff = Math.abs(hyp.length - ref.length);
        if (closest < 0 || diff < Math.abs(hyp.length - closest) || (diff == Math.abs(hyp.length - closest)
            && ref.length < closest)) {
          closest = ref.length;
        }
        ngrams(ref).forEach((g, c) -> maxRef.merge(g, c, Math::max));
      }
      hypLength += hyp.length;
      refLength += closest;
      for (Map.Entry<String, Integer> e : ngrams(hyp).entrySet()) {
        int n = order(e.getKey());
        total[n - 1] += e.getValue();
        correct[n - 1] += Math.min(e.getValue(), maxRef.getOrDefault(e.getKey(), 0));
      }
    }
    return score(correct, total, hypLength, refLength);
  }

  /** The score of the counts of matched and hypothesised n-grams of each order, and the lengths. */
  static Score score(long[] correct, long[] total, long hypLength, long refLength) {
    double bp = hypLength < refLength ? (hypLength > 0 ? Math.exp(1 - (double) refLength / hypLength) : 0) : 1;
    double[] precisions = new double[ORDER];
    boolean anyMatch = false;
    for (long c : correct) {
      anyMatch |= c > 0;
    }
    if (!anyMatch) {
      return new Score(0, precisions, bp, hypLength, refLength);
    }
    double smooth = 1;
    for (int n = 0; n < ORDER; n++) {
      if (total[n] == 0) {
        break;
      }
      if (correct[n] == 0) {
        smooth *= 2;
        precisions[n] = 100.0 / (smooth * total[n]);
      } else {
        precisions[n] = 100.0 * correct[n] / total[n];
      }
    }
    double logSum = 0;
    for (double p : precisions) {
      // An order with no n-gram at all (every sentence shorter than it) makes the score 0, as in SacreBLEU.
      logSum += p == 0 ? -9999999999.0 : Math.log(p);
    }
    return new Score(bp * Math.exp(logSum / ORDER), precisions, bp, hypLength, refLength);
  }

  /** The n-grams (1 to 4) of a token sequence with their counts, each as its tokens joined by a space. */
  private static Map<String, Integer> ngrams(String[] tokens) {
    Map<String, Integer> m = new HashMap<>();
    for (int n = 1; n <= ORDER; n++) {
      for (int i = 0; i + n <= tokens.length; i++) {
        m.merge(String.join(" ", java.util.Arrays.asList(tokens).subList(i, i + n)), 1, Integer::sum);
      }
    }
    return m;
  }

  private static int order(String ngram) {
    int n = 1;
    for (int i = 0; i < ngram.length(); i++) {
      if (ngram.charAt(i) == ' ') {
        n++;
      }
    }
    return n;
  }
}
