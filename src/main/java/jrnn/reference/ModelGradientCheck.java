package jrnn.reference;

import java.util.ArrayList;
import java.util.List;
import jrnn.models.LossNormalization;
import jrnn.models.ModelConfig;
import jrnn.models.OutputKind;
import jrnn.models.Readout;
import jrnn.params.ParamLayout;
import jrnn.util.Rng;

/**
 * A finite-difference check of a whole model in double precision: random parameters, a batch of
 * sequences of different lengths, random initial states, and optionally fixed dropout masks.
 * Every parameter tensor, every input and every initial state is checked element by element.
 */
public final class ModelGradientCheck {
  private ModelGradientCheck() {}

  /**
   * The worst element of each checked group (one per parameter, plus inputs and states).
   *
   * @param results the worst element of each group checked
   */
  public record Report(List<GradientCheck.Result> results) {
    /** The largest relative error over all groups. */
    public double maxRelativeError() {
      return results.stream().mapToDouble(GradientCheck.Result::maxRelativeError).max().orElse(0);
    }

    /** The number of elements checked, over all groups. */
    public int checked() {
      return results.stream().mapToInt(GradientCheck.Result::checked).sum();
    }

    /** The number of elements skipped at kinks, over all groups. */
    public int skippedAtKinks() {
      return results.stream().mapToInt(GradientCheck.Result::skippedAtKinks).sum();
    }
  }

  /** Sequence lengths of the checked batch: different, and shorter than the longest. */
  public static final int[] LENGTHS = {5, 2, 4};

  /** A batch of random samples for {@code cfg}, with initial states and, if asked, dropout masks. */
  public static List<ReferenceModel.Sample> randomSamples(ModelConfig cfg, int[] lengths,
      boolean dropout, Rng rng) {
    var rnn = cfg.recurrent();
    int slots = rnn.stateSlots();
    int h = cfg.hiddenSize();
    List<ReferenceModel.Sample> samples = new ArrayList<>();
    for (int len : lengths) {
      int[] tokens = null;
      double[][] inputs = null;
      if (cfg.tokenInput()) {
        tokens = new int[len];
        for (int t = 0; t < len; t++) {
          tokens[t] = rng.nextInt(cfg.vocabSize());
        }
      } else {
        inputs = new double[len][cfg.inputSize()];
        for (double[] row : inputs) {
          fill(row, rng, 1.0);
        }
      }
      int outputs = cfg.readout() == Readout.EVERY_STEP ? len : 1;
      int[] targets = null;
      double[][] values = null;
      if (cfg.output() == OutputKind.SOFTMAX) {
        targets = new int[outputs];
        for (int o = 0; o < outputs; o++) {
          targets[o] = rng.nextInt(cfg.outputSize());
        }
      } else {
        values = new double[outputs][cfg.outputSize()];
        for (double[] row : values) {
          fill(row, rng, 1.0);
        }
      }
      double[][] h0 = new double[slots][h];
      double[][] c0 = cfg.cell().hasCellState() ? new double[slots][h] : null;
      for (int s = 0; s < slots; s++) {
        fill(h0[s], rng, 0.5);
        if (c0 != null) {
          fill(c0[s], rng, 0.5);
        }
      }
      double[][][] masks = null;
      if (dropout) {
        masks = new double[rnn.layers() + 1][][];
        for (int site = 0; site <= rnn.layers(); site++) {
          int width = site < rnn.layers() ? rnn.layerInputSize(site) : cfg.headInputSize();
          int rows = site < rnn.layers() ? len : outputs;
          masks[site] = new double[rows][width];
          for (double[] row : masks[site]) {
            for (int j = 0; j < width; j++) {
              row[j] = rng.nextDouble() < cfg.dropout() ? 0 : 1 / (1 - cfg.dropout());
            }
          }
        }
      }
      samples.add(new ReferenceModel.Sample(tokens, inputs, targets, values, h0, c0, masks));
    }
    return samples;
  }

  /** Random parameters, uniform in [-0.5, 0.5). */
  public static double[] randomParameters(ModelConfig cfg, Rng rng) {
    double[] p = new double[cfg.parameterLayout().size()];
    fill(p, rng, 0.5);
    return p;
  }

  private static void fill(double[] a, Rng rng, double scale) {
    for (int i = 0; i < a.length; i++) {
      a[i] = rng.uniform(-scale, scale);
    }
  }

  /** Checks every parameter, input and initial state of {@code cfg} on a random batch. */
  public static Report run(ModelConfig cfg, long seed, LossNormalization normalization,
      ReferenceModel.ReferenceCellFactory cells) {
    Rng rng = new Rng(seed);
    double[] params = randomParameters(cfg, rng);
    List<ReferenceModel.Sample> samples = randomSamples(cfg, LENGTHS, cfg.dropout() > 0, rng);
    ReferenceModel model = new ReferenceModel(cfg, params, cells);
    ReferenceModel.Result analytic = model.run(samples, normalization);
    java.util.function.DoubleSupplier loss = () -> model.loss(samples, normalization);
    List<GradientCheck.Result> results = new ArrayList<>();
    ParamLayout layout = model.layout();
    for (ParamLayout.Entry e : layout.entries()) {
      results.add(GradientCheck.check(e.name(), params, e.offset(), e.size(), analytic.grads,
          e.offset(), loss));
    }
    GradientCheck.Result inputs = GradientCheck.Result.empty("inputs");
    GradientCheck.Result h0 = GradientCheck.Result.empty("initial h");
    GradientCheck.Result c0 = GradientCheck.Result.empty("initial c");
    for (int b = 0; b < samples.size(); b++) {
      ReferenceModel.Sample s = samples.get(b);
      if (s.inputs() != null) {
        for (int t = 0; t < s.length(); t++) {
          inputs = inputs.merge(GradientCheck.check("inputs", s.inputs()[t],
              analytic.dInputs.get(b)[t], loss));
        }
      }
      for (int slot = 0; slot < s.h0().length; slot++) {
        h0 = h0.merge(GradientCheck.check("initial h", s.h0()[slot], analytic.dH0.get(b)[slot], loss));
        if (s.c0() != null) {
          c0 = c0.merge(GradientCheck.check("initial c", s.c0()[slot], analytic.dC0.get(b)[slot], loss));
        }
      }
    }
    if (!cfg.tokenInput()) {
      results.add(inputs);
    }
    results.add(h0);
    if (cfg.cell().hasCellState()) {
      results.add(c0);
    }
    return new Report(results);
  }
}
