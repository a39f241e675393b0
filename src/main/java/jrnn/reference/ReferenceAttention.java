package jrnn.reference;

import jrnn.layers.Attention.Score;

/**
 * The double-precision twin of {@link jrnn.layers.Attention}, written straight from its equations
 * with plain loops: the context of each decoder step, and the gradients of L = sum over steps t
 * of r_t . c_t (r_t given) with respect to the weights, the encoder states and every query.
 *
 * <p>Layouts as in the engine: encoder states [S*B, E] time-major, queries [B, D]; additive
 * weights W_k [A, E], W_q [A, D], b [A], v [A]; multiplicative W [D, E] (in {@code keyWeight}).
 */
public final class ReferenceAttention {
  /** How a source state is scored. */
  public final Score score;
  /** E, the width of an encoder state. */
  public final int encoderSize;
  /** D, the width of a query. */
  public final int querySize;
  /** A, the additive score's hidden width. */
  public final int attentionSize;
  /** W_k [A, E] (additive) or W [D, E] (multiplicative), row-major. */
  public final double[] keyWeight;
  /** W_q [A, D]; null for multiplicative. */
  public final double[] queryWeight;
  /** b [A]; null for multiplicative. */
  public final double[] bias;
  /** v [A]; null for multiplicative. */
  public final double[] vector;

  /** Attention of {@code score} over the given weights (kept, not copied; null where the score has none). */
  public ReferenceAttention(Score score, int encoderSize, int querySize, int attentionSize, double[] keyWeight,
      double[] queryWeight, double[] bias, double[] vector) {
    this.score = score;
    this.encoderSize = encoderSize;
    this.querySize = querySize;
    this.attentionSize = attentionSize;
    this.keyWeight = keyWeight;
    this.queryWeight = queryWeight;
    this.bias = bias;
    this.vector = vector;
  }

  /**
   * The gradients of L.
   *
   * @param keyWeight dL/dW_k (or dL/dW)
   * @param queryWeight dL/dW_q; null for multiplicative
   * @param bias dL/db; null for multiplicative
   * @param vector dL/dv; null for multiplicative
   * @param encoder dL/d(encoder states) [S*B, E]
   * @param queries dL/dq_t [B, D] for each step t
   */
  public record Gradients(double[] keyWeight, double[] queryWeight, double[] bias, double[] vector,
      double[] encoder, double[][] queries) {}

  /** The scores e[s][b] of the valid steps (NaN past a source's length). */
  double[][] scores(double[] h, int steps, int batch, int[] lengths, double[] q) {
    double[][] e = new double[steps][batch];
    for (int s = 0; s < steps; s++) {
      for (int b = 0; b < batch; b++) {
        e[s][b] = Double.NaN;
        if (s >= lengths[b]) {
          continue;
        }
        double score = 0;
        if (this.score == Score.ADDITIVE) {
          for (int a = 0; a < attentionSize; a++) {
            score += vector[a] * Math.tanh(pre(h, s * batch + b, q, b, a));
          }
        } else {
          for (int i = 0; i < querySize; i++) {
            for (int j = 0; j < encoderSize; j++) {
              score += q[b * querySize + i] * keyWeight[i * encoderSize + j] * h[(s * batch + b) * encoderSize + j];
            }
          }
        }
        e[s][b] = score;
      }
    }
    return e;
  }

  /** W_k h_r + W_q q_b + b, unit a. */
  private double pre(double[] h, int r, double[] q, int b, int a) {
    double x = bias[a];
    for (int j = 0; j < encoderSize; j++) {
      x += keyWeight[a * encoderSize + j] * h[r * encoderSize + j];
    }
    for (int i = 0; i < querySize; i++) {
      x += queryWeight[a * querySize + i] * q[b * querySize + i];
    }
    return x;
  }

