package jrnn.decode;

import static jrnn.layers.Ctc.logAdd;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reading a label sequence from per-frame class log-probabilities of a CTC model
 * ({@link jrnn.layers.Ctc}): greedy (the likeliest class at each frame, repeats merged, blanks
 * dropped) and prefix beam search, which keeps the K likeliest label prefixes, each with the
 * probability of all its alignments so far, split by whether they end in a blank (Hannun et al.
 * 2014, without a language model).
 */
public final class CtcDecoding {
  private CtcDecoding() {}

  /** Best path: frame t's C log-probabilities at {@code logP[t]}. */
  public static int[] greedy(double[][] logP, int blank) {
    List<Integer> out = new ArrayList<>();
    int previous = -1;
    for (double[] frame : logP) {
      int best = 0;
      for (int k = 1; k < frame.length; k++) {
        best = frame[k] > frame[best] ? k : best;
      }
      if (best != blank && best != previous) {
        out.add(best);
      }
      previous = best;
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  /**
   * A labelling and the log-probability of all its alignments.
   *
   * @param labels the labels, blanks and repeats collapsed
   * @param logProb the natural log of the summed probability of its alignments
   */
  public record Labelling(int[] labels, double logProb) {}

  private static final class Prefix {
    double blankEnd = Double.NEGATIVE_INFINITY;
    double labelEnd = Double.NEGATIVE_INFINITY;

    double total() {
      return logAdd(blankEnd, labelEnd);
    }
  }

  /** The likeliest labelling prefix beam search of width {@code beam} finds. */
  public static Labelling prefixBeamSearch(double[][] logP, int blank, int beam) {
    if (beam < 1) {
      throw new IllegalArgumentException("beam width must be at least 1, got " + beam);
    }
    Map<List<Integer>, Prefix> beams = new HashMap<>();
    Prefix empty = new Prefix();
    empty.blankEnd = 0;
    beams.put(List.of(), empty);
    for (double[] frame : logP) {
      Map<List<Integer>, Prefix> next = new HashMap<>();
      for (Map.Entry<List<Integer>, Prefix> e : beams.entrySet()) {
        List<Integer> prefix = e.getKey();
        Prefix p = e.getValue();
        int last = prefix.isEmpty() ? -1 : prefix.get(prefix.size() - 1);
        for (int k = 0; k < frame.length; k++) {
          double lp = frame[k];
          if (k == blank) {
            Prefix same = next.computeIfAbsent(prefix, x -> new Prefix());
            same.blankEnd = logAdd(same.blankEnd, p.total() + lp);
            continue;
          }
          List<Integer> longer = new ArrayList<>(prefix);
          longer.add(k);
          Prefix grown = next.computeIfAbsent(List.copyOf(longer), x -> new Prefix());
          if (k == last) {
            // The same label again: it extends the prefix only after a blank; otherwise it merges.
            grown.labelEnd = logAdd(grown.labelEnd, p.blankEnd + lp);
            Prefix same = next.computeIfAbsent(prefix, x -> new Prefix());
            same.labelEnd = logAdd(same.labelEnd, p.labelEnd + lp);
          } else {
            grown.labelEnd = logAdd(grown.labelEnd, p.total() + lp);
          }
        }
      }
      beams = prune(next, beam);
    }
    List<Integer> best = null;
    double bestScore = Double.NEGATIVE_INFINITY;
    for (Map.Entry<List<Integer>, Prefix> e : beams.entrySet()) {
      double score = e.getValue().total();
      if (best == null || score > bestScore || score == bestScore && compare(e.getKey(), best) < 0) {
        best = e.getKey();
        bestScore = score;
      }
    }
    return new Labelling(best.stream().mapToInt(Integer::intValue).toArray(), bestScore);
  }

  /** The {@code beam} likeliest prefixes (ties: the shorter, then the smaller labels, so that a run gives the same result every time). */
  private static Map<List<Integer>, Prefix> prune(Map<List<Integer>, Prefix> all, int beam) {
    if (all.size() <= beam) {
      return all;
    }
    List<Map.Entry<List<Integer>, Prefix>> entries = new ArrayList<>(all.entrySet());
    entries.sort((a, b) -> {
      int c = Double.compare(b.getValue().total(), a.getValue().total());
      return c != 0 ? c : compare(a.getKey(), b.getKey());
    });
    Map<List<Integer>, Prefix> kept = new HashMap<>();
    for (Map.Entry<List<Integer>, Prefix> e : entries.subList(0, beam)) {
      kept.put(e.getKey(), e.getValue());
    }
    return kept;
  }

  private static int compare(List<Integer> a, List<Integer> b) {
    if (a.size() != b.size()) {
      return Integer.compare(a.size(), b.size());
    }
    return Arrays.compare(a.stream().mapToInt(Integer::intValue).toArray(),
        b.stream().mapToInt(Integer::intValue).toArray());
  }
}
