package jrnn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jrnn.decode.CtcDecoding;
import jrnn.reference.GradientCheck;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;
import org.junit.jupiter.api.Test;

/**
 * CTC against a brute-force sum over every frame-by-frame path on cases small enough to
 * enumerate, its gradient against finite differences, and its decoders against enumeration.
 */
class CtcTest {
  static final int BLANK = 0;

  static double[] random(Rng rng, int n) {
    double[] z = new double[n];
    for (int i = 0; i < n; i++) {
      z[i] = 2 * rng.gaussian();
    }
    return z;
  }

  static double[][] logSoftmax(double[] z, int frames, int classes) {
    double[][] out = new double[frames][classes];
    for (int t = 0; t < frames; t++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int k = 0; k < classes; k++) {
        max = Math.max(max, z[t * classes + k]);
      }
      double sum = 0;
      for (int k = 0; k < classes; k++) {
        sum += Math.exp(z[t * classes + k] - max);
      }
      for (int k = 0; k < classes; k++) {
        out[t][k] = z[t * classes + k] - max - Math.log(sum);
      }
    }
    return out;
  }

  /** The labelling a path reads: repeats merged, blanks dropped. */
  static List<Integer> collapse(int[] path) {
    List<Integer> out = new ArrayList<>();
    int previous = -1;
    for (int k : path) {
      if (k != BLANK && k != previous) {
        out.add(k);
      }
      previous = k;
    }
    return out;
  }

  /** Probability of every labelling, summed over all C^T paths. */
  static Map<List<Integer>, Double> enumerate(double[][] logP) {
    int frames = logP.length;
    int classes = logP[0].length;
    Map<List<Integer>, Double> out = new HashMap<>();
    int[] path = new int[frames];
    int total = (int) Math.pow(classes, frames);
    for (int code = 0; code < total; code++) {
      int c = code;
      double lp = 0;
      for (int t = 0; t < frames; t++) {
        path[t] = c % classes;
        c /= classes;
        lp += logP[t][path[t]];
      }
      out.merge(collapse(path), Math.exp(lp), Double::sum);
    }
    return out;
  }

  @Test
  void theLossIsMinusTheLogOfTheSumOverEveryAlignment() {
    Rng rng = new Rng(1);
    int[][] labellings = {{}, {1}, {2, 1}, {1, 1}, {1, 2, 1}, {2, 2, 2}};
    for (int frames = 1; frames <= 6; frames++) {
      double[] z = random(rng, frames * 3);
      Map<List<Integer>, Double> all = enumerate(logSoftmax(z, frames, 3));
      for (int[] y : labellings) {
        List<Integer> key = new ArrayList<>();
        for (int v : y) {
          key.add(v);
        }
        double p = all.getOrDefault(key, 0.0);
        Ctc.Result r = Ctc.loss(z, 0, 3, frames, 3, BLANK, y, null, 1);
        if (p == 0) {
          assertFalse(r.feasible(), frames + " frames cannot read " + key);
          assertEquals(Double.POSITIVE_INFINITY, r.loss());
        } else {
          assertTrue(r.feasible());
          assertEquals(-Math.log(p), r.loss(), 1e-9, frames + " frames, labels " + key);
        }
      }
    }
  }

  @Test
  void theGradientAgreesWithFiniteDifferencesAndAPlantedBugFailsIt() {
    Rng rng = new Rng(2);
    int frames = 7;
    int classes = 4;
    int[] y = {1, 3, 3, 2};
    double[] z = random(rng, frames * classes);
    double[] g = new double[z.length];
    Ctc.loss(z, 0, classes, frames, classes, BLANK, y, g, 1);
    GradientCheck.Result r = GradientCheck.check("CTC scores", z, g,
        () -> Ctc.loss(z, 0, classes, frames, classes, BLANK, y, null, 1).loss());
    assertTrue(r.maxRelativeError() < 1e-7, r.toString());
    assertEquals(z.length, r.checked());
    // The gradient of each frame sums to 0 (softmax), and a planted error is seen.
    for (int t = 0; t < frames; t++) {
      double s = 0;
      for (int k = 0; k < classes; k++) {
        s += g[t * classes + k];
      }
      assertEquals(0, s, 1e-12);
    }
    g[5] += 0.02;
    assertTrue(GradientCheck.check("planted", z, g,
        () -> Ctc.loss(z, 0, classes, frames, classes, BLANK, y, null, 1).loss()).maxRelativeError() > 1e-3);
  }

  @Test
  void aBatchOfFloatScoresGivesEachSequencesLossAndGradient() {
    Rng rng = new Rng(3);
    int steps = 6;
    int batch = 3;
    int classes = 5;
    int[] frames = {6, 3, 5};
    int[][] labels = {{1, 2}, {4}, {3, 3}};
    Tensor z = Tensor.zeros(steps * batch * classes);
    for (int i = 0; i < z.size(); i++) {
      z.set(i, (float) rng.gaussian());
    }
    Tensor grad = Tensor.zeros(steps * batch * classes);
    Ctc.Result[] r = Ctc.batch(z, steps, batch, classes, BLANK, frames, labels, grad, 0.5);
    for (int b = 0; b < batch; b++) {
      double[] local = new double[frames[b] * classes];
      for (int t = 0; t < frames[b]; t++) {
        for (int k = 0; k < classes; k++) {
          local[t * classes + k] = z.get((t * batch + b) * classes + k);
        }
      }
      double[] g = new double[local.length];
      assertEquals(Ctc.loss(local, 0, classes, frames[b], classes, BLANK, labels[b], g, 0.5).loss(), r[b].loss(), 1e-12);
      for (int t = 0; t < steps; t++) {
        for (int k = 0; k < classes; k++) {
          double expected = t < frames[b] ? g[t * classes + k] : 0;
          assertEquals(expected, grad.get((t * batch + b) * classes + k), 1e-6, "sequence " + b + " frame " + t);
        }
      }
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ctc.batch(z, steps, batch,
        classes, BLANK, frames, new int[][] {{1}, {0}, {2}}, null, 1));
    assertTrue(e.getMessage().contains("label 0 at position 0") && e.getMessage().contains("blank 0"), e.getMessage());
  }

  @Test
  void prefixBeamSearchFindsTheLikeliestLabellingAndGreedyTheBestPath() {
    Rng rng = new Rng(4);
    int greedyWrong = 0;
    for (int trial = 0; trial < 30; trial++) {
      int frames = 2 + rng.nextInt(4);
      double[][] logP = logSoftmax(random(rng, frames * 3), frames, 3);
      Map<List<Integer>, Double> all = enumerate(logP);
      List<Integer> best = null;
      for (Map.Entry<List<Integer>, Double> e : all.entrySet()) {
        if (best == null || e.getValue() > all.get(best)) {
          best = e.getKey();
        }
      }
      CtcDecoding.Labelling found = CtcDecoding.prefixBeamSearch(logP, BLANK, 64);
      assertEquals(best, toList(found.labels()), "trial " + trial);
      assertEquals(Math.log(all.get(best)), found.logProb(), 1e-9);
      // Greedy reads the single likeliest path, which is the likeliest path's labelling.
      int[] path = new int[frames];
      for (int t = 0; t < frames; t++) {
        for (int k = 0; k < 3; k++) {
          path[t] = logP[t][k] > logP[t][path[t]] ? k : path[t];
        }
      }
      assertEquals(collapse(path), toList(CtcDecoding.greedy(logP, BLANK)));
      greedyWrong += collapse(path).equals(best) ? 0 : 1;
    }
    assertTrue(greedyWrong > 0, "the best path never differed from the best labelling: the test would not tell them apart");
  }

  /**
   * A narrow beam prunes at every frame (3^7 labellings, beams of 1 to 4): the search keeps what a
   * twin written apart (Hannun et al.'s recursion in probabilities, the same order of ties) keeps,
   * and its score is the probability of the alignments it kept, never more than the labelling's.
   */
  @Test
  void aNarrowBeamKeepsTheLikeliestPrefixesAtEveryFrame() {
    Rng rng = new Rng(11);
    int pruningMattered = 0;
    for (int trial = 0; trial < 40; trial++) {
      int frames = 5 + rng.nextInt(3);
      double[][] logP = logSoftmax(random(rng, frames * 3), frames, 3);
      Map<List<Integer>, Double> all = enumerate(logP);
      for (int beam = 1; beam <= 4; beam++) {
        CtcDecoding.Labelling found = CtcDecoding.prefixBeamSearch(logP, BLANK, beam);
        Map.Entry<List<Integer>, Double> twin = twinSearch(logP, beam);
        String at = "trial " + trial + ", beam " + beam;
        assertEquals(twin.getKey(), toList(found.labels()), at);
        assertEquals(Math.log(twin.getValue()), found.logProb(), 1e-9, at);
        double exact = Math.log(all.get(twin.getKey()));
        assertTrue(found.logProb() <= exact + 1e-9, at + ": " + found.logProb() + " > " + exact);
        pruningMattered += found.logProb() < exact - 1e-6 ? 1 : 0;
      }
    }
    assertTrue(pruningMattered > 10, "pruning dropped alignments in only " + pruningMattered + " searches");
  }

  /** Prefix beam search in probabilities: each prefix's [ending in a blank, ending in its last label]. */
  private static Map.Entry<List<Integer>, Double> twinSearch(double[][] logP, int beam) {
    Map<List<Integer>, double[]> beams = new HashMap<>();
    beams.put(List.of(), new double[] {1, 0});
    for (double[] frame : logP) {
      Map<List<Integer>, double[]> next = new HashMap<>();
      for (Map.Entry<List<Integer>, double[]> e : beams.entrySet()) {
        List<Integer> prefix = e.getKey();
        double blankEnd = e.getValue()[0];
        double labelEnd = e.getValue()[1];
        int last = prefix.isEmpty() ? -1 : prefix.get(prefix.size() - 1);
        for (int k = 0; k < frame.length; k++) {
          double p = Math.exp(frame[k]);
          if (k == BLANK) {
            next.computeIfAbsent(prefix, x -> new double[2])[0] += (blankEnd + labelEnd) * p;
            continue;
          }
          List<Integer> longer = new ArrayList<>(prefix);
          longer.add(k);
          double[] grown = next.computeIfAbsent(List.copyOf(longer), x -> new double[2]);
          if (k == last) {
            grown[1] += blankEnd * p;
            next.computeIfAbsent(prefix, x -> new double[2])[1] += labelEnd * p;
          } else {
            grown[1] += (blankEnd + labelEnd) * p;
          }
        }
      }
      List<Map.Entry<List<Integer>, double[]>> ranked = new ArrayList<>(next.entrySet());
      ranked.sort((a, b) -> {
        int c = Double.compare(b.getValue()[0] + b.getValue()[1], a.getValue()[0] + a.getValue()[1]);
        if (c != 0) {
          return c;
        }
        if (a.getKey().size() != b.getKey().size()) {
          return Integer.compare(a.getKey().size(), b.getKey().size());
        }
        for (int i = 0; i < a.getKey().size(); i++) {
          if (!a.getKey().get(i).equals(b.getKey().get(i))) {
            return Integer.compare(a.getKey().get(i), b.getKey().get(i));
          }
        }
        return 0;
      });
      beams = new HashMap<>();
      for (Map.Entry<List<Integer>, double[]> e : ranked.subList(0, Math.min(beam, ranked.size()))) {
        beams.put(e.getKey(), e.getValue());
      }
      if (ranked.size() > beam) {
        // The kept and the first dropped differ: otherwise the twin's choice of ties would decide.
        double keptLast = ranked.get(beam - 1).getValue()[0] + ranked.get(beam - 1).getValue()[1];
        double dropped = ranked.get(beam).getValue()[0] + ranked.get(beam).getValue()[1];
        assertTrue(keptLast > dropped * (1 + 1e-9), "a tie at the beam's edge");
      }
    }
    List<Integer> best = null;
    double bestP = -1;
    for (Map.Entry<List<Integer>, double[]> e : beams.entrySet()) {
      double p = e.getValue()[0] + e.getValue()[1];
      if (p > bestP) {
        best = e.getKey();
        bestP = p;
      }
    }
    return Map.entry(best, bestP);
  }

  static List<Integer> toList(int[] a) {
    List<Integer> out = new ArrayList<>();
    for (int v : a) {
      out.add(v);
    }
    return out;
  }
}
