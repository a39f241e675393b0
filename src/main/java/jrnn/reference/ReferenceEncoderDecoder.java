package jrnn.reference;

import jrnn.cells.CellType;
import jrnn.layers.Attention.Score;
import jrnn.models.EncoderDecoder.DropoutSite;
import jrnn.models.EncoderDecoderConfig;
import jrnn.params.ParamLayout;

import static jrnn.models.EncoderDecoderConfig.*;

/**
 * The double-precision twin of {@link jrnn.models.EncoderDecoder}, written from its equations one
 * sentence pair at a time with the reference cells ({@link ReferenceCell}) and attention
 * ({@link ReferenceAttention}): the loss of a batch, from a flat parameter array in the model's
 * {@link ParamLayout}. Its gradient is taken by finite differences ({@link GradientCheck}), in
 * double precision, which is what the float32 model's backward pass is held to. Dropout acts where
 * the model's does, with masks handed in ({@link Masks}: the ones the model drew), so that a
 * training pass with dropout is held to it too.
 */
public final class ReferenceEncoderDecoder {
  private final EncoderDecoderConfig config;
  private final ParamLayout layout;
  private final double[] p;

  /**
   * The loss of a batch: the cross-entropy summed over target tokens, and the smoothed loss the model trains.
   *
   * @param crossEntropy the cross-entropy summed over target tokens, in nats
   * @param smoothed the summed loss against the label-smoothed targets
   * @param tokens the target tokens counted, &lt;/s&gt; included
   */
  public record Loss(double crossEntropy, double smoothed, int tokens) {}

  /** Dropout's factors: 0 or 1 / (1 - p) for each element a site drops. */
  public interface Masks {
    /**
     * The factor on element {@code j} of {@code site}'s row for sentence pair {@code pair} at
     * {@code step} (a source step for the source's sites, a target step for the target's);
     * {@code layer} &gt;= 1 names the stack's layer whose input it is, else 0.
     */
    double factor(DropoutSite site, int layer, int pair, int step, int j);
  }

  /**
   * The model of {@code config} over {@code params}, laid out as {@link
   * EncoderDecoderConfig#parameterLayout()} (kept, not copied).
   */
  public ReferenceEncoderDecoder(EncoderDecoderConfig config, double[] params) {
    this.config = config;
    this.layout = config.parameterLayout();
    if (params.length != layout.size()) {
      throw new IllegalArgumentException("ReferenceEncoderDecoder: " + params.length + " parameters, the layout has "
          + layout.size());
    }
    this.p = params;
  }

  /** Loss of the pairs (targets without markers), each target followed by {@code eos} and fed from {@code bos}. */
  public Loss loss(int[][] sources, int[][] targets, int bos, int eos) {
    return loss(sources, targets, bos, eos, null);
  }

  /** As {@link #loss(int[][], int[][], int, int)}, with dropout's {@code masks} (null: none). */
  public Loss loss(int[][] sources, int[][] targets, int bos, int eos, Masks masks) {
    double ce = 0;
    double smoothed = 0;
    int tokens = 0;
    for (int i = 0; i < sources.length; i++) {
      double[] one = pair(i, sources[i], targets[i], bos, eos, masks);
      ce += one[0];
      smoothed += one[1];
      tokens += targets[i].length + 1;
    }
    return new Loss(ce, smoothed, tokens);
  }

