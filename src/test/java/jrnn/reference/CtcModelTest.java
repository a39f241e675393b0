package jrnn.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import jrnn.cells.CellType;
import jrnn.data.Batch;
import jrnn.kernels.Kernels;
import jrnn.layers.Bidirectional;
import jrnn.layers.Ctc;
import jrnn.models.LossNormalization;
import jrnn.models.ModelConfig;
import jrnn.models.OutputKind;
import jrnn.models.Readout;
import jrnn.models.SequenceModel;
import jrnn.params.ParamLayout;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;
import org.junit.jupiter.api.Test;

/**
 * A recurrent model trained by CTC through {@link SequenceModel#backwardFromOutputs}: every
 * parameter's gradient against finite differences of the double reference model's outputs
 * scored by CTC, over a padded batch, bidirectional.
 */
class CtcModelTest {
  static final int CLASSES = 4;
  static final int[] LENGTHS = {6, 3, 5};
  static final int[][] LABELS = {{1, 2, 2}, {3}, {1, 3}};

  static List<ReferenceModel.Sample> samples(ModelConfig cfg, Rng rng) {
    List<ReferenceModel.Sample> out = new ArrayList<>();
    for (int len : LENGTHS) {
      double[][] x = new double[len][cfg.inputSize()];
      for (double[] row : x) {
        for (int j = 0; j < row.length; j++) {
          row[j] = (float) rng.uniform(-1, 1);
        }
      }
      out.add(new ReferenceModel.Sample(null, x, null, new double[len][CLASSES], null, null, null));
    }
    return out;
  }

  /** The mean CTC loss over the batch of the reference model's per-step outputs. */
  static double referenceLoss(ModelConfig cfg, double[] p, List<ReferenceModel.Sample> samples) {
    ReferenceModel.Result r = new ReferenceModel(cfg, p).run(samples, LossNormalization.PER_SEQUENCE);
    double sum = 0;
    for (int b = 0; b < samples.size(); b++) {
      double[][] z = r.outputValues.get(b);
      double[] flat = new double[z.length * CLASSES];
      for (int t = 0; t < z.length; t++) {
        System.arraycopy(z[t], 0, flat, t * CLASSES, CLASSES);
      }
      sum += Ctc.loss(flat, 0, CLASSES, z.length, CLASSES, 0, LABELS[b], null, 1).loss();
    }
    return sum / samples.size();
  }

  @Test
  void everyParameterGradientAgreesWithFiniteDifferencesOfTheReference() {
    for (String cell : new String[] {"lstm", "gru"}) {
      ModelConfig cfg = new ModelConfig(0, 3, CellType.parse(cell), 5, 2, Bidirectional.CONCAT, 0,
          Readout.EVERY_STEP, CLASSES, OutputKind.LINEAR);
      Rng rng = new Rng(cell.hashCode());
      double[] p = ModelGradientCheck.randomParameters(cfg, rng);
      for (int i = 0; i < p.length; i++) {
        p[i] = (float) p[i];
      }
      List<ReferenceModel.Sample> samples = samples(cfg, rng);
      Parameters params = new Parameters(cfg.parameterLayout());
      for (int i = 0; i < p.length; i++) {
        params.values().set(i, (float) p[i]);
      }
      SequenceModel model = new SequenceModel(cfg, params, Kernels.best());
      Batch full = EngineComparison.batchOf(cfg, samples);
      Batch batch = Batch.ofInputs(full.inputs(), full.lengths(), null);
      model.forward(batch, null, true, null);
      int steps = batch.steps();
      int b = batch.size();
      Tensor grad = Tensor.zeros(steps * b * CLASSES);
      Ctc.Result[] losses = Ctc.batch(model.outputs(), steps, b, CLASSES, 0, batch.lengths(), LABELS, grad, 1.0 / b);
      double engineLoss = 0;
      for (Ctc.Result r : losses) {
        engineLoss += r.loss() / b;
      }
      assertEquals(referenceLoss(cfg, p, samples), engineLoss, 1e-4, cell + ": the loss");
      model.backwardFromOutputs(grad);
      double[] analytic = params.grads().toDoubleArray();
      for (ParamLayout.Entry e : cfg.parameterLayout().entries()) {
        double diff = 0;
        double norm = 0;
        for (int i = e.offset(); i < e.offset() + e.size(); i++) {
          double numeric = GradientCheck.derivative(p, i, GradientCheck.STEP / 2, () -> referenceLoss(cfg, p, samples));
          diff += (analytic[i] - numeric) * (analytic[i] - numeric);
          norm += numeric * numeric;
        }
        double rel = Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-6);
        assertTrue(rel < 1e-4, cell + " " + e.name() + ": relative difference " + rel);
      }
    }
  }

  @Test
  void anOutsideGradientNeedsATrainingPassOfTheRightSize() {
    ModelConfig cfg = new ModelConfig(0, 3, CellType.parse("gru"), 5, 1, Bidirectional.NONE, 0, Readout.EVERY_STEP,
        CLASSES, OutputKind.LINEAR);
    SequenceModel model = new SequenceModel(cfg);
    assertThrows(IllegalStateException.class, () -> model.backwardFromOutputs(Tensor.zeros(100)));
    Batch batch = Batch.ofInputs(Tensor.zeros(4, 2, 3), new int[] {4, 2}, null);
    model.forward(batch, null, true, null);
    Exception e = assertThrows(RuntimeException.class, () -> model.backwardFromOutputs(Tensor.zeros(10)));
    assertTrue(e.getMessage().contains("10 output gradients") && e.getMessage().contains("8 x 4"), e.getMessage());
  }
}
