package jrnn.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import jrnn.apps.translate.TranslationPass;
import jrnn.models.EncoderDecoder;
import jrnn.models.EncoderDecoderConfig;
import jrnn.models.LossNormalization;
import jrnn.models.LossStats;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;
import jrnn.training.Trainer;
import jrnn.training.TrainingConfig;
import jrnn.util.Rng;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.opentest4j.AssertionFailedError;

/**
 * An encoder-decoder's update computed by {@link OpsTranslation} equals the CPU's
 * {@link EncoderDecoder}'s: loss, counts, hits and every parameter's gradient, on the host twins
 * ({@link HostOps}) here and on the GPU where there is one, for every cell kind, both attention
 * scores, input feeding on and off, tied and untied output layers, stacked and bidirectional
 * encoders, stacked decoders, label smoothing and both loss normalizations, over passes of other
 * shapes through one device model; dropout's masks by a directional derivative; updates and the
 * optimizer's state on the device as the CPU trainer's; and planted errors fail.
 */
class OpsTranslationTest {
  static final double TOL = OpsTrainingTest.TOL;

  record Case(String name, EncoderDecoderConfig config, LossNormalization norm) {}

  private static EncoderDecoderConfig.Builder shape(String cell) {
    return EncoderDecoderConfig.builder().vocabularies(11, 9).embedding(5).cell(cell).encoder(4, 1, true).decoder(6, 1);
  }

  static final List<Case> CASES = List.of(
      new Case("lstm, multiplicative, fed, per output", shape("lstm").build(), LossNormalization.PER_OUTPUT),
      new Case("lstm, additive, 2 x 2 layers, smoothing, per sequence", shape("lstm").additiveAttention(3)
          .encoder(4, 2, true).decoder(6, 2).labelSmoothing(0.1).build(), LossNormalization.PER_SEQUENCE),
      new Case("gru, additive, not fed, tied", shape("gru").additiveAttention(4).inputFeeding(false).embedding(6)
          .tied(true).build(), LossNormalization.PER_OUTPUT),
      new Case("gru-reset-after, multiplicative, one direction, 2 encoder layers", shape("gru-reset-after")
          .encoder(5, 2, false).labelSmoothing(0.2).build(), LossNormalization.PER_OUTPUT),
      new Case("rnn-tanh, multiplicative, tied, 2 decoder layers", shape("rnn-tanh").embedding(6).decoder(6, 2)
          .tied(true).build(), LossNormalization.PER_SEQUENCE),
      new Case("lstm-peephole-cifg, additive, not fed", shape("lstm-peephole-cifg").additiveAttention(2)
          .inputFeeding(false).build(), LossNormalization.PER_OUTPUT),
      new Case("rnn-sigmoid, additive", shape("rnn-sigmoid").additiveAttention(3).build(),
          LossNormalization.PER_OUTPUT),
      new Case("rnn-relu, multiplicative, smoothing", shape("rnn-relu").labelSmoothing(0.1).build(),
          LossNormalization.PER_OUTPUT),
      new Case("lstm-peephole, additive, 2 decoder layers", shape("lstm-peephole").additiveAttention(3).decoder(6, 2)
          .build(), LossNormalization.PER_SEQUENCE),
      new Case("lstm-cifg, multiplicative, one direction", shape("lstm-cifg").encoder(4, 1, false).build(),
          LossNormalization.PER_OUTPUT));

  interface Maker {
    OpsTranslation make(EncoderDecoderConfig config, Parameters params);
  }

  static OpsTranslation onHost(EncoderDecoderConfig config, Parameters params) {
    return new OpsTranslation(new HostOps(), config, params, 1);
  }

  /** The host twins with the encoder in a weight space of its own, as cuDNN's: {@link HostStack}, its twin. */
  static OpsTranslation onHostWithTheCudnnTwin(EncoderDecoderConfig config, Parameters params) {
    return new OpsTranslation(new HostOps(), config, params, 1, new HostStack(config.encoder(), params,
        EncoderDecoderConfig.ENCODER));
  }

  /**
   * Passes made for inference on the host twins on {@code ops}, as {@code GpuBackend.inference}
   * makes them: the encoder in cuDNN's stack's twin where cuDNN has the cell, else in jrnn's own.
   */
  static OpsTranslation forInferenceOnHost(HostOps ops, EncoderDecoderConfig config, Parameters params) {
    return OpsTranslation.forInference(ops, config, params, CudnnRecurrentStack.unsupportedReason(config.encoder())
        == null ? new HostStack(config.encoder(), params, EncoderDecoderConfig.ENCODER, false) : null);
  }

  /** The cases whose encoder cuDNN runs (its cell, directions concatenated). */
  static List<Case> cudnnEncoderCases() {
    return CASES.stream().filter(c -> CudnnRecurrentStack.unsupportedReason(c.config().encoder()) == null).toList();
  }

  static OpsTranslation onGpu(EncoderDecoderConfig config, Parameters params) {
    return (OpsTranslation) GpuTests.backendOrSkip().gradients(new EncoderDecoder(config, params,
        jrnn.kernels.Kernels.best()), plain());
  }

  static TrainingConfig plain() {
    return TrainingConfig.builder().optimizer(jrnn.optim.Optimizers.sgd(1)).build();
  }

  @TestFactory
  List<DynamicTest> onTheHostTwinsTheGradientsAreTheCpuModels() {
    return gradientTests(OpsTranslationTest::onHost);
  }

