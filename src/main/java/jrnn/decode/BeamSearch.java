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
 * then finish as they are, cut off, and rank below every hypothesis that ended with &lt;/s&gt;:
 * scored without the &lt;/s&gt; they never reached, a runaway output the model would not end could
 * otherwise beat one it did). With K = 1 this is greedy decoding exactly. Finished sentences leave
 * the batch, so that the rows still decoding are the only ones computed.
 *
 * <p>Both read, of each row's next-word distribution, only its likeliest words ({@link #topOfRows}):
 * the best extension of a row is its likeliest word, and the 2K best extensions of a sentence are
 * among the 2K likeliest words of each of its rows. A {@link ChoosingStepModel} (on a device)
 * chooses them where its log-probabilities are, so that 2K values a row come back instead of the
 * vocabulary's V.
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

  /** A step model that chooses each row's likeliest next words itself, where its log-probabilities are. */
  public interface ChoosingStepModel extends StepModel {
    /**
     * Feeds each row its previous word, as {@link #step} does, and writes the {@code k} likeliest
     * next words of each row that {@link #topOfRows} would choose from step's log-probabilities:
     * their ids into {@code words} and their log-probabilities into {@code logProbs}, [rows, k].
     */
    void stepTop(int[] previous, int k, int[] words, float[] logProbs);
  }

  /**
   * The {@code k} largest values of each of {@code rows} rows of {@code v} in {@code x}, largest
   * first and, among equals, the lower index first: their indices (words) into {@code words} and
   * their values into {@code values}, [rows, k]. NaN is never chosen: a row with fewer than k
   * other values ends with index -1 and value -Infinity.
   */
  public static void topOfRows(Tensor x, int rows, int v, int k, int[] words, float[] values) {
    if (k < 1 || (long) rows * v > x.size() || (long) rows * k > words.length || (long) rows * k > values.length) {
      throw new IllegalArgumentException("BeamSearch.topOfRows: the " + k + " largest of " + rows + " rows of " + v
          + " in " + x.size() + " values, into " + words.length + " ids and " + values.length + " values");
    }
    for (int r = 0; r < rows; r++) {
      int off = r * k;
      int row = r * v;
      int size = 0;
      int w = 0;
      // The first k values that are not NaN, sorted as they come.
      for (; w < v && size < k; w++) {
        float s = x.get(row + w);
        if (!Float.isNaN(s)) {
          insert(values, words, off, size++, s, w);
        }
      }
      // Then (the list full) only a value above the least kept gets in, NaN never: most of a row is one comparison.
      float least = size == k ? values[off + k - 1] : Float.NaN;
      while (w < v) {
        // The scan alone, apart from the insertion, so that it compiles to a tight loop.
        while (w < v && !(x.get(row + w) > least)) {
          w++;
        }
        if (w < v) {
          insert(values, words, off, k - 1, x.get(row + w), w);
          least = values[off + k - 1];
          w++;
        }
      }
      for (int j = size; j < k; j++) {
        words[off + j] = -1;
        values[off + j] = Float.NEGATIVE_INFINITY;
      }
    }
  }

  /**
   * Puts (s, w) into the sorted list at {@code off} from position {@code at} (its end, or the
   * place of the least, which it replaces) up past the smaller values: a later (higher) index
   * loses a tie, so it stays after its equals.
   */
  private static void insert(float[] values, int[] words, int off, int at, float s, int w) {
    while (at > 0 && s > values[off + at - 1]) {
      values[off + at] = values[off + at - 1];
      words[off + at] = words[off + at - 1];
      at--;
    }
    values[off + at] = s;
    words[off + at] = w;
  }

  /** A search's steps: each row's k likeliest next words, from the model's own choice or from its rows here. */
  private static final class Steps {
    private final StepModel model;
    private final int v;
    private Tensor full = Tensor.zeros(0);
    int[] words = new int[0];
    float[] logProbs = new float[0];

    Steps(StepModel model) {
      this.model = model;
      this.v = model.vocabulary();
    }

    /** The k likeliest next words of each row after {@code previous}, in {@link #words} and {@link #logProbs}. */
    void step(int[] previous, int k) {
      int rows = previous.length;
      if (words.length < rows * k) {
        words = new int[rows * k];
        logProbs = new float[rows * k];
      }
      if (model instanceof ChoosingStepModel choosing) {
        choosing.stepTop(previous, k, words, logProbs);
      } else {
        full = grow(full, rows * v);
        model.step(previous, full);
        topOfRows(full, rows, v, k, words, logProbs);
      }
      for (int r = 0; r < rows; r++) {
        if (words[r * k] < 0) {
          throw new IllegalStateException("BeamSearch: row " + r + " has no next word: its log-probabilities are all"
              + " NaN (a model that has diverged)");
        }
        for (int j = 0; j < k; j++) {
          if (words[r * k + j] < -1 || words[r * k + j] >= v) {
            throw new IllegalStateException("BeamSearch: the model chose word " + words[r * k + j] + " for row " + r
                + ", outside its vocabulary of " + v);
          }
        }
      }
    }
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
    Steps steps = new Steps(m);
    int[] sentenceOfRow = rows;
    while (sentenceOfRow.length > 0) {
      int n = sentenceOfRow.length;
      steps.step(previous, 1);
      int[] keep = new int[n];
      int kept = 0;
      int[] next = new int[n];
      for (int r = 0; r < n; r++) {
        int word = steps.words[r];
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
    List<List<Hypothesis>> cutOff = new ArrayList<>();
    int[] active = new int[sentences];
    for (int i = 0; i < sentences; i++) {
      live.add(new ArrayList<>(List.of(new Live(new int[0], 0))));
      finished.add(new ArrayList<>());
      cutOff.add(new ArrayList<>());
      active[i] = i;
    }
    m.begin(active.clone());
    Steps steps = new Steps(m);
    // 2K candidates of each row: a sentence's 2K best extensions are among them.
    int k = (int) Math.min(2L * beam, v);
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
      steps.step(previous, k);
      List<Integer> from = new ArrayList<>();
      List<Integer> nextActive = new ArrayList<>();
      int row0 = 0;
      for (int i : active) {
        List<Live> hyps = live.get(i);
        int[] best = topCandidates(steps.logProbs, row0, hyps, k, 2 * beam);
        List<Live> next = new ArrayList<>();
        List<Integer> nextRows = new ArrayList<>();
        for (int c = 0; c < best.length && next.size() < beam; c++) {
          int h = best[c] / k;
          int at = (row0 + h) * k + best[c] % k;
          int word = steps.words[at];
          if (word < 0) {
            // A row with fewer than k words that are not NaN: no extension here.
            continue;
          }
          Live parent = hyps.get(h);
          double lp = parent.logProb + steps.logProbs[at];
          if (word == eos) {
            if (c < beam) {
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
            cutOff.get(i).add(finish(h.words, h.logProb, h.words.length, alpha));
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
      for (Hypothesis h : finished.get(i).isEmpty() ? cutOff.get(i) : finished.get(i)) {
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
   * The n best extensions (hypothesis h, its j-th likeliest word) of the live hypotheses of one
   * sentence, as h * k + j, ordered by summed log-probability, then h, then j (which, among a
   * row's words of equal log-probability, is the word's id).
   */
  private static int[] topCandidates(float[] logProbs, int row0, List<Live> hyps, int k, int n) {
    n = Math.min(n, hyps.size() * k);
    int[] keys = new int[n];
    double[] scores = new double[n];
    int size = 0;
    for (int h = 0; h < hyps.size(); h++) {
      double base = hyps.get(h).logProb;
      int off = (row0 + h) * k;
      for (int j = 0; j < k; j++) {
        double s = base + logProbs[off + j];
        if (size == n && !(s > scores[size - 1])) {
          continue;
        }
        // Insertion into the sorted list: later (h, j) lose ties, so they go after equals.
        int at = size == n ? size - 1 : size++;
        while (at > 0 && s > scores[at - 1]) {
          scores[at] = scores[at - 1];
          keys[at] = keys[at - 1];
          at--;
        }
        scores[at] = s;
        keys[at] = h * k + j;
      }
    }
    return Arrays.copyOf(keys, size);
  }

  private static Tensor grow(Tensor t, int size) {
    return t.size() >= size ? t : Tensor.zeros(size);
  }
}
