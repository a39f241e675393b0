package jrnn.reference;

import java.util.ArrayList;
import java.util.List;
import jrnn.layers.Bidirectional;
import jrnn.layers.RecurrentConfig;
import jrnn.models.LossNormalization;
import jrnn.models.ModelConfig;
import jrnn.models.OutputKind;
import jrnn.models.Readout;
import jrnn.params.ParamLayout;

/**
 * A whole {@link ModelConfig} model in double precision, one sequence at a time (so padding and
 * masks do not exist here), with the backward pass written out step by step: full BPTT
 * (SPEC 8-9 .. 8-20) through embedding, dropout, stacked (8-39) and bidirectional (8-40 .. 8-42)
 * layers, readout, output layer and loss. It is the oracle of the gradient checks and of the
 * fast float32 engine.
 */
public final class ReferenceModel {
  private final ModelConfig config;
  private final RecurrentConfig rnn;
  private final ParamLayout layout;
  private final double[] params;
  private final ReferenceCellFactory cellFactory;

  /** Makes the cells; tests replace it to plant a wrong gradient. */
  @FunctionalInterface
  public interface ReferenceCellFactory {
    /**
     * The cell of layer {@code layer}, direction {@code direction}, reading {@code inputSize} wide
     * inputs.
     */
    ReferenceCell make(ModelConfig config, int inputSize, double[] params, double[] grads,
        ParamLayout layout, int layer, int direction);
  }

  /**
   * The cells of {@link ReferenceCell#of} for the configuration's cell type, on the {@code rnn.}
   * parameters.
   */
  public static final ReferenceCellFactory STANDARD_CELLS = (config, inputSize, params, grads,
      layout, layer, direction) -> ReferenceCell.of(config.cell(), inputSize, config.hiddenSize(),
      params, grads, layout, ModelConfig.RNN_PREFIX, layer, direction);

  /**
   * One sequence and its targets.
   *
   * @param tokens token ids (token models) or null
   * @param inputs real input vectors [L][inputSize] or null
   * @param targets class per step [L] (per-step softmax) or one class [1] (per-sequence softmax)
   * @param targetValues real targets [L][out] or [1][out] for a linear output, else null
   * @param h0 initial states [layers*D][H] or null for zeros
   * @param c0 initial cell states (LSTM) or null for zeros
   * @param dropout multiplicative masks per site, or null: site l &lt; layers is the input of
   *     layer l ([L][width]), site {@code layers} the input of the output layer ([L][W] per
   *     step, [1][W] per sequence)
   */
  public record Sample(int[] tokens, double[][] inputs, int[] targets, double[][] targetValues,
      double[][] h0, double[][] c0, double[][][] dropout) {
    /** L, the number of steps. */
    public int length() {
      return tokens != null ? tokens.length : inputs.length;
    }
  }

  /** Loss, gradients and outputs of a batch of samples. */
  public static final class Result {
    /** The normalized loss whose gradient {@link #grads} is. */
    public double loss;
    /** The summed loss over all outputs. */
    public double lossSum;
    /** The number of outputs with targets, over all samples. */
    public int outputs;
    /** dL/d(parameters) of the normalized loss, in the model's layout. */
    public double[] grads;
    /** Per sample: logits (softmax) or outputs (linear), [L][out] or [1][out]. */
    public List<double[][]> outputValues = new ArrayList<>();
    /** Per sample: merged outputs of the top layer [L][W]. */
    public List<double[][]> topOutputs = new ArrayList<>();
    /** Per sample: the final states h [layers*D][H]. */
    public List<double[][]> finalH = new ArrayList<>();
    /** Per sample: the final cell states c [layers*D][H] (LSTM). */
    public List<double[][]> finalC = new ArrayList<>();
    /** Per sample: dL/d(inputs) [L][inputSize], the embedded vectors for token models. */
    public List<double[][]> dInputs = new ArrayList<>();
    /** Per sample: dL/dh0 [layers*D][H]. */
    public List<double[][]> dH0 = new ArrayList<>();
    /** Per sample: dL/dc0 [layers*D][H] (LSTM). */
    public List<double[][]> dC0 = new ArrayList<>();
  }

