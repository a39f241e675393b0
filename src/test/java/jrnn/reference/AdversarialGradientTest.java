package jrnn.reference;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import jrnn.cells.CellType;
import jrnn.data.Batch;
import jrnn.layers.Bidirectional;
import jrnn.models.LossNormalization;
import jrnn.models.ModelConfig;
import jrnn.models.OutputKind;
import jrnn.models.Readout;
import jrnn.models.SequenceModel;
import jrnn.optim.LearningRateSchedule;
import jrnn.params.ParamLayout;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;
import jrnn.training.Trainer;
import jrnn.training.TrainingConfig;
import jrnn.util.Rng;
import org.junit.jupiter.api.Test;

/**
 * Adversarial training's objective, L(x) + L(x + r) with r held constant, in double precision:
 * its gradient from the reference model passes a finite-difference check, and the engine's
 * {@link Trainer#gradients} agrees with it; a lost second pass or a perturbation of the wrong
 * sign does not.
 */
class AdversarialGradientTest {
  static final double EPS = 0.8;
  static final double AGREEMENT = 1e-4;

  record Case(ModelConfig cfg, double[] params, List<ReferenceModel.Sample> clean, float[] engineGrads,
      Tensor r, Batch batch) {}

  static Case run(ModelConfig cfg, long seed) {
    Rng rng = new Rng(seed);
    double[] p = ModelGradientCheck.randomParameters(cfg, rng);
    Parameters params = new Parameters(cfg.parameterLayout());
    for (int i = 0; i < p.length; i++) {
      p[i] = (float) p[i];
      params.values().set(i, (float) p[i]);
    }
    List<ReferenceModel.Sample> clean = new ArrayList<>();
    for (int len : ModelGradientCheck.LENGTHS) {
      double[][] x = new double[len][cfg.inputSize()];
      for (double[] row : x) {
        for (int j = 0; j < row.length; j++) {
          row[j] = (float) rng.uniform(-1, 1);
        }
      }
      clean.add(new ReferenceModel.Sample(null, x, new int[] {rng.nextInt(cfg.outputSize())}, null, null, null,
          null));
    }
    Batch batch = EngineComparison.batchOf(cfg, clean);
    // r = EPS * g_b / ||g_b|| from the reference's input gradient, independently of the trainer's.
    List<double[][]> g = new ReferenceModel(cfg, p).run(clean, LossNormalization.PER_OUTPUT).dInputs;
    int size = clean.size();
    int x = cfg.inputSize();
    Tensor r = Tensor.zeros(batch.steps() * size * x);
    for (int b = 0; b < size; b++) {
      double squares = 0;
      for (double[] row : g.get(b)) {
        for (double v : row) {
          squares += v * v;
        }
      }
      for (int t = 0; t < g.get(b).length; t++) {
        for (int j = 0; j < x; j++) {
          r.set((t * size + b) * x + j, (float) (EPS * g.get(b)[t][j] / Math.sqrt(squares)));
        }
      }
    }
    SequenceModel engine = new SequenceModel(cfg, params, jrnn.kernels.Kernels.best());
    Trainer trainer = new Trainer(engine, new TrainingConfig("sgd", 0, new LearningRateSchedule(0.1, 1, 1), 0, 0, 0,
        LossNormalization.PER_OUTPUT, EPS), new Rng(0));
    trainer.gradients(batch, null);
    return new Case(cfg, p, clean, params.grads().toArray(), r, batch);
  }

  /** The samples moved by {@code sign * r}. */
  static List<ReferenceModel.Sample> moved(Case c, double sign) {
    List<ReferenceModel.Sample> out = new ArrayList<>();
    int size = c.clean().size();
    int x = c.cfg().inputSize();
    for (int b = 0; b < size; b++) {
      ReferenceModel.Sample s = c.clean().get(b);
      double[][] in = new double[s.length()][x];
      for (int t = 0; t < s.length(); t++) {
        for (int j = 0; j < x; j++) {
          in[t][j] = s.inputs()[t][j] + sign * c.r().get((t * size + b) * x + j);
        }
      }
      out.add(new ReferenceModel.Sample(null, in, s.targets(), null, null, null, null));
    }
    return out;
  }

  /** The reference gradient of L(x) + L(x + sign * r), or of L(x) alone when sign is 0. */
  static double[] referenceGradient(Case c, double sign) {
    ReferenceModel ref = new ReferenceModel(c.cfg(), c.params());
    double[] g = ref.run(c.clean(), LossNormalization.PER_OUTPUT).grads.clone();
    if (sign != 0) {
      double[] g2 = ref.run(moved(c, sign), LossNormalization.PER_OUTPUT).grads;
      for (int i = 0; i < g.length; i++) {
        g[i] += g2[i];
      }
    }
    return g;
  }

  /** The worst |engine - reference| / (|reference| + 0.2) over all parameters. */
  static double disagreement(float[] engine, double[] reference) {
    double worst = 0;
    for (int i = 0; i < engine.length; i++) {
      worst = Math.max(worst, Math.abs(engine[i] - reference[i]) / (Math.abs(reference[i]) + EngineComparison.ATOL));
    }
    return worst;
  }

  static List<ModelConfig> configs() {
    return List.of(
        new ModelConfig(0, 3, CellType.parse("lstm"), 4, 2, Bidirectional.CONCAT, 0, Readout.MAX, 2,
            OutputKind.SOFTMAX),
        new ModelConfig(0, 3, CellType.parse("gru"), 4, 1, Bidirectional.NONE, 0, Readout.LAST, 3,
            OutputKind.SOFTMAX));
  }

  @Test
  void theObjectivePassesAFiniteDifferenceCheck() {
    for (ModelConfig cfg : configs()) {
      Case c = run(cfg, 11);
      ReferenceModel ref = new ReferenceModel(cfg, c.params());
      List<ReferenceModel.Sample> moved = moved(c, 1);
      double[] analytic = referenceGradient(c, 1);
      ParamLayout layout = cfg.parameterLayout();
      for (ParamLayout.Entry e : layout.entries()) {
        GradientCheck.Result res = GradientCheck.check(e.name(), c.params(), e.offset(), e.size(), analytic,
            e.offset(), () -> ref.loss(c.clean(), LossNormalization.PER_OUTPUT)
                + ref.loss(moved, LossNormalization.PER_OUTPUT));
        assertTrue(res.checked() > 0, cfg.cell().name() + " " + e.name() + ": nothing checked");
        assertTrue(res.maxRelativeError() < ReferenceGradientCheckTest.THRESHOLD,
            cfg.cell().name() + " " + e.name() + ": " + res);
      }
    }
  }

  @Test
  void theEngineAgreesWithTheObjectiveAndNotWithItsSlips() {
    for (ModelConfig cfg : configs()) {
      Case c = run(cfg, 12);
      String name = cfg.cell().name();
      double right = disagreement(c.engineGrads(), referenceGradient(c, 1));
      assertTrue(right < AGREEMENT, name + ": engine against L(x) + L(x + r): " + right);
      double lostPass = disagreement(c.engineGrads(), referenceGradient(c, 0));
      assertTrue(lostPass > 100 * AGREEMENT, name + ": against L(x) alone: " + lostPass);
      double wrongSign = disagreement(c.engineGrads(), referenceGradient(c, -1));
      assertTrue(wrongSign > 10 * AGREEMENT, name + ": against L(x) + L(x - r): " + wrongSign);
    }
  }
}