  /** alpha[s][b], the softmax of the scores over each source's valid steps (0 past them). */
  public double[][] weights(double[] h, int steps, int batch, int[] lengths, double[] q) {
    double[][] e = scores(h, steps, batch, lengths, q);
    double[][] alpha = new double[steps][batch];
    for (int b = 0; b < batch; b++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int s = 0; s < lengths[b]; s++) {
        max = Math.max(max, e[s][b]);
      }
      double sum = 0;
      for (int s = 0; s < lengths[b]; s++) {
        sum += Math.exp(e[s][b] - max);
      }
      for (int s = 0; s < lengths[b]; s++) {
        alpha[s][b] = Math.exp(e[s][b] - max) / sum;
      }
    }
    return alpha;
  }

  /** The context c ([B, E]) of one step. */
  public double[] context(double[] h, int steps, int batch, int[] lengths, double[] q) {
    double[][] alpha = weights(h, steps, batch, lengths, q);
    double[] c = new double[batch * encoderSize];
    for (int s = 0; s < steps; s++) {
      for (int b = 0; b < batch; b++) {
        for (int j = 0; j < encoderSize; j++) {
          c[b * encoderSize + j] += alpha[s][b] * h[(s * batch + b) * encoderSize + j];
        }
      }
    }
    return c;
  }

  /** L = sum over t of r[t] . c(q[t]). */
  public double loss(double[] h, int steps, int batch, int[] lengths, double[][] queries, double[][] r) {
    double loss = 0;
    for (int t = 0; t < queries.length; t++) {
      double[] c = context(h, steps, batch, lengths, queries[t]);
      for (int i = 0; i < c.length; i++) {
        loss += r[t][i] * c[i];
      }
    }
    return loss;
  }

  /** The gradients of {@link #loss}, by the chain rule through softmax, scores and projections. */
  public Gradients gradients(double[] h, int steps, int batch, int[] lengths, double[][] queries, double[][] r) {
    Gradients g = new Gradients(new double[keyWeight.length], queryWeight == null ? null : new double[queryWeight.length],
        bias == null ? null : new double[bias.length], vector == null ? null : new double[vector.length],
        new double[h.length], new double[queries.length][]);
    for (int t = 0; t < queries.length; t++) {
      double[] q = queries[t];
      double[] dq = new double[q.length];
      g.queries()[t] = dq;
      double[][] alpha = weights(h, steps, batch, lengths, q);
      for (int b = 0; b < batch; b++) {
        // dL/dalpha_s = r . h_s; dL/de_s = alpha_s (dL/dalpha_s - sum_s' alpha_s' dL/dalpha_s').
        double[] dAlpha = new double[lengths[b]];
        double mean = 0;
        for (int s = 0; s < lengths[b]; s++) {
          for (int j = 0; j < encoderSize; j++) {
            dAlpha[s] += r[t][b * encoderSize + j] * h[(s * batch + b) * encoderSize + j];
            g.encoder()[(s * batch + b) * encoderSize + j] += alpha[s][b] * r[t][b * encoderSize + j];
          }
          mean += alpha[s][b] * dAlpha[s];
        }
        for (int s = 0; s < lengths[b]; s++) {
          double de = alpha[s][b] * (dAlpha[s] - mean);
          int row = s * batch + b;
          if (score == Score.ADDITIVE) {
            for (int a = 0; a < attentionSize; a++) {
              double u = Math.tanh(pre(h, row, q, b, a));
              g.vector()[a] += de * u;
              double dPre = de * vector[a] * (1 - u * u);
              g.bias()[a] += dPre;
              for (int j = 0; j < encoderSize; j++) {
                g.keyWeight()[a * encoderSize + j] += dPre * h[row * encoderSize + j];
                g.encoder()[row * encoderSize + j] += dPre * keyWeight[a * encoderSize + j];
              }
              for (int i = 0; i < querySize; i++) {
                g.queryWeight()[a * querySize + i] += dPre * q[b * querySize + i];
                dq[b * querySize + i] += dPre * queryWeight[a * querySize + i];
              }
            }
          } else {
            for (int i = 0; i < querySize; i++) {
              for (int j = 0; j < encoderSize; j++) {
                double wij = keyWeight[i * encoderSize + j];
                double hj = h[row * encoderSize + j];
                double qi = q[b * querySize + i];
                g.keyWeight()[i * encoderSize + j] += de * qi * hj;
                g.encoder()[row * encoderSize + j] += de * qi * wij;
                dq[b * querySize + i] += de * wij * hj;
              }
            }
          }
        }
      }
    }
    return g;
  }
}