  /** The same with the encoder in a space of its own (the cuDNN stack's twin), the final states' gradient into it. */
  @TestFactory
  List<DynamicTest> onTheHostTwinsWithTheEncoderApartTheGradientsAreTheCpuModels() {
    List<Case> cases = cudnnEncoderCases();
    assertTrue(cases.size() >= 4, "cases of an encoder in cuDNN: " + cases.size());
    return gradientTests(OpsTranslationTest::onHostWithTheCudnnTwin, cases);
  }

  @TestFactory
  List<DynamicTest> onTheGpuTheGradientsAreTheCpuModels() {
    return GpuTests.onGpu("an encoder-decoder's gradients on the GPU", () -> gradientTests(OpsTranslationTest::onGpu));
  }

  private static List<DynamicTest> gradientTests(Maker device) {
    return gradientTests(device, CASES);
  }

  private static List<DynamicTest> gradientTests(Maker device, List<Case> cases) {
    List<DynamicTest> tests = new ArrayList<>();
    for (Case c : cases) {
      tests.add(DynamicTest.dynamicTest(c.name(), () -> agree(c, device)));
    }
    return tests;
  }

  static EncoderDecoder model(EncoderDecoderConfig config, long seed) {
    EncoderDecoder m = new EncoderDecoder(config);
    m.initialize(new Rng(seed), 0.4);
    return m;
  }

  /** {@code n} random pairs, sources of 1 to {@code longest} ids, targets of 0 to {@code longest} - 1. */
  static TranslationPass pairs(EncoderDecoderConfig config, Rng rng, int n, int longest, LossNormalization norm) {
    int[][] sources = new int[n][];
    int[][] targets = new int[n][];
    for (int i = 0; i < n; i++) {
      sources[i] = ids(rng, 1 + rng.nextInt(longest), config.sourceVocab(), 0);
      // Targets of words other than <s> and </s>, as a translator's.
      targets[i] = ids(rng, rng.nextInt(longest), config.targetVocab(), 2);
    }
    return new TranslationPass(config, 0, 1, sources, targets, norm);
  }

  private static int[] ids(Rng rng, int length, int vocab, int from) {
    int[] out = new int[length];
    for (int k = 0; k < length; k++) {
      out[k] = from + rng.nextInt(vocab - from);
    }
    return out;
  }

  /** Three passes of other shapes through one device model (its buffers grow and are reused): CPU = device. */
  static void agree(Case c, Maker device) {
    EncoderDecoder cpu = model(c.config(), 3);
    Parameters params = cpu.parameters();
    Rng rng = new Rng(5);
    try (OpsTranslation gpu = device.make(c.config(), params)) {
      gpu.gradientsToHost(true);
      int[][] shapes = {{3, 4}, {2, 6}, {4, 3}};
      for (int[] shape : shapes) {
        TranslationPass pass = pairs(c.config(), rng, shape[0], shape[1], c.norm());
        String at = c.name() + ", " + shape[0] + " pairs up to " + shape[1];
        LossStats loss = OpsTrainingTest.sameUpdate(params, at, () -> pass.run(cpu, new Rng(1)),
            () -> gpu.compute(pass, new Rng(1)));
        assertEquals(pass.batch().targetTokens(), loss.count(), at + ": target tokens, </s> included");
      }
    }
  }

  /**
   * With dropout, the device's gradient (its own masks) is the derivative of its own loss along a
   * random direction, by central differences with the same masks (the same seed): along all
   * parameters, and along the decoder's second layer alone, which reads the first through a mask.
   */
  @Test
  void withDropoutTheGradientIsTheDerivativeOfTheLossWithTheSameMasks() {
    directionalDerivative(new HostOps());
  }

  @TestFactory
  List<DynamicTest> onTheGpuWithDropoutTheGradientIsTheDerivativeOfTheLossWithTheSameMasks() {
    return GpuTests.onGpu("an encoder-decoder's dropout on the GPU", () -> List.of(DynamicTest.dynamicTest(
        "dropout at every site, two encoder and two decoder layers", () -> directionalDerivative(
            new CudaOps(((CudaBackend) jrnn.device.Gpu.backend()).cuda())))));
  }

  static void directionalDerivative(Ops ops) {
    // Two layers each side: dropout between the encoder's layers and between the decoder's, whose steps apply it.
    EncoderDecoderConfig config = shape("lstm").additiveAttention(3).encoder(4, 2, true).decoder(6, 2).dropout(0.3)
        .build();
    EncoderDecoder m = new EncoderDecoder(config);
    // Weights large enough that what dropout removes shows in the loss.
    m.initialize(new Rng(9), 1.0);
    Parameters params = m.parameters();
    TranslationPass pass = pairs(config, new Rng(2), 3, 5, LossNormalization.PER_SEQUENCE);
    jrnn.params.ParamLayout.Entry secondLayer = config.parameterLayout().get("decoder.weight_ih_l1");
    for (boolean all : new boolean[] {true, false}) {
      Tensor direction = Tensor.zeros(params.values().size());
      Rng rng = new Rng(4);
      for (int i = 0; i < direction.size(); i++) {
        boolean along = all || (i >= secondLayer.offset() && i < secondLayer.offset() + secondLayer.size());
        direction.set(i, along ? (float) (rng.nextDouble() * 2 - 1) : 0f);
      }
      String what = all ? "all parameters" : "the decoder's second layer's input weights";
      double[] derivatives = derivativesAlong(ops, config, params, pass, direction);
      assertTrue(Math.abs(derivatives[1]) > 1e-2, what + ": a direction the loss changes along: " + derivatives[1]);
      assertEquals(derivatives[1], derivatives[0], 0.01 * Math.abs(derivatives[1]),
          "d/d eps of the loss along " + what);
    }
    // The masks drop something: the same pass without dropout has another loss.
    EncoderDecoderConfig none = shape("lstm").additiveAttention(3).encoder(4, 2, true).decoder(6, 2).build();
    try (OpsTranslation plain = new OpsTranslation(ops, none, params, 1);
        OpsTranslation dropped = new OpsTranslation(ops, config, params, 1)) {
      double without = plain.compute(new TranslationPass(none, 0, 1, pass.sources(), pass.targets(),
          pass.normalization()), new Rng(1)).sum();
      double with = dropped.compute(pass, new Rng(1)).sum();
      assertTrue(Math.abs(with - without) > 1e-2 * Math.abs(without), "dropout changes the loss: " + with + " vs "
          + without);
    }
  }

