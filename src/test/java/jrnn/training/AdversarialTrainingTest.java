package jrnn.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jrnn.cells.CellType;
import jrnn.data.Batch;
import jrnn.layers.Bidirectional;
import jrnn.layers.RecurrentState;
import jrnn.models.LossNormalization;
import jrnn.models.ModelConfig;
import jrnn.models.OutputKind;
import jrnn.models.Readout;
import jrnn.models.SequenceModel;
import jrnn.optim.LearningRateSchedule;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;
import org.junit.jupiter.api.Test;

/**
 * Adversarial training on the embedded words of a classifier: the perturbation's size and
 * direction, and the gradient it adds. The double-precision check of the objective is
 * {@code jrnn.reference.AdversarialGradientTest}.
 */
class AdversarialTrainingTest {
  static final int STEPS = 5;
  static final int[] LENGTHS = {5, 2, 4};

  static ModelConfig classifier() {
    return new ModelConfig(11, 6, CellType.parse("lstm"), 7, 1, Bidirectional.CONCAT, 0, Readout.MAX, 2,
        OutputKind.SOFTMAX);
  }

  static Batch sentences(Rng rng) {
    int size = LENGTHS.length;
    int[] tokens = new int[STEPS * size];
    for (int b = 0; b < size; b++) {
      for (int t = 0; t < LENGTHS[b]; t++) {
        tokens[t * size + b] = 1 + rng.nextInt(10);
      }
    }
    return Batch.ofTokens(STEPS, size, tokens, LENGTHS.clone(), new int[] {1, 0, 1});
  }

  static SequenceModel model(long seed) {
    SequenceModel m = new SequenceModel(classifier());
    m.initialize(new Rng(seed), 0, 1);
    return m;
  }

  static TrainingConfig config(double eps) {
    return new TrainingConfig("adam", 0, new LearningRateSchedule(1e-3, 1, 1), 0, 0, 0,
        LossNormalization.PER_OUTPUT, eps);
  }

  /** r for the batch from a clean training pass's input gradient. */
  static Tensor perturbation(SequenceModel m, Batch batch, double eps) {
    m.parameters().zeroGrads();
    m.forward(batch, null, true, new Rng(0));
    m.backward(LossNormalization.PER_OUTPUT);
    Tensor r = Tensor.zeros(STEPS * LENGTHS.length * m.config().inputSize());
    Trainer.adversarialPerturbation(m.inputGradient(), batch, m.config().inputSize(), eps, r);
    return r;
  }

  @Test
  void eachSequenceIsMovedByTheNormAlongItsGradientAndPaddingIsNot() {
    Rng rng = new Rng(3);
    Batch batch = sentences(rng);
    int x = 4;
    int size = LENGTHS.length;
    Tensor g = Tensor.zeros(STEPS * size * x);
    for (int i = 0; i < g.size(); i++) {
      g.set(i, (float) rng.uniform(-1, 1));
    }
    Tensor r = Tensor.zeros(g.size());
    r.set(g.size() - 1, 9f);
    Trainer.adversarialPerturbation(g, batch, x, 0.7, r);
    for (int b = 0; b < size; b++) {
      double norm = 0;
      double dot = 0;
      double gNorm = 0;
      for (int t = 0; t < STEPS; t++) {
        for (int j = 0; j < x; j++) {
          int i = (t * size + b) * x + j;
          if (t >= LENGTHS[b]) {
            assertEquals(0f, r.get(i), "padded step " + t + " of sequence " + b);
            continue;
          }
          norm += r.get(i) * r.get(i);
          dot += r.get(i) * g.get(i);
          gNorm += g.get(i) * g.get(i);
        }
      }
      assertEquals(0.7, Math.sqrt(norm), 1e-6, "norm of sequence " + b + "'s perturbation");
      assertEquals(1.0, dot / (Math.sqrt(norm) * Math.sqrt(gNorm)), 1e-6, "along the gradient, not against it");
    }
  }

