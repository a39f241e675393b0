package jrnn.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import jrnn.cells.CellType;
import jrnn.data.Batch;
import jrnn.layers.Bidirectional;
import jrnn.optim.Adam;
import jrnn.optim.Sgd;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Frozen parameters ({@link Parameters#freeze}) let the cells pack their recurrent weights once
 * for many forward passes. A pass inside a freeze gives the very bits of a pass outside one, and
 * a new freeze packs the weights as they are then, never as they were in an earlier one.
 */
class FrozenParametersTest {

  private static final int STEPS = 6;
  private static final int[] LENGTHS = {6, 3, 5};

  private static Batch batch(ModelConfig cfg, Rng rng) {
    Tensor in = Tensor.zeros(STEPS, LENGTHS.length, cfg.inputSize());
    for (int i = 0; i < in.size(); i++) {
      in.set(i, (float) rng.uniform(-1, 1));
    }
    return Batch.ofInputs(in, LENGTHS, new int[LENGTHS.length]);
  }

  private static float[] outputs(SequenceModel model, Batch batch) {
    model.forward(batch, null, false, null);
    return model.outputs().toArray();
  }

  @TestFactory
  List<DynamicTest> aFreezeReusesThePackedWeightsAndANewOneRepacksThem() {
    List<DynamicTest> tests = new ArrayList<>();
    for (CellType cell : CellType.all()) {
      tests.add(DynamicTest.dynamicTest(cell.name(), () -> check(cell)));
    }
    return tests;
  }

  private static void check(CellType cell) {
    ModelConfig cfg = new ModelConfig(0, 3, cell, 5, 2, Bidirectional.CONCAT, 0, Readout.LAST, 3,
        OutputKind.SOFTMAX);
    Rng rng = new Rng(11);
    SequenceModel model = new SequenceModel(cfg);
    model.initialize(rng, 0.5, 0);
    Batch batch = batch(cfg, rng);
    Parameters params = model.parameters();
    float[] before = outputs(model, batch);

    try (Parameters.Frozen frozen = params.freeze()) {
      assertArrayEquals(before, outputs(model, batch), "first pass inside the freeze");
      assertArrayEquals(before, outputs(model, batch), "second pass, weights packed before");
    }

    // Change every weight, then freeze again: the passes must see the new weights.
    Tensor w = params.values();
    for (int i = 0; i < w.size(); i++) {
      w.set(i, w.get(i) * 0.5f + 0.01f);
    }
    float[] changed;
    try (Parameters.Frozen frozen = params.freeze()) {
      changed = outputs(model, batch);
      assertArrayEquals(changed, outputs(model, batch), "a pass inside the second freeze");
    }
    assertFalse(Arrays.equals(before, changed), "halving the weights changed nothing");
    assertArrayEquals(changed, outputs(model, batch), "the new weights unfrozen");
  }

  @Test
  void aFreezeInsideAFreezeEndsWithTheOuterOne() {
    Parameters params = new Parameters(jrnn.params.ParamLayout.builder().add("a.weight", 3).build());
    assertEquals(0, params.freezeInForce());
    try (Parameters.Frozen outer = params.freeze()) {
      int n = params.freezeInForce();
      assertNotEquals(0, n);
      try (Parameters.Frozen inner = params.freeze()) {
        assertEquals(n, params.freezeInForce());
      }
      assertEquals(n, params.freezeInForce(), "closing the inner freeze ended the outer one");
    }
    assertEquals(0, params.freezeInForce());
    try (Parameters.Frozen again = params.freeze()) {
      assertTrue(params.freezeInForce() > 0);
    }
  }

  @Test
  void freezesFromTwoThreadsJoinAndTheLastToCloseEndsThem() throws Exception {
    Parameters params = new Parameters(jrnn.params.ParamLayout.builder().add("a.weight", 3).build());
    Parameters.Frozen first = params.freeze();
    int n = params.freezeInForce();
    java.util.concurrent.CompletableFuture<Parameters.Frozen> other =
        java.util.concurrent.CompletableFuture.supplyAsync(params::freeze);
    Parameters.Frozen second = other.get();
    assertEquals(n, params.freezeInForce(), "a freeze taken in another thread joins the one in force");
    first.close();
    first.close();
    assertEquals(n, params.freezeInForce(), "closing one scope (twice) ended the other thread's");
    java.util.concurrent.CompletableFuture.runAsync(second::close).get();
    assertEquals(0, params.freezeInForce());
  }

  @Test
  void nothingChangesFrozenParameters() {
    Parameters params = new Parameters(jrnn.params.ParamLayout.builder().add("a.weight", 3).build());
    params.grads().fill(1f);
    try (Parameters.Frozen frozen = params.freeze()) {
      IllegalStateException sgd = assertThrows(IllegalStateException.class, () -> new Sgd().step(params, 0.1));
      assertTrue(sgd.getMessage().contains("Sgd.step") && sgd.getMessage().contains("frozen"), sgd.getMessage());
      IllegalStateException adam = assertThrows(IllegalStateException.class,
          () -> new Adam(0.9, 0.999, 1e-8).step(params, 0.1));
      assertTrue(adam.getMessage().contains("Adam.step"), adam.getMessage());
      Parameters other = new Parameters(params.layout());
      IllegalStateException copy = assertThrows(IllegalStateException.class, () -> params.copyValuesFrom(other));
      assertTrue(copy.getMessage().contains("copyValuesFrom"), copy.getMessage());
      assertEquals(0f, params.values().get(0), "a refused step changed a weight");
    }
    new Sgd().step(params, 0.1);
    assertEquals(-0.1f, params.values().get(0), 1e-7f, "after the freeze, steps go on");
  }

  /** A workspace that packed its weights in the freeze would go on computing with the old ones. */
  @Test
  void noModelIsInitializedOrLoadedIntoFrozenParameters() throws Exception {
    ModelConfig cfg = new ModelConfig(0, 3, CellType.parse("lstm"), 4, 1, Bidirectional.NONE, 0,
        Readout.EVERY_STEP, 2, OutputKind.SOFTMAX);
    SequenceModel model = new SequenceModel(cfg);
    model.initialize(new Rng(1), 0.2, 0);
    float[] before = model.parameters().values().toArray();
    jrnn.io.ModelFile file = new jrnn.io.ModelFile().putParameters(new Parameters(cfg.parameterLayout()));
    EncoderDecoder translator = new EncoderDecoder(new EncoderDecoderConfig(7, 6, 4, CellType.parse("gru"), 3, 1,
        false, 4, 1, jrnn.layers.Attention.Score.ADDITIVE, 5, true, false, 0, 0));
    try (Parameters.Frozen frozen = model.parameters().freeze();
        Parameters.Frozen frozenToo = translator.parameters().freeze()) {
      IllegalStateException init = assertThrows(IllegalStateException.class,
          () -> model.initialize(new Rng(2), 0.2, 0));
      assertTrue(init.getMessage().contains("SequenceModel.initialize"), init.getMessage());
      IllegalStateException load = assertThrows(IllegalStateException.class,
          () -> file.loadParameters(model.parameters()));
      assertTrue(load.getMessage().contains("ModelFile.loadParameters"), load.getMessage());
      IllegalStateException initTranslator = assertThrows(IllegalStateException.class,
          () -> translator.initialize(new Rng(2), 0.2));
      assertTrue(initTranslator.getMessage().contains("EncoderDecoder.initialize"), initTranslator.getMessage());
    }
    assertArrayEquals(before, model.parameters().values().toArray(), "a refused change changed a weight");
  }
}
