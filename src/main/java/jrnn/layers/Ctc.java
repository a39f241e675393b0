package jrnn.layers;

import jrnn.tensor.Tensor;

/**
 * Connectionist temporal classification (Graves et al. 2006): the loss of a label sequence y
 * (U labels) given per-frame scores z_t (T frames, C classes, class {@code blank} meaning "no
 * label"), summed over every alignment, a frame-by-frame path of classes that reads y once
 * repeats are merged and blanks dropped:
 *
 * <pre>
 *   p_t(k)     = softmax(z_t)_k
 *   L          = -log sum over alignments pi of y of prod_t p_t(pi_t)
 *   y'         = blank y_1 blank y_2 ... y_U blank                 (2U + 1 symbols)
 *   alpha_t(s) = p_t(y'_s) (alpha_{t-1}(s) + alpha_{t-1}(s - 1) + [y'_s != blank, y'_s != y'_{s-2}] alpha_{t-1}(s - 2))
 *   beta_t(s)  = p_t(y'_s) (beta_{t+1}(s) + beta_{t+1}(s + 1) + [same condition on s + 2] beta_{t+1}(s + 2))
 *   L          = -log (alpha_{T-1}(2U) + alpha_{T-1}(2U - 1))
 *   dL/dz_t(k) = p_t(k) - sum over s with y'_s = k of alpha_t(s) beta_t(s) / (p_t(y'_s) e^{-L})
 * </pre>
 *
 * all in log space, so that long inputs do not underflow. A label sequence that no alignment of
 * T frames can read (T &lt; U + the number of repeated neighbours) has probability 0: its loss is
 * infinite and its gradient is left at zero, and {@link #loss} says so in {@link Result}.
 */
public final class Ctc {
  private Ctc() {}

  /**
   * A sequence's loss (-log p(y | x), natural log) and whether any alignment exists.
   *
   * @param loss -log p(y | x), natural log; infinite when no alignment exists
   * @param feasible whether any alignment of the frames reads the labels
   */
  public record Result(double loss, boolean feasible) {}

  /**
   * The loss of one sequence from scores {@code z} (frame t's C scores at {@code z[off + t*ld ..
   * + C)}), adding scale * dL/dz to {@code grad} at the same positions when it is not null.
   */
  public static Result loss(double[] z, int off, int ld, int frames, int classes, int blank, int[] labels,
      double[] grad, double scale) {
    check(frames, classes, blank, labels);
    int u = labels.length;
    int s = 2 * u + 1;
    double[][] logP = logProbabilities(z, off, ld, frames, classes);
    int[] ext = new int[s];
    for (int i = 0; i < s; i++) {
      ext[i] = i % 2 == 0 ? blank : labels[i / 2];
    }
    double neg = Double.NEGATIVE_INFINITY;
    double[][] alpha = new double[frames][s];
    double[][] beta = new double[frames][s];
    for (double[] row : alpha) {
      java.util.Arrays.fill(row, neg);
    }
    for (double[] row : beta) {
      java.util.Arrays.fill(row, neg);
    }
    alpha[0][0] = logP[0][ext[0]];
    if (s > 1) {
      alpha[0][1] = logP[0][ext[1]];
    }
    for (int t = 1; t < frames; t++) {
      for (int i = 0; i < s; i++) {
        double a = alpha[t - 1][i];
        if (i >= 1) {
          a = logAdd(a, alpha[t - 1][i - 1]);
        }
        if (i >= 2 && ext[i] != blank && ext[i] != ext[i - 2]) {
          a = logAdd(a, alpha[t - 1][i - 2]);
        }
        alpha[t][i] = a == neg ? neg : a + logP[t][ext[i]];
      }
    }
    int last = frames - 1;
    beta[last][s - 1] = logP[last][ext[s - 1]];
    if (s > 1) {
      beta[last][s - 2] = logP[last][ext[s - 2]];
    }
    for (int t = last - 1; t >= 0; t--) {
      for (int i = s - 1; i >= 0; i--) {
        double b = beta[t + 1][i];
        if (i + 1 < s) {
          b = logAdd(b, beta[t + 1][i + 1]);
        }
        if (i + 2 < s && ext[i] != blank && ext[i] != ext[i + 2]) {
          b = logAdd(b, beta[t + 1][i + 2]);
        }
        beta[t][i] = b == neg ? neg : b + logP[t][ext[i]];
      }
    }
    double logLikelihood = s > 1 ? logAdd(alpha[last][s - 1], alpha[last][s - 2]) : alpha[last][s - 1];
    if (logLikelihood == neg) {
      return new Result(Double.POSITIVE_INFINITY, false);
    }
    if (grad != null) {
      // alpha_t(s) beta_t(s) counts p_t(y'_s) twice: the occupancy of class k at t is
      // sum_s alpha beta / p_t(k), over the likelihood.
      double[] occupancy = new double[classes];
      for (int t = 0; t < frames; t++) {
        java.util.Arrays.fill(occupancy, neg);
        for (int i = 0; i < s; i++) {
          double ab = alpha[t][i] + beta[t][i];
          if (ab != neg) {
            occupancy[ext[i]] = logAdd(occupancy[ext[i]], ab - logP[t][ext[i]]);
          }
        }
        for (int k = 0; k < classes; k++) {
          double p = Math.exp(logP[t][k]);
          double gamma = occupancy[k] == neg ? 0 : Math.exp(occupancy[k] - logLikelihood);
          grad[off + t * ld + k] += scale * (p - gamma);
        }
      }
    }
    return new Result(-logLikelihood, true);
  }

