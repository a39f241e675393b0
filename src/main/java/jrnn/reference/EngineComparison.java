package jrnn.reference;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jrnn.data.Batch;
import jrnn.kernels.Kernels;
import jrnn.layers.RecurrentState;
import jrnn.models.LossNormalization;
import jrnn.models.LossStats;
import jrnn.models.ModelConfig;
import jrnn.models.OutputKind;
import jrnn.models.Readout;
import jrnn.models.SequenceModel;
import jrnn.params.ParamLayout;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;

/**
 * Runs the fast float32 {@link SequenceModel} and the double {@link ReferenceModel} on the same
 * parameters, padded batch (lengths {@link ModelGradientCheck#LENGTHS}), initial states and
 * dropout masks, and reports how far apart every result is: loss, outputs, final states, and
 * the gradients of every parameter, the inputs and the initial states.
 */
public final class EngineComparison {
  private EngineComparison() {}

  /**
   * The largest difference in one group, scaled as |fast - ref| / (atol + |ref|).
   *
   * @param name the group: the loss, an output, a final state or a gradient
   * @param worstScaled its largest scaled difference (infinite for a NaN)
   * @param reference the reference value there
   * @param fast the fast engine's value there
   * @param relativeNorm ||fast - reference|| / ||reference|| over the group (its reference norm
   *     taken as at least 1e-6, so that a group of zeros is held to rounding in absolute terms)
   */
  public record Difference(String name, double worstScaled, double reference, double fast, double relativeNorm) {}

  /**
   * All groups compared.
   *
   * @param differences the worst difference of each group, in the order compared
   */
  public record Report(List<Difference> differences) {
    /** The largest |fast - reference| / (atol + |reference|) over all groups. */
    public double worst() {
      return differences.stream().mapToDouble(Difference::worstScaled).max().orElse(0);
    }

    /** The group with the largest scaled difference. */
    public Difference worstDifference() {
      return differences.stream().max((a, b) -> Double.compare(a.worstScaled, b.worstScaled)).orElseThrow();
    }

    /**
     * Whether the fast engine agrees with the reference within {@code tolerance}: every element
     * ({@link #worst}) and every group as a whole ({@link #worstRelative}).
     */
    public boolean agrees(double tolerance) {
      return worst() < tolerance && worstRelative().relativeNorm() < tolerance;
    }

    /**
     * The group whose differences are largest beside its own size, ||fast - reference|| /
     * ||reference|| ({@link Difference#relativeNorm}): what an element-wise bound loose enough for
     * the small entries of a group lets through (a small gradient group 10% off).
     */
    public Difference worstRelative() {
      return differences.stream().max((a, b) -> Double.compare(a.relativeNorm, b.relativeNorm)).orElseThrow();
    }
  }

  /**
   * Differences are measured as |fast - reference| / (ATOL + |reference|): a value below
   * {@code rtol} means |fast - reference| &lt;= rtol * (ATOL + |reference|).
   */
  public static final double ATOL = 0.2;

  /** |fast - reference| / (ATOL + |reference|), the measure every engine-against-reference test uses. */
  public static double scaledDifference(double reference, double fast) {
    return Math.abs(reference - fast) / (ATOL + Math.abs(reference));
  }

  /** A group's sums of squares below which its norm is rounding's alone: 1e-6 squared. */
  private static final double TINY_NORM_SQUARED = 1e-12;

  private static final class Collector {
    /** Per group: worst scaled difference, its reference and fast values, sum of squared differences and references. */
    final Map<String, double[]> worst = new LinkedHashMap<>();

    void add(String group, double ref, double fast) {
      double scaled = scaledDifference(ref, fast);
      double[] w = worst.computeIfAbsent(group, g -> new double[] {-1, 0, 0, 0, 0});
      if (!(scaled <= w[0])) {
        w[0] = Double.isNaN(scaled) ? Double.POSITIVE_INFINITY : scaled;
        w[1] = ref;
        w[2] = fast;
      }
      w[3] += (fast - ref) * (fast - ref);
      w[4] += ref * ref;
    }

    Report report() {
      List<Difference> d = new ArrayList<>();
      worst.forEach((k, v) -> d.add(new Difference(k, v[0], v[1], v[2],
          Double.isNaN(v[3]) ? Double.POSITIVE_INFINITY : Math.sqrt(v[3] / Math.max(v[4], TINY_NORM_SQUARED)))));
      return new Report(d);
    }
  }