  /**
   * The model of {@code config} over {@code params} in its layout (kept, not copied), with the
   * standard cells.
   */
  public ReferenceModel(ModelConfig config, double[] params) {
    this(config, params, STANDARD_CELLS);
  }

  /** The same, with cells made by {@code cellFactory}. */
  public ReferenceModel(ModelConfig config, double[] params, ReferenceCellFactory cellFactory) {
    this.config = config;
    this.rnn = config.recurrent();
    this.layout = config.parameterLayout();
    if (params.length != layout.size()) {
      throw new IllegalArgumentException("ReferenceModel: expected " + layout.size()
          + " parameters for " + config + ", got " + params.length);
    }
    this.params = params;
    this.cellFactory = cellFactory;
  }

  /** The layout of the parameters, {@link ModelConfig#parameterLayout()}. */
  public ParamLayout layout() {
    return layout;
  }

  /** The normalized loss alone (forward passes only). */
  public double loss(List<Sample> samples, LossNormalization normalization) {
    double sum = 0;
    int outputs = 0;
    double[] unused = new double[0];
    for (Sample s : samples) {
      SampleRun r = new SampleRun(s, unused);
      r.forward();
      sum += r.lossSum;
      outputs += r.outputCount;
    }
    return sum / (normalization == LossNormalization.PER_SEQUENCE ? samples.size() : outputs);
  }

  /** Forward and backward over all samples; gradients are of the normalized loss. */
  public Result run(List<Sample> samples, LossNormalization normalization) {
    Result res = new Result();
    res.grads = new double[params.length];
    // First pass: the loss sum and the output count, to know the normalizer.
    List<SampleRun> runs = new ArrayList<>();
    int outputs = 0;
    for (Sample s : samples) {
      SampleRun r = new SampleRun(s, res.grads);
      r.forward();
      runs.add(r);
      outputs += r.outputCount;
      res.lossSum += r.lossSum;
    }
    res.outputs = outputs;
    double norm = normalization == LossNormalization.PER_SEQUENCE ? samples.size() : outputs;
    res.loss = res.lossSum / norm;
    for (SampleRun r : runs) {
      r.backward(1.0 / norm);
      res.outputValues.add(r.outputValues);
      res.topOutputs.add(r.top);
      res.finalH.add(r.hn);
      res.finalC.add(r.cn);
      res.dInputs.add(r.dInputs);
      res.dH0.add(r.dH0);
      res.dC0.add(r.dC0);
    }
    return res;
  }

  /**
   * Outputs and gradients of the recurrent stack alone on one sequence.
   *
   * @param top merged outputs of the top layer [L][W]
   * @param hn final states [layers*D][H]
   * @param cn final cell states [layers*D][H]
   * @param dInputs dL/d(inputs) [L][inputSize]
   * @param dH0 dL/dh0 [layers*D][H]
   * @param dC0 dL/dc0 [layers*D][H]
   */
  public record StackRun(double[][] top, double[][] hn, double[][] cn, double[][] dInputs,
      double[][] dH0, double[][] dC0) {}

  /**
   * Runs only the recurrent stack on one real-valued sequence, then back-propagates the given
   * gradients of its merged top outputs [L][W] and final states [layers*D][H] (null for zero),
   * adding parameter gradients into {@code grads}.
   */
  public StackRun runStack(double[][] inputs, double[][] h0, double[][] c0, double[][] dTop,
      double[][] dHn, double[][] dCn, double[] grads) {
    Sample s = new Sample(null, inputs, null, null, h0, c0, null);
    SampleRun r = new SampleRun(s, grads);
    r.forwardStack();
    int slots = rnn.layers() * rnn.directions();
    double[][] zeros = new double[slots][rnn.hiddenSize()];
    r.backwardStack(dTop, dHn == null ? zeros : dHn, dCn == null ? new double[slots][rnn.hiddenSize()] : dCn);
    return new StackRun(r.top, r.hn, r.cn, r.dInputs, r.dH0, r.dC0);
  }

