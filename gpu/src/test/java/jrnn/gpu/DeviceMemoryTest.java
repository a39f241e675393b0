package jrnn.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import jrnn.data.Batch;
import jrnn.decode.BeamSearch;
import jrnn.models.EncoderDecoder;
import jrnn.models.EncoderDecoderConfig;
import jrnn.models.LossNormalization;
import jrnn.models.ModelConfig;
import jrnn.models.SequenceModel;
import jrnn.optim.Optimizers;
import jrnn.training.Trainer;
import jrnn.training.TrainingConfig;
import jrnn.apps.translate.TranslationPass;
import jrnn.util.Rng;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Device memory, on the host twins, which keep account of it ({@link HostOps#liveBuffers}) and
 * refuse a freed buffer's use: a model frees everything it allocated when closed; an allocation
 * that fails anywhere (a device out of memory) leaves nothing allocated once what was made is
 * closed, the constructors' own partial allocations included; and a model whose buffers failed
 * to grow goes on, when memory is there again, with the results of one that never failed.
 */
class DeviceMemoryTest {

  /** Host twins whose allocation number {@link #failAt} (from 1) fails as a device out of memory does. */
  static final class ScarceOps extends HostOps {
    long allocations;
    long failAt = -1;

    @Override
    public Floats floats(long n, String what) {
      take(what);
      return super.floats(n, what);
    }

    @Override
    public Ints ints(int n, String what) {
      take(what);
      return super.ints(n, what);
    }

    private void take(String what) {
      if (++allocations == failAt) {
        throw new OutOfMemory(what);
      }
    }
  }

  /** The planted failure, told apart from any other. */
  static final class OutOfMemory extends IllegalStateException {
    OutOfMemory(String what) {
      super("planted: no device memory for " + what);
    }
  }

  /** What a model is put through: made, trained, grown, used and closed; it returns its last result. */
  interface Life {
    double live(ScarceOps ops);
  }

  private static final TrainingConfig ADAM = TrainingConfig.builder().optimizer(Optimizers.adam(0.01)).clipNorm(1)
      .weightDecay(1e-3).build();

  /** A language model on jrnn's own stack with dropout: Adam's updates, then a longer batch (its buffers grow). */
  static double languageModel(ScarceOps ops) {
    SequenceModel m = OpsTrainingTest.model("lstm", 2, false, 0.2, 3);
    Trainer trainer = new Trainer(m, ADAM, new Rng(1));
    Rng rng = new Rng(4);
    try (OpsTraining device = new OpsTraining(ops, new FusedCellStack(ops, m.config().recurrent(), m.parameters(),
        ModelConfig.RNN_PREFIX, 1), m.config(), m.parameters(), ADAM)) {
      trainer.computeGradientsWith(device);
      trainer.step(OpsTrainingTest.batch(rng, 3, 2, new int[] {3, 2}), null);
      Batch longer = OpsTrainingTest.batch(rng, 5, 4, new int[] {5, 4, 5, 1});
      double loss = trainer.step(longer, null).loss().sum();
      trainer.parametersToHost();
      return loss + m.parameters().values().get(0);
    }
  }

  private static final EncoderDecoderConfig TRANSLATOR = EncoderDecoderConfig.builder().vocabularies(11, 9)
      .embedding(5).cell("lstm").encoder(4, 2, true).decoder(6, 2).additiveAttention(3).dropout(0.2).build();

  /** A translator: Adam's updates, a larger batch, the teacher-forced loss and a beam search on the device. */
  static double translator(ScarceOps ops) {
    return translator(ops, false);
  }

  /**
   * The same with its encoder in a weight space of its own, as cuDNN's is (here jrnn's own stack
   * with its own space, whose buffers the twins count), which the translator owns: freed with it,
   * and when the translator cannot be made.
   */
  static double translatorWithTheEncoderApart(ScarceOps ops) {
    return translator(ops, true);
  }

  private static double translator(ScarceOps ops, boolean encoderApart) {
    EncoderDecoder m = OpsTranslationTest.model(TRANSLATOR, 3);
    Trainer trainer = new Trainer(m.parameters(), ADAM, new Rng(1));
    Rng rng = new Rng(4);
    try (OpsTranslation device = new OpsTranslation(ops, TRANSLATOR, m.parameters(), 1, encoderApart
        ? new FusedCellStack(ops, TRANSLATOR.encoder(), m.parameters(), EncoderDecoderConfig.ENCODER, 1) : null)) {
      trainer.computeGradientsWith(device);
      trainer.update(OpsTranslationTest.pairs(TRANSLATOR, rng, 2, 3, LossNormalization.PER_OUTPUT), m);
      TranslationPass larger = OpsTranslationTest.pairs(TRANSLATOR, rng, 4, 5, LossNormalization.PER_OUTPUT);
      double loss = trainer.update(larger, m).loss().sum();
      loss += device.loss(larger.batch()).sum();
      int[] maxLength = {6, 6, 6, 6};
      BeamSearch.Hypothesis[] best = BeamSearch.search(device.search(larger.sources()), 4, 0, 1, 3, maxLength, 1.0);
      for (BeamSearch.Hypothesis h : best) {
        loss += h.logProb();
      }
      return loss;
    }
  }

  /** A language model's passes made for inference in jrnn's own stack: a batch's loss, then a longer batch's. */
  static double languageModelForInference(ScarceOps ops) {
    SequenceModel m = OpsTrainingTest.model("lstm", 2, false, 0.2, 3);
    Rng rng = new Rng(4);
    try (OpsTraining passes = OpsTraining.forInference(ops, FusedCellStack.forInference(ops, m.config().recurrent(),
        m.parameters(), ModelConfig.RNN_PREFIX), m.config(), m.parameters())) {
      passes.refresh();
      double loss = passes.forward(OpsTrainingTest.batch(rng, 3, 2, new int[] {3, 2}), null).sum();
      return loss + passes.forward(OpsTrainingTest.batch(rng, 5, 4, new int[] {5, 4, 5, 1}), null).sum();
    }
  }

  /** A translator's passes made for inference: the teacher-forced loss, greedy decoding and a beam search. */
  static double translatorForInference(ScarceOps ops) {
    EncoderDecoder m = OpsTranslationTest.model(TRANSLATOR, 3);
    TranslationPass pairs = OpsTranslationTest.pairs(TRANSLATOR, new Rng(4), 4, 5, LossNormalization.PER_OUTPUT);
    try (OpsTranslation passes = OpsTranslation.forInference(ops, TRANSLATOR, m.parameters(), null)) {
      passes.refresh();
      double loss = passes.loss(pairs.batch()).sum();
      int[] maxLength = {6, 6, 6, 6};
      BeamSearch.greedy(passes.search(pairs.sources()), 4, 0, 1, maxLength);
      for (BeamSearch.Hypothesis h : BeamSearch.search(passes.search(pairs.sources()), 4, 0, 1, 3, maxLength, 1.0)) {
        loss += h.logProb();
      }
      return loss;
    }
  }

  static final List<Life> LIVES = List.of(DeviceMemoryTest::languageModel, DeviceMemoryTest::translator,
      DeviceMemoryTest::translatorWithTheEncoderApart, DeviceMemoryTest::languageModelForInference,
      DeviceMemoryTest::translatorForInference);
  static final List<String> NAMES = List.of("a language model", "a translator", "a translator, its encoder apart",
      "a language model's passes made for inference", "a translator's passes made for inference");

  @Test
  void aClosedModelHasFreedAllItsBuffers() {
    for (int k = 0; k < LIVES.size(); k++) {
      ScarceOps ops = new ScarceOps();
      LIVES.get(k).live(ops);
      assertTrue(ops.allocations > 10, NAMES.get(k) + " allocates");
      assertEquals(List.of(), ops.liveBuffers(), NAMES.get(k) + ": buffers left allocated after close");
    }
  }

  /**
   * Every allocation of a model's life fails in turn: the failure is the planted one, reported
   * as it was, and once what was made is closed nothing is left allocated.
   */
  @TestFactory
  List<DynamicTest> anAllocationThatFailsAnywhereLeavesNothingAllocated() {
    List<DynamicTest> tests = new ArrayList<>();
    for (int k = 0; k < LIVES.size(); k++) {
      Life life = LIVES.get(k);
      String name = NAMES.get(k);
      tests.add(DynamicTest.dynamicTest(name, () -> {
        ScarceOps counted = new ScarceOps();
        life.live(counted);
        for (long at = 1; at <= counted.allocations; at++) {
          ScarceOps ops = new ScarceOps();
          ops.failAt = at;
          OutOfMemory failed = assertThrows(OutOfMemory.class, () -> life.live(ops), name + ", allocation " + at);
          assertTrue(failed.getMessage().startsWith("planted: no device memory for "), failed.getMessage());
          assertEquals(List.of(), ops.liveBuffers(), name + ": left allocated when allocation " + at + " failed");
        }
      }));
    }
    return tests;
  }

  /**
   * A model whose buffers fail to grow for a larger batch goes on when memory is there again: the
   * same batch then gives the loss and gradients of a model that never failed.
   */
  @Test
  void aFailedGrowthLeavesATranslatorThatGoesOn() {
    Rng rng = new Rng(4);
    TranslationPass small = OpsTranslationTest.pairs(TRANSLATOR, rng, 2, 3, LossNormalization.PER_OUTPUT);
    TranslationPass larger = OpsTranslationTest.pairs(TRANSLATOR, rng, 4, 6, LossNormalization.PER_OUTPUT);
    EncoderDecoder m = OpsTranslationTest.model(TRANSLATOR, 3);
    double expected;
    long before;
    long grown;
    ScarceOps counted = new ScarceOps();
    try (OpsTranslation device = new OpsTranslation(counted, TRANSLATOR, m.parameters(), 1)) {
      device.compute(small, new Rng(1));
      before = counted.allocations;
      expected = device.compute(larger, new Rng(1)).sum();
      grown = counted.allocations;
    }
    assertTrue(grown > before, "the larger batch grows the buffers");
    for (long at = before + 1; at <= grown; at++) {
      ScarceOps ops = new ScarceOps();
      try (OpsTranslation device = new OpsTranslation(ops, TRANSLATOR, m.parameters(), 1)) {
        device.compute(small, new Rng(1));
        ops.failAt = at;
        assertThrows(OutOfMemory.class, () -> device.compute(larger, new Rng(1)), "allocation " + at);
        ops.failAt = -1;
        assertEquals(expected, device.compute(larger, new Rng(1)).sum(), 1e-9, "after allocation " + at + " failed");
      }
      assertEquals(List.of(), ops.liveBuffers(), "left allocated when allocation " + at + " failed");
    }
  }

  /** The same for a language model on jrnn's own stack. */
  @Test
  void aFailedGrowthLeavesALanguageModelThatGoesOn() {
    Rng rng = new Rng(4);
    Batch small = OpsTrainingTest.batch(rng, 3, 2, new int[] {3, 2});
    Batch longer = OpsTrainingTest.batch(rng, 6, 4, new int[] {6, 4, 5, 1});
    SequenceModel m = OpsTrainingTest.model("gru", 2, false, 0.2, 3);
    TrainingConfig plain = OpsTrainingTest.training(LossNormalization.PER_OUTPUT);
    double expected;
    long before;
    long grown;
    ScarceOps counted = new ScarceOps();
    try (OpsTraining device = languageModelOn(counted, m, plain)) {
      device.compute(small, null, new Rng(1));
      before = counted.allocations;
      expected = device.compute(longer, null, new Rng(1)).sum();
      grown = counted.allocations;
    }
    assertTrue(grown > before, "the longer batch grows the buffers");
    for (long at = before + 1; at <= grown; at++) {
      ScarceOps ops = new ScarceOps();
      try (OpsTraining device = languageModelOn(ops, m, plain)) {
        device.compute(small, null, new Rng(1));
        ops.failAt = at;
        assertThrows(OutOfMemory.class, () -> device.compute(longer, null, new Rng(1)), "allocation " + at);
        ops.failAt = -1;
        assertEquals(expected, device.compute(longer, null, new Rng(1)).sum(), 1e-9,
            "after allocation " + at + " failed");
      }
      assertEquals(List.of(), ops.liveBuffers(), "left allocated when allocation " + at + " failed");
    }
  }

  private static OpsTraining languageModelOn(Ops ops, SequenceModel m, TrainingConfig training) {
    return new OpsTraining(ops, new FusedCellStack(ops, m.config().recurrent(), m.parameters(), ModelConfig.RNN_PREFIX,
        1), m.config(), m.parameters(), training);
  }

  /** A model the device does not train (a linear output read once per sequence) refuses, and frees the stack given it. */
  @Test
  void aModelTheDeviceCannotTrainFreesItsStack() {
    ModelConfig cfg = new ModelConfig(23, 6, jrnn.cells.CellType.parse("gru"), 7, 1, null, 0,
        jrnn.models.Readout.LAST, 2, jrnn.models.OutputKind.LINEAR);
    SequenceModel m = new SequenceModel(cfg);
    HostOps ops = new HostOps();
    FusedCellStack stack = new FusedCellStack(ops, cfg.recurrent(), m.parameters(), ModelConfig.RNN_PREFIX, 1);
    assertEquals(3, ops.liveBuffers().size(), "the stack's weights, gradients and decay mask");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new OpsTraining(ops, stack, cfg,
        m.parameters(), OpsTrainingTest.training(LossNormalization.PER_OUTPUT)));
    assertTrue(e.getMessage().endsWith("train it with --device cpu"), e.getMessage());
    assertEquals(List.of(), ops.liveBuffers());
  }

  /** A free that fails leaves the others freed, and its failure (the first, the rest attached) is thrown after. */
  @Test
  void everyFreeIsTriedAndTheFirstFailureThrown() {
    HostOps ops = new HostOps();
    Allocations first = new Allocations(ops);
    Allocations second = new Allocations(ops);
    first.floats(3, "a");
    Ops.Floats slice = ops.slice(first.floats(4, "b"), 0, 2);
    // A part whose close fails, between two buffers.
    first.own(() -> {
      throw new IllegalStateException("a part that cannot close");
    });
    first.floats(5, "c");
    second.ints(2, "d");
    second.own(() -> ops.free(slice));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> Allocations.freeAll(first, null,
        second));
    assertEquals("a part that cannot close", e.getMessage());
    assertEquals(1, e.getSuppressed().length, "the second set's failure, attached");
    assertTrue(e.getSuppressed()[0].getMessage().contains("is not an allocation"), e.getSuppressed()[0].getMessage());
    assertEquals(List.of(), ops.liveBuffers(), "every buffer freed");
    first.free();
    second.free();
  }

  /** The twins refuse what on a GPU would be silent: a freed buffer's use, and freeing what is not an allocation. */
  @Test
  void theTwinsRefuseAFreedBuffersUse() {
    HostOps ops = new HostOps();
    Ops.Floats f = ops.floats(4, "a test's buffer");
    Ops.Floats slice = ops.slice(f, 1, 2);
    IllegalArgumentException notMine = assertThrows(IllegalArgumentException.class, () -> ops.free(slice));
    assertTrue(notMine.getMessage().contains("is not an allocation"), notMine.getMessage());
    assertEquals(List.of("a test's buffer"), ops.liveBuffers());
    ops.free(f);
    ops.free(f);
    assertEquals(List.of(), ops.liveBuffers());
    IllegalStateException used = assertThrows(IllegalStateException.class, () -> ops.zero(slice, 2));
    assertEquals("a freed buffer used: a test's buffer", used.getMessage());
    Ops.Ints ids = ops.ints(3, "some ids");
    ops.free(ids);
    assertThrows(IllegalStateException.class, () -> ops.upload(ids, new int[3]));
  }
}
