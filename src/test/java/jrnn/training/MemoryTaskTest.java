package jrnn.training;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import jrnn.cells.CellType;
import jrnn.data.Batch;
import jrnn.data.SyntheticTasks;
import jrnn.layers.Bidirectional;
import jrnn.models.LossNormalization;
import jrnn.models.LossStats;
import jrnn.models.ModelConfig;
import jrnn.models.OutputKind;
import jrnn.models.Readout;
import jrnn.models.SequenceModel;
import jrnn.optim.LearningRateSchedule;
import jrnn.util.Rng;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every cell type learns a task that needs memory: echo the symbol seen 3 steps earlier (4
 * symbols, chance 1.386 nats per step), with a fixed seed, in at most 400 updates of Adam. On
 * fresh sequences the loss must fall below 0.15 nats per step and the accuracy exceed 95%.
 */
class MemoryTaskTest {
  static final int SYMBOLS = 4;
  static final int DELAY = 3;
  static final int STEPS = 12;

  @TestFactory
  List<DynamicTest> everyCellLearnsToEcho() {
    List<DynamicTest> tests = new ArrayList<>();
    for (CellType cell : CellType.all()) {
      tests.add(DynamicTest.dynamicTest(cell.name(), () -> {
        ModelConfig cfg = new ModelConfig(0, SYMBOLS, cell, 24, 1, Bidirectional.NONE, 0,
            Readout.EVERY_STEP, SYMBOLS, OutputKind.SOFTMAX);
        SequenceModel model = new SequenceModel(cfg);
        Rng rng = new Rng(2024);
        model.initialize(rng, 0, 0);
        Trainer trainer = new Trainer(model, new TrainingConfig("adam", 0,
            LearningRateSchedule.constant(0.02), 1.0, 0, 0, LossNormalization.PER_OUTPUT), rng);
        LossStats eval = null;
        for (int i = 1; i <= 400; i++) {
          trainer.step(SyntheticTasks.echo(rng, 32, STEPS, SYMBOLS, DELAY), null);
          if (i % 50 == 0) {
            Batch fresh = SyntheticTasks.echo(new Rng(7), 256, STEPS, SYMBOLS, DELAY);
            eval = model.forward(fresh, null, false, null);
            if (eval.mean() < 0.15 && eval.accuracy() > 0.95) {
              break;
            }
          }
        }
        assertTrue(eval.mean() < 0.15 && eval.accuracy() > 0.95,
            cell.name() + ": loss " + eval.mean() + " nats/step, accuracy " + eval.accuracy());
      }));
    }
    return tests;
  }
}
