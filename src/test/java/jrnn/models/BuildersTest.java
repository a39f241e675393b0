package jrnn.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jrnn.cells.CellType;
import jrnn.layers.Attention;
import jrnn.layers.Bidirectional;
import jrnn.layers.RecurrentConfig;
import jrnn.optim.Adam;
import jrnn.optim.LearningRateSchedule;
import jrnn.optim.Optimizers;
import jrnn.optim.Sgd;
import jrnn.training.TrainingConfig;
import jrnn.util.Rng;
import org.junit.jupiter.api.Test;

/** The builders name what the records take by position, and refuse what the records refuse, with their words. */
class BuildersTest {

  @Test
  void aModelBuiltByNameIsTheModelBuiltByPosition() {
    ModelConfig byPosition = new ModelConfig(0, 4, CellType.parse("lstm-peephole"), 64, 2, Bidirectional.CONCAT, 0.2,
        Readout.EVERY_STEP, 4, OutputKind.SOFTMAX);
    ModelConfig byName = ModelConfig.builder().inputs(4).cell("lstm-peephole").hidden(64).layers(2)
        .bidirectional(Bidirectional.CONCAT).dropout(0.2).softmax(4).build();
    assertEquals(byPosition, byName);
    assertEquals(new ModelConfig(50, 16, CellType.parse("gru"), 8, 1, Bidirectional.NONE, 0, Readout.LAST, 3,
        OutputKind.LINEAR, false),
        ModelConfig.builder().tokens(50, 16).cell(CellType.parse("gru")).hidden(8).readout(Readout.LAST).linear(3).build());

    SequenceModel built = SequenceModel.builder().inputs(4).cell("lstm").hidden(8).softmax(3).seed(5).forgetBias(1).build();
    SequenceModel byHand = new SequenceModel(ModelConfig.builder().inputs(4).cell("lstm").hidden(8).softmax(3).build());
    byHand.initialize(new Rng(5), 0, 1);
    assertArrayEquals(byHand.parameters().values().toArray(), built.parameters().values().toArray(),
        "the builder initialises as initialize(seed, range, forget bias) does");
  }

  @Test
  void theBuildersRefuseWhatTheRecordsRefuseInTheirWords() {
    IllegalArgumentException positional = assertThrows(IllegalArgumentException.class,
        () -> new ModelConfig(0, 4, CellType.parse("lstm"), 0, 1, Bidirectional.NONE, 0, Readout.LAST, 2, OutputKind.SOFTMAX));
    IllegalArgumentException named = assertThrows(IllegalArgumentException.class,
        () -> ModelConfig.builder().inputs(4).cell("lstm").hidden(0).softmax(2).build());
    assertEquals(positional.getMessage(), named.getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelConfig.builder().cell("lstm").hidden(4).softmax(2)
        .build()).getMessage().contains("inputs are not set"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelConfig.builder().inputs(3).cell("lstm").hidden(4)
        .build()).getMessage().contains("outputs are not set"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelConfig.builder().inputs(3).cell("lsmt"))
        .getMessage().contains("lsmt"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> RecurrentConfig.builder().cell("gru").input(3).hidden(4)
        .dropout(1.5).build()).getMessage().contains("1.5"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Optimizers.adam(-1)).getMessage().contains("-1"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Optimizers.momentum(0.1, 1.2)).getMessage()
        .contains("1.2"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> TrainingConfig.builder().clipNorm(1).build())
        .getMessage().contains("optimizer is not set"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> TrainingConfig.builder().optimizer(Optimizers.sgd(1))
        .clipNorm(-2).build()).getMessage().contains("-2"));
    // NaN would turn clipping off, or NaN every weight after the gradient was found finite.
    assertTrue(assertThrows(IllegalArgumentException.class, () -> TrainingConfig.builder().optimizer(Optimizers.sgd(1))
        .weightDecay(Double.NaN).build()).getMessage().contains("weight-decay NaN"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> TrainingConfig.builder().optimizer(Optimizers.sgd(1))
        .clipNorm(Double.NaN).build()).getMessage().contains("clip-norm NaN"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> TrainingConfig.builder().optimizer(Optimizers.sgd(1))
        .clipValue(Double.POSITIVE_INFINITY).build()).getMessage().contains("clip-value Infinity"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> SequenceModel.builder().forgetBias(Double.NaN))
        .getMessage().contains("forget-gate bias must be finite, got NaN"));
  }

  @Test
  void trainingAndLayerConfigurationsByName() {
    LearningRateSchedule decay = new LearningRateSchedule(1.0, 4, 0.5);
    assertEquals(new TrainingConfig("adam", 0, LearningRateSchedule.constant(1e-3), 1.0, 0, 0, LossNormalization.PER_OUTPUT),
        TrainingConfig.builder().optimizer(Optimizers.adam(1e-3)).clipNorm(1.0).build());
    assertEquals(new TrainingConfig("nesterov", 0.9, LearningRateSchedule.constant(0.1), 0, 0.5, 1e-4,
        LossNormalization.PER_SEQUENCE, 0.02),
        TrainingConfig.builder().optimizer(Optimizers.nesterov(0.1, 0.9)).clipValue(0.5).weightDecay(1e-4)
            .normalization(LossNormalization.PER_SEQUENCE).adversarialNorm(0.02).build());
    assertEquals(decay, TrainingConfig.builder().optimizer(Optimizers.sgd(decay)).build().schedule());
    assertTrue(Optimizers.adam(1e-3).create() instanceof Adam);
    assertTrue(Optimizers.sgd(1).create() instanceof Sgd);

    assertEquals(new RecurrentConfig(CellType.parse("rnn-tanh"), 3, 5, 2, Bidirectional.SUM, 0.1, true),
        RecurrentConfig.builder().cell("rnn-tanh").input(3).hidden(5).layers(2).bidirectional(Bidirectional.SUM)
            .dropout(0.1).twoBiases(true).build());
    assertEquals(new EncoderDecoderConfig(100, 120, 32, CellType.parse("lstm"), 48, 2, true, 64, 1,
        Attention.Score.ADDITIVE, 16, true, false, 0.2, 0.1),
        EncoderDecoderConfig.builder().vocabularies(100, 120).embedding(32).cell("lstm").encoder(48, 2, true)
            .decoder(64, 1).additiveAttention(16).dropout(0.2).labelSmoothing(0.1).build());
  }
}
