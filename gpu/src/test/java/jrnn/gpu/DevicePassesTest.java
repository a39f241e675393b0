package jrnn.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import jrnn.data.Batch;
import jrnn.decode.BeamSearch;
import jrnn.device.DeviceInference;
import jrnn.device.DevicePasses;
import jrnn.device.DeviceTranslation;
import jrnn.device.GpuBackend;
import jrnn.models.EncoderDecoder;
import jrnn.models.EncoderDecoderConfig;
import jrnn.models.LossStats;
import jrnn.models.SequenceModel;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * A model's passes on a device from many threads at once ({@link DevicePasses}): every call's
 * result is the CPU model's (a language model's losses and logits, a translator's greedy
 * translations), no more passes are made than calls run at once, and closing frees them; on the
 * host twins here, on the GPU where there is one (its kernels launched from threads other than
 * the one that opened it, cuDNN's handle shared).
 */
class DevicePassesTest {
  private static final int THREADS = 6;
  private static final int CALLS = 8;

  @Test
  void onTheHostTwinsConcurrentCallsGetTheCpuModelsResults() throws Exception {
    languageModel(m -> {
      OpsTraining passes = OpsTrainingTest.onHostFused(m, OpsTranslationTest.plain());
      passes.refresh();
      return passes;
    });
    translator((config, params) -> {
      OpsTranslation passes = OpsTranslationTest.onHost(config, params);
      passes.refresh();
      return passes;
    });
  }

  @TestFactory
  List<DynamicTest> onTheGpuConcurrentCallsGetTheCpuModelsResults() {
    return GpuTests.onGpu("passes on the GPU from many threads", () -> {
      GpuBackend gpu = GpuTests.backendOrSkip();
      return List.of(
          DynamicTest.dynamicTest("a language model (cuDNN's stack)", () -> languageModel(gpu::inference)),
          DynamicTest.dynamicTest("a translator (its LSTM encoder in cuDNN, its decoder in jrnn's own stack)",
              () -> translator((config, params) -> gpu.inference(new EncoderDecoder(config, params,
                  jrnn.kernels.Kernels.best())))));
    });
  }

  interface LmMaker {
    DeviceInference make(SequenceModel m);
  }

  interface TranslatorMaker {
    DeviceTranslation make(EncoderDecoderConfig config, Parameters params);
  }

  private static void languageModel(LmMaker device) throws Exception {
    SequenceModel cpu = OpsTrainingTest.model("lstm", 2, false, 0, 3);
    Rng rng = new Rng(4);
    List<Batch> batches = new ArrayList<>();
    List<Double> losses = new ArrayList<>();
    List<Tensor> logits = new ArrayList<>();
    for (int i = 0; i < THREADS * CALLS; i++) {
      Batch b = OpsTrainingTest.batch(rng, 6, 3, new int[] {6, 2 + i % 4, 5});
      batches.add(b);
      losses.add(cpu.forward(b, null).sum());
      logits.add(OpsTrainingTest.copy(cpu.outputs()));
    }
    try (DevicePasses<DeviceInference> pool = new DevicePasses<>(() -> device.make(cpu))) {
      inParallel(i -> pool.apply(passes -> {
        LossStats loss = passes.forward(batches.get(i), null);
        assertEquals(losses.get(i), loss.sum(), OpsTrainingTest.TOL * (1 + Math.abs(losses.get(i))), "loss " + i);
        OpsTrainingTest.near(logits.get(i), passes.outputs(), "logits of call " + i);
        return null;
      }));
      assertTrue(pool.made() >= 1 && pool.made() <= THREADS, "passes made: " + pool.made());
      pool.close();
      assertThrows(IllegalStateException.class, () -> pool.apply(passes -> null));
    }
  }

  private static void translator(TranslatorMaker device) throws Exception {
    EncoderDecoderConfig config = OpsTranslationTest.CASES.get(1).config();
    EncoderDecoder cpu = OpsTranslationTest.model(config, 3);
    Rng rng = new Rng(5);
    List<int[][]> sources = new ArrayList<>();
    List<int[][]> expected = new ArrayList<>();
    for (int i = 0; i < THREADS * CALLS; i++) {
      int[][] s = OpsTranslationTest.pairs(config, rng, 1 + i % 3, 6, config.labelSmoothing() > 0
          ? jrnn.models.LossNormalization.PER_SEQUENCE : jrnn.models.LossNormalization.PER_OUTPUT).sources();
      sources.add(s);
      expected.add(greedy(() -> jrnn.decode.TranslationInference.of(cpu).search(s), s.length));
    }
    try (DevicePasses<DeviceTranslation> pool = new DevicePasses<>(() -> device.make(config, cpu.parameters()))) {
      inParallel(i -> pool.apply(passes -> {
        int[][] words = greedy(() -> passes.search(sources.get(i)), sources.get(i).length);
        for (int k = 0; k < words.length; k++) {
          assertArrayEquals(expected.get(i)[k], words[k], "call " + i + ", sentence " + k);
        }
        return null;
      }));
      assertTrue(pool.made() >= 1 && pool.made() <= THREADS, "passes made: " + pool.made());
    }
  }

  private static int[][] greedy(Supplier<BeamSearch.StepModel> search, int sentences) {
    int[] maxLength = new int[sentences];
    java.util.Arrays.fill(maxLength, 7);
    return BeamSearch.greedy(search.get(), sentences, 0, 1, maxLength);
  }

  interface Call {
    Object run(int i) throws Exception;
  }

  /** Calls 0 .. THREADS * CALLS - 1 from THREADS threads at once; a failure in any fails the test. */
  private static void inParallel(Call call) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<Object>> done = new ArrayList<>();
      for (int i = 0; i < THREADS * CALLS; i++) {
        int at = i;
        done.add(pool.submit(() -> call.run(at)));
      }
      for (Future<Object> f : done) {
        try {
          f.get();
        } catch (java.util.concurrent.ExecutionException e) {
          if (e.getCause() instanceof Error error) {
            throw error;
          }
          throw e;
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
