package jrnn.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import jrnn.cells.CellType;
import jrnn.data.SyntheticTasks;
import jrnn.layers.Bidirectional;
import jrnn.models.LossNormalization;
import jrnn.models.ModelConfig;
import jrnn.models.OutputKind;
import jrnn.models.Readout;
import jrnn.models.SequenceModel;
import jrnn.optim.LearningRateSchedule;
import jrnn.util.Rng;
import org.junit.jupiter.api.Test;

/** The trainer takes each update's rate from the configuration's schedule, by epoch. */
class TrainerScheduleTest {

  @Test
  void updatesUseTheRateOfTheCurrentEpoch() {
    ModelConfig cfg = new ModelConfig(0, 3, CellType.parse("gru"), 5, 1, Bidirectional.NONE, 0,
        Readout.EVERY_STEP, 3, OutputKind.SOFTMAX);
    SequenceModel m = new SequenceModel(cfg);
    Rng rng = new Rng(1);
    m.initialize(rng, 0, 1);
    // Zaremba et al.'s shape: rate 1 for the first 2 epochs, then halved every epoch.
    Trainer t = new Trainer(m, new TrainingConfig("sgd", 0, new LearningRateSchedule(1.0, 2, 0.5), 5, 0, 0,
        LossNormalization.PER_OUTPUT), rng);
    double[] expected = {1.0, 1.0, 0.5, 0.25};
    for (int e = 0; e < expected.length; e++) {
      t.startEpoch(e);
      assertEquals(expected[e], t.learningRate(), 0, "rate of epoch " + e);
      assertEquals(expected[e], t.step(SyntheticTasks.echo(rng, 4, 6, 3, 1), null).lr(), 0,
          "rate the update of epoch " + e + " used");
    }
    assertThrows(IllegalArgumentException.class, () -> t.startEpoch(-1));
  }
}