  /** The forward and backward state of one sequence. */
  private final class SampleRun {
    final Sample s;
    final double[] grads;
    final int len;
    final int layers = rnn.layers();
    final int dirs = rnn.directions();
    final int hidden = rnn.hiddenSize();
    final ReferenceCell[][] cells;
    // x[l][t]: input of layer l after dropout; raw[l][t]: before dropout.
    final double[][][] x;
    final double[][][] raw;
    final ReferenceCell.Step[][][] steps;  // [layer][dir][t]
    double[][] top;
    double[][] hn;
    double[][] cn;
    double[][] headIn;      // [outputs][W], after dropout
    double[][] headRaw;     // before dropout
    int[][] argmax;         // MAX readout: the step of each maximum
    double[][] outputValues;
    double lossSum;
    int outputCount;
    double[][] dInputs;
    double[][] dH0;
    double[][] dC0;

    SampleRun(Sample s, double[] grads) {
      this.s = s;
      this.grads = grads;
      this.len = s.length();
      if (len <= 0) {
        throw new IllegalArgumentException("ReferenceModel: sequences must have at least one step");
      }
      cells = new ReferenceCell[layers][dirs];
      for (int l = 0; l < layers; l++) {
        for (int d = 0; d < dirs; d++) {
          cells[l][d] = cellFactory.make(config, rnn.layerInputSize(l), params, grads, layout, l, d);
        }
      }
      x = new double[layers][][];
      raw = new double[layers][][];
      steps = new ReferenceCell.Step[layers][dirs][len];
    }

    double mask(int site, int t, int j) {
      return s.dropout() == null ? 1.0 : s.dropout()[site][t][j];
    }

    void forward() {
      forwardStack();
      readoutForward();
    }

    void forwardStack() {
      int in = config.inputSize();
      raw[0] = new double[len][in];
      for (int t = 0; t < len; t++) {
        for (int j = 0; j < in; j++) {
          raw[0][t][j] = config.tokenInput()
              ? params[layout.get(ModelConfig.EMBEDDING).offset() + s.tokens()[t] * in + j]
              : s.inputs()[t][j];
        }
      }
      hn = new double[layers * dirs][];
      cn = new double[layers * dirs][];
      for (int l = 0; l < layers; l++) {
        int width = rnn.layerInputSize(l);
        x[l] = new double[len][width];
        for (int t = 0; t < len; t++) {
          for (int j = 0; j < width; j++) {
            x[l][t][j] = raw[l][t][j] * mask(l, t, j);
          }
        }
        double[][][] dirOut = new double[dirs][len][];
        for (int d = 0; d < dirs; d++) {
          int slot = l * dirs + d;
          double[] h = s.h0() == null ? new double[hidden] : s.h0()[slot].clone();
          double[] c = s.c0() == null ? new double[hidden] : s.c0()[slot].clone();
          for (int k = 0; k < len; k++) {
            int t = d == 0 ? k : len - 1 - k;
            ReferenceCell.Step st = cells[l][d].forward(x[l][t], h, c);
            steps[l][d][t] = st;
            h = st.h;
            c = st.c != null ? st.c : c;
            dirOut[d][t] = st.h;
          }
          hn[slot] = h;
          cn[slot] = c;
        }
        double[][] merged = merge(dirOut);
        if (l + 1 < layers) {
          raw[l + 1] = merged;
        } else {
          top = merged;
        }
      }
    }

    double[][] merge(double[][][] dirOut) {
      double[][] out = new double[len][];
      for (int t = 0; t < len; t++) {
        if (dirs == 1) {
          out[t] = dirOut[0][t].clone();
        } else if (rnn.bidirectional() == Bidirectional.CONCAT) {
          out[t] = new double[2 * hidden];
          System.arraycopy(dirOut[0][t], 0, out[t], 0, hidden);
          System.arraycopy(dirOut[1][t], 0, out[t], hidden, hidden);
        } else {
          out[t] = new double[hidden];
          for (int j = 0; j < hidden; j++) {
            out[t][j] = dirOut[0][t][j] + dirOut[1][t][j];
          }
        }
      }
      return out;
    }

