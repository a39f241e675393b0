package jrnn.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;
import org.junit.jupiter.api.Test;

/**
 * Beam search against exhaustive enumeration on models small enough to enumerate, and beam
 * width 1 against greedy decoding.
 */
class BeamSearchTest {
  static final int V = 4;
  static final int BOS = 0;
  static final int EOS = 3;

  /**
   * A model whose next-word distribution depends on the sentence, the position and the whole
   * prefix (through a hash of it), drawn at random: rows carry their prefix as their state.
   */
  static class Toy implements BeamSearch.StepModel {
    final long seed;
    final int v;
    List<int[]> prefixes = new ArrayList<>();
    int[] sentences;
    int steps;

    Toy(long seed) {
      this(seed, V);
    }

    Toy(long seed, int vocabulary) {
      this.seed = seed;
      this.v = vocabulary;
    }

    @Override
    public int vocabulary() {
      return v;
    }

    @Override
    public void begin(int[] sentenceOfRow) {
      sentences = sentenceOfRow.clone();
      prefixes = new ArrayList<>();
      for (int i = 0; i < sentences.length; i++) {
        prefixes.add(new int[0]);
      }
    }

    @Override
    public void step(int[] previous, Tensor logProbs) {
      steps++;
      for (int r = 0; r < previous.length; r++) {
        int[] p = prefixes.get(r);
        int[] q = java.util.Arrays.copyOf(p, p.length + 1);
        q[p.length] = previous[r];
        prefixes.set(r, q);
        double[] lp = logProbs(sentences[r], q);
        for (int k = 0; k < v; k++) {
          logProbs.set(r * v + k, (float) lp[k]);
        }
      }
    }

    double[] logProbs(int sentence, int[] prefix) {
      Rng rng = new Rng(seed * 31 + sentence * 1_000_003L + java.util.Arrays.hashCode(prefix));
      double[] z = new double[v];
      double sum = 0;
      for (int k = 0; k < v; k++) {
        z[k] = Math.exp(2 * rng.gaussian());
        sum += z[k];
      }
      for (int k = 0; k < v; k++) {
        // Through float, as the model hands them over.
        z[k] = (float) Math.log(z[k] / sum);
      }
      return z;
    }

    @Override
    public void select(int[] from) {
      List<int[]> p = new ArrayList<>();
      int[] s = new int[from.length];
      for (int r = 0; r < from.length; r++) {
        p.add(prefixes.get(from[r]));
        s[r] = sentences[from[r]];
      }
      prefixes = p;
      sentences = s;
    }
  }

  /**
   * Every output of at most maxLength words, the best by normalized score of those ended by
   * </s>; of those cut at maxLength only when none ended (a cut-off output has no </s> to score).
   */
  static BeamSearch.Hypothesis exhaustive(Toy toy, int sentence, int maxLength, double alpha) {
    BeamSearch.Hypothesis[] best = {null, null};
    enumerate(toy, sentence, new int[0], 0, maxLength, alpha, best);
    return best[0] != null ? best[0] : best[1];
  }

  /** best[0]: the best output ended by </s>; best[1]: the best cut off. */
  static void enumerate(Toy toy, int sentence, int[] words, double logProb, int maxLength, double alpha,
      BeamSearch.Hypothesis[] best) {
    int[] prefix = new int[words.length + 1];
    prefix[0] = BOS;
    System.arraycopy(words, 0, prefix, 1, words.length);
    double[] lp = toy.logProbs(sentence, prefix);
    for (int w = 0; w < V; w++) {
      double s = logProb + lp[w];
      if (w == EOS) {
        consider(new BeamSearch.Hypothesis(words, s, s / Math.pow(words.length + 1, alpha)), best, 0);
        continue;
      }
      int[] longer = java.util.Arrays.copyOf(words, words.length + 1);
      longer[words.length] = w;
      if (longer.length == maxLength) {
        consider(new BeamSearch.Hypothesis(longer, s, s / Math.pow(longer.length, alpha)), best, 1);
      } else {
        enumerate(toy, sentence, longer, s, maxLength, alpha, best);
      }
    }
  }

  static void consider(BeamSearch.Hypothesis h, BeamSearch.Hypothesis[] best, int kind) {
    if (best[kind] == null || h.score() > best[kind].score()) {
      best[kind] = h;
    }
  }

  @Test
  void aBeamWideEnoughFindsTheBestOutputThatEnumerationFinds() {
    int[] maxLength = {3, 4, 2};
    for (long seed = 1; seed <= 20; seed++) {
      for (double alpha : new double[] {0, 1}) {
        Toy toy = new Toy(seed);
        // 4^4 = 256 prefixes at most: a beam this wide keeps every one.
        BeamSearch.Hypothesis[] found = BeamSearch.search(toy, 3, BOS, EOS, 256, maxLength, alpha);
        for (int i = 0; i < 3; i++) {
          BeamSearch.Hypothesis best = exhaustive(toy, i, maxLength[i], alpha);
          assertArrayEquals(best.words(), found[i].words(), "seed " + seed + " alpha " + alpha + " sentence " + i);
          assertEquals(best.score(), found[i].score(), 1e-9);
        }
      }
    }
  }

