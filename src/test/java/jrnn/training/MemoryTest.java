package jrnn.training;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
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

/** Nothing grows with the number of steps run: after the first update, no new off-heap memory. */
class MemoryTest {
  static long direct() {
    for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      if (pool.getName().equals("direct")) {
        return pool.getMemoryUsed();
      }
    }
    throw new AssertionError("no direct buffer pool");
  }

  @Test
  void trainingAllocatesNoTensorsAfterTheFirstStep() {
    ModelConfig cfg = new ModelConfig(0, 4, CellType.parse("gru"), 48, 2, Bidirectional.CONCAT, 0.2,
        Readout.EVERY_STEP, 4, OutputKind.SOFTMAX);
    SequenceModel m = new SequenceModel(cfg);
    Rng rng = new Rng(1);
    m.initialize(rng, 0, 0);
    Trainer t = new Trainer(m, new TrainingConfig("adam", 0, LearningRateSchedule.constant(1e-3), 1, 0, 0,
        LossNormalization.PER_OUTPUT), rng);
    t.step(SyntheticTasks.echo(rng, 16, 20, 4, 2), null);
    long after1 = direct();
    for (int i = 0; i < 30; i++) {
      t.step(SyntheticTasks.echo(rng, 16, 20, 4, 2), null);
    }
    // The batches themselves are new tensors each time ([T, B, X] inputs); the model's are not.
    long perBatch = 20L * 16 * 4 * 4 + 2 * 64 + 64;
    long grown = direct() - after1;
    assertTrue(grown <= 31 * perBatch, "off-heap memory grew by " + grown + " bytes over 30 updates");
  }
}
