package jrnn.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jrnn.apps.lm.LanguageModel;
import jrnn.apps.lm.LanguageModelTask;
import jrnn.apps.lm.LmSettings;
import jrnn.data.Batch;
import jrnn.data.Vocabulary;
import jrnn.device.GpuBackend;
import jrnn.frame.Settings;
import jrnn.frame.TrainingRun;
import jrnn.layers.RecurrentState;
import jrnn.models.LossNormalization;
import jrnn.models.LossStats;
import jrnn.models.ModelConfig;
import jrnn.models.SequenceModel;
import jrnn.params.Init;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;
import jrnn.training.Trainer;
import jrnn.training.TrainingConfig;
import jrnn.util.Rng;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * A language model's update gradients computed by {@link OpsTraining} equal the CPU engine's:
 * on the host twins ({@link HostOps}, {@link HostStack}) here, on any machine, and on the GPU
 * (CUDA's kernels and cuDNN, fp32 math) where there is one. Loss, counts, final states and every
 * parameter's gradient, for LSTM (one and two biases, 2 layers) and GRU, both loss normalizations,
 * with carried states and sequences of different lengths; the masks of dropout applied in both
 * directions (a directional derivative against finite differences); and a whole training run on
 * the frame whose updates' gradients come from the device ends with the CPU run's model.
 */
class OpsTrainingTest {
  static final double TOL = 1e-4;
  @TempDir
  Path dir;

  static OpsTraining onHost(SequenceModel m, TrainingConfig training) {
    return new OpsTraining(new HostOps(), new HostStack(m.config().recurrent(), m.parameters(), ModelConfig.RNN_PREFIX),
        m.config(), m.parameters(), training);
  }

  /** The host twins with jrnn's own stack, the GPU's stack for the cells cuDNN lacks. */
  static OpsTraining onHostFused(SequenceModel m, TrainingConfig training) {
    HostOps ops = new HostOps();
    return new OpsTraining(ops, new FusedCellStack(ops, m.config().recurrent(), m.parameters(), ModelConfig.RNN_PREFIX,
        1), m.config(), m.parameters(), training);
  }

  /**
   * Passes made for inference on the host twins on {@code ops}, as {@code GpuBackend.inference}
   * makes them: in cuDNN's stack's twin where cuDNN has the cell, else in jrnn's own stack.
   */
  static OpsTraining forInferenceOnHost(HostOps ops, SequenceModel m) {
    jrnn.layers.RecurrentConfig cfg = m.config().recurrent();
    OpsStack stack = CudnnRecurrentStack.unsupportedReason(cfg) == null
        ? new HostStack(cfg, m.parameters(), ModelConfig.RNN_PREFIX, false)
        : FusedCellStack.forInference(ops, cfg, m.parameters(), ModelConfig.RNN_PREFIX);
    return OpsTraining.forInference(ops, stack, m.config(), m.parameters());
  }

  static OpsTraining onGpu(SequenceModel m, TrainingConfig training) {
    GpuBackend gpu = GpuTests.backendOrSkip();
    return (OpsTraining) gpu.gradients(m, training);
  }

  record Case(String name, String cell, int layers, boolean twoBiases, LossNormalization norm) {}

  static final List<Case> CASES = List.of(
      new Case("lstm, 2 layers, per sequence", "lstm", 2, false, LossNormalization.PER_SEQUENCE),
      new Case("lstm two biases, per output", "lstm", 1, true, LossNormalization.PER_OUTPUT),
      new Case("gru-reset-after, 2 layers, per output", "gru-reset-after", 2, false, LossNormalization.PER_OUTPUT),
      new Case("rnn-tanh, per sequence", "rnn-tanh", 1, false, LossNormalization.PER_SEQUENCE));

  /** Cells cuDNN lacks, which the GPU trains in jrnn's own stack ({@link FusedCellStack}). */
  static final List<Case> FUSED_CASES = List.of(
      new Case("gru (reset before), 2 layers, per output", "gru", 2, false, LossNormalization.PER_OUTPUT),
      new Case("lstm-peephole-cifg two biases, per sequence", "lstm-peephole-cifg", 1, true,
          LossNormalization.PER_SEQUENCE),
      new Case("lstm-peephole, 2 layers, per output", "lstm-peephole", 2, false, LossNormalization.PER_OUTPUT),
      new Case("rnn-sigmoid, per sequence", "rnn-sigmoid", 1, false, LossNormalization.PER_SEQUENCE));

  @TestFactory
  List<DynamicTest> onTheHostTwinsJrnnsOwnStacksGradientsAreTheCpuEngines() {
    return gradientTests(FUSED_CASES, OpsTrainingTest::onHostFused);
  }

  @TestFactory
  List<DynamicTest> onTheGpuJrnnsOwnStacksGradientsAreTheCpuEngines() {
    return GpuTests.onGpu("device gradients of jrnn's own stack on the GPU", () -> gradientTests(FUSED_CASES, (m, t) -> {
      OpsTraining d = onGpu(m, t);
      assertTrue(d.stack() instanceof FusedCellStack, "cuDNN has no " + m.config().recurrent().cell().name());
      return d;
    }));
  }

  @TestFactory
  List<DynamicTest> onTheHostTwinsTheGradientsAreTheCpuEngines() {
    return gradientTests(CASES, OpsTrainingTest::onHost);
  }

  @TestFactory
  List<DynamicTest> onTheGpuTheGradientsAreTheCpuEngines() {
    return GpuTests.onGpu("device gradients on the GPU", () -> gradientTests(CASES, OpsTrainingTest::onGpu));
  }

  private static List<DynamicTest> gradientTests(List<Case> cases, Maker device) {
    List<DynamicTest> tests = new ArrayList<>();
    for (Case c : cases) {
      tests.add(DynamicTest.dynamicTest(c.name(), () -> agree(c, device)));
    }
    return tests;
  }

  interface Maker {
    OpsTraining make(SequenceModel m, TrainingConfig training);
  }

  static SequenceModel model(String cell, int layers, boolean twoBiases, double dropout, long seed) {
    ModelConfig cfg = new ModelConfig(23, 6, jrnn.cells.CellType.parse(cell), 7, layers, null, dropout, null, 23, null,
        twoBiases);
    SequenceModel m = new SequenceModel(cfg);
    m.initialize(new Rng(seed), 0.3, 0);
    return m;
  }

  static TrainingConfig training(LossNormalization norm) {
    return TrainingConfig.builder().optimizer(jrnn.optim.Optimizers.sgd(1)).normalization(norm).build();
  }

  static Batch batch(Rng rng, int steps, int size, int[] lengths) {
    int[] tokens = new int[steps * size];
    int[] targets = new int[steps * size];
    for (int i = 0; i < tokens.length; i++) {
      // The padding's targets name no class: read, they would fail or leak into the sums.
      boolean padding = i / size >= lengths[i % size];
      tokens[i] = rng.nextInt(23);
      targets[i] = padding ? 1_000 : rng.nextInt(23);
    }
    return Batch.ofTokens(steps, size, tokens, lengths, targets);
  }

  static void agree(Case c, Maker device) {
    SequenceModel cpu = model(c.cell(), c.layers(), c.twoBiases(), 0, 3);
    Parameters params = cpu.parameters();
    TrainingConfig training = training(c.norm());
    OpsTraining gpu = device.make(cpu, training);
    gpu.gradientsToHost(true);
    Rng rng = new Rng(11);
    RecurrentState carried = null;
    // Two windows, the second from the first's final state, then one of ragged lengths.
    int[][] lengths = {{5, 5, 5}, {5, 5, 5}, {5, 2, 4}};
    for (int w = 0; w < lengths.length; w++) {
      Batch b = batch(rng, 5, 3, lengths[w]);
      RecurrentState initial = w == 2 ? null : carried;
      String at = c.name() + ", window " + w;
      sameUpdate(params, at, () -> {
        LossStats loss = cpu.forward(b, initial, true, new Rng(1));
        cpu.backward(c.norm());
        return loss;
      }, () -> gpu.compute(b, initial, new Rng(1)));
      RecurrentState cpuFinal = cpu.finalState().copy();
      near(cpuFinal.h(), gpu.finalState().h(), at + " final h");
      if (cpuFinal.c() != null) {
        near(cpuFinal.c(), gpu.finalState().c(), at + " final c");
      }
      carried = cpuFinal;
      // Parameters changed on the host reach the device by fromHost.
      Init.uniform(params.values(), new Rng(100 + w), 0.3);
      gpu.fromHost(new jrnn.optim.Sgd());
    }
  }

  /**
   * A text classifier's update (one output per sequence: the last step's state, the mean or the
   * maximum of the top layer's outputs, one direction or two) on the host twins: loss, hits and
   * every gradient equal the CPU engine's, on ragged batches, both loss normalizations.
   */
  @TestFactory
  List<DynamicTest> onTheHostTwinsAClassifiersGradientsAreTheCpuEngines() {
    List<DynamicTest> tests = new ArrayList<>();
    for (jrnn.models.Readout readout : List.of(jrnn.models.Readout.LAST, jrnn.models.Readout.MEAN,
        jrnn.models.Readout.MAX)) {
      for (jrnn.layers.Bidirectional bi : new jrnn.layers.Bidirectional[] {null, jrnn.layers.Bidirectional.CONCAT}) {
        String name = readout + (bi == null ? "" : ", bidirectional");
        tests.add(DynamicTest.dynamicTest(name, () -> agreeClassifier(readout, bi, OpsTrainingTest::onHost)));
      }
      // Directions summed run in jrnn's own stack; the last step's readout then reads the final states.
      tests.add(DynamicTest.dynamicTest(readout + ", directions summed", () -> agreeClassifier(readout,
          jrnn.layers.Bidirectional.SUM, OpsTrainingTest::onHostFused)));
    }
    return tests;
  }

  /** The same on the GPU. */
  @TestFactory
  List<DynamicTest> onTheGpuAClassifiersGradientsAreTheCpuEngines() {
    return GpuTests.onGpu("classifier gradients on the GPU", () -> {
      List<DynamicTest> tests = new ArrayList<>();
      for (jrnn.models.Readout readout : List.of(jrnn.models.Readout.LAST, jrnn.models.Readout.MEAN,
          jrnn.models.Readout.MAX)) {
        tests.add(DynamicTest.dynamicTest(readout + ", bidirectional", () -> agreeClassifier(readout,
            jrnn.layers.Bidirectional.CONCAT, OpsTrainingTest::onGpu)));
        tests.add(DynamicTest.dynamicTest(readout + ", directions summed", () -> agreeClassifier(readout,
            jrnn.layers.Bidirectional.SUM, OpsTrainingTest::onGpu)));
      }
      return tests;
    });
  }

  static void agreeClassifier(jrnn.models.Readout readout, jrnn.layers.Bidirectional bi, Maker device) {
    ModelConfig cfg = new ModelConfig(23, 6, jrnn.cells.CellType.parse("lstm"), 7, 2, bi, 0, readout, 3, null);
    SequenceModel cpu = new SequenceModel(cfg);
    cpu.initialize(new Rng(5), 0.5, 0);
    Parameters params = cpu.parameters();
    Rng rng = new Rng(12);
    int[][] lengths = {{6, 2, 5, 1}, {3, 6, 6, 4}};
    for (LossNormalization norm : LossNormalization.values()) {
      try (OpsTraining gpu = device.make(cpu, training(norm))) {
        gpu.gradientsToHost(true);
        for (int w = 0; w < lengths.length; w++) {
          int[] tokens = new int[6 * 4];
          for (int i = 0; i < tokens.length; i++) {
            tokens[i] = rng.nextInt(23);
          }
          int[] targets = {rng.nextInt(3), rng.nextInt(3), rng.nextInt(3), rng.nextInt(3)};
          Batch b = Batch.ofTokens(6, 4, tokens, lengths[w], targets);
          String at = readout + " " + bi + " " + norm + ", batch " + w;
          LossStats actual = sameUpdate(params, at, () -> cpuPass(cpu, b, norm), () -> gpu.compute(b, null,
              new Rng(1)));
          assertEquals(4, actual.count(), at + " outputs");
        }
      }
    }
  }

  /**
   * A sentiment classifier (the mr preset's shape: one BiLSTM layer, max pooling, word dropout
   * drawn on the host, adversarial training) trained on the frame with its updates on the host
   * twins ends with the CPU run's model and the same validation accuracies.
   */
  @Test
  void aSentimentRunUpdatedOnTheHostTwinsEndsWithTheCpuRunsModel() throws Exception {
    List<jrnn.apps.sentiment.Example> train = jrnn.apps.sentiment.ToyPolarity.examples(new Rng(2), 200);
    List<jrnn.apps.sentiment.Example> valid = jrnn.apps.sentiment.ToyPolarity.examples(new Rng(3), 60);
    Settings s = jrnn.apps.sentiment.SentimentSettings.SCHEMA.preset("mr").with(Map.of("embedding", "12", "hidden",
        "8", "epochs", "2", "lr", "1e-2", "batch", "25", "word_dropout", "0.1", "adversarial", "2", "dropout", "0",
        "checks_per_epoch", "2"));
    sameRunOnTheTwins(() -> {
      return new jrnn.apps.sentiment.SentimentTask(
          jrnn.apps.sentiment.SentimentModel.create(s, jrnn.apps.sentiment.SentimentModel.vocabulary(train, 1)), train,
          valid);
    }, OpsTrainingTest::onHost, 4, "accuracy");
  }

  /**
   * A classifier of real-valued input vectors (a speech word classifier's shape: frames in, the
   * mean of the top layer's outputs, a softmax over the words): loss, hits and every gradient equal
   * the CPU engine's on ragged batches, both loss normalizations, in cuDNN's stack's twin (LSTM)
   * and in jrnn's own (BiGRU, the reset before, as the fsdd presets).
   */
  @Test
  void aClassifierOfInputVectorsHasTheCpuEnginesGradients() {
    agreeOnVectors("lstm", null, OpsTrainingTest::onHost);
    agreeOnVectors("gru", jrnn.layers.Bidirectional.CONCAT, OpsTrainingTest::onHostFused);
  }

  static void agreeOnVectors(String cell, jrnn.layers.Bidirectional bi, Maker device) {
    ModelConfig cfg = new ModelConfig(0, 5, jrnn.cells.CellType.parse(cell), 7, 2, bi, 0, jrnn.models.Readout.MEAN, 3,
        jrnn.models.OutputKind.SOFTMAX);
    SequenceModel cpu = new SequenceModel(cfg);
    cpu.initialize(new Rng(5), 0.5, 0);
    Parameters params = cpu.parameters();
    Rng rng = new Rng(13);
    int[][] lengths = {{6, 2, 5, 1}, {3, 6, 6, 4}};
    for (LossNormalization norm : LossNormalization.values()) {
      try (OpsTraining gpu = device.make(cpu, training(norm))) {
        gpu.gradientsToHost(true);
        for (int w = 0; w < lengths.length; w++) {
          Tensor inputs = Tensor.zeros(6, 4, 5);
          Init.uniform(inputs, rng, 1);
          int[] targets = {rng.nextInt(3), rng.nextInt(3), rng.nextInt(3), rng.nextInt(3)};
          Batch b = Batch.ofInputs(inputs, lengths[w], targets);
          sameUpdate(params, cell + " " + norm + ", batch " + w, () -> cpuPass(cpu, b, norm),
              () -> gpu.compute(b, null, new Rng(1)));
        }
        // A batch of token ids is not this model's.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> gpu.compute(Batch.ofTokens(2, 1, new int[] {0, 1}, new int[] {2}, new int[] {0}), null, new Rng(1)));
        assertEquals("OpsTraining: a batch of input vectors is needed", e.getMessage());
        // Vectors of another width would be read in the wrong layout: refused, with both shapes.
        e = assertThrows(IllegalArgumentException.class, () -> gpu.compute(Batch.ofInputs(Tensor.zeros(6, 4, 6),
            new int[] {6, 6, 6, 6}, new int[] {0, 1, 2, 0}), null, new Rng(1)));
        assertEquals("OpsTraining: the batch's inputs are [6, 4, 6]; this model reads [6, 4, 5] ([T, B, X])",
            e.getMessage());
      }
    }
  }

  /**
   * A speech word classifier (one BiGRU layer over log-mel frames of synthetic sweeps, the mean of
   * the frames, augmentation drawn on the host) trained on the frame with its updates on the host
   * twins and jrnn's own stack ends with the CPU run's model and the same validation accuracies.
   */
  @Test
  void aSpeechWordClassifierRunEndsWithTheCpuRunsModel() throws Exception {
    List<jrnn.apps.speech.Utterance> train = jrnn.apps.speech.Chirps.words(24, 1);
    List<jrnn.apps.speech.Utterance> valid = jrnn.apps.speech.Chirps.words(10, 2);
    Settings s = jrnn.apps.speech.SpeechSettings.SCHEMA.defaults().with(Map.ofEntries(Map.entry("task", "words"),
        Map.entry("cell", "gru"), Map.entry("hidden", "8"), Map.entry("layers", "1"), Map.entry("bidirectional",
            "concat"), Map.entry("readout", "mean"), Map.entry("dropout", "0"), Map.entry("batch", "8"),
        Map.entry("epochs", "2"), Map.entry("lr", "0.01"), Map.entry("decay_start", "0"), Map.entry("speed", "0.1"),
        Map.entry("noise_snr", "20"), Map.entry("shift_ms", "50"), Map.entry("freq_masks", "1"),
        Map.entry("time_masks", "1")));
    sameRunOnTheTwins(() -> {
      jrnn.apps.speech.SpeechModel model = jrnn.apps.speech.SpeechModel.create(s,
          jrnn.apps.speech.SpeechModel.labels(s, train), null);
      return new jrnn.apps.speech.SpeechTask(model, train, valid);
    }, OpsTrainingTest::onHostFused, 2, "accuracy");
  }

  /** One update of a CTC recogniser as a pass: the CPU engine's CTC at the network's outputs, as the speech task's pass. */
  record CtcWork(ModelConfig config, Batch batch, int[][] labels) implements jrnn.training.SequenceModelPass,
      jrnn.training.CtcExamples {
    @Override
    public int examples() {
      return labels.length;
    }

    @Override
    public CtcWork slice(int from, int to) {
      throw new UnsupportedOperationException("not cut in this test");
    }

    @Override
    public int blank() {
      return 0;
    }

    @Override
    public LossStats run(SequenceModel network, Rng rng) {
      network.forward(batch, null, true, rng);
      Tensor grad = Tensor.zeros(batch.steps() * batch.size() * config.outputSize());
      jrnn.layers.Ctc.Result[] r = jrnn.layers.Ctc.batch(network.outputs(), batch.steps(), batch.size(),
          config.outputSize(), 0, batch.lengths(), labels, grad, 1.0 / batch.size());
      network.backwardFromOutputs(grad);
      double sum = 0;
      int feasible = 0;
      for (jrnn.layers.Ctc.Result x : r) {
        if (x.feasible()) {
          sum += x.loss();
          feasible++;
        }
      }
      return new LossStats(sum, feasible, 0, batch.size());
    }

    @Override
    public double divisor(LossStats loss) {
      return labels.length;
    }
  }

  /**
   * A CTC recogniser's update (real-valued frames in, a linear output at every step, CTC's loss
   * of the label sequences: SPEC 6.2) on the host twins: the loss, the count of sequences some
   * alignment reads (one here cannot be read: two labels in one frame) and every gradient equal
   * the CPU engine's, in cuDNN's stack's twin (LSTM) and jrnn's own (BiGRU, reset before, as the
   * speech presets). A label that is the blank is named; a batch with targets is refused, with
   * the reason.
   */
  @Test
  void aCtcRecognisersGradientsAreTheCpuEngines() {
    agreeOnCtc("lstm", null, OpsTrainingTest::onHost);
    agreeOnCtc("gru", jrnn.layers.Bidirectional.CONCAT, OpsTrainingTest::onHostFused);
    // CTC's gradient at twice its size (a mean over the batch taken as over half of it) fails it.
    HostOps doubled = new HostOps() {
      @Override
      public double[] ctc(Floats logits, int steps, int batch, int classes, int blank, Ints frames, Ints labels,
          Ints starts, Ints counts, int maxLabels, Floats work, Floats dLogits) {
        double[] losses = super.ctc(logits, steps, batch, classes, blank, frames, labels, starts, counts, maxLabels,
            work, dLogits);
        scale(dLogits, (long) steps * batch * classes, 2f);
        return losses;
      }
    };
    assertThrows(org.opentest4j.AssertionFailedError.class, () -> agreeOnCtc("lstm", null,
        (m, t) -> new OpsTraining(doubled, new HostStack(m.config().recurrent(), m.parameters(), ModelConfig.RNN_PREFIX),
            m.config(), m.parameters(), t)));
  }

  @TestFactory
  List<DynamicTest> onTheGpuInputVectorsCtcAndAdversarialTrainingHaveTheCpuEnginesGradients() {
    return GpuTests.onGpu("vector classifiers', CTC recognisers' and adversarial training's gradients on the GPU",
        () -> List.of(
        DynamicTest.dynamicTest("vectors, lstm", () -> agreeOnVectors("lstm", null, OpsTrainingTest::onGpu)),
        DynamicTest.dynamicTest("vectors, BiGRU", () -> agreeOnVectors("gru", jrnn.layers.Bidirectional.CONCAT,
            OpsTrainingTest::onGpu)),
        DynamicTest.dynamicTest("CTC, lstm", () -> agreeOnCtc("lstm", null, OpsTrainingTest::onGpu)),
        DynamicTest.dynamicTest("CTC, BiGRU", () -> agreeOnCtc("gru", jrnn.layers.Bidirectional.CONCAT,
            OpsTrainingTest::onGpu)),
        DynamicTest.dynamicTest("adversarial, BiLSTM", () -> agreeAdversarially("lstm",
            jrnn.layers.Bidirectional.CONCAT, OpsTrainingTest::onGpu)),
        DynamicTest.dynamicTest("adversarial, GRU", () -> agreeAdversarially("gru", null, OpsTrainingTest::onGpu))));
  }

  static void agreeOnCtc(String cell, jrnn.layers.Bidirectional bi, Maker device) {
    ModelConfig cfg = new ModelConfig(0, 5, jrnn.cells.CellType.parse(cell), 7, 2, bi, 0,
        jrnn.models.Readout.EVERY_STEP, 4, jrnn.models.OutputKind.LINEAR);
    SequenceModel cpu = new SequenceModel(cfg);
    cpu.initialize(new Rng(6), 0.5, 0);
    Parameters params = cpu.parameters();
    Rng rng = new Rng(14);
    int[][] lengths = {{6, 3, 5, 1}, {4, 6, 2, 6}};
    int[][][] labels = {{{1, 2, 2}, {3}, {1, 3}, {2, 1}}, {{3, 3}, {1, 2, 3, 1}, {2}, {}}};
    try (OpsTraining gpu = device.make(cpu, training(LossNormalization.PER_SEQUENCE))) {
      gpu.gradientsToHost(true);
      for (int w = 0; w < lengths.length; w++) {
        Tensor inputs = Tensor.zeros(6, 4, 5);
        Init.uniform(inputs, rng, 1);
        CtcWork pass = new CtcWork(cfg, Batch.ofInputs(inputs, lengths[w], null), labels[w]);
        String at = cell + ", batch " + w;
        LossStats actual = sameUpdate(params, at, () -> pass.run(cpu, new Rng(1)), () -> gpu.compute(pass, new Rng(1)));
        assertEquals(w == 0 ? 3 : 4, actual.count(), at + ": the sequences an alignment reads");
      }
      Tensor inputs = Tensor.zeros(3, 1, 5);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> gpu.compute(
          new CtcWork(cfg, Batch.ofInputs(inputs, new int[] {3}, null), new int[][] {{2, 0}}), new Rng(1)));
      assertEquals("OpsTraining: label 0 at position 1 of sequence 0 must be a class in [0, 4) other than the blank 0",
          e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> gpu.compute(Batch.ofInputs(inputs, new int[] {3},
          new int[] {1, 1, 1}), null, new Rng(1)));
      assertTrue(e.getMessage().contains("mean squared error is not on the GPU"), e.getMessage());
    }
  }

  /**
   * A CTC recogniser (one BiGRU layer over frames of synthetic sentences of sweeps) trained on the
   * frame with its updates on the host twins and jrnn's own stack ends with the CPU run's model
   * and the same validation word error rates.
   */
  @Test
  void aCtcRecogniserRunEndsWithTheCpuRunsModel() throws Exception {
    List<jrnn.apps.speech.Utterance> train = jrnn.apps.speech.Chirps.sentences(16, 4);
    List<jrnn.apps.speech.Utterance> valid = jrnn.apps.speech.Chirps.sentences(6, 5);
    Settings s = jrnn.apps.speech.SpeechSettings.SCHEMA.defaults().with(Map.ofEntries(Map.entry("task", "ctc"),
        Map.entry("cell", "gru"), Map.entry("hidden", "8"), Map.entry("layers", "1"), Map.entry("bidirectional",
            "concat"), Map.entry("dropout", "0"), Map.entry("stride", "2"), Map.entry("batch", "8"),
        Map.entry("epochs", "2"), Map.entry("lr", "0.01"), Map.entry("decay_start", "0"), Map.entry("beam", "1")));
    sameRunOnTheTwins(() -> {
      jrnn.apps.speech.SpeechModel model = jrnn.apps.speech.SpeechModel.create(s,
          jrnn.apps.speech.SpeechModel.labels(s, train), null);
      return new jrnn.apps.speech.SpeechTask(model, train, valid);
    }, OpsTrainingTest::onHostFused, 2, "WER");
  }

  /**
   * Adversarial training (the mr preset's: the clean loss's gradient plus that of a second pass
   * at the embedded words moved by eps g / ||g|| per sequence) on the host twins: loss and every
   * gradient equal the CPU trainer's, for a BiLSTM in cuDNN's twin and a GRU in jrnn's own stack,
   * on ragged batches, both normalizations; a window of a stream (a carried state) is refused as
   * on the CPU. A perturbation left out of the second pass fails it.
   */
  @Test
  void adversarialTrainingHasTheCpuTrainersGradients() {
    agreeAdversarially("lstm", jrnn.layers.Bidirectional.CONCAT, OpsTrainingTest::onHost);
    agreeAdversarially("gru", null, OpsTrainingTest::onHostFused);
    HostOps unperturbed = new HostOps() {
      @Override
      public void adversarialPerturbation(Floats g, int steps, int batch, int width, Ints lengths, float eps, Floats r) {
        super.adversarialPerturbation(g, steps, batch, width, lengths, 0f, r);
      }
    };
    assertThrows(org.opentest4j.AssertionFailedError.class, () -> agreeAdversarially("gru", null,
        (m, t) -> new OpsTraining(unperturbed, new FusedCellStack(unperturbed, m.config().recurrent(), m.parameters(),
            ModelConfig.RNN_PREFIX, 1), m.config(), m.parameters(), t)));
  }

  static void agreeAdversarially(String cell, jrnn.layers.Bidirectional bi, Maker device) {
    ModelConfig cfg = new ModelConfig(23, 6, jrnn.cells.CellType.parse(cell), 7, 1, bi, 0, jrnn.models.Readout.MAX, 3,
        null);
    SequenceModel cpu = new SequenceModel(cfg);
    cpu.initialize(new Rng(5), 0.5, 0);
    Parameters params = cpu.parameters();
    Rng rng = new Rng(15);
    int[][] lengths = {{6, 2, 5, 1}, {3, 6, 6, 4}};
    for (LossNormalization norm : LossNormalization.values()) {
      TrainingConfig training = TrainingConfig.builder().optimizer(jrnn.optim.Optimizers.sgd(1)).normalization(norm)
          .adversarialNorm(3).build();
      jrnn.training.Trainer trainer = new jrnn.training.Trainer(cpu, training, new Rng(1));
      try (OpsTraining gpu = device.make(cpu, training)) {
        gpu.gradientsToHost(true);
        for (int w = 0; w < lengths.length; w++) {
          int[] tokens = new int[6 * 4];
          for (int i = 0; i < tokens.length; i++) {
            tokens[i] = rng.nextInt(23);
          }
          int[] targets = {rng.nextInt(3), rng.nextInt(3), rng.nextInt(3), rng.nextInt(3)};
          Batch b = Batch.ofTokens(6, 4, tokens, lengths[w], targets);
          sameUpdate(params, cell + " " + norm + ", batch " + w, () -> trainer.gradients(b, null),
              () -> gpu.compute(b, null, new Rng(1)));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> gpu.compute(
            Batch.ofTokens(2, 1, new int[] {0, 1}, new int[] {2}, new int[] {0}), RecurrentState.zeros(
                cfg.recurrent(), 1), new Rng(1)));
        assertTrue(e.getMessage().contains("does not apply to windows of a stream"), e.getMessage());
      }
    }
  }

  /**
   * A trained language model's passes on the device ({@code eval lm}, {@code next} and {@code
   * generate} with {@code --device gpu}): on the host twins, the loss of a text, the next tokens'
   * probabilities and a sampled text equal the CPU's, in cuDNN's stack's twin (LSTM) and jrnn's own
   * (GRU, reset before), with passes made for inference and with a trainer's; parameters changed
   * on the host reach the device by refresh.
   */
  @Test
  void aLanguageModelMeasuresScoresAndSamplesOnTheDeviceAsOnTheCpu() {
    for (String cell : List.of("lstm", "gru")) {
      for (boolean trainers : new boolean[] {false, true}) {
        Settings s = jrnn.apps.lm.LmSettings.SCHEMA.defaults().with(Map.of("level", "char", "vocab_cap", "0",
            "embedding", "8", "hidden", "12", "layers", "2", "cell", cell, "seed", "3"));
        jrnn.data.Vocabulary vocab = jrnn.data.Vocabulary.build(jrnn.data.Vocabulary.characters(
            "abcdefghijklmnopqrstuvwxyz .,"), 0);
        jrnn.apps.lm.LanguageModel lm = jrnn.apps.lm.LanguageModel.create(s, vocab);
        Maker maker = cell.equals("lstm") ? OpsTrainingTest::onHost : OpsTrainingTest::onHostFused;
        try (OpsTraining passes = trainers ? maker.make(lm.model(), training(LossNormalization.PER_OUTPUT))
            : forInferenceOnHost(new HostOps(), lm.model())) {
          measuresScoresAndSamplesAsTheCpu(lm, passes, cell + (trainers ? ", a trainer's passes" : ", for inference"));
        }
      }
    }
  }

  private static void measuresScoresAndSamplesAsTheCpu(jrnn.apps.lm.LanguageModel lm, OpsTraining passes, String what) {
    String text = "the quick brown fox jumps over the lazy dog, and then it rests. ".repeat(4);
    int[] ids = lm.encode(lm.tokenize(text));
    passes.refresh();
    LossStats cpu = lm.evaluate(ids, 13);
    LossStats device = lm.evaluate(ids, 13, passes);
    assertEquals(cpu.count(), device.count(), what + ": tokens");
    assertEquals(cpu.sum(), device.sum(), TOL * (1 + Math.abs(cpu.sum())), what + ": loss of the text");
    List<Map.Entry<String, Double>> expected = lm.next("the quick", 5);
    List<Map.Entry<String, Double>> actual = lm.next("the quick", 5, passes);
    for (int i = 0; i < 5; i++) {
      assertEquals(expected.get(i).getKey(), actual.get(i).getKey(), what + ": next token " + i);
      assertEquals(expected.get(i).getValue(), actual.get(i).getValue(), 1e-5, what + ": its probability");
    }
    jrnn.apps.lm.LanguageModel.Generation options = jrnn.apps.lm.LanguageModel.Generation.of(40).withSeed(7);
    assertEquals(lm.generate("the ", options), lm.generate("the ", options, passes), what + ": sampled text");
    Init.uniform(lm.parameters().values(), new Rng(5), 0.3);
    double stale = lm.evaluate(ids, 13, passes).sum();
    passes.refresh();
    assertEquals(lm.evaluate(ids, 13).sum(), lm.evaluate(ids, 13, passes).sum(), TOL * Math.abs(stale),
        what + ": after refresh");
    assertTrue(Math.abs(stale - lm.evaluate(ids, 13, passes).sum()) > 1e-3, what + ": refresh took the new values");
  }

  /**
   * Passes made for inference ({@code GpuBackend.inference}) hold the parameters and a pass's
   * buffers alone: after a loss and a pass without targets, no gradient, dropout mask, row of
   * ones or optimizer state is allocated (a trainer's passes of the same model, which the check
   * must see, hold each), on cuDNN's stack's twin and in jrnn's own stack; an update is refused
   * with the reason.
   */
  @Test
  void passesMadeForInferenceHoldNoGradients() {
    List<String> trainingOnly = List.of("gradient", "mask", "dropout", "ones");
    for (String cell : List.of("lstm", "gru")) {
      SequenceModel m = model(cell, 2, false, 0.2, 9);
      Batch b = batch(new Rng(3), 5, 3, new int[] {5, 3, 4});
      Batch untargeted = Batch.ofTokens(5, 3, b.tokens(), b.lengths(), null);
      List<List<String>> live = new ArrayList<>();
      for (boolean trainers : new boolean[] {false, true}) {
        HostOps ops = new HostOps();
        OpsStack stack = cell.equals("lstm") ? new HostStack(m.config().recurrent(), m.parameters(),
            ModelConfig.RNN_PREFIX, trainers) : trainers ? new FusedCellStack(ops, m.config().recurrent(),
            m.parameters(), ModelConfig.RNN_PREFIX, 1) : FusedCellStack.forInference(ops, m.config().recurrent(),
            m.parameters(), ModelConfig.RNN_PREFIX);
        TrainingConfig config = TrainingConfig.builder().optimizer(jrnn.optim.Optimizers.adam(0.01)).build();
        try (OpsTraining passes = trainers ? new OpsTraining(ops, stack, m.config(), m.parameters(), config)
            : OpsTraining.forInference(ops, stack, m.config(), m.parameters())) {
          passes.refresh();
          if (!trainers && cell.equals("gru")) {
            // jrnn's own stack is on the twins' memory too: before a pass, the parameters and nothing else.
            assertEquals(m.parameters().layout().size(), ops.liveElements(), "passes made for inference before a pass");
          }
          if (trainers) {
            passes.compute(b, null, new Rng(1));
            passes.update(config, config.optimizerSpec().create(), 0.01);
          }
          passes.forward(b, null);
          passes.forward(untargeted, null);
          live.add(ops.liveBuffers());
          if (!trainers) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> passes.compute(b, null,
                new Rng(1)));
            assertEquals("OpsTraining: made for inference, it keeps no gradients and no optimizer: an update's gradients"
                + " needs the passes of a trainer (GpuBackend.gradients)", e.getMessage());
            assertThrows(IllegalStateException.class, () -> passes.update(config, config.optimizerSpec().create(), 0.01));
          }
        }
      }
      for (String kind : trainingOnly) {
        if (!cell.equals("lstm") || !kind.equals("ones")) { // cuDNN's twin has no row of ones
          assertTrue(live.get(1).stream().anyMatch(w -> w.contains(kind)), cell + ": a trainer's passes hold a " + kind
              + ": " + live.get(1));
        }
        assertTrue(live.get(0).stream().noneMatch(w -> w.contains(kind)), cell + ": passes made for inference hold no "
            + kind + ": " + live.get(0));
      }
      assertTrue(live.get(1).contains("an optimizer's state"), cell + ": Adam's state: " + live.get(1));
      assertFalse(live.get(0).contains("an optimizer's state"), cell + ": " + live.get(0));
      assertTrue(live.get(0).contains("logits") && live.get(0).contains("the output layer's weights"), live.get(0)
          .toString());
    }
  }

  /**
   * The sst2 preset's shape (two BiGRU layers with the reset before the product, max pooling,
   * word dropout) trained on the frame with its updates on the host twins and jrnn's own stack
   * ends with the CPU run's model and the same validation accuracies.
   */
  @Test
  void aBiGruSentimentRunInJrnnsOwnStackEndsWithTheCpuRunsModel() throws Exception {
    List<jrnn.apps.sentiment.Example> train = jrnn.apps.sentiment.ToyPolarity.examples(new Rng(4), 150);
    List<jrnn.apps.sentiment.Example> valid = jrnn.apps.sentiment.ToyPolarity.examples(new Rng(5), 40);
    Settings s = jrnn.apps.sentiment.SentimentSettings.SCHEMA.preset("sst2").with(Map.of("embedding", "10", "hidden",
        "6", "epochs", "2", "lr", "1e-2", "batch", "25", "dropout", "0", "phrases", "false", "fine_grained", "false",
        "checks_per_epoch", "2"));
    sameRunOnTheTwins(() -> {
      jrnn.apps.sentiment.SentimentModel model = jrnn.apps.sentiment.SentimentModel.create(s,
          jrnn.apps.sentiment.SentimentModel.vocabulary(train, 1));
      assertEquals("gru", model.model().config().recurrent().cell().name(), "the preset's cell");
      return new jrnn.apps.sentiment.SentimentTask(model, train, valid);
    }, OpsTrainingTest::onHostFused, 4, "accuracy");
  }

  /**
   * With dropout on the input and the output layer's input (one layer: no dropout between
   * layers, whose masks the stack draws), the gradient's component along a random direction
   * equals the loss's central difference along it with the same masks.
   */
  @Test
  void theDropoutMasksAreAppliedInBothDirections() {
    SequenceModel m = model("lstm", 1, false, 0.4, 5);
    Parameters params = m.parameters();
    OpsTraining pass = onHost(m, training(LossNormalization.PER_SEQUENCE));
    pass.gradientsToHost(true);
    Batch b = batch(new Rng(2), 4, 3, new int[] {4, 4, 4});
    params.zeroGrads();
    pass.compute(b, null, new Rng(9));
    Tensor g = copy(params.grads());
    Tensor w0 = copy(params.values());
    Tensor v = Tensor.zeros(w0.size());
    Init.uniform(v, new Rng(4), 1);
    double eps = 1e-2;
    double[] losses = new double[2];
    for (int s = 0; s < 2; s++) {
      for (int i = 0; i < w0.size(); i++) {
        params.values().set(i, (float) (w0.get(i) + (s == 0 ? eps : -eps) * v.get(i)));
      }
      pass.fromHost(new jrnn.optim.Sgd());
      losses[s] = pass.compute(b, null, new Rng(9)).sum() / 3;
    }
    double directional = 0;
    for (int i = 0; i < g.size(); i++) {
      directional += (double) g.get(i) * v.get(i);
    }
    double difference = (losses[0] - losses[1]) / (2 * eps);
    assertEquals(difference, directional, 0.02 * Math.abs(difference), "d/d eps of the loss along v");
    // And the masks do something: without dropout the loss differs.
    params.values().copyFrom(w0);
    pass.fromHost(new jrnn.optim.Sgd());
    double withDropout = pass.compute(b, null, new Rng(9)).sum();
    SequenceModel plain = model("lstm", 1, false, 0, 5);
    double without = onHost(plain, training(LossNormalization.PER_SEQUENCE)).compute(b, null, new Rng(9)).sum();
    assertTrue(Math.abs(withDropout - without) > 1e-3, withDropout + " vs " + without);
  }

  @Test
  void theDropoutMaskKeepsOneMinusPOfTheUnitsScaledUp() {
    HostOps ops = new HostOps();
    Ops.Floats mask = ops.floats(100_000, "mask");
    ops.dropoutMask(mask, 100_000, 0.3f, 42);
    Tensor t = ((HostOps.HostFloats) mask).t();
    int kept = 0;
    for (int i = 0; i < t.size(); i++) {
      float v = t.get(i);
      assertTrue(v == 0f || Math.abs(v - 1 / 0.7f) < 1e-6, "mask value " + v);
      kept += v > 0 ? 1 : 0;
    }
    assertEquals(0.7, kept / 100_000.0, 0.005);
    ops.dropoutMask(mask, 100_000, 0.3f, 43);
    int same = 0;
    for (int i = 0; i < t.size(); i++) {
      same += (t.get(i) > 0) == (Ops.uniform(42, i) >= 0.3f) ? 1 : 0;
    }
    assertTrue(same < 70_000, "another seed, another mask: " + same + " of 100,000 agree");
  }

  /** Training settings the runs below try: the PTB preset's SGD and clipping, Nesterov's momentum, Adam with decay. */
  static final List<Map<String, String>> OPTIMIZATIONS = List.of(
      Map.of("optimizer", "sgd", "lr", "0.3", "clip_norm", "5"),
      Map.of("optimizer", "nesterov", "momentum", "0.9", "lr", "0.05", "clip_norm", "1"),
      Map.of("optimizer", "adam", "lr", "0.003", "weight_decay", "0.001", "clip_norm", "1"));

  /**
   * A trainer whose updates are applied on the device (here the host twins) takes the CPU
   * trainer's steps, for every way an update is made: SGD, momentum, Nesterov and Adam, with
   * clipping by norm (binding and not) and by value, and weight decay; the norms it reports are
   * the CPU's; the optimizer's state comes back to the host with the parameters.
   */
  @TestFactory
  List<DynamicTest> theDevicesUpdatesAreTheTrainers() {
    return updateTests(OpsTrainingTest::onHost, 1e-5);
  }

  /**
   * The same on the GPU (CUDA's kernels, the cuDNN stack with its weight space's masks, the
   * optimizer's state mapped to jrnn's layout and back), to fp32 sums in another order.
   */
  @TestFactory
  List<DynamicTest> theGpusUpdatesAreTheTrainers() {
    return GpuTests.onGpu("updates on the GPU", () -> updateTests(OpsTrainingTest::onGpu, 1e-4));
  }

  private static List<DynamicTest> updateTests(Maker device, double tolerance) {
    List<DynamicTest> tests = new ArrayList<>();
    List<TrainingConfig> configs = List.of(
        TrainingConfig.builder().optimizer(jrnn.optim.Optimizers.sgd(0.5)).clipNorm(0.5).build(),
        TrainingConfig.builder().optimizer(jrnn.optim.Optimizers.momentum(0.1, 0.9)).clipValue(0.01).weightDecay(0.01).build(),
        TrainingConfig.builder().optimizer(jrnn.optim.Optimizers.nesterov(0.1, 0.5)).clipNorm(100).build(),
        TrainingConfig.builder().optimizer(jrnn.optim.Optimizers.adam(0.01)).weightDecay(0.001).clipNorm(1)
            .normalization(LossNormalization.PER_SEQUENCE).build());
    for (String cell : List.of("lstm", "gru-reset-after")) {
      for (TrainingConfig config : configs) {
        tests.add(DynamicTest.dynamicTest(cell + ", " + config.optimizer() + " clip " + config.clipNorm() + "/"
            + config.clipValue() + " decay " + config.weightDecay(), () -> sameUpdates(device, tolerance, cell, config)));
      }
    }
    return tests;
  }

  private static void sameUpdates(Maker device, double tol, String cell, TrainingConfig config) {
    SequenceModel cpu = model(cell, 2, false, 0, 8);
    SequenceModel onDevice = model(cell, 2, false, 0, 8);
    Trainer a = new Trainer(cpu, config, new Rng(1));
    Trainer b = new Trainer(onDevice, config, new Rng(1));
    try (OpsTraining made = device.make(onDevice, config)) {
      b.computeGradientsWith(made);
      sameSteps(a, b, tol);
    }
    for (int i = 0; i < cpu.parameters().values().size(); i++) {
      double w = cpu.parameters().values().get(i);
      assertEquals(w, onDevice.parameters().values().get(i), tol * (1 + Math.abs(w)), "parameter " + i);
    }
    float[] sa = a.optimizer().state();
    float[] sb = b.optimizer().state();
    assertEquals(sa.length, sb.length, "the optimizer's state");
    for (int i = 0; i < sa.length; i++) {
      assertEquals(sa[i], sb[i], tol * (1 + Math.abs(sa[i])), "optimizer state " + i);
    }
  }

  /** Four updates of both trainers on the same batches, their norms and losses the same; then b's parameters to the host. */
  private static void sameSteps(Trainer a, Trainer b, double tol) {
    Rng rng = new Rng(3);
    for (int u = 0; u < 4; u++) {
      Batch batch = batch(rng, 5, 3, new int[] {5, 4, 5});
      Trainer.StepResult ra = a.step(batch, null);
      Trainer.StepResult rb = b.step(batch, null);
      assertEquals(ra.gradNorm(), rb.gradNorm(), tol * ra.gradNorm(), "norm before clipping, update " + u);
      assertEquals(ra.clippedNorm(), rb.clippedNorm(), tol * ra.clippedNorm(), "norm after clipping, update " + u);
      assertEquals(ra.loss().sum(), rb.loss().sum(), tol * Math.abs(ra.loss().sum()), "loss, update " + u);
    }
    b.parametersToHost();
  }

  /**
   * A non-finite gradient norm on the device stops the update before anything changes: the
   * trainer reports the divergence, and the parameters and the optimizer's state it brings back
   * are those of before (the norm is made NaN by the twin's sum, as a NaN gradient would make it).
   */
  @Test
  void aNonFiniteNormOnTheDeviceChangesNothing() {
    boolean[] poisoned = {false};
    HostOps ops = new HostOps() {
      @Override
      public double sumOfSquares(Floats[] a, long[] n) {
        return poisoned[0] ? Double.NaN : super.sumOfSquares(a, n);
      }
    };
    TrainingConfig config = TrainingConfig.builder().optimizer(jrnn.optim.Optimizers.adam(0.01)).clipNorm(1).build();
    SequenceModel m = model("lstm", 2, false, 0, 8);
    Trainer t = new Trainer(m, config, new Rng(1));
    try (OpsTraining device = new OpsTraining(ops, new HostStack(m.config().recurrent(), m.parameters(),
        ModelConfig.RNN_PREFIX), m.config(), m.parameters(), config)) {
      t.computeGradientsWith(device);
      Rng rng = new Rng(3);
      t.step(batch(rng, 5, 3, new int[] {5, 5, 5}), null);
      t.parametersToHost();
      float[] before = m.parameters().values().toArray();
      float[] stateBefore = t.optimizer().state();
      poisoned[0] = true;
      Batch next = batch(rng, 5, 3, new int[] {5, 5, 5});
      jrnn.training.TrainingDivergedException e = assertThrows(jrnn.training.TrainingDivergedException.class,
          () -> t.step(next, null));
      assertTrue(e.getMessage().startsWith("gradient norm is NaN at update 2"), e.getMessage());
      t.parametersToHost();
      assertArrayEquals(before, m.parameters().values().toArray(), "parameters");
      assertArrayEquals(stateBefore, t.optimizer().state(), "the optimizer's state");
      assertEquals(1, t.steps());
    }
  }

  /**
   * A run with no validation and no files (nothing that brings the parameters back on the way)
   * returns with the trained model on the host, the CPU run's.
   */
  @Test
  void aRunWithoutChecksOrFilesEndsWithTheTrainedModelOnTheHost() throws Exception {
    String text = shakespeare(3000);
    Settings s = RUN.with(Map.of("layers", "1", "epochs", "1")).with(OPTIMIZATIONS.get(0));
    double[][] finals = new double[2][];
    for (int run = 0; run < 2; run++) {
      List<String> tokens = LanguageModel.tokenize(s, text);
      LanguageModel lm = LanguageModel.create(s, Vocabulary.build(tokens, 0));
      LanguageModelTask task = new LanguageModelTask(lm, lm.encode(tokens), new int[0]);
      double[] initial = task.trained().parameters().values().toDoubleArray();
      withUpdatesBy(run == 1 ? OpsTrainingTest::onHost : null, () -> new TrainingRun(task, null, QUIET).run());
      finals[run] = task.trained().parameters().values().toDoubleArray();
      assertFalse(java.util.Arrays.equals(initial, finals[run]), "run " + run + " trained the model it returns");
    }
    assertSameParameters(finals[0], finals[1], 1e-5);
  }

  /**
   * Measured on the device (the host twins), a stream's loss, with states carried across windows
   * and no dropout, is the CPU engine's on the same parameters; and measuring changes nothing the
   * training keeps: the next update is the CPU trainer's.
   */
  @Test
  void aStreamMeasuredOnTheDeviceHasTheCpusLoss() {
    int[] ids = new int[403];
    Rng rng = new Rng(9);
    for (int i = 0; i < ids.length; i++) {
      ids[i] = rng.nextInt(23);
    }
    for (double dropout : new double[] {0.3, 0}) {
      TrainingConfig config = TrainingConfig.builder().optimizer(jrnn.optim.Optimizers.sgd(0.5)).build();
      SequenceModel cpu = model("lstm", 2, false, dropout, 8);
      SequenceModel onDevice = model("lstm", 2, false, dropout, 8);
      Trainer a = new Trainer(cpu, config, new Rng(1));
      Trainer b = new Trainer(onDevice, config, new Rng(1));
      try (OpsTraining device = onHost(onDevice, config)) {
        b.computeGradientsWith(device);
        assertTrue(b.updatesOnDevice());
        assertFalse(a.updatesOnDevice());
        if (dropout == 0) {
          Batch batch = batch(new Rng(3), 5, 3, new int[] {5, 5, 5});
          a.step(batch, null);
          b.step(batch, null);
        }
        // With dropout in the model, only a measure without it can agree (the parameters are the same).
        LossStats expected = a.evaluate(new jrnn.data.TokenStream(ids), 4, 7);
        LossStats measured = b.evaluate(new jrnn.data.TokenStream(ids), 4, 7);
        assertEquals(expected.count(), measured.count(), "tokens measured");
        assertEquals(expected.sum(), measured.sum(), 1e-5 * expected.sum(), "loss, dropout " + dropout);
        assertEquals(Trainer.evaluateStream(cpu, new jrnn.data.TokenStream(ids), 4, 7).sum(), expected.sum(), 0.0,
            "here, the trainer measures as evaluateStream does");
        if (dropout == 0) {
          // The measure changed nothing the training keeps: the next update is the CPU trainer's.
          Batch next = batch(new Rng(4), 5, 3, new int[] {5, 5, 5});
          Trainer.StepResult ra = a.step(next, null);
          Trainer.StepResult rb = b.step(next, null);
          assertEquals(ra.loss().sum(), rb.loss().sum(), 1e-5 * ra.loss().sum(), "the update after the measure");
          assertEquals(ra.gradNorm(), rb.gradNorm(), 1e-5 * ra.gradNorm(), "its norm");
        }
      }
    }
  }

  @Test
  void aTokenIdOutsideTheVocabularyIsNamedBeforeTheDeviceSeesIt() {
    TrainingConfig config = TrainingConfig.builder().optimizer(jrnn.optim.Optimizers.sgd(0.1)).build();
    SequenceModel m = model("lstm", 1, false, 0, 8);
    try (OpsTraining device = onHost(m, config)) {
      Batch good = batch(new Rng(3), 5, 3, new int[] {5, 5, 5});
      int[] tokens = good.tokens().clone();
      tokens[4] = 23;
      Batch bad = Batch.ofTokens(5, 3, tokens, new int[] {5, 5, 5}, good.targets());
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> device.compute(bad, null, new Rng(1)));
      assertEquals("OpsTraining: token id 23 at row 4 is outside 0..22", e.getMessage());
      int[] targets = good.targets().clone();
      targets[2] = -1;
      Batch badTarget = Batch.ofTokens(5, 3, good.tokens(), new int[] {5, 5, 5}, targets);
      e = assertThrows(IllegalArgumentException.class, () -> device.compute(badTarget, null, new Rng(1)));
      assertEquals("OpsTraining: target -1 at row 2 is outside 0..22", e.getMessage());
    }
  }

  /**
   * Runs on the frame whose updates are computed and applied on the host twins (the parameters
   * and the optimizer's state kept there, brought back for checks, model files and checkpoints)
   * end with the CPU runs' models, for each optimization; and a run stopped after epoch 1 and
   * resumed from its checkpoint ends there too.
   */
  @TestFactory
  List<DynamicTest> runsUpdatedOnTheHostTwinsEndWithTheCpuRunsModels() {
    List<DynamicTest> tests = new ArrayList<>();
    for (Map<String, String> o : OPTIMIZATIONS) {
      tests.add(DynamicTest.dynamicTest(o.get("optimizer"), () -> sameRun(OpsTrainingTest::onHost, o, false, 1e-5, 1e-6)));
    }
    tests.add(DynamicTest.dynamicTest("adam, resumed after epoch 1",
        () -> sameRun(OpsTrainingTest::onHost, OPTIMIZATIONS.get(2), true, 1e-5, 1e-6)));
    return tests;
  }

  /** The same on the GPU, to the agreement of fp32 sums in another order. */
  @TestFactory
  List<DynamicTest> runsUpdatedOnTheGpuEndWithTheCpuRunsModels() {
    return GpuTests.onGpu("training runs on the GPU", () -> {
      List<DynamicTest> tests = new ArrayList<>();
      for (Map<String, String> o : OPTIMIZATIONS) {
        tests.add(DynamicTest.dynamicTest(o.get("optimizer"), () -> sameRun(OpsTrainingTest::onGpu, o, false, 1e-3, 1e-4)));
      }
      tests.add(DynamicTest.dynamicTest("adam, resumed after epoch 1",
          () -> sameRun(OpsTrainingTest::onGpu, OPTIMIZATIONS.get(2), true, 1e-3, 1e-4)));
      return tests;
    });
  }

  /**
   * With dropout between the layers of a stack that keeps its own generator (cuDNN's; here its
   * twin's), a run stopped after epoch 1 and resumed from its checkpoint ends with the unbroken
   * run's model, bit for bit: the device's generator is restarted at each epoch's start. Without
   * the restarts the resumed run draws other masks, and ends elsewhere.
   */
  @Test
  void aResumedRunDrawsTheUnbrokenRunsMasksBetweenLayers() throws Exception {
    assertEquals(0, runsDifference(OpsTrainingTest::onHost, true, true), "largest difference in a parameter");
    double without = runsDifference(OpsTrainingTest::onHost, false, true);
    assertTrue(without > 1e-3, "without restarts the masks differ: largest difference " + without);
  }

  /** The same in cuDNN, to the agreement of two runs of the same float sums. */
  @TestFactory
  List<DynamicTest> onTheGpuAResumedRunDrawsTheUnbrokenRunsMasksBetweenLayers() {
    return GpuTests.onGpu("a resumed run's masks in cuDNN", () -> List.of(DynamicTest.dynamicTest("lstm 2 x 12, dropout 0.3",
        () -> {
          try (OpsTraining probe = onGpu(model("lstm", 2, false, 0.3, 1), training(LossNormalization.PER_OUTPUT))) {
            org.junit.jupiter.api.Assumptions.assumeTrue(probe.stack() instanceof CudnnRecurrentStack,
                "the GPU's stacks are jrnn's own (-Djrnn.gpu.stack=jrnn), which draw their masks from the trainer's"
                    + " generator: no generator of their own to restart");
          }
          // A GPU's atomic sums (the embedding's gradient, the norm) may add in another order from
          // one run to the next: the bound is the device's own difference between two unbroken runs.
          double noise = runsDifference(OpsTrainingTest::onGpu, true, false);
          double with = runsDifference(OpsTrainingTest::onGpu, true, true);
          double without = runsDifference(OpsTrainingTest::onGpu, false, true);
          assertTrue(with <= Math.max(1e-5, 10 * noise) && without > 1e-3 && without > 10 * with,
              "largest difference in a parameter with restarts " + with + ", without " + without
                  + ", between two unbroken runs " + noise);
        })));
  }

  /**
   * The largest difference in a parameter between a run of {@link #RUN} with dropout 0.3 (an
   * LSTM of two layers) and the same run again, stopped after epoch 1 and resumed if
   * {@code resumed}, both updated by what {@code device} makes; {@code restarts}: whether its
   * dropout generators are restarted.
   */
  private double runsDifference(Maker device, boolean restarts, boolean resumed) throws Exception {
    String text = shakespeare(6000);
    Settings s = RUN.with(Map.of("dropout", "0.3"));
    double[][] finals = new double[2][];
    for (int run = 0; run < 2; run++) {
      Path out = dir.resolve("masks-" + restarts + (resumed ? "-resumed-" : "-") + run + ".jrnn");
      List<OpsTraining> made = new ArrayList<>();
      TrainingRun.distributeGradients(trainer -> {
        OpsTraining d = device.make(trainer.model(), trainer.config());
        made.add(d);
        return new FaultyDevice(d, new int[1], 0, restarts);
      });
      LanguageModelTask task = task(s, text);
      try {
        if (run == 0 || !resumed) {
          new TrainingRun(task, out, QUIET).execute(false);
        } else {
          new TrainingRun(task(s, text), out, QUIET).run(1);
          resumedHistory(task, out);
        }
      } finally {
        TrainingRun.distributeGradients(null);
        made.forEach(OpsTraining::close);
      }
      // The runs' last models (the files keep the best by validation).
      finals[run] = task.trained().parameters().values().toDoubleArray();
    }
    double worst = 0;
    for (int i = 0; i < finals[0].length; i++) {
      worst = Math.max(worst, Math.abs(finals[0][i] - finals[1][i]));
    }
    return worst;
  }

  private void sameRun(Maker device, Map<String, String> optimization, boolean resumed, double parameterTolerance,
      double figureTolerance) throws Exception {
    String text = shakespeare(6000);
    Settings s = RUN.with(optimization);
    double[][] finals = new double[2][];
    List<List<jrnn.frame.RunHistory.Check>> checks = new ArrayList<>();
    for (int run = 0; run < 2; run++) {
      Path out = dir.resolve(optimization.get("optimizer") + (resumed ? "-resumed" : "") + run + ".jrnn");
      boolean resumedRun = run == 1 && resumed;
      withUpdatesBy(run == 1 ? device : null, () -> {
        if (resumedRun) {
          new TrainingRun(task(s, text), out, QUIET).run(1);
          checks.add(resumedHistory(task(s, text), out));
        } else {
          checks.add(new TrainingRun(task(s, text), out, QUIET).execute(false).checks());
        }
      });
      finals[run] = LanguageModel.load(out).model().parameters().values().toDoubleArray();
    }
    assertSameParameters(finals[0], finals[1], parameterTolerance);
    assertEquals(checks.get(0).size(), checks.get(1).size(), "the same checks");
    assertTrue(checks.get(0).size() >= 2, checks.get(0).toString());
    for (int i = 0; i < checks.get(0).size(); i++) {
      double expected = checks.get(0).get(i).figure();
      assertEquals(expected, checks.get(1).get(i).figure(), figureTolerance * expected, "validation figure of check " + i);
    }
  }

  /**
   * A divergence at update {@code faultAt} of a run whose updates are made on the device (the
   * host twins) is handled as on the CPU: rolled back to the run's start (a fault in epoch 1) or
   * to the checkpoint after epoch 1 (a fault in epoch 2), the parameters and the optimizer's
   * state sent to the device again, the run ending with the CPU run's model; or, with
   * {@code on_divergence=stop}, the run stops with the host holding the parameters from before
   * the update that diverged, as the CPU run does. The fault is a NaN gradient on the CPU and a
   * non-finite norm reported by the device (which then changes nothing).
   */
  @TestFactory
  List<DynamicTest> divergencesOnTheDeviceAreHandledAsOnTheCpu() {
    return List.of(
        DynamicTest.dynamicTest("rolled back to the run's start", () -> sameDivergedRun(50, "rollback")),
        DynamicTest.dynamicTest("rolled back to epoch 1's checkpoint", () -> sameDivergedRun(150, "rollback")),
        DynamicTest.dynamicTest("stopped", () -> sameDivergedRun(150, "stop")));
  }

  private void sameDivergedRun(int faultAt, String onDivergence) throws Exception {
    String text = shakespeare(6000);
    Settings s = RUN.with(OPTIMIZATIONS.get(2)).with(Map.of("on_divergence", onDivergence,
        "divergence_lr_factor", "0.25"));
    double[][] finals = new double[2][];
    String[] stopped = new String[2];
    for (int run = 0; run < 2; run++) {
      Path out = dir.resolve("diverged-" + onDivergence + faultAt + "-" + run + ".jrnn");
      LanguageModelTask task = task(s, text);
      boolean onDevice = run == 1;
      int[] updates = {0};
      TrainingRun.distributeGradients(trainer -> onDevice
          ? new FaultyDevice(onHost(trainer.model(), trainer.config()), updates, faultAt, true)
          : new FaultyCpu(trainer, updates, faultAt));
      try {
        stopped[run] = new TrainingRun(task, out, QUIET).execute(false).stopped();
      } catch (jrnn.training.TrainingDivergedException e) {
        // The update it names; the loss after it differs in float rounding.
        stopped[run] = "diverged: " + e.getMessage().replaceAll(" \\(loss .*", "");
      } finally {
        TrainingRun.distributeGradients(null);
      }
      assertTrue(updates[0] >= faultAt, "the fault was reached: " + updates[0] + " updates");
      finals[run] = task.trained().parameters().values().toDoubleArray();
    }
    assertEquals(stopped[0], stopped[1], "how the runs ended");
    assertEquals(onDivergence.equals("stop"), stopped[0].startsWith("diverged: gradient norm is NaN at update "
        + faultAt), stopped[0]);
    assertSameParameters(finals[0], finals[1], 1e-5);
  }

  /** The CPU engine's gradients, one of them NaN at the {@code faultAt}-th update of the run. */
  private record FaultyCpu(Trainer trainer, int[] updates, int faultAt) implements Trainer.BatchGradients {
    @Override
    public LossStats compute(Batch batch, RecurrentState initial, Rng rng) {
      LossStats loss = trainer.gradients(batch, initial);
      if (++updates[0] == faultAt) {
        trainer.parameters().grads().set(7, Float.NaN);
      }
      return loss;
    }

    @Override
    public RecurrentState finalState() {
      return trainer.model().finalState();
    }
  }

  /**
   * The device's updates, the {@code faultAt}-th reporting a norm of NaN and changing nothing (0:
   * none); its dropout generators restarted at each epoch's start, or never ({@code restarts} false).
   */
  private static final class FaultyDevice extends ForwardingDevice {
    private final int[] updates;
    private final int faultAt;
    private final boolean restarts;

    FaultyDevice(OpsTraining device, int[] updates, int faultAt, boolean restarts) {
      super(device);
      this.updates = updates;
      this.faultAt = faultAt;
      this.restarts = restarts;
    }

    @Override
    public void restartDropout(long seed) {
      if (restarts) {
        device.restartDropout(seed);
      }
    }

    @Override
    public double[] update(TrainingConfig config, jrnn.optim.Optimizer optimizer, double lr) {
      return ++updates[0] == faultAt ? new double[] {Double.NaN, Double.NaN} : device.update(config, optimizer, lr);
    }
  }

  private static final PrintStream QUIET = new PrintStream(java.io.OutputStream.nullOutputStream());

  /** A body that may throw. */
  interface Body {
    void run() throws Exception;
  }

  /**
   * Runs {@code body} with the updates of the training runs it starts made by what {@code device}
   * makes of their models (null: on the CPU), and closes what it made; returns how many.
   */
  private static int withUpdatesBy(Maker device, Body body) throws Exception {
    List<OpsTraining> made = new ArrayList<>();
    if (device != null) {
      TrainingRun.distributeGradients(trainer -> {
        OpsTraining d = device.make(trainer.model(), trainer.config());
        made.add(d);
        return d;
      });
    }
    try {
      body.run();
    } finally {
      TrainingRun.distributeGradients(null);
      made.forEach(OpsTraining::close);
    }
    return made.size();
  }

  /**
   * Trains the task {@code task} makes twice on the frame, on the CPU and with its updates by what
   * {@code device} makes: the models end the same (to 1e-5) and the {@code checks} validation
   * figures ({@code figure}) are the same.
   */
  private static void sameRunOnTheTwins(java.util.function.Supplier<jrnn.frame.TrainingTask> task, Maker device,
      int checks, String figure) throws Exception {
    double[][] finals = new double[2][];
    List<List<jrnn.frame.RunHistory.Check>> figures = new ArrayList<>();
    for (int run = 0; run < 2; run++) {
      jrnn.frame.TrainingTask t = task.get();
      int made = withUpdatesBy(run == 1 ? device : null,
          () -> figures.add(new TrainingRun(t, null, QUIET).run().checks()));
      assertEquals(run, made, "run " + run + " on the twins");
      finals[run] = t.trained().parameters().values().toDoubleArray();
    }
    assertSameParameters(finals[0], finals[1], 1e-5);
    assertEquals(checks, figures.get(1).size());
    assertEquals(figures.get(0).size(), figures.get(1).size(), "the CPU's checks and the device's");
    for (int i = 0; i < figures.get(0).size(); i++) {
      assertEquals(figures.get(0).get(i).figure(), figures.get(1).get(i).figure(), 1e-9, figure + " at check " + i);
    }
  }

  /**
   * The CPU's update ({@code onCpu}) and the device's ({@code onDevice}), each from zeroed
   * gradients: the same loss, counts and hits, and the same gradients; returns the device's loss.
   */
  static LossStats sameUpdate(Parameters params, String at, java.util.function.Supplier<LossStats> onCpu,
      java.util.function.Supplier<LossStats> onDevice) {
    params.zeroGrads();
    LossStats expected = onCpu.get();
    Tensor cpuGrads = copy(params.grads());
    params.zeroGrads();
    LossStats actual = onDevice.get();
    assertEquals(expected.count(), actual.count(), at + " count");
    assertEquals(expected.sequences(), actual.sequences(), at + " sequences");
    assertEquals(expected.correct(), actual.correct(), at + " correct");
    assertEquals(expected.sum(), actual.sum(), TOL * (1 + Math.abs(expected.sum())), at + " loss");
    assertSameGradients(cpuGrads, params, at);
    return actual;
  }

  /** The CPU engine's training pass of {@code b}: its loss, its gradients in the parameters. */
  private static LossStats cpuPass(SequenceModel cpu, Batch b, LossNormalization norm) {
    LossStats loss = cpu.forward(b, null, true, new Rng(1));
    cpu.backward(norm);
    return loss;
  }

  /**
   * Every gradient in {@code params} equals the CPU engine's ({@code expected}, the layout's whole
   * vector) to {@link #TOL}, relative past 1, and some are large enough for that to say something.
   */
  static void assertSameGradients(Tensor expected, Parameters params, String at) {
    double largest = 0;
    for (var e : params.layout().entries()) {
      for (int k = 0; k < e.size(); k++) {
        double g = expected.get(e.offset() + k);
        largest = Math.max(largest, Math.abs(g));
        assertEquals(g, params.grads().get(e.offset() + k), TOL * (1 + Math.abs(g)),
            at + " gradient of " + e.name() + "[" + k + "]");
      }
    }
    assertTrue(largest > 1e-3, at + ": gradients to compare (largest " + largest + ")");
  }

  /** Every parameter of two runs' models the same to {@code tolerance}, relative past 1. */
  private static void assertSameParameters(double[] expected, double[] actual, double tolerance) {
    assertEquals(expected.length, actual.length, "parameters");
    double worst = 0;
    for (int i = 0; i < expected.length; i++) {
      worst = Math.max(worst, Math.abs(expected[i] - actual[i]) / (1 + Math.abs(expected[i])));
    }
    assertTrue(worst < tolerance, "largest difference in a parameter: " + worst);
  }

  /** The runs' small character model: 2 x 12, 10 steps, batch 4, 2 epochs, no dropout, the loss per sequence. */
  private static final Settings RUN = LmSettings.SCHEMA.defaults().with(Map.of("level", "char", "vocab_cap", "0",
      "hidden", "12", "embedding", "8", "layers", "2", "steps", "10", "batch", "4", "epochs", "2", "normalization",
      "sequence", "dropout", "0"));

  /** The first {@code chars} characters of the demo's public-domain Shakespeare. */
  private static String shakespeare(int chars) throws java.io.IOException {
    try (InputStream in = OpsTrainingTest.class.getResourceAsStream("/jrnn/demo/shakespeare.txt")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).substring(0, chars);
    }
  }

  private static List<jrnn.frame.RunHistory.Check> resumedHistory(LanguageModelTask task, Path out) throws Exception {
    return new TrainingRun(task, out, QUIET).execute(true).checks();
  }

  private static LanguageModelTask task(Settings s, String text) {
    List<String> tokens = LanguageModel.tokenize(s, text);
    LanguageModel lm = LanguageModel.create(s, Vocabulary.build(tokens, 0));
    int[] ids = lm.encode(tokens);
    return new LanguageModelTask(lm, java.util.Arrays.copyOf(ids, 5000), java.util.Arrays.copyOfRange(ids, 5000, ids.length));
  }

  static Tensor copy(Tensor t) {
    Tensor c = Tensor.zeros(t.size());
    c.copyFrom(t);
    return c;
  }

  static void near(Tensor expected, Tensor actual, String what) {
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(expected.get(i), actual.get(i), TOL * (1 + Math.abs(expected.get(i))), what + "[" + i + "]");
    }
  }
}