  /**
   * A model that, after word 1, almost never ends: the runaway 1 1 1 1 1 is likelier word by word
   * than 2 </s>, but it never reached </s>, and a finished output is preferred to it at any
   * length penalty (it had won, scored without the </s> it would have cost).
   */
  @Test
  void anOutputCutOffAtTheLengthLimitRanksBelowOneThatEnded() {
    BeamSearch.StepModel runaway = new BeamSearch.StepModel() {
      int[] last;

      @Override
      public int vocabulary() {
        return V;
      }

      @Override
      public void begin(int[] sentenceOfRow) {
        last = new int[sentenceOfRow.length];
      }

      @Override
      public void step(int[] previous, Tensor logProbs) {
        last = previous.clone();
        for (int r = 0; r < previous.length; r++) {
          // After <s>: 1 likeliest, then 2; after 1: 1 again, </s> at 1%; after 2: </s> at 99%.
          double[] p = previous[r] == BOS ? new double[] {0.01, 0.59, 0.39, 0.01}
              : previous[r] == 1 ? new double[] {0.01, 0.97, 0.01, 0.01} : new double[] {0.003, 0.003, 0.004, 0.99};
          for (int k = 0; k < V; k++) {
            logProbs.set(r * V + k, (float) Math.log(p[k]));
          }
        }
      }

      @Override
      public void select(int[] from) {}
    };
    for (double alpha : new double[] {0, 1}) {
      BeamSearch.Hypothesis best = BeamSearch.search(runaway, 1, BOS, EOS, 2, new int[] {5}, alpha)[0];
      assertArrayEquals(new int[] {2}, best.words(), "length penalty " + alpha);
    }
    // With nothing ended, the cut-off output is what there is.
    assertArrayEquals(new int[] {1, 1}, BeamSearch.search(runaway, 1, BOS, EOS, 1, new int[] {2}, 1)[0].words());
  }

  @Test
  void widthOneIsGreedyDecodingExactly() {
    int[] maxLength = {6, 3, 8, 1};
    for (long seed = 1; seed <= 30; seed++) {
      int[][] greedy = BeamSearch.greedy(new Toy(seed), 4, BOS, EOS, maxLength);
      BeamSearch.Hypothesis[] beam = BeamSearch.search(new Toy(seed), 4, BOS, EOS, 1, maxLength, 1);
      for (int i = 0; i < 4; i++) {
        assertArrayEquals(greedy[i], beam[i].words(), "seed " + seed + " sentence " + i);
        assertTrue(greedy[i].length <= maxLength[i]);
      }
    }
  }

  @Test
  void aWiderBeamNeverScoresWorseHereAndSometimesBetter() {
    int better = 0;
    int[] maxLength = {5, 5};
    for (long seed = 1; seed <= 30; seed++) {
      BeamSearch.Hypothesis[] one = BeamSearch.search(new Toy(seed), 2, BOS, EOS, 1, maxLength, 0);
      BeamSearch.Hypothesis[] wide = BeamSearch.search(new Toy(seed), 2, BOS, EOS, 1024, maxLength, 0);
      for (int i = 0; i < 2; i++) {
        // An output that ended ranks above one cut off at the limit (maxLength words), whatever their scores.
        boolean wideEnded = wide[i].words().length < maxLength[i];
        boolean oneEnded = one[i].words().length < maxLength[i];
        assertTrue(wideEnded || !oneEnded, "seed " + seed + ": the wide beam found no output that ended");
        if (wideEnded == oneEnded) {
          assertTrue(wide[i].score() >= one[i].score() - 1e-12, "seed " + seed);
          better += wide[i].score() > one[i].score() + 1e-9 ? 1 : 0;
        }
      }
    }
    assertTrue(better > 0, "greedy was never beaten: the test would not see a search that is only greedy");
  }

  /** The Toy choosing its own likeliest words, by sorting each full row (not by {@link BeamSearch#topOfRows}). */
  static class ChoosingToy implements BeamSearch.ChoosingStepModel {
    final Toy toy;
    final List<Integer> asked = new ArrayList<>();

    ChoosingToy(long seed) {
      toy = new Toy(seed);
    }

    @Override
    public int vocabulary() {
      return V;
    }

    @Override
    public void begin(int[] sentenceOfRow) {
      toy.begin(sentenceOfRow);
    }

    @Override
    public void step(int[] previous, Tensor logProbs) {
      toy.step(previous, logProbs);
    }

