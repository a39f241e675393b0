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
  static final class Toy implements BeamSearch.StepModel {
    final long seed;
    List<int[]> prefixes = new ArrayList<>();
    int[] sentences;
    int steps;

    Toy(long seed) {
      this.seed = seed;
    }

    @Override
    public int vocabulary() {
      return V;
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
        for (int k = 0; k < V; k++) {
          logProbs.set(r * V + k, (float) lp[k]);
        }
      }
    }

    double[] logProbs(int sentence, int[] prefix) {
      Rng rng = new Rng(seed * 31 + sentence * 1_000_003L + java.util.Arrays.hashCode(prefix));
      double[] z = new double[V];
      double sum = 0;
      for (int k = 0; k < V; k++) {
        z[k] = Math.exp(2 * rng.gaussian());
        sum += z[k];
      }
      for (int k = 0; k < V; k++) {
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

  /** Every output of at most maxLength words (ended by </s>, or cut at maxLength), the best by normalized score. */
  static BeamSearch.Hypothesis exhaustive(Toy toy, int sentence, int maxLength, double alpha) {
    BeamSearch.Hypothesis[] best = {null};
    enumerate(toy, sentence, new int[0], 0, maxLength, alpha, best);
    return best[0];
  }

  static void enumerate(Toy toy, int sentence, int[] words, double logProb, int maxLength, double alpha,
      BeamSearch.Hypothesis[] best) {
    int[] prefix = new int[words.length + 1];
    prefix[0] = BOS;
    System.arraycopy(words, 0, prefix, 1, words.length);
    double[] lp = toy.logProbs(sentence, prefix);
    for (int w = 0; w < V; w++) {
      double s = logProb + lp[w];
      if (w == EOS) {
        consider(new BeamSearch.Hypothesis(words, s, s / Math.pow(words.length + 1, alpha)), best);
        continue;
      }
      int[] longer = java.util.Arrays.copyOf(words, words.length + 1);
      longer[words.length] = w;
      if (longer.length == maxLength) {
        consider(new BeamSearch.Hypothesis(longer, s, s / Math.pow(longer.length, alpha)), best);
      } else {
        enumerate(toy, sentence, longer, s, maxLength, alpha, best);
      }
    }
  }

  static void consider(BeamSearch.Hypothesis h, BeamSearch.Hypothesis[] best) {
    if (best[0] == null || h.score() > best[0].score()) {
      best[0] = h;
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
        assertTrue(wide[i].score() >= one[i].score() - 1e-12, "seed " + seed);
        better += wide[i].score() > one[i].score() + 1e-9 ? 1 : 0;
      }
    }
    assertTrue(better > 0, "greedy was never beaten: the test would not see a search that is only greedy");
  }
}