  /** The device's gradient along {@code direction}, and the central difference of its loss with the same masks. */
  private static double[] derivativesAlong(Ops ops, EncoderDecoderConfig config, Parameters params, TranslationPass pass,
      Tensor direction) {
    double directional = 0;
    try (OpsTranslation gpu = new OpsTranslation(ops, config, params, 1)) {
      gpu.gradientsToHost(true);
      params.zeroGrads();
      gpu.compute(pass, new Rng(1));
      for (int i = 0; i < direction.size(); i++) {
        directional += (double) params.grads().get(i) * direction.get(i);
      }
    }
    double eps = 1e-2;
    Tensor w0 = Tensor.of(params.values().toArray(), params.values().size());
    double[] loss = new double[2];
    for (int side = 0; side < 2; side++) {
      for (int i = 0; i < w0.size(); i++) {
        params.values().set(i, (float) (w0.get(i) + (side == 0 ? eps : -eps) * direction.get(i)));
      }
      try (OpsTranslation gpu = new OpsTranslation(ops, config, params, 1)) {
        loss[side] = gpu.compute(pass, new Rng(1)).sum() / pass.examples();
      }
    }
    params.values().copyFrom(w0);
    return new double[] {directional, (loss[0] - loss[1]) / (2 * eps)};
  }

  /** Updates on the device (Adam, clipping, decay) leave the CPU trainer's parameters and optimizer state. */
  @Test
  void updatesOnTheDeviceAreTheCpuTrainers() {
    for (Case c : List.of(CASES.get(1), CASES.get(3))) {
      updatesAreTheCpuTrainers(OpsTranslationTest::onHost, c);
      // The encoder's weight space a group of its own, beside the model's buffer without it.
      updatesAreTheCpuTrainers(OpsTranslationTest::onHostWithTheCudnnTwin, c);
    }
  }