    @Override
    public void stepTop(int[] previous, int k, int[] words, float[] logProbs) {
      asked.add(k);
      Tensor full = Tensor.zeros(previous.length * V);
      toy.step(previous, full);
      sortedTop(full, previous.length, V, k, words, logProbs);
    }

    @Override
    public void select(int[] from) {
      toy.select(from);
    }
  }

  /** Each row's k largest by a sort of its indices (value descending, then index), NaN last and never chosen. */
  static void sortedTop(Tensor x, int rows, int v, int k, int[] words, float[] values) {
    for (int r = 0; r < rows; r++) {
      int row = r;
      Integer[] order = new Integer[v];
      for (int w = 0; w < v; w++) {
        order[w] = w;
      }
      // Adding 0 makes -0.0 the 0.0 it equals, as comparisons do.
      java.util.Arrays.sort(order, java.util.Comparator.<Integer, Boolean>comparing(w -> Float.isNaN(x.get(row * v + w)))
          .thenComparing(w -> -(x.get(row * v + w) + 0.0f)).thenComparing(w -> w));
      for (int j = 0; j < k; j++) {
        boolean none = Float.isNaN(x.get(r * v + order[j]));
        words[r * k + j] = none ? -1 : order[j];
        values[r * k + j] = none ? Float.NEGATIVE_INFINITY : x.get(r * v + order[j]);
      }
    }
  }

  @Test
  void topOfRowsChoosesAsASortOfEachRow() {
    Rng rng = new Rng(7);
    int v = 9;
    for (int trial = 0; trial < 200; trial++) {
      int rows = 1 + rng.nextInt(4);
      int k = 1 + rng.nextInt(v);
      Tensor x = Tensor.zeros(rows * v);
      for (int i = 0; i < x.size(); i++) {
        // Few distinct values, so that ties are common (0.0 and -0.0 among them); now and then NaN or -Infinity.
        float[] some = {Float.NaN, Float.NEGATIVE_INFINITY, 0.0f, -0.0f, -1.5f, -2.5f, -3.5f, -1.5f, -2.5f, 0.0f};
        x.set(i, some[rng.nextInt(some.length)]);
      }
      int[] words = new int[rows * k];
      float[] values = new float[rows * k];
      int[] expectedWords = new int[rows * k];
      float[] expectedValues = new float[rows * k];
      BeamSearch.topOfRows(x, rows, v, k, words, values);
      sortedTop(x, rows, v, k, expectedWords, expectedValues);
      assertArrayEquals(expectedWords, words, "trial " + trial);
      assertArrayEquals(expectedValues, values, "trial " + trial);
    }
  }

  @Test
  void aModelThatChoosesItsOwnWordsDecodesAsOneThatGivesWholeRows() {
    int[] maxLength = {5, 3, 6};
    for (long seed = 1; seed <= 20; seed++) {
      ChoosingToy choosing = new ChoosingToy(seed);
      int[][] greedy = BeamSearch.greedy(new Toy(seed), 3, BOS, EOS, maxLength);
      int[][] chosen = BeamSearch.greedy(choosing, 3, BOS, EOS, maxLength);
      for (int i = 0; i < 3; i++) {
        assertArrayEquals(greedy[i], chosen[i], "greedy, seed " + seed + " sentence " + i);
      }
      assertEquals(List.of(1), choosing.asked.stream().distinct().toList(), "greedy reads each row's likeliest word");
      for (int beam : new int[] {1, 2, 3}) {
        ChoosingToy wide = new ChoosingToy(seed);
        BeamSearch.Hypothesis[] expected = BeamSearch.search(new Toy(seed), 3, BOS, EOS, beam, maxLength, 1);
        BeamSearch.Hypothesis[] found = BeamSearch.search(wide, 3, BOS, EOS, beam, maxLength, 1);
        for (int i = 0; i < 3; i++) {
          assertArrayEquals(expected[i].words(), found[i].words(), "beam " + beam + ", seed " + seed);
          assertEquals(expected[i].logProb(), found[i].logProb(), 0, "beam " + beam + ", seed " + seed);
        }
        assertEquals(List.of(Math.min(2 * beam, V)), wide.asked.stream().distinct().toList(), "2K words a row");
      }
    }
  }