  private double[] pair(int i, int[] src, int[] tgt, int bos, int eos, Masks masks) {
    int len = src.length;
    int e = config.embedding();
    double[][] x = new double[len][];
    for (int s = 0; s < len; s++) {
      x[s] = dropped(row(SOURCE_EMBEDDING, src[s], e), masks, DropoutSite.SOURCE_EMBEDDING, 0, i, s);
    }
    // Encoder: layer by layer, each direction over the whole source.
    int he = config.encoderHidden();
    int dirs = config.bidirectional() ? 2 : 1;
    double[][] topFinal = new double[dirs][];
    CellType cell = config.cell();
    for (int l = 0; l < config.encoderLayers(); l++) {
      if (l > 0) {
        for (int s = 0; s < len; s++) {
          x[s] = dropped(x[s], masks, DropoutSite.ENCODER_INPUT, l, i, s);
        }
      }
      double[][] out = new double[len][dirs * he];
      for (int d = 0; d < dirs; d++) {
        ReferenceCell rc = ReferenceCell.of(cell, x[0].length, he, p, new double[p.length], layout, ENCODER, l, d);
        double[] h = new double[he];
        double[] c = new double[he];
        for (int k = 0; k < len; k++) {
          int s = d == 0 ? k : len - 1 - k;
          ReferenceCell.Step st = rc.forward(x[s], h, c);
          h = st.h;
          c = st.c == null ? c : st.c;
          System.arraycopy(h, 0, out[s], d * he, he);
        }
        topFinal[d] = h;
      }
      x = out;
    }
    double[] z = new double[dirs * he];
    for (int d = 0; d < dirs; d++) {
      System.arraycopy(topFinal[d], 0, z, d * he, he);
    }
    int hd = config.decoderHidden();
    int layers = config.decoderLayers();
    double[] h0 = tanh(affine(BRIDGE_H_WEIGHT, BRIDGE_H_BIAS, z));
    double[] c0 = cell.hasCellState() ? tanh(affine(BRIDGE_C_WEIGHT, BRIDGE_C_BIAS, z)) : null;
    double[][] h = new double[layers][];
    double[][] c = new double[layers][];
    for (int l = 0; l < layers; l++) {
      h[l] = java.util.Arrays.copyOfRange(h0, l * hd, (l + 1) * hd);
      c[l] = c0 == null ? new double[hd] : java.util.Arrays.copyOfRange(c0, l * hd, (l + 1) * hd);
    }
    int eo = config.encoderOutputSize();
    double[] states = new double[len * eo];
    for (int s = 0; s < len; s++) {
      System.arraycopy(x[s], 0, states, s * eo, eo);
    }
    ReferenceAttention attention = attention();
    ReferenceCell[] cells = new ReferenceCell[layers];
    for (int l = 0; l < layers; l++) {
      int in = l == 0 ? config.decoderInputSize() : hd;
      cells[l] = ReferenceCell.of(cell, in, hd, p, new double[p.length], layout, DECODER, l, 0);
    }
    double[] feed = new double[hd];
    int prev = bos;
    double ce = 0;
    double smoothed = 0;
    int v = config.targetVocab();
    double eps = config.labelSmoothing();
    for (int t = 0; t <= tgt.length; t++) {
      double[] embedded = dropped(row(TARGET_EMBEDDING, prev, e), masks, DropoutSite.TARGET_EMBEDDING, 0, i, t);
      double[] input = concat(embedded, config.inputFeeding() ? feed : new double[0]);
      for (int l = 0; l < layers; l++) {
        if (l > 0) {
          input = dropped(input, masks, DropoutSite.DECODER_INPUT, l, i, t);
        }
        ReferenceCell.Step st = cells[l].forward(input, h[l], c[l]);
        h[l] = st.h;
        c[l] = st.c == null ? c[l] : st.c;
        input = h[l];
      }
      double[] query = h[layers - 1];
      double[] context = attention.context(states, len, 1, new int[] {len}, query);
      double[] attentional = dropped(tanh(affine(COMBINE_WEIGHT, COMBINE_BIAS, concat(context, query))), masks,
          DropoutSite.ATTENTIONAL, 0, i, t);
      double[] logits = affine(config.tied() ? TARGET_EMBEDDING : OUTPUT_WEIGHT, OUTPUT_BIAS, attentional);
      double max = Double.NEGATIVE_INFINITY;
      for (double z2 : logits) {
        max = Math.max(max, z2);
      }
      double sum = 0;
      for (double z2 : logits) {
        sum += Math.exp(z2 - max);
      }
      double logZ = Math.log(sum) + max;
      int y = t < tgt.length ? tgt[t] : eos;
      double meanLogP = 0;
      for (double z2 : logits) {
        meanLogP += (z2 - logZ) / v;
      }
      double nll = logZ - logits[y];
      ce += nll;
      smoothed += (1 - eps) * nll - eps * meanLogP;
      feed = attentional;
      prev = y;
    }
    return new double[] {ce, smoothed};
  }

  /** A copy of {@code x} times the site's mask for (pair, step); {@code x} itself without masks. */
  private static double[] dropped(double[] x, Masks masks, DropoutSite site, int layer, int pair, int step) {
    if (masks == null) {
      return x;
    }
    double[] y = new double[x.length];
    for (int j = 0; j < x.length; j++) {
      y[j] = x[j] * masks.factor(site, layer, pair, step, j);
    }
    return y;
  }

  private ReferenceAttention attention() {
    if (config.attention() == Score.ADDITIVE) {
      return new ReferenceAttention(Score.ADDITIVE, config.encoderOutputSize(), config.decoderHidden(),
          config.attentionSize(), values(ATTENTION_KEY), values(ATTENTION_QUERY), values(ATTENTION_BIAS),
          values(ATTENTION_VECTOR));
    }
    return new ReferenceAttention(Score.MULTIPLICATIVE, config.encoderOutputSize(), config.decoderHidden(),
        config.encoderOutputSize(), values(ATTENTION_KEY), null, null, null);
  }

  private double[] values(String name) {
    ParamLayout.Entry en = layout.get(name);
    return java.util.Arrays.copyOfRange(p, en.offset(), en.offset() + en.size());
  }

  /** Row {@code r} (width n) of the matrix {@code name}. */
  private double[] row(String name, int r, int n) {
    int off = layout.get(name).offset() + r * n;
    return java.util.Arrays.copyOfRange(p, off, off + n);
  }

  /** W x + b for the [rows, cols] matrix {@code weight}. */
  private double[] affine(String weight, String bias, double[] x) {
    ParamLayout.Entry w = layout.get(weight);
    int rows = w.shape()[0];
    int cols = w.shape()[1];
    if (cols != x.length) {
      throw new IllegalArgumentException(weight + " has " + cols + " columns, the input " + x.length);
    }
    int bo = layout.get(bias).offset();
    double[] y = new double[rows];
    for (int i = 0; i < rows; i++) {
      double s = p[bo + i];
      for (int j = 0; j < cols; j++) {
        s += p[w.offset() + i * cols + j] * x[j];
      }
      y[i] = s;
    }
    return y;
  }

  private static double[] tanh(double[] x) {
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = Math.tanh(x[i]);
    }
    return y;
  }

  private static double[] concat(double[] a, double[] b) {
    double[] y = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, y, a.length, b.length);
    return y;
  }
}