  /** The same on the GPU: with the encoder in cuDNN, its masks and its map of Adam's state to the layout. */
  @TestFactory
  List<DynamicTest> onTheGpuUpdatesAreTheCpuTrainers() {
    return GpuTests.onGpu("an encoder-decoder's updates on the GPU", () -> List.of(CASES.get(1), CASES.get(3))
        .stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> updatesAreTheCpuTrainers(OpsTranslationTest::onGpu,
            c))).toList());
  }

  private static void updatesAreTheCpuTrainers(Maker device, Case c) {
    EncoderDecoderConfig config = c.config();
    TrainingConfig training = TrainingConfig.builder().optimizer(jrnn.optim.Optimizers.adam(0.01)).clipNorm(0.5)
        .weightDecay(1e-3).build();
    EncoderDecoder cpu = model(config, 3);
    EncoderDecoder onDevice = model(config, 3);
    Trainer a = new Trainer(cpu.parameters(), training, new Rng(1));
    Trainer b = new Trainer(onDevice.parameters(), training, new Rng(1));
    try (OpsTranslation made = device.make(config, onDevice.parameters())) {
      b.computeGradientsWith(made);
      Rng rng = new Rng(8);
      for (int step = 0; step < 3; step++) {
        TranslationPass pass = pairs(config, rng, 3, 4, LossNormalization.PER_OUTPUT);
        double la = a.update(pass, cpu).loss().sum();
        double lb = b.update(pass, onDevice).loss().sum();
        assertEquals(la, lb, TOL * (1 + Math.abs(la)), "loss of update " + step);
      }
      b.parametersToHost();
      // Parameters changed on the host reach every part of the device's model by refresh.
      Parameters changed = new Parameters(onDevice.parameters().layout());
      changed.copyValuesFrom(onDevice.parameters());
      jrnn.params.Init.uniform(onDevice.parameters().values(), new Rng(21), 0.3);
      made.refresh();
      TranslationPass pass = pairs(config, rng, 3, 4, LossNormalization.PER_OUTPUT);
      double expectedLoss = jrnn.decode.TranslationInference.of(onDevice).loss(pass.batch()).sum();
      assertEquals(expectedLoss, made.loss(pass.batch()).sum(), TOL * (1 + Math.abs(expectedLoss)),
          "the loss after refresh");
      onDevice.parameters().copyValuesFrom(changed);
    }
    float[] expected = cpu.parameters().values().toArray();
    float[] actual = onDevice.parameters().values().toArray();
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], 1e-4 * (1 + Math.abs(expected[i])), "parameter " + i);
    }
    float[] stateA = a.optimizer().state();
    float[] stateB = b.optimizer().state();
    assertEquals(stateA.length, stateB.length, "Adam's state");
    for (int i = 0; i < stateA.length; i++) {
      assertEquals(stateA[i], stateB[i], 1e-4 * (1 + Math.abs(stateA[i])), "Adam's state " + i);
    }
  }

  /**
   * A translator trained on the frame with its updates on the device (the host twins) ends with
   * the CPU run's model and the same validation BLEU at every check, straight through and resumed
   * from the checkpoint after epoch 1 (the parameters and Adam's state sent to the device again).
   */
  @Test
  void aTranslatorsRunOnTheDeviceIsTheCpuRun(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    sameRun(dir.resolve("own"), OpsTranslationTest::onHost);
    // The reversal task's encoder is a bidirectional LSTM: cuDNN's on a GPU, its twin here.
    sameRun(dir.resolve("apart"), OpsTranslationTest::onHostWithTheCudnnTwin);
  }

  private static void sameRun(java.nio.file.Path dir, Maker device) throws Exception {
    java.nio.file.Files.createDirectories(dir);
    // The models compared are the runs' last (the model file keeps the best by BLEU, which a small run may not move).
    double[][] finals = new double[3][];
    List<List<jrnn.frame.RunHistory.Check>> checks = new ArrayList<>();
    for (int run = 0; run < 3; run++) {
      java.nio.file.Path out = dir.resolve("run" + run + ".jrnn");
      jrnn.apps.translate.TranslationTask task = reversalTask();
      if (run == 2) {
        assertEquals(1, trainedBy(device, reversalTask(), t -> new jrnn.frame.TrainingRun(t, out, QUIET).run(1)));
        assertEquals(1, trainedBy(device, task, t -> checks.add(new jrnn.frame.TrainingRun(t, out, QUIET)
            .execute(true).checks())));
      } else {
        assertEquals(run, trainedBy(run == 1 ? device : null, task, t -> checks.add(new jrnn.frame.TrainingRun(t,
            out, QUIET).execute(false).checks())));
      }
      finals[run] = task.trained().parameters().values().toDoubleArray();
    }
    assertTrue(checks.get(0).get(2).loss() < checks.get(0).get(0).loss(), "the runs learn: " + checks.get(0));
    for (int run = 1; run < 3; run++) {
      for (int i = 0; i < finals[0].length; i++) {
        assertEquals(finals[0][i], finals[run][i], 1e-5 * (1 + Math.abs(finals[0][i])), "run " + run + " parameter " + i);
      }
      assertEquals(3, checks.get(run).size(), "run " + run + " checks");
      for (int i = 0; i < 3; i++) {
        jrnn.frame.RunHistory.Check expected = checks.get(0).get(i);
        assertEquals(expected.figure(), checks.get(run).get(i).figure(), 1e-9, "run " + run + " BLEU " + i);
        assertEquals(expected.loss(), checks.get(run).get(i).loss(), 1e-5 * expected.loss(), "run " + run + " loss " + i);
      }
    }
  }

  interface Run {
    void on(jrnn.apps.translate.TranslationTask task) throws Exception;
  }

  /** Runs {@code body} on {@code task}, its updates on {@code device}'s models (null: the CPU's); returns how many were made. */
  private static int trainedBy(Maker device, jrnn.apps.translate.TranslationTask task, Run body) throws Exception {
    return trainedBy(device, task, body, true);
  }

  /** {@link #trainedBy(Maker, jrnn.apps.translate.TranslationTask, Run)}, the device's dropout generators restarted at each epoch's start or never. */
  private static int trainedBy(Maker device, jrnn.apps.translate.TranslationTask task, Run body, boolean restarts)
      throws Exception {
    List<OpsTranslation> made = new ArrayList<>();
    if (device != null) {
      jrnn.frame.TrainingRun.distributeGradients(trainer -> {
        OpsTranslation d = device.make(task.trained().network().config(), task.trained().parameters());
        made.add(d);
        return restarts ? d : new WithoutRestarts(d);
      });
    }
    try {
      body.on(task);
    } finally {
      jrnn.frame.TrainingRun.distributeGradients(null);
      made.forEach(OpsTranslation::close);
    }
    return made.size();
  }

  /** A device's updates (and its checks' passes) whose dropout generators are never restarted. */
  private static final class WithoutRestarts extends ForwardingDevice implements jrnn.device.DeviceTranslation {
    private final OpsTranslation translation;

    WithoutRestarts(OpsTranslation device) {
      super(device);
      this.translation = device;
    }

    @Override
    public void restartDropout(long seed) {}

    @Override
    public LossStats loss(EncoderDecoder.Batch batch) {
      return translation.loss(batch);
    }

    @Override
    public jrnn.decode.BeamSearch.StepModel search(int[][] sources) {
      return translation.search(sources);
    }

    @Override
    public void refresh() {
      translation.refresh();
    }
  }

  private static final java.io.PrintStream QUIET = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());

  /**
   * With dropout between the layers of an encoder that keeps its own generator (cuDNN's; here
   * its twin's), a translator's run stopped after epoch 1 and resumed from its checkpoint ends
   * with the unbroken run's model, bit for bit: the device restarts the generator at each epoch's
   * start. Without the restarts the resumed run draws other masks, and ends elsewhere.
   */
  @Test
  void aResumedTranslatorDrawsTheUnbrokenRunsMasksBetweenLayers(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    assertEquals(0, runsDifference(dir, OpsTranslationTest::onHostWithTheCudnnTwin, true, true),
        "largest difference in a parameter");
    double without = runsDifference(dir, OpsTranslationTest::onHostWithTheCudnnTwin, false, true);
    assertTrue(without > 1e-3, "without restarts the masks differ: largest difference " + without);
  }

  /**
   * A translator's restart reaches its encoder's own generator (cuDNN's twin): restarted from the
   * same seed, the same pass with dropout between the encoder's layers has the same gradients; run
   * on without a restart, it draws other masks between them and its gradients differ.
   */
  @Test
  void aRestartRestartsTheEncodersMasksBetweenLayers() {
    EncoderDecoderConfig config = shape("lstm").encoder(4, 2, true).dropout(0.3).build();
    EncoderDecoder cpu = model(config, 3);
    Parameters params = cpu.parameters();
    TranslationPass pass = pairs(config, new Rng(6), 4, 5, LossNormalization.PER_OUTPUT);
    try (OpsTranslation device = onHostWithTheCudnnTwin(config, params)) {
      device.gradientsToHost(true);
      double[][] grads = new double[3][];
      for (int k = 0; k < 3; k++) {
        if (k < 2) {
          device.restartDropout(5);
        }
        params.zeroGrads();
        // The same generator each time for the masks the trainer's seeds draw: only the encoder's own differ.
        device.compute(pass, new Rng(1));
        grads[k] = params.grads().toDoubleArray();
      }
      org.junit.jupiter.api.Assertions.assertArrayEquals(grads[0], grads[1], "restarted from the same seed");
      assertTrue(!Arrays.equals(grads[0], grads[2]), "run on, the encoder draws other masks");
    }
  }

  /** The same with the encoder in cuDNN, to the agreement of two runs of the same float sums. */
  @TestFactory
  List<DynamicTest> onTheGpuAResumedTranslatorDrawsTheUnbrokenRunsMasksBetweenLayers(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    return GpuTests.onGpu("a resumed translator's masks in cuDNN", () -> List.of(DynamicTest.dynamicTest(
        "a 2-layer bidirectional lstm encoder, dropout 0.3", () -> {
          // The bound is the device's own difference between two unbroken runs (atomic sums may
          // add in another order from one run to the next).
          double noise = runsDifference(dir, OpsTranslationTest::onGpu, true, false);
          double with = runsDifference(dir, OpsTranslationTest::onGpu, true, true);
          assertTrue(with <= Math.max(1e-5, 10 * noise), "largest difference in a parameter with restarts " + with
              + ", between two unbroken runs " + noise);
          // jrnn's own encoder (-Djrnn.gpu.stack=jrnn) draws its masks from the trainer's generator:
          // it has no generator of its own, whose restarts would matter.
          jrnn.apps.translate.TranslationTask probeTask = reversalTask(RESUMED_DROPOUT);
          try (OpsTranslation probe = onGpu(probeTask.trained().network().config(), probeTask.trained().parameters())) {
            if (!(probe.encoder() instanceof CudnnRecurrentStack)) {
              return;
            }
          }
          double without = runsDifference(dir, OpsTranslationTest::onGpu, false, true);
          assertTrue(without > 1e-3 && without > 10 * with, "largest difference in a parameter without restarts "
              + without + ", with " + with);
        })));
  }

  /** The resumed runs' settings: dropout between two encoder layers. */
  private static final java.util.Map<String, String> RESUMED_DROPOUT = java.util.Map.of("dropout", "0.3", "layers", "2");

  /**
   * The largest difference in a parameter between the reversal task's run with dropout 0.3 and
   * two layers and the same run again, stopped after epoch 1 and resumed if {@code resumed}, both
   * updated by what {@code device} makes; {@code restarts}: whether its dropout generators are
   * restarted.
   */
  private static double runsDifference(java.nio.file.Path dir, Maker device, boolean restarts, boolean resumed)
      throws Exception {
    java.util.Map<String, String> dropout = RESUMED_DROPOUT;
    double[][] finals = new double[2][];
    for (int run = 0; run < 2; run++) {
      java.nio.file.Path out = dir.resolve("masks" + run + (resumed ? "-resumed" : "") + (restarts ? "" : "-free")
          + ".jrnn");
      jrnn.apps.translate.TranslationTask task = reversalTask(dropout);
      assertEquals(2, task.trained().network().config().encoder().layers(), "the encoder's layers");
      if (run == 0 || !resumed) {
        trainedBy(device, task, t -> new jrnn.frame.TrainingRun(t, out, QUIET).execute(false), restarts);
      } else {
        trainedBy(device, reversalTask(dropout), t -> new jrnn.frame.TrainingRun(t, out, QUIET).run(1), restarts);
        trainedBy(device, task, t -> new jrnn.frame.TrainingRun(t, out, QUIET).execute(true), restarts);
      }
      finals[run] = task.trained().parameters().values().toDoubleArray();
    }
    double worst = 0;
    for (int i = 0; i < finals[0].length; i++) {
      worst = Math.max(worst, Math.abs(finals[0][i] - finals[1][i]));
    }
    return worst;
  }

  /** A small translator of reversed symbol strings: 48 training pairs, 12 for validation, 3 epochs. */
  private static jrnn.apps.translate.TranslationTask reversalTask() {
    return reversalTask(java.util.Map.of());
  }

  /** {@link #reversalTask()} with some of its settings changed. */
  private static jrnn.apps.translate.TranslationTask reversalTask(java.util.Map<String, String> changed) {
    Rng rng = new Rng(7);
    List<String> sources = new ArrayList<>();
    List<String> targets = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      String[] words = new String[2 + rng.nextInt(4)];
      for (int k = 0; k < words.length; k++) {
        words[k] = String.valueOf("abcdefg".charAt(rng.nextInt(7)));
      }
      sources.add(String.join(" ", words));
      java.util.Collections.reverse(Arrays.asList(words));
      targets.add(String.join(" ", words));
    }
    jrnn.frame.Settings s = jrnn.apps.translate.TranslateSettings.SCHEMA.defaults().with(java.util.Map.of(
        "bpe_merges", "0", "embedding", "6", "hidden", "5", "decoder_hidden", "7", "dropout", "0", "batch", "8",
        "epochs", "3", "lr", "0.01", "label_smoothing", "0.1")).with(changed);
    return jrnn.apps.translate.TranslationTask.fromTexts(s, sources.subList(0, 48), targets.subList(0, 48),
        sources.subList(48, 60), targets.subList(48, 60), QUIET);
  }

  /**
   * The device's passes without dropout are the CPU model's: the teacher-forced loss, and a
   * search's log-probabilities step by step through rows begun, reordered, repeated and
   * dropped (their states gathered on the device), and greedy and beam decoding end to end.
   */
  @TestFactory
  List<DynamicTest> onTheHostTwinsDecodingIsTheCpuModels() {
    return decodingTests(OpsTranslationTest::onHost);
  }

  /** The same with passes made for inference, each case's encoder where the GPU would run it. */
  @TestFactory
  List<DynamicTest> onTheHostTwinsPassesMadeForInferenceDecodeAsTheCpuModels() {
    return decodingTests((config, params) -> forInferenceOnHost(new HostOps(), config, params));
  }

  /**
   * A translator's passes made for inference hold its parameters and a pass's buffers alone:
   * before a pass the parameters only, a third of a trainer's passes' memory; after a
   * teacher-forced loss, greedy decoding and a beam search, no gradient, dropout mask or
   * optimizer state is allocated (a trainer's passes, which the check must see, hold each), with
   * the encoder in cuDNN's stack's twin and in jrnn's own stack; an update is refused with the
   * reason.
   */
  @Test
  void passesMadeForInferenceHoldNoGradients() {
    for (Case c : List.of(CASES.get(1), CASES.get(2))) {
      EncoderDecoderConfig config = c.config();
      EncoderDecoder cpu = model(config, 3);
      TranslationPass pass = pairs(config, new Rng(6), 4, 5, c.norm());
      int[] maxLength = new int[4];
      java.util.Arrays.fill(maxLength, 6);
      List<List<String>> live = new ArrayList<>();
      for (boolean trainers : new boolean[] {false, true}) {
        HostOps ops = new HostOps();
        try (OpsTranslation passes = trainers ? new OpsTranslation(ops, config, cpu.parameters(), 1)
            : forInferenceOnHost(ops, config, cpu.parameters())) {
          passes.refresh();
          // Before a pass, the model's buffer: the parameters (with a trainer's, their gradients and decay mask).
          assertEquals((trainers ? 3L : 1L) * cpu.parameters().layout().size(), ops.liveElements(), c.name()
              + (trainers ? ": a trainer's passes" : ": passes made for inference") + " before a pass");
          if (trainers) {
            passes.compute(pass, new Rng(1));
            passes.update(plain(), plain().optimizerSpec().create(), 0.1);
          }
          passes.loss(pass.batch());
          jrnn.decode.BeamSearch.greedy(passes.search(pass.sources()), 4, 0, 1, maxLength);
          jrnn.decode.BeamSearch.search(passes.search(pass.sources()), 4, 0, 1, 3, maxLength, 1.0);
          live.add(ops.liveBuffers());
          if (!trainers) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> passes.compute(pass,
                new Rng(1)));
            assertEquals("OpsTranslation: made for inference, it keeps no gradients and no optimizer: an update's"
                + " gradients needs the passes of a trainer (GpuBackend.gradients)", e.getMessage());
            assertThrows(IllegalStateException.class, () -> passes.update(plain(), plain().optimizerSpec().create(),
                0.1));
          }
        }
      }
      for (String kind : List.of("gradient", "mask", "dropout")) {
        assertTrue(live.get(1).stream().anyMatch(w -> w.contains(kind)), c.name() + ": a trainer's passes hold a "
            + kind + ": " + live.get(1));
        assertTrue(live.get(0).stream().noneMatch(w -> w.contains(kind)), c.name() + ": passes made for inference"
            + " hold no " + kind + ": " + live.get(0));
      }
      assertTrue(live.get(0).contains("the encoder-decoder's parameters") && live.get(0).contains("logits"),
          live.get(0).toString());
    }
  }

  @TestFactory
  List<DynamicTest> onTheHostTwinsWithTheEncoderApartDecodingIsTheCpuModels() {
    List<DynamicTest> tests = new ArrayList<>();
    for (Case c : cudnnEncoderCases()) {
      tests.add(DynamicTest.dynamicTest(c.name(), () -> sameDecoding(c, OpsTranslationTest::onHostWithTheCudnnTwin)));
    }
    return tests;
  }

  @TestFactory
  List<DynamicTest> onTheGpuDecodingIsTheCpuModels() {
    return GpuTests.onGpu("an encoder-decoder's decoding on the GPU", () -> decodingTests((config, params) ->
        (OpsTranslation) GpuTests.backendOrSkip().inference(new EncoderDecoder(config, params,
            jrnn.kernels.Kernels.best()))));
  }

  private static List<DynamicTest> decodingTests(Maker device) {
    List<DynamicTest> tests = new ArrayList<>();
    for (Case c : CASES) {
      tests.add(DynamicTest.dynamicTest(c.name(), () -> sameDecoding(c, device)));
    }
    return tests;
  }

  static void sameDecoding(Case c, Maker device) {
    EncoderDecoderConfig config = c.config();
    EncoderDecoder cpu = model(config, 3);
    Rng rng = new Rng(6);
    try (OpsTranslation gpu = device.make(config, cpu.parameters());
        OpsTranslation chooser = device.make(config, cpu.parameters())) {
      gpu.refresh();
      chooser.refresh();
      for (int round = 0; round < 2; round++) {
        TranslationPass pass = pairs(config, rng, 3 + round, 5, c.norm());
        LossStats expected = jrnn.decode.TranslationInference.of(cpu).loss(pass.batch());
        LossStats actual = gpu.loss(pass.batch());
        assertEquals(expected.sum(), actual.sum(), TOL * (1 + Math.abs(expected.sum())), c.name() + " loss");
        assertEquals(expected.count(), actual.count(), c.name() + " count");
        int[][] sources = pass.sources();
        jrnn.decode.BeamSearch.StepModel a = jrnn.decode.TranslationInference.of(cpu).search(sources);
        jrnn.decode.BeamSearch.StepModel b = gpu.search(sources);
        // A second device model's search, on the same rows, chooses each row's likeliest words on the device.
        jrnn.decode.BeamSearch.ChoosingStepModel top = (jrnn.decode.BeamSearch.ChoosingStepModel) chooser.search(
            sources);
        int n = sources.length;
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) {
          rows[i] = n - 1 - i;
        }
        a.begin(rows);
        b.begin(rows);
        top.begin(rows);
        sameStep(a, b, top, new int[n], c.name() + " step 1 (every row's previous word <s>)");
        // Beams: rows repeated and reordered (more rows than before), then some dropped.
        int[][] selections = {{0, 0, 1, 2, 2, 1, n - 1}, {6, 2, 3}, {1, 1, 0, 2}};
        for (int k = 0; k < selections.length; k++) {
          a.select(selections[k]);
          b.select(selections[k]);
          top.select(selections[k]);
          int[] words = new int[selections[k].length];
          for (int r = 0; r < words.length; r++) {
            words[r] = 2 + rng.nextInt(config.targetVocab() - 2);
          }
          sameStep(a, b, top, words, c.name() + " step " + (k + 2));
        }
        int[] maxLength = new int[n];
        java.util.Arrays.fill(maxLength, 8);
        int[][] greedyCpu = jrnn.decode.BeamSearch.greedy(jrnn.decode.TranslationInference.of(cpu).search(sources), n, 0, 1, maxLength);
        int[][] greedyGpu = jrnn.decode.BeamSearch.greedy(gpu.search(sources), n, 0, 1, maxLength);
        for (int i = 0; i < n; i++) {
          org.junit.jupiter.api.Assertions.assertArrayEquals(greedyCpu[i], greedyGpu[i], c.name() + " greedy " + i);
        }
        jrnn.decode.BeamSearch.Hypothesis[] beamCpu = jrnn.decode.BeamSearch.search(jrnn.decode.TranslationInference.of(cpu).search(sources), n, 0, 1, 3,
            maxLength, 1.0);
        jrnn.decode.BeamSearch.Hypothesis[] beamGpu = jrnn.decode.BeamSearch.search(gpu.search(sources), n, 0, 1, 3,
            maxLength, 1.0);
        for (int i = 0; i < n; i++) {
          org.junit.jupiter.api.Assertions.assertArrayEquals(beamCpu[i].words(), beamGpu[i].words(),
              c.name() + " beam " + i);
          assertEquals(beamCpu[i].logProb(), beamGpu[i].logProb(), 1e-4 * (1 + Math.abs(beamCpu[i].logProb())),
              c.name() + " beam's log-probability " + i);
        }
      }
    }
  }

  /**
   * One step of the CPU's and the device's searches: the same log-probabilities; and the k
   * likeliest words of each row that {@code top} chooses on the device are those of the device's
   * log-probabilities, exactly.
   */
  private static void sameStep(jrnn.decode.BeamSearch.StepModel cpu, jrnn.decode.BeamSearch.StepModel device,
      jrnn.decode.BeamSearch.ChoosingStepModel top, int[] previous, String at) {
    Tensor expected = Tensor.zeros(previous.length, cpu.vocabulary());
    Tensor actual = Tensor.zeros(previous.length, cpu.vocabulary());
    cpu.step(previous, expected);
    device.step(previous, actual);
    int k = 4;
    int[] words = new int[previous.length * k];
    float[] values = new float[previous.length * k];
    int[] chosenWords = new int[previous.length * k];
    float[] chosenValues = new float[previous.length * k];
    jrnn.decode.BeamSearch.topOfRows(actual, previous.length, cpu.vocabulary(), k, words, values);
    top.stepTop(previous, k, chosenWords, chosenValues);
    org.junit.jupiter.api.Assertions.assertArrayEquals(words, chosenWords, at + ": the likeliest words");
    org.junit.jupiter.api.Assertions.assertArrayEquals(values, chosenValues, at + ": their log-probabilities");
    double spread = 0;
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(expected.get(i), actual.get(i), TOL * (1 + Math.abs(expected.get(i))), at + " log p[" + i + "]");
      spread = Math.max(spread, Math.abs(expected.get(i) - expected.get(i % cpu.vocabulary())));
    }
    assertTrue(previous.length == 1 || spread > 1e-3, at + ": rows that differ");
  }

  @Test
  void badPassesAreRefusedWithTheirReason() {
    EncoderDecoderConfig config = CASES.get(0).config();
    EncoderDecoder m = model(config, 3);
    try (OpsTranslation gpu = onHost(config, m.parameters())) {
      TranslationPass bad = new TranslationPass(config, 0, 1, new int[][] {{1, 11}}, new int[][] {{2}},
          LossNormalization.PER_OUTPUT);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> gpu.compute(bad, new Rng(1)));
      assertEquals("EncoderDecoder: sources id 11 at 1 is outside the vocabulary [0, 11)", e.getMessage());
      TranslationPass other = pairs(CASES.get(2).config(), new Rng(1), 2, 3, LossNormalization.PER_OUTPUT);
      e = assertThrows(IllegalArgumentException.class, () -> gpu.compute(other, new Rng(1)));
      assertTrue(e.getMessage().startsWith("OpsTranslation: a pass of "), e.getMessage());
      assertThrows(UnsupportedOperationException.class, gpu::inference);
      // A search's buffers are the next call's: a stale one is refused, not read.
      jrnn.decode.BeamSearch.StepModel search = gpu.search(new int[][] {{1, 2}, {3}});
      search.begin(new int[] {0, 1});
      gpu.loss(pairs(config, new Rng(2), 2, 3, LossNormalization.PER_OUTPUT).batch());
      IllegalStateException stale = assertThrows(IllegalStateException.class, () -> search.step(new int[] {0, 0},
          Tensor.zeros(2, config.targetVocab())));
      assertTrue(stale.getMessage().contains("stale"), stale.getMessage());
      // A search's bad calls are named.
      jrnn.decode.BeamSearch.StepModel fresh = gpu.search(new int[][] {{1, 2}, {3}});
      e = assertThrows(IllegalArgumentException.class, () -> fresh.begin(new int[] {0, 2}));
      assertEquals("OpsTranslation.search: sentence 2 of 2", e.getMessage());
      fresh.begin(new int[] {1, 0});
      e = assertThrows(IllegalArgumentException.class, () -> fresh.step(new int[] {0},
          Tensor.zeros(1, config.targetVocab())));
      assertEquals("OpsTranslation.search: 1 previous words for 2 rows (begin first)", e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> fresh.step(new int[] {0, 0}, Tensor.zeros(1, 3)));
      assertTrue(e.getMessage().startsWith("OpsTranslation.search: log-probabilities of 3 values"), e.getMessage());
      jrnn.decode.BeamSearch.ChoosingStepModel choosing = (jrnn.decode.BeamSearch.ChoosingStepModel) fresh;
      e = assertThrows(IllegalArgumentException.class, () -> choosing.stepTop(new int[] {0, 0}, 10, new int[20],
          new float[20]));
      assertEquals("OpsTranslation.search: the 10 likeliest of 9 words of 2 rows into 20 ids and 20 values",
          e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> choosing.stepTop(new int[] {0, 0}, 3, new int[5],
          new float[6]));
      assertTrue(e.getMessage().endsWith("into 5 ids and 6 values"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> fresh.select(new int[] {0, 2}));
      assertEquals("OpsTranslation.search: row 2 of 2", e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> gpu.search(new int[][] {{1}, {}}));
      assertEquals("OpsTranslation.search: source 1 is empty", e.getMessage());
    }
    OpsTranslation closed = onHost(config, m.parameters());
    closed.close();
    closed.close();
    IllegalStateException after = assertThrows(IllegalStateException.class, () -> closed.search(new int[][] {{1}}));
    assertEquals("OpsTranslation: closed (its device memory is freed)", after.getMessage());
  }

  /** Errors planted in the attention's, the tanh's and the smoothing's twins make the agreement fail. */
  @Test
  void plantedErrorsFail() {
    HostOps attentionGradientNotToTheEncoder = new HostOps() {
      @Override
      public void attentionBackward(boolean additive, Floats alpha, Floats hidden, Floats query, Floats v, int width,
          Floats encoder, int steps, int batch, int encoderSize, Ints lengths, Floats dContext, Floats de,
          Floats dEncoder, Floats gKeys, Floats dQuery) {
        super.attentionBackward(additive, alpha, hidden, query, v, width, encoder, steps, batch, encoderSize, lengths,
            dContext, de, floats(dEncoder.size(), "a gradient let go"), gKeys, dQuery);
      }
    };
    HostOps smoothingLeftOut = new HostOps() {
      @Override
      public void smoothLabels(Floats dLogits, int rows, int classes, Ints targets, Ints valid, float eps) {}
    };
    HostOps tanhGradientLeftOut = new HostOps() {
      @Override
      public void tanhBackward(Floats d, Floats y, long n) {}
    };
    assertFails(attentionGradientNotToTheEncoder, CASES.get(0));
    assertFails(smoothingLeftOut, CASES.get(1));
    assertFails(tanhGradientLeftOut, CASES.get(2));
    // A choice of each row's likeliest words that ranks the likeliest second fails the comparison of the steps.
    HostOps secondFirst = new HostOps() {
      @Override
      public void topOfRows(Floats x, int rows, int classes, int k, Ints words, Floats values) {
        super.topOfRows(x, rows, classes, k, words, values);
        int[] w = new int[rows * k];
        download(w, words, rows * k);
        for (int r = 0; r < rows && k > 1; r++) {
          int first = w[r * k];
          w[r * k] = w[r * k + 1];
          w[r * k + 1] = first;
        }
        upload(words, w);
      }
    };
    sameDecoding(CASES.get(3), OpsTranslationTest::onHost);
    assertThrows(AssertionFailedError.class, () -> sameDecoding(CASES.get(3),
        (config, params) -> new OpsTranslation(secondFirst, config, params, 1)), "the planted choice is caught");
  }

  private static void assertFails(HostOps planted, Case c) {
    agree(c, OpsTranslationTest::onHost);
    assertThrows(AssertionFailedError.class, () -> agree(c, (config, params) -> new OpsTranslation(planted, config,
        params, 1)), c.name() + ": the planted error is caught");
  }
}