  @Test
  void aSequenceWithoutGradientIsNotMoved() {
    Batch batch = sentences(new Rng(4));
    Tensor g = Tensor.zeros(STEPS * LENGTHS.length * 2);
    Tensor r = Tensor.zeros(g.size());
    Trainer.adversarialPerturbation(g, batch, 2, 1.0, r);
    for (int i = 0; i < r.size(); i++) {
      assertEquals(0f, r.get(i), "element " + i);
    }
  }

  @Test
  void thePerturbationRaisesTheLossAsTheGradientForetells() {
    SequenceModel m = model(5);
    Batch batch = sentences(new Rng(5));
    double clean = m.forward(batch, null, true, new Rng(0)).sum() / LENGTHS.length;
    double eps = 1e-2;
    Tensor r = perturbation(m, batch, eps);
    // To first order the loss rises by r . g = eps * (sum over sequences of ||g_b||).
    Tensor g = m.inputGradient();
    double expected = 0;
    int x = m.config().inputSize();
    for (int b = 0; b < LENGTHS.length; b++) {
      double sq = 0;
      for (int t = 0; t < LENGTHS[b]; t++) {
        for (int j = 0; j < x; j++) {
          double v = g.get((t * LENGTHS.length + b) * x + j);
          sq += v * v;
        }
      }
      expected += eps * Math.sqrt(sq);
    }
    m.perturbInputs(r);
    double moved = m.forward(batch, null, true, new Rng(0)).sum() / LENGTHS.length;
    m.perturbInputs(null);
    assertTrue(expected > 1e-4, "the gradient is not negligible: " + expected);
    assertEquals(expected, moved - clean, 0.05 * expected, "rise of the loss");
  }

  @Test
  void evaluationIsNeverPerturbed() {
    SequenceModel m = model(6);
    Batch batch = sentences(new Rng(6));
    m.forward(batch, null, false, null);
    float[] before = m.outputs().toArray();
    m.perturbInputs(perturbation(m, batch, 5.0));
    m.forward(batch, null, false, null);
    assertArrayEquals(before, m.outputs().toArray());
    m.forward(batch, null, true, new Rng(0));
    assertTrue(Math.abs(m.outputs().get(0) - before[0]) > 1e-6, "a training pass is perturbed");
  }

  @Test
  void theGradientIsTheCleanPassPlusThePerturbedPass() {
    Batch batch = sentences(new Rng(7));
    double eps = 0.5;
    SequenceModel m = model(7);
    Tensor r = perturbation(m, batch, eps);
    float[] clean = m.parameters().grads().toArray();
    m.parameters().zeroGrads();
    m.perturbInputs(r);
    m.forward(batch, null, true, new Rng(0));
    m.backward(LossNormalization.PER_OUTPUT);
    m.perturbInputs(null);
    float[] moved = m.parameters().grads().toArray();

    SequenceModel trained = model(7);
    Trainer t = new Trainer(trained, config(eps), new Rng(0));
    double loss = t.gradients(batch, null).sum();
    float[] both = trained.parameters().grads().toArray();
    double differs = 0;
    for (int i = 0; i < both.length; i++) {
      assertEquals(clean[i] + moved[i], both[i], 1e-6 * (1 + Math.abs(both[i])), "gradient element " + i);
      differs = Math.max(differs, Math.abs(moved[i] - clean[i]));
    }
    assertTrue(differs > 1e-4, "the perturbed pass has a gradient of its own: " + differs);
    assertEquals(model(7).forward(batch, null, true, new Rng(0)).sum(), loss, 1e-6, "the clean loss is returned");
  }

  @Test
  void windowsOfAStreamAreRefused() {
    SequenceModel m = model(8);
    Batch batch = sentences(new Rng(8));
    Trainer t = new Trainer(m, config(1.0), new Rng(0));
    RecurrentState carried = RecurrentState.zeros(classifier().recurrent(), LENGTHS.length);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.gradients(batch, carried));
    assertTrue(e.getMessage().contains("stream"), e.getMessage());
  }

  @Test
  void aNegativeOrInfiniteNormIsRefused() {
    for (double eps : new double[] {-1, Double.NaN, Double.POSITIVE_INFINITY}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> config(eps));
      assertTrue(e.getMessage().contains(Double.toString(eps)), e.getMessage());
    }
  }
}