  /**
   * The comparison on a batch of sequences of lengths {@link ModelGradientCheck#LENGTHS},
   * everything drawn from {@code seed}.
   */
  public static Report compare(ModelConfig cfg, long seed, LossNormalization norm, Kernels kernels) {
    return compare(cfg, ModelGradientCheck.LENGTHS, seed, norm, kernels);
  }

  /** The comparison on a batch of sequences of the given lengths. */
  public static Report compare(ModelConfig cfg, int[] lengths, long seed, LossNormalization norm,
      Kernels kernels) {
    Rng rng = new Rng(seed);
    ParamLayout layout = cfg.parameterLayout();
    Parameters params = new Parameters(layout);
    double[] p = new double[layout.size()];
    for (int i = 0; i < p.length; i++) {
      p[i] = (float) rng.uniform(-0.5, 0.5);
      params.values().set(i, (float) p[i]);
    }
    List<ReferenceModel.Sample> samples = roundedSamples(cfg, lengths, seed + 1);
    SequenceModel fast = new SequenceModel(cfg, params, kernels);
    Batch batch = batchOf(cfg, samples);
    RecurrentState init = stateOf(cfg, samples);
    params.zeroGrads();
    LossStats stats = fast.forward(batch, init, true, new Rng(seed + 2));
    fast.backward(norm);
    if (cfg.dropout() > 0) {
      samples = withMasks(cfg, fast, samples);
    }
    ReferenceModel.Result r = new ReferenceModel(cfg, p).run(samples, norm);

    Collector c = new Collector();
    c.add("loss", r.loss, stats.sum() / (norm == LossNormalization.PER_SEQUENCE ? batch.size() : stats.count()));
    c.add("number of outputs", r.outputs, stats.count());
    int size = batch.size();
    int outSize = cfg.outputSize();
    int h = cfg.hiddenSize();
    var rnn = cfg.recurrent();
    for (int b = 0; b < size; b++) {
      double[][] ov = r.outputValues.get(b);
      for (int o = 0; o < ov.length; o++) {
        int row = cfg.readout() == Readout.EVERY_STEP ? o * size + b : b;
        for (int k = 0; k < outSize; k++) {
          c.add("outputs", ov[o][k], fast.outputs().get(row * outSize + k));
        }
      }
      for (int s = 0; s < rnn.stateSlots(); s++) {
        for (int j = 0; j < h; j++) {
          int at = (s * size + b) * h + j;
          c.add("final h", r.finalH.get(b)[s][j], fast.finalState().h().get(at));
          c.add("gradient of initial h", r.dH0.get(b)[s][j], fast.initialStateGradient().h().get(at));
          if (cfg.cell().hasCellState()) {
            c.add("final c", r.finalC.get(b)[s][j], fast.finalState().c().get(at));
            c.add("gradient of initial c", r.dC0.get(b)[s][j], fast.initialStateGradient().c().get(at));
          }
        }
      }
      if (!cfg.tokenInput()) {
        for (int t = 0; t < batch.steps(); t++) {
          for (int j = 0; j < cfg.inputSize(); j++) {
            float dx = fast.inputGradient().get((t * size + b) * cfg.inputSize() + j);
            if (t < samples.get(b).length()) {
              c.add("gradient of inputs", r.dInputs.get(b)[t][j], dx);
            } else {
              // Padding reads nothing: a gradient there would reach a token model's padding embedding.
              c.add("gradient of inputs past each sequence's end", 0, dx);
            }
          }
        }
      }
    }
    for (ParamLayout.Entry e : layout.entries()) {
      for (int i = 0; i < e.size(); i++) {
        c.add("gradient of " + e.name(), r.grads[e.offset() + i], params.grads().get(e.offset() + i));
      }
    }
    return c.report();
  }

