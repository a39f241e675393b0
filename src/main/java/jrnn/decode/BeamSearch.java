package jrnn.decode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import jrnn.tensor.Tensor;

/**
 * Decoding a batch of sentences a word at a time from a {@link StepModel}: greedy (the likeliest
 * next word each step) and beam search, which keeps the K best partial translations of each
 * sentence by their summed log-probability and returns the finished one whose score, divided by
 * its length to the power alpha (length normalization; 0 turns it off), is highest.
 *
 * <p>Each step of beam search ranks, per sentence, the 2K best extensions of its live hypotheses
 * (by score, then hypothesis, then word id, so that ties break the same way every time); an
 * extension by &lt;/s&gt; among the first K finishes a hypothesis, and the first K others live on.
 * A sentence ends when K hypotheses have finished or its maximum length is reached (the live ones
 * then finish as they are). With K = 1 this is greedy decoding exactly. Finished sentences leave
 * the batch, so that the rows still decoding are the only ones computed.
 */
public final class BeamSearch {
  private BeamSearch() {}

  /** What decodes: rows of partial outputs, each reading one of the batch's sentences. */
  public interface StepModel {
    /** The number of output words (ids 0 .. V - 1). */
    int vocabulary();

    /** Starts one row per entry: row r decodes sentence {@code sentenceOfRow[r]}, from its first state. */
    void begin(int[] sentenceOfRow);

    /** Feeds each row its previous word; writes log p(next word) for each row into {@code logProbs} ([rows, V]). */
    void step(int[] previous, Tensor logProbs);

    /** Keeps rows {@code from}: new row r continues old row {@code from[r]} (its state and its sentence). */
    void select(int[] from);
  }

  /**
   * A finished output: its words (without the markers), summed log-probability and normalized score.
   *
   * @param words the words, without the begin and end markers
   * @param logProb the summed log-probability (natural log)
   * @param score {@code logProb} divided by the length to the power alpha (see above)
   */
  public record Hypothesis(int[] words, double logProb, double score) {}

  /** The likeliest next word at each step, for every sentence at once. */
  public static int[][] greedy(StepModel m, int sentences, int bos, int eos, int[] maxLength) {
    int v = m.vocabulary();
    int[] rows = new int[sentences];
    for (int i = 0; i < sentences; i++) {
      rows[i] = i;
    }
    List<List<Integer>> out = new ArrayList<>();
    for (int i = 0; i < sentences; i++) {
      out.add(new ArrayList<>());
    }
    m.begin(rows.clone());
    int[] previous = new int[sentences];
    Arrays.fill(previous, bos);
    Tensor logProbs = Tensor.zeros(0);
    int[] sentenceOfRow = rows;
    while (sentenceOfRow.length > 0) {
      int n = sentenceOfRow.length;
      logProbs = grow(logProbs, n * v);
      m.step(previous, logProbs);
      int[] keep = new int[n];
      int kept = 0;
      int[] next = new int[n];
      for (int r = 0; r < n; r++) {
        int word = argmax(logProbs, r * v, v);
        List<Integer> words = out.get(sentenceOfRow[r]);
        if (word != eos) {
          words.add(word);
        }
        if (word != eos && words.size() < maxLength[sentenceOfRow[r]]) {
          keep[kept] = r;
          next[kept++] = word;
        }
      }
      if (kept < n && kept > 0) {
        m.select(Arrays.copyOf(keep, kept));
      }
      int[] nextSentences = new int[kept];
      for (int k = 0; k < kept; k++) {
        nextSentences[k] = sentenceOfRow[keep[k]];
      }
      sentenceOfRow = nextSentences;
      previous = Arrays.copyOf(next, kept);
    }
    int[][] result = new int[sentences][];
    for (int i = 0; i < sentences; i++) {
      result[i] = out.get(i).stream().mapToInt(Integer::intValue).toArray();
    }
    return result;
  }

  private static final class Live {
    final int[] words;
    final double logProb;

    Live(int[] words, double logProb) {
      this.words = words;
      this.logProb = logProb;
    }
  }

