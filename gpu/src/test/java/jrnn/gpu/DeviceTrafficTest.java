package jrnn.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import jrnn.apps.translate.TranslationPass;
import jrnn.layers.RecurrentState;
import jrnn.models.EncoderDecoder;
import jrnn.models.EncoderDecoderConfig;
import jrnn.models.LossNormalization;
import jrnn.models.ModelConfig;
import jrnn.models.SequenceModel;
import jrnn.tensor.Tensor;
import jrnn.training.Trainer;
import jrnn.training.TrainingConfig;
import jrnn.util.Rng;
import org.junit.jupiter.api.Test;

/**
 * What crosses between the host and the device in a training update on the device: the batch
 * and what the trainer reads of it, never a buffer of the parameters' size, so that a GPU's
 * update waits on the host only for a few small copies (docs/gpu.md, "jrnn's own stack"). On the
 * host twins, whose every transfer is logged here: two models that differ only in the sizes of
 * their largest parameter groups (vocabularies and embeddings) move the same transfers in every
 * update after the first, and what comes down is the documented list: per row the loss and
 * whether it was right, a language model's final states, and one norm.
 */
class DeviceTrafficTest {
  /** The host twins, logging each transfer between host and device with its length, and each norm brought back. */
  static final class LoggingOps extends HostOps {
    final List<String> log = new ArrayList<>();
    long valuesDown;

    @Override
    public void upload(Floats dst, Tensor src, long n) {
      log.add("up " + n + " floats");
      super.upload(dst, src, n);
    }

    @Override
    public void download(Tensor dst, Floats src, long n) {
      log.add("down " + n + " floats");
      valuesDown += n;
      super.download(dst, src, n);
    }

    @Override
    public void upload(Ints dst, int[] src) {
      log.add("up " + src.length + " ints");
      super.upload(dst, src);
    }

    @Override
    public void download(int[] dst, Ints src, int n) {
      log.add("down " + n + " ints");
      valuesDown += n;
      super.download(dst, src, n);
    }

    @Override
    public double sumOfSquares(Floats[] a, long[] n) {
      log.add("norm");
      return super.sumOfSquares(a, n);
    }

    /** The log since the last call; both it and the count of values brought down start again. */
    List<String> take() {
      List<String> out = List.copyOf(log);
      log.clear();
      valuesDown = 0;
      return out;
    }
  }

  static final int STEPS = 5;
  static final int BATCH = 3;
  static final int HIDDEN = 7;
  static final int LAYERS = 2;

  /** Each update's transfers, of four updates of a 2-layer LSTM language model, states carried, on {@code stack}'s kind. */
  private static List<List<String>> languageModelUpdates(int vocab, int embedding,
      BiFunction<LoggingOps, SequenceModel, OpsStack> stack) {
    LoggingOps ops = new LoggingOps();
    ModelConfig cfg = new ModelConfig(vocab, embedding, jrnn.cells.CellType.parse("lstm"), HIDDEN, LAYERS, null, 0.0,
        null, vocab, null, false);
    SequenceModel m = new SequenceModel(cfg);
    m.initialize(new Rng(1), 0.3, 0);
    TrainingConfig config = TrainingConfig.builder().optimizer(jrnn.optim.Optimizers.sgd(1)).clipNorm(5).build();
    Trainer t = new Trainer(m, config, new Rng(1));
    List<List<String>> updates = new ArrayList<>();
    try (OpsTraining device = new OpsTraining(ops, stack.apply(ops, m), cfg, m.parameters(), config)) {
      t.computeGradientsWith(device);
      Rng rng = new Rng(3);
      RecurrentState carry = null;
      ops.take();
      for (int u = 0; u < 4; u++) {
        t.step(OpsTrainingTest.batch(rng, STEPS, BATCH, new int[] {STEPS, STEPS - 1, STEPS}), carry);
        carry = t.finalState().copy();
        List<String> log = ops.log;
        long down = ops.valuesDown;
        // Down: the loss and the hit of each of the T*B rows, and h and c of each layer.
        assertTrue(down <= 2L * STEPS * BATCH + 2L * LAYERS * BATCH * HIDDEN, "update " + u + " brought " + down
            + " values down: " + log);
        assertEquals(1, log.stream().filter("norm"::equals).count(), "one norm in update " + u + ": " + log);
        updates.add(ops.take());
      }
    }
    return updates;
  }

  @Test
  void aLanguageModelsUpdateMovesItsBatchAndStatesNotItsParameters() {
    List<BiFunction<LoggingOps, SequenceModel, OpsStack>> stacks = List.of(
        (ops, m) -> new FusedCellStack(ops, m.config().recurrent(), m.parameters(), ModelConfig.RNN_PREFIX, 1),
        (ops, m) -> new HostStack(m.config().recurrent(), m.parameters(), ModelConfig.RNN_PREFIX));
    for (BiFunction<LoggingOps, SequenceModel, OpsStack> stack : stacks) {
      List<List<String>> small = languageModelUpdates(23, 4, stack);
      List<List<String>> large = languageModelUpdates(300, 16, stack);
      for (int u = 1; u < small.size(); u++) {
        assertEquals(small.get(u), large.get(u), "update " + u + " of a vocabulary of 23 and one of 300");
      }
    }
  }

  /** Each update's transfers, of four updates of a bidirectional LSTM translator with attention. */
  private static List<List<String>> translatorUpdates(int vocab, int embedding) {
    LoggingOps ops = new LoggingOps();
    EncoderDecoderConfig config = EncoderDecoderConfig.builder().vocabularies(vocab, vocab - 2).embedding(embedding)
        .cell("lstm").additiveAttention(3).encoder(4, 1, true).decoder(6, 2).build();
    EncoderDecoder m = OpsTranslationTest.model(config, 3);
    TrainingConfig training = TrainingConfig.builder().optimizer(jrnn.optim.Optimizers.adam(0.01)).clipNorm(0.5).build();
    Trainer t = new Trainer(m.parameters(), training, new Rng(1));
    List<List<String>> updates = new ArrayList<>();
    try (OpsTranslation device = new OpsTranslation(ops, config, m.parameters(), 1)) {
      t.computeGradientsWith(device);
      Rng rng = new Rng(8);
      ops.take();
      for (int u = 0; u < 4; u++) {
        TranslationPass pass = OpsTranslationTest.pairs(config, rng, 3, 4, LossNormalization.PER_OUTPUT);
        t.update(pass, m);
        // Down: the loss and the hit of each target token's row.
        long rows = (long) pass.batch().targetSteps() * pass.batch().size();
        assertTrue(ops.valuesDown <= 2 * rows, "update " + u + " brought " + ops.valuesDown + " values down: " + ops.log);
        assertEquals(1, ops.log.stream().filter("norm"::equals).count(), "one norm in update " + u + ": " + ops.log);
        updates.add(ops.take());
      }
    }
    return updates;
  }

  @Test
  void aTranslatorsUpdateMovesItsBatchNotItsParameters() {
    List<List<String>> small = translatorUpdates(11, 5);
    List<List<String>> large = translatorUpdates(200, 12);
    for (int u = 1; u < small.size(); u++) {
      assertEquals(small.get(u), large.get(u), "update " + u + " of vocabularies of 11 and of 200");
    }
  }
}