    void readoutForward() {
      int w = rnn.outputSize();
      Readout ro = config.readout();
      outputCount = ro == Readout.EVERY_STEP ? len : 1;
      headRaw = new double[outputCount][w];
      if (ro == Readout.EVERY_STEP) {
        for (int t = 0; t < len; t++) {
          headRaw[t] = top[t].clone();
        }
      } else if (ro == Readout.LAST) {
        int topFwd = (layers - 1) * dirs;
        if (dirs == 1) {
          headRaw[0] = hn[topFwd].clone();
        } else if (rnn.bidirectional() == Bidirectional.CONCAT) {
          System.arraycopy(hn[topFwd], 0, headRaw[0], 0, hidden);
          System.arraycopy(hn[topFwd + 1], 0, headRaw[0], hidden, hidden);
        } else {
          for (int j = 0; j < hidden; j++) {
            headRaw[0][j] = hn[topFwd][j] + hn[topFwd + 1][j];
          }
        }
      } else if (ro == Readout.MEAN) {
        for (int t = 0; t < len; t++) {
          for (int j = 0; j < w; j++) {
            headRaw[0][j] += top[t][j] / len;
          }
        }
      } else {
        argmax = new int[1][w];
        for (int j = 0; j < w; j++) {
          int best = 0;
          for (int t = 1; t < len; t++) {
            if (top[t][j] > top[best][j]) {
              best = t;
            }
          }
          argmax[0][j] = best;
          headRaw[0][j] = top[best][j];
        }
      }
      headIn = new double[outputCount][w];
      int site = layers;
      for (int o = 0; o < outputCount; o++) {
        for (int j = 0; j < w; j++) {
          headIn[o][j] = headRaw[o][j] * mask(site, o, j);
        }
      }
      int out = config.outputSize();
      int wOff = layout.get(ModelConfig.HEAD_WEIGHT).offset();
      int bOff = layout.get(ModelConfig.HEAD_BIAS).offset();
      outputValues = new double[outputCount][out];
      for (int o = 0; o < outputCount; o++) {
        for (int k = 0; k < out; k++) {
          double v = params[bOff + k];
          for (int j = 0; j < w; j++) {
            v += params[wOff + k * w + j] * headIn[o][j];
          }
          outputValues[o][k] = v;                                            // o_t = V h_t (8-3)
        }
        lossSum += lossOf(o);
      }
    }

    double lossOf(int o) {
      double[] v = outputValues[o];
      if (config.output() == OutputKind.SOFTMAX) {
        int target = s.targets()[o];
        double max = Double.NEGATIVE_INFINITY;
        for (double a : v) {
          max = Math.max(max, a);
        }
        double z = 0;
        for (double a : v) {
          z += Math.exp(a - max);
        }
        return Math.log(z) + max - v[target];                                // -log softmax (8-8, 8-9)
      }
      double sum = 0;
      for (int k = 0; k < v.length; k++) {
        double e = v[k] - s.targetValues()[o][k];
        sum += e * e;
      }
      return sum / v.length;
    }

