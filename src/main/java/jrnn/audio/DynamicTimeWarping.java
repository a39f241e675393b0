package jrnn.audio;

import java.util.ArrayList;
import java.util.List;

/**
 * Dynamic time warping and the chapter's template matcher (SPEC 6.2, speech recognition): in
 * training each word is said once (or a few times) and its feature vectors kept as templates;
 * in recognition the input is compared with every template and the nearest wins.
 *
 * <p>The distance of two sequences a (n frames) and b (m frames) is the cost of the cheapest
 * monotone, continuous alignment of their frames, from (0, 0) to (n - 1, m - 1) by steps (1, 0),
 * (0, 1) and (1, 1), each aligned pair costing the Euclidean distance of its frames, divided by
 * n + m so that long and short words compare. A Sakoe-Chiba band keeps |i - j| within
 * max(band, |n - m|), so that a path always exists; band 0 means none.
 */
public final class DynamicTimeWarping {
  private DynamicTimeWarping() {}

  /** The normalized cost of the best alignment of {@code a} and {@code b}. */
  public static double distance(float[][] a, float[][] b, int band) {
    int n = a.length;
    int m = b.length;
    if (n == 0 || m == 0) {
      throw new IllegalArgumentException("dynamic time warping: a sequence without frames (" + n + " and " + m + ")");
    }
    if (a[0].length != b[0].length) {
      throw new IllegalArgumentException("dynamic time warping: frames of " + a[0].length + " and " + b[0].length
          + " values");
    }
    int w = band <= 0 ? Math.max(n, m) : Math.max(band, Math.abs(n - m));
    double[] prev = new double[m];
    double[] cur = new double[m];
    double inf = Double.POSITIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      java.util.Arrays.fill(cur, inf);
      int j0 = Math.max(0, i - w);
      int j1 = Math.min(m - 1, i + w);
      for (int j = j0; j <= j1; j++) {
        double best;
        if (i == 0 && j == 0) {
          best = 0;
        } else {
          best = inf;
          if (i > 0) {
            best = Math.min(best, prev[j]);
            if (j > 0) {
              best = Math.min(best, prev[j - 1]);
            }
          }
          if (j > 0) {
            best = Math.min(best, cur[j - 1]);
          }
        }
        cur[j] = best + euclidean(a[i], b[j]);
      }
      double[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[m - 1] / (n + m);
  }

  static double euclidean(float[] x, float[] y) {
    double s = 0;
    for (int k = 0; k < x.length; k++) {
      double d = x[k] - y[k];
      s += d * d;
    }
    return Math.sqrt(s);
  }

  /** The templates of a vocabulary and the nearest-template rule. */
  public static final class TemplateMatcher {
    private final int band;
    private final List<String> labels = new ArrayList<>();
    private final List<float[][]> templates = new ArrayList<>();

    /** A matcher without templates, comparing within a Sakoe-Chiba band of {@code band} frames (0: none). */
    public TemplateMatcher(int band) {
      this.band = band;
    }

    /** Keeps {@code features} as a template of {@code label}. */
    public TemplateMatcher add(String label, float[][] features) {
      if (features.length == 0) {
        throw new IllegalArgumentException("template of '" + label + "' has no frames");
      }
      labels.add(label);
      templates.add(features);
      return this;
    }

    /** The number of templates kept. */
    public int size() {
      return templates.size();
    }

    /**
     * The label of the nearest template, and its distance.
     *
     * @param label the label of the nearest template
     * @param distance its normalized distance (see {@link DynamicTimeWarping#distance})
     */
    public record Match(String label, double distance) {}

    /** The nearest template to {@code features} ([frames][values]); throws when there are no templates. */
    public Match classify(float[][] features) {
      if (templates.isEmpty()) {
        throw new IllegalStateException("the template matcher has no templates");
      }
      int best = -1;
      double bestDistance = Double.POSITIVE_INFINITY;
      for (int i = 0; i < templates.size(); i++) {
        double d = distance(features, templates.get(i), band);
        if (d < bestDistance) {
          bestDistance = d;
          best = i;
        }
      }
      return new Match(labels.get(best), bestDistance);
    }
  }
}