  /** A padded time-major batch of the samples. */
  static Batch batchOf(ModelConfig cfg, List<ReferenceModel.Sample> samples) {
    int size = samples.size();
    int steps = samples.stream().mapToInt(ReferenceModel.Sample::length).max().orElseThrow();
    int[] lengths = samples.stream().mapToInt(ReferenceModel.Sample::length).toArray();
    boolean perStep = cfg.readout() == Readout.EVERY_STEP;
    int outputs = perStep ? steps * size : size;
    int[] targets = null;
    Tensor values = null;
    if (cfg.output() == OutputKind.SOFTMAX) {
      targets = new int[outputs];
    } else {
      values = Tensor.zeros(outputs, cfg.outputSize());
    }
    for (int b = 0; b < size; b++) {
      ReferenceModel.Sample s = samples.get(b);
      int n = perStep ? s.length() : 1;
      for (int o = 0; o < n; o++) {
        int row = perStep ? o * size + b : b;
        if (targets != null) {
          targets[row] = s.targets()[o];
        } else {
          for (int k = 0; k < cfg.outputSize(); k++) {
            values.set(row * cfg.outputSize() + k, (float) s.targetValues()[o][k]);
          }
        }
      }
    }
    if (cfg.tokenInput()) {
      int[] tokens = new int[steps * size];
      for (int b = 0; b < size; b++) {
        for (int t = 0; t < samples.get(b).length(); t++) {
          tokens[t * size + b] = samples.get(b).tokens()[t];
        }
      }
      return Batch.ofTokens(steps, size, tokens, lengths, targets);
    }
    Tensor in = Tensor.zeros(steps, size, cfg.inputSize());
    for (int b = 0; b < size; b++) {
      for (int t = 0; t < samples.get(b).length(); t++) {
        for (int j = 0; j < cfg.inputSize(); j++) {
          in.set((t * size + b) * cfg.inputSize() + j, (float) samples.get(b).inputs()[t][j]);
        }
      }
    }
    return Batch.ofInputs(in, lengths, targets, values);
  }

  static RecurrentState stateOf(ModelConfig cfg, List<ReferenceModel.Sample> samples) {
    var rnn = cfg.recurrent();
    RecurrentState st = RecurrentState.zeros(rnn, samples.size());
    int h = cfg.hiddenSize();
    for (int b = 0; b < samples.size(); b++) {
      for (int s = 0; s < rnn.stateSlots(); s++) {
        for (int j = 0; j < h; j++) {
          st.h().set((s * samples.size() + b) * h + j, (float) samples.get(b).h0()[s][j]);
          if (st.c() != null) {
            st.c().set((s * samples.size() + b) * h + j, (float) samples.get(b).c0()[s][j]);
          }
        }
      }
    }
    return st;
  }

  /** Samples whose inputs and states are rounded to float, so both engines see the same numbers. */
  static List<ReferenceModel.Sample> roundedSamples(ModelConfig cfg, int[] lengths, long seed) {
    List<ReferenceModel.Sample> raw = ModelGradientCheck.randomSamples(cfg, lengths, false, new Rng(seed));
    List<ReferenceModel.Sample> out = new ArrayList<>();
    for (ReferenceModel.Sample s : raw) {
      out.add(new ReferenceModel.Sample(s.tokens(), round(s.inputs()), s.targets(),
          round(s.targetValues()), round(s.h0()), round(s.c0()), null));
    }
    return out;
  }

  private static double[][] round(double[][] a) {
    if (a == null) {
      return null;
    }
    double[][] r = new double[a.length][];
    for (int i = 0; i < a.length; i++) {
      r[i] = new double[a[i].length];
      for (int j = 0; j < a[i].length; j++) {
        r[i][j] = (float) a[i][j];
      }
    }
    return r;
  }

  /** The dropout masks the fast model drew, per sample, in the reference's layout. */
  static List<ReferenceModel.Sample> withMasks(ModelConfig cfg, SequenceModel fast,
      List<ReferenceModel.Sample> samples) {
    var rnn = cfg.recurrent();
    int size = samples.size();
    List<ReferenceModel.Sample> out = new ArrayList<>();
    for (int b = 0; b < size; b++) {
      ReferenceModel.Sample s = samples.get(b);
      double[][][] masks = new double[rnn.layers() + 1][][];
      for (int site = 0; site <= rnn.layers(); site++) {
        boolean head = site == rnn.layers();
        int width = head ? cfg.headInputSize() : rnn.layerInputSize(site);
        boolean perSeq = head && cfg.readout().perSequence();
        int rows = perSeq ? 1 : s.length();
        masks[site] = new double[rows][width];
        Tensor m = fast.dropoutMask(site);
        for (int t = 0; t < rows; t++) {
          int row = perSeq ? b : t * size + b;
          for (int j = 0; j < width; j++) {
            masks[site][t][j] = m.get(row * width + j);
          }
        }
      }
      out.add(new ReferenceModel.Sample(s.tokens(), s.inputs(), s.targets(), s.targetValues(),
          s.h0(), s.c0(), masks));
    }
    return out;
  }
}