  @Test
  void aModelWhoseRowIsAllNaNStopsTheSearchWithItsReason() {
    Toy diverged = new Toy(3) {
      @Override
      public void step(int[] previous, Tensor logProbs) {
        super.step(previous, logProbs);
        for (int w = 0; w < V; w++) {
          logProbs.set(w, Float.NaN);
        }
      }
    };
    int[] maxLength = {4, 4};
    IllegalStateException greedy = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
        () -> BeamSearch.greedy(diverged, 2, BOS, EOS, maxLength));
    assertTrue(greedy.getMessage().startsWith("BeamSearch: row 0 has no next word"), greedy.getMessage());
    IllegalStateException beam = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
        () -> BeamSearch.search(diverged, 2, BOS, EOS, 2, maxLength, 1));
    assertTrue(beam.getMessage().contains("NaN"), beam.getMessage());
  }

  /**
   * The search as documented, one sentence at a time from the Toy's whole distributions: every
   * extension of the live hypotheses ranked (score, then hypothesis, then word), the first 2K
   * considered, &lt;/s&gt; among the first K finishing one, the first K others living on.
   */
  static BeamSearch.Hypothesis referenceSearch(Toy toy, int sentence, int beam, int maxLength, double alpha) {
    record Live(int[] words, double logProb) {}
    record Candidate(int h, int w, double score) {}
    List<Live> live = List.of(new Live(new int[0], 0));
    List<BeamSearch.Hypothesis> finished = new ArrayList<>();
    while (true) {
      List<Candidate> all = new ArrayList<>();
      for (int h = 0; h < live.size(); h++) {
        int[] prefix = new int[live.get(h).words().length + 1];
        prefix[0] = BOS;
        System.arraycopy(live.get(h).words(), 0, prefix, 1, prefix.length - 1);
        double[] lp = toy.logProbs(sentence, prefix);
        for (int w = 0; w < toy.v; w++) {
          all.add(new Candidate(h, w, live.get(h).logProb() + lp[w]));
        }
      }
      all.sort(java.util.Comparator.comparingDouble((Candidate c) -> -c.score()).thenComparingInt(Candidate::h)
          .thenComparingInt(Candidate::w));
      List<Live> next = new ArrayList<>();
      for (int c = 0; c < Math.min(2 * beam, all.size()) && next.size() < beam; c++) {
        Candidate x = all.get(c);
        int[] words = live.get(x.h()).words();
        if (x.w() == EOS) {
          if (c < beam) {
            finished.add(new BeamSearch.Hypothesis(words, x.score(), x.score() / Math.pow(words.length + 1, alpha)));
          }
          continue;
        }
        int[] longer = java.util.Arrays.copyOf(words, words.length + 1);
        longer[words.length] = x.w();
        next.add(new Live(longer, x.score()));
      }
      boolean done = finished.size() >= beam || next.isEmpty();
      List<BeamSearch.Hypothesis> cutOff = new ArrayList<>();
      if (!done && next.get(0).words().length >= maxLength) {
        for (Live h : next) {
          cutOff.add(new BeamSearch.Hypothesis(h.words(), h.logProb(), h.logProb()
              / Math.pow(Math.max(1, h.words().length), alpha)));
        }
        done = true;
      }
      if (done) {
        BeamSearch.Hypothesis best = null;
        for (BeamSearch.Hypothesis h : finished.isEmpty() ? cutOff : finished) {
          if (best == null || h.score() > best.score()) {
            best = h;
          }
        }
        return best;
      }
      live = next;
    }
  }

  /** With a vocabulary far larger than 2K, reading each row's 2K likeliest words finds what ranking whole rows finds. */
  @Test
  void aSearchOfALargeVocabularyIsTheDocumentedSearchOfWholeRows() {
    int[] maxLength = {6, 4, 7};
    for (long seed = 1; seed <= 15; seed++) {
      for (int beam : new int[] {1, 2, 3, 5}) {
        BeamSearch.Hypothesis[] found = BeamSearch.search(new Toy(seed, 50), 3, BOS, EOS, beam, maxLength, 0.6);
        for (int i = 0; i < 3; i++) {
          BeamSearch.Hypothesis expected = referenceSearch(new Toy(seed, 50), i, beam, maxLength[i], 0.6);
          String at = "seed " + seed + ", beam " + beam + ", sentence " + i;
          assertArrayEquals(expected.words(), found[i].words(), at);
          assertEquals(expected.logProb(), found[i].logProb(), 0, at);
          assertEquals(expected.score(), found[i].score(), 0, at);
        }
      }
    }
  }

  @Test
  void badChoicesAreRefusedWithTheirReason() {
    IllegalArgumentException k = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> BeamSearch.topOfRows(Tensor.zeros(8), 2, 4, 0, new int[8], new float[8]));
    assertTrue(k.getMessage().startsWith("BeamSearch.topOfRows: the 0 largest"), k.getMessage());
    ChoosingToy outside = new ChoosingToy(2) {
      @Override
      public void stepTop(int[] previous, int k, int[] words, float[] logProbs) {
        super.stepTop(previous, k, words, logProbs);
        words[k - 1] = V;
      }
    };
    IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
        () -> BeamSearch.search(outside, 1, BOS, EOS, 2, new int[] {3}, 1));
    assertEquals("BeamSearch: the model chose word 4 for row 0, outside its vocabulary of 4", e.getMessage());
  }
}
