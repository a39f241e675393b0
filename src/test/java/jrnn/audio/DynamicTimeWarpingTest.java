package jrnn.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jrnn.util.Rng;
import org.junit.jupiter.api.Test;

/** Dynamic time warping against enumeration of every alignment, and the template matcher on generated words. */
class DynamicTimeWarpingTest {
  static float[][] random(Rng rng, int n, int d) {
    float[][] x = new float[n][d];
    for (float[] f : x) {
      for (int k = 0; k < d; k++) {
        f[k] = (float) rng.gaussian();
      }
    }
    return x;
  }

  /** The cheapest path over every monotone, continuous alignment, by recursion over all of them. */
  static double enumerate(float[][] a, float[][] b, int i, int j, int w) {
    if (Math.abs(i - j) > w) {
      return Double.POSITIVE_INFINITY;
    }
    double here = DynamicTimeWarping.euclidean(a[i], b[j]);
    if (i == a.length - 1 && j == b.length - 1) {
      return here;
    }
    double best = Double.POSITIVE_INFINITY;
    if (i + 1 < a.length) {
      best = Math.min(best, enumerate(a, b, i + 1, j, w));
    }
    if (j + 1 < b.length) {
      best = Math.min(best, enumerate(a, b, i, j + 1, w));
    }
    if (i + 1 < a.length && j + 1 < b.length) {
      best = Math.min(best, enumerate(a, b, i + 1, j + 1, w));
    }
    return here + best;
  }

  @Test
  void theDistanceIsTheCheapestOfAllAlignments() {
    Rng rng = new Rng(1);
    for (int trial = 0; trial < 40; trial++) {
      float[][] a = random(rng, 1 + rng.nextInt(6), 3);
      float[][] b = random(rng, 1 + rng.nextInt(6), 3);
      for (int band : new int[] {0, 1, 2}) {
        int w = band == 0 ? 100 : Math.max(band, Math.abs(a.length - b.length));
        double expected = enumerate(a, b, 0, 0, w) / (a.length + b.length);
        assertEquals(expected, DynamicTimeWarping.distance(a, b, band), 1e-9, "trial " + trial + " band " + band);
      }
      assertEquals(DynamicTimeWarping.distance(a, b, 0), DynamicTimeWarping.distance(b, a, 0), 1e-9, "symmetric");
    }
  }

  @Test
  void aSequenceIsAtDistanceZeroFromItselfSlowedDown() {
    float[][] a = random(new Rng(2), 8, 4);
    float[][] slow = new float[16][];
    for (int t = 0; t < 16; t++) {
      slow[t] = a[t / 2];
    }
    assertEquals(0, DynamicTimeWarping.distance(a, a, 2), 0);
    assertEquals(0, DynamicTimeWarping.distance(a, slow, 0), 0);
    assertTrue(DynamicTimeWarping.distance(a, random(new Rng(3), 8, 4), 0) > 0.5);
  }

  @Test
  void theNearestTemplateWinsOnGeneratedWords() {
    // Two "words", a rising and a falling tone, said at different speeds; one template of each.
    FrontEnd fe = new FrontEnd(FrontEnd.Config.mfcc(8000));
    DynamicTimeWarping.TemplateMatcher matcher = new DynamicTimeWarping.TemplateMatcher(0)
        .add("up", fe.features(chirp(300, 1500, 4000)))
        .add("down", fe.features(chirp(1500, 300, 4000)));
    assertEquals(2, matcher.size());
    for (int n : new int[] {2400, 3200, 5600, 7000}) {
      assertEquals("up", matcher.classify(fe.features(chirp(300, 1500, n))).label(), n + " samples");
      assertEquals("down", matcher.classify(fe.features(chirp(1500, 300, n))).label(), n + " samples");
    }
  }

  static float[] chirp(double from, double to, int n) {
    float[] x = new float[n];
    double phase = 0;
    for (int i = 0; i < n; i++) {
      double hz = from + (to - from) * i / n;
      phase += 2 * Math.PI * hz / 8000;
      x[i] = (float) (0.4 * Math.sin(phase));
    }
    return x;
  }
}