  /** log p_t(k) = log softmax(z_t)_k of each frame's scores (laid out as in {@link #loss}), [frames][classes]. */
  public static double[][] logProbabilities(double[] z, int off, int ld, int frames, int classes) {
    double[][] logP = new double[frames][classes];
    for (int t = 0; t < frames; t++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int k = 0; k < classes; k++) {
        max = Math.max(max, z[off + t * ld + k]);
      }
      double sum = 0;
      for (int k = 0; k < classes; k++) {
        sum += Math.exp(z[off + t * ld + k] - max);
      }
      double logZ = max + Math.log(sum);
      for (int k = 0; k < classes; k++) {
        logP[t][k] = z[off + t * ld + k] - logZ;
      }
    }
    return logP;
  }

  /**
   * Sequence b's scores in a time-major batch of float32 scores ([T*B, C], row t*B + b), its
   * first {@code frames} frames, in double precision: frame t's at [t*C, (t+1)*C).
   */
  public static double[] sequence(Tensor z, int batch, int b, int frames, int classes) {
    double[] local = new double[frames * classes];
    for (int t = 0; t < frames; t++) {
      for (int k = 0; k < classes; k++) {
        local[t * classes + k] = z.get((t * batch + b) * classes + k);
      }
    }
    return local;
  }

  /**
   * The float32 scores of a batch, time-major ([T*B, C], row t*B + b), sequence b of
   * {@code frames[b]} frames with {@code labels[b]}: the summed loss of the feasible sequences,
   * and scale * dL/dz added to {@code grad} (same layout) unless null. Sequences are independent;
   * each is computed in double precision.
   */
  public static Result[] batch(Tensor z, int steps, int batch, int classes, int blank, int[] frames, int[][] labels,
      Tensor grad, double scale) {
    if (frames.length != batch || labels.length != batch) {
      throw new IllegalArgumentException("CTC: " + frames.length + " frame counts and " + labels.length
          + " label sequences for a batch of " + batch);
    }
    Result[] out = new Result[batch];
    jrnn.kernels.Parallel.run(batch, (b0, b1) -> {
      for (int b = b0; b < b1; b++) {
        int n = frames[b];
        if (n < 1 || n > steps) {
          throw new IllegalArgumentException("CTC: sequence " + b + " has " + n + " frames, not in [1, " + steps + "]");
        }
        double[] local = sequence(z, batch, b, n, classes);
        double[] g = grad == null ? null : new double[n * classes];
        out[b] = loss(local, 0, classes, n, classes, blank, labels[b], g, scale);
        if (g != null) {
          for (int t = 0; t < n; t++) {
            for (int k = 0; k < classes; k++) {
              grad.add((t * batch + b) * classes + k, (float) g[t * classes + k]);
            }
          }
        }
      }
    });
    return out;
  }

  /**
   * The fewest frames any alignment of {@code labels} takes: one per label, and a blank between
   * each two equal neighbours (the collapse would merge them otherwise).
   */
  public static int framesNeeded(int[] labels) {
    int n = labels.length;
    for (int i = 1; i < labels.length; i++) {
      if (labels[i] == labels[i - 1]) {
        n++;
      }
    }
    return n;
  }

  private static void check(int frames, int classes, int blank, int[] labels) {
    if (frames < 1) {
      throw new IllegalArgumentException("CTC: a sequence needs at least one frame, got " + frames);
    }
    if (blank < 0 || blank >= classes) {
      throw new IllegalArgumentException("CTC: blank " + blank + " is not a class in [0, " + classes + ")");
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= classes || labels[i] == blank) {
        throw new IllegalArgumentException("CTC: label " + labels[i] + " at position " + i + " must be a class in [0, "
            + classes + ") other than the blank " + blank);
      }
    }
  }

  /** log(e^a + e^b), exact where either is -infinity. */
  public static double logAdd(double a, double b) {
    if (a == Double.NEGATIVE_INFINITY) {
      return b;
    }
    if (b == Double.NEGATIVE_INFINITY) {
      return a;
    }
    return Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b)));
  }
}
