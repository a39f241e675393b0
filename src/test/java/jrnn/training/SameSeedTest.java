package jrnn.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
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

/**
 * The same seed gives the same run, to the bit: initialisation, dropout masks and data all come
 * from the seed, and the kernels give the same bits before and after the JIT compiles them (the
 * first run here is the JVM's first contact with them, the second is compiled).
 */
class SameSeedTest {

  static float[] train(long seed) {
    ModelConfig cfg = new ModelConfig(0, 4, CellType.parse("lstm-peephole"), 40, 2,
        Bidirectional.CONCAT, 0.3, Readout.EVERY_STEP, 4, OutputKind.SOFTMAX);
    SequenceModel m = new SequenceModel(cfg);
    Rng rng = new Rng(seed);
    m.initialize(rng, 0, 1);
    Trainer t = new Trainer(m, new TrainingConfig("adam", 0, LearningRateSchedule.constant(0.01), 1, 0,
        1e-4, LossNormalization.PER_OUTPUT), rng);
    for (int i = 0; i < 20; i++) {
      t.step(SyntheticTasks.echo(rng, 9, 11, 4, 2), null);
    }
    return m.parameters().values().toArray();
  }

  @Test
  void sameSeedSameParameters() {
    float[] a = train(5);
    float[] b = train(5);
    float[] c = train(6);
    assertArrayEquals(a, b, "same seed");
    assertFalse(Arrays.equals(a, c), "another seed gives another run");
  }
}