  /**
   * The best finished hypothesis of each sentence by beam search of width {@code beam}, lengths
   * normalized with exponent {@code alpha}; {@code maxLength[i]} words at most for sentence i.
   */
  public static Hypothesis[] search(StepModel m, int sentences, int bos, int eos, int beam, int[] maxLength,
      double alpha) {
    if (beam < 1) {
      throw new IllegalArgumentException("beam width must be at least 1, got " + beam);
    }
    int v = m.vocabulary();
    List<List<Live>> live = new ArrayList<>();
    List<List<Hypothesis>> finished = new ArrayList<>();
    int[] active = new int[sentences];
    for (int i = 0; i < sentences; i++) {
      live.add(new ArrayList<>(List.of(new Live(new int[0], 0))));
      finished.add(new ArrayList<>());
      active[i] = i;
    }
    m.begin(active.clone());
    Tensor logProbs = Tensor.zeros(0);
    // Rows are the live hypotheses of the active sentences, in order.
    while (active.length > 0) {
      int rows = 0;
      for (int i : active) {
        rows += live.get(i).size();
      }
      int[] previous = new int[rows];
      int r = 0;
      for (int i : active) {
        for (Live h : live.get(i)) {
          previous[r++] = h.words.length == 0 ? bos : h.words[h.words.length - 1];
        }
      }
      logProbs = grow(logProbs, rows * v);
      m.step(previous, logProbs);
      List<Integer> from = new ArrayList<>();
      List<Integer> nextActive = new ArrayList<>();
      int row0 = 0;
      for (int i : active) {
        List<Live> hyps = live.get(i);
        long[] best = topCandidates(logProbs, row0, hyps, v, 2 * beam);
        List<Live> next = new ArrayList<>();
        List<Integer> nextRows = new ArrayList<>();
        for (int k = 0; k < best.length && next.size() < beam; k++) {
          int h = (int) (best[k] / v);
          int word = (int) (best[k] % v);
          Live parent = hyps.get(h);
          double lp = parent.logProb + logProbs.get((row0 + h) * v + word);
          if (word == eos) {
            if (k < beam) {
              finished.get(i).add(finish(parent.words, lp, parent.words.length + 1, alpha));
            }
            continue;
          }
          int[] words = Arrays.copyOf(parent.words, parent.words.length + 1);
          words[parent.words.length] = word;
          next.add(new Live(words, lp));
          nextRows.add(row0 + h);
        }
        row0 += hyps.size();
        boolean done = finished.get(i).size() >= beam || next.isEmpty();
        if (!done && next.get(0).words.length >= maxLength[i]) {
          for (Live h : next) {
            finished.get(i).add(finish(h.words, h.logProb, h.words.length, alpha));
          }
          done = true;
        }
        if (!done) {
          live.set(i, next);
          from.addAll(nextRows);
          nextActive.add(i);
        }
      }
      active = nextActive.stream().mapToInt(Integer::intValue).toArray();
      if (active.length > 0) {
        m.select(from.stream().mapToInt(Integer::intValue).toArray());
      }
    }
    Hypothesis[] result = new Hypothesis[sentences];
    for (int i = 0; i < sentences; i++) {
      Hypothesis best = null;
      for (Hypothesis h : finished.get(i)) {
        if (best == null || h.score() > best.score()) {
          best = h;
        }
      }
      result[i] = best;
    }
    return result;
  }

  private static Hypothesis finish(int[] words, double logProb, int length, double alpha) {
    return new Hypothesis(words, logProb, logProb / Math.pow(Math.max(1, length), alpha));
  }

  /**
   * The n best extensions (hypothesis h, word w) of the live hypotheses of one sentence, as
   * h * V + w, ordered by summed log-probability, then h, then w.
   */
  private static long[] topCandidates(Tensor logProbs, int row0, List<Live> hyps, int v, int n) {
    int total = hyps.size() * v;
    n = Math.min(n, total);
    long[] keys = new long[n];
    double[] scores = new double[n];
    int size = 0;
    for (int h = 0; h < hyps.size(); h++) {
      double base = hyps.get(h).logProb;
      int off = (row0 + h) * v;
      for (int w = 0; w < v; w++) {
        double s = base + logProbs.get(off + w);
        if (size == n && !(s > scores[size - 1])) {
          continue;
        }
        // Insertion into the sorted list: later (h, w) lose ties, so they go after equals.
        int at = size == n ? size - 1 : size++;
        while (at > 0 && s > scores[at - 1]) {
          scores[at] = scores[at - 1];
          keys[at] = keys[at - 1];
          at--;
        }
        scores[at] = s;
        keys[at] = (long) h * v + w;
      }
    }
    return Arrays.copyOf(keys, size);
  }

  private static int argmax(Tensor x, int off, int n) {
    int best = 0;
    float m = x.get(off);
    for (int k = 1; k < n; k++) {
      if (x.get(off + k) > m) {
        m = x.get(off + k);
        best = k;
      }
    }
    return best;
  }

  private static Tensor grow(Tensor t, int size) {
    return t.size() >= size ? t : Tensor.zeros(size);
  }
}