    void backward(double scale) {
      int w = rnn.outputSize();
      int out = config.outputSize();
      int wOff = layout.get(ModelConfig.HEAD_WEIGHT).offset();
      int bOff = layout.get(ModelConfig.HEAD_BIAS).offset();
      double[][] dHeadRaw = new double[outputCount][w];
      for (int o = 0; o < outputCount; o++) {
        double[] dOut = new double[out];
        double[] v = outputValues[o];
        if (config.output() == OutputKind.SOFTMAX) {
          double max = Double.NEGATIVE_INFINITY;
          for (double a : v) {
            max = Math.max(max, a);
          }
          double z = 0;
          for (double a : v) {
            z += Math.exp(a - max);
          }
          for (int k = 0; k < out; k++) {
            dOut[k] = scale * (Math.exp(v[k] - max) / z - (k == s.targets()[o] ? 1 : 0));
          }
        } else {
          for (int k = 0; k < out; k++) {
            dOut[k] = scale * 2 * (v[k] - s.targetValues()[o][k]) / out;
          }
        }
        for (int k = 0; k < out; k++) {
          grads[bOff + k] += dOut[k];
          for (int j = 0; j < w; j++) {
            grads[wOff + k * w + j] += dOut[k] * headIn[o][j];                  // dL/dV (8-20)
            dHeadRaw[o][j] += dOut[k] * params[wOff + k * w + j] * mask(layers, o, j);
          }
        }
      }
      // Readout backward: gradients of the top outputs and of the final states.
      double[][] dTop = new double[len][w];
      double[][] dHn = new double[layers * dirs][hidden];
      double[][] dCn = new double[layers * dirs][hidden];
      Readout ro = config.readout();
      if (ro == Readout.EVERY_STEP) {
        for (int t = 0; t < len; t++) {
          dTop[t] = dHeadRaw[t];
        }
      } else if (ro == Readout.LAST) {
        int topFwd = (layers - 1) * dirs;
        for (int j = 0; j < hidden; j++) {
          if (dirs == 1) {
            dHn[topFwd][j] = dHeadRaw[0][j];
          } else if (rnn.bidirectional() == Bidirectional.CONCAT) {
            dHn[topFwd][j] = dHeadRaw[0][j];
            dHn[topFwd + 1][j] = dHeadRaw[0][hidden + j];
          } else {
            dHn[topFwd][j] = dHeadRaw[0][j];
            dHn[topFwd + 1][j] = dHeadRaw[0][j];
          }
        }
      } else if (ro == Readout.MEAN) {
        for (int t = 0; t < len; t++) {
          for (int j = 0; j < w; j++) {
            dTop[t][j] = dHeadRaw[0][j] / len;
          }
        }
      } else {
        for (int j = 0; j < w; j++) {
          dTop[argmax[0][j]][j] = dHeadRaw[0][j];
        }
      }
      backwardStack(dTop, dHn, dCn);
    }

    /** BPTT through the layers, top down; each direction in reverse order of its forward pass. */
    void backwardStack(double[][] dTop, double[][] dHn, double[][] dCn) {
      dH0 = new double[layers * dirs][];
      dC0 = new double[layers * dirs][];
      double[][] dMerged = dTop;
      for (int l = layers - 1; l >= 0; l--) {
        int width = rnn.layerInputSize(l);
        double[][] dx = new double[len][width];
        for (int d = 0; d < dirs; d++) {
          int slot = l * dirs + d;
          double[] dh = dHn[slot].clone();
          double[] dc = dCn[slot].clone();
          for (int k = len - 1; k >= 0; k--) {
            int t = d == 0 ? k : len - 1 - k;
            for (int j = 0; j < hidden; j++) {
              dh[j] += dirs == 2 && rnn.bidirectional() == Bidirectional.CONCAT
                  ? dMerged[t][d * hidden + j] : dMerged[t][j];
            }
            double[] dhPrev = new double[hidden];
            double[] dcPrev = new double[hidden];
            cells[l][d].backward(steps[l][d][t], dh, dc, dx[t], dhPrev, dcPrev);
            dh = dhPrev;
            dc = dcPrev;
          }
          dH0[slot] = dh;
          dC0[slot] = dc;
        }
        // Through the dropout on this layer's input.
        double[][] dRaw = new double[len][width];
        for (int t = 0; t < len; t++) {
          for (int j = 0; j < width; j++) {
            dRaw[t][j] = dx[t][j] * mask(l, t, j);
          }
        }
        dMerged = dRaw;
      }
      dInputs = dMerged;
      if (config.tokenInput()) {
        int eOff = layout.get(ModelConfig.EMBEDDING).offset();
        int in = config.inputSize();
        for (int t = 0; t < len; t++) {
          for (int j = 0; j < in; j++) {
            grads[eOff + s.tokens()[t] * in + j] += dInputs[t][j];
          }
        }
      }
    }
  }
}
