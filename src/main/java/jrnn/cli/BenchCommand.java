package jrnn.cli;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import jrnn.cells.CellType;
import jrnn.data.Batch;
import jrnn.device.Device;
import jrnn.device.DeviceRecurrentStack;
import jrnn.device.Gpu;
import jrnn.device.GpuBackend;
import jrnn.kernels.Blas;
import jrnn.kernels.Kernels;
import jrnn.kernels.Parallel;
import jrnn.layers.Bidirectional;
import jrnn.layers.RecurrentConfig;
import jrnn.layers.RecurrentStack;
import jrnn.params.Init;
import jrnn.params.ParamLayout;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Times one recurrent layer's training step (forward, then backward with the gradients of the
 * inputs and all weights) or inference (forward), and reports it against the rate of a 2048^3
 * sgemm measured in the same process with the same threads, in turn with the steps: efficiency
 * is the median step's rate over the median product's.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"Times a recurrent layer and prints the median ms per step, GFLOP/s and, last,"
        + " 'efficiency: <fraction>' of the sgemm rate measured in the same run (medians of"
        + " products and steps taken in turn).",
        "Useful work: 2*T*B*(X+H)*G*H FLOPs forward (G = 4 LSTM, 3 GRU, 1 RNN); a training step counts 3 times that."})
final class BenchCommand implements Callable<Integer> {

  @Option(names = "--cell", defaultValue = "lstm", description = "Cell type (default ${DEFAULT-VALUE}).")
  String cell;

  @Option(names = "--steps", defaultValue = "50", description = "Time steps T (default ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--batch", defaultValue = "32", description = "Batch size B (default ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--input", defaultValue = "256", description = "Input width X (default ${DEFAULT-VALUE}).")
  int input;

  @Option(names = "--hidden", defaultValue = "256", description = "Hidden units H (default ${DEFAULT-VALUE}).")
  int hidden;

  @Option(names = "--layers", defaultValue = "1", description = "Stacked layers (default ${DEFAULT-VALUE}).")
  int layers;

  @Option(names = "--bidirectional", defaultValue = "none", description = "none, concat or sum (default ${DEFAULT-VALUE}).")
  String bidirectional;

  @Option(names = "--ragged", description = "Sequences of lengths drawn from 1..T (one of them T)"
      + " instead of all T long: the layer masks the steps past each end, and the padded steps are"
      + " computed all the same, so the work counted is unchanged.")
  boolean ragged;

  @Option(names = "--mode", defaultValue = "train", description = "train or infer (default ${DEFAULT-VALUE}).")
  String mode;

  @Option(names = "--repeats", defaultValue = "20", description = "Timed repetitions (default ${DEFAULT-VALUE}).")
  int repeats;

  @Option(names = "--warmup", defaultValue = "3", description = "Seconds of untimed repetitions first,"
      + " so that the JIT has compiled the vector kernels (default ${DEFAULT-VALUE}).")
  double warmup;

  @Option(names = "--device", defaultValue = "cpu", description = "cpu, or gpu: the layer in the GPU"
      + " backend (cuDNN), timed on data resident there, against the GPU's own sgemm rate (default ${DEFAULT-VALUE}).")
  String device;

  @Option(names = "--gpu-gemm", defaultValue = "8192", description = "With --device gpu: the side n of the"
      + " n^3 fp32 sgemm whose rate on the GPU, taken before and after the steps, is the reference (default ${DEFAULT-VALUE}).")
  int gpuGemm;

  /** Lengths drawn from 1..steps for a batch, the first one steps long so that all T steps run. */
  static int[] raggedLengths(int steps, int batch, Rng rng) {
    int[] lengths = Batch.fullLengths(steps, batch);
    for (int b = 1; b < batch; b++) {
      lengths[b] = 1 + rng.nextInt(steps);
    }
    return lengths;
  }

  /** The highest heap use since the JVM started (all pools' peaks). */
  static double peakHeapMb() {
    long peak = 0;
    for (var pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == java.lang.management.MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    return peak / 1e6;
  }

  /** The heap that is still reachable after a full collection: what the run really keeps. */
  static double liveHeapMb() {
    System.gc();
    return java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1e6;
  }

  /** Memory held by direct buffers, where jrnn keeps its tensors. */
  static double directMb() {
    for (var pool : java.lang.management.ManagementFactory.getPlatformMXBeans(
        java.lang.management.BufferPoolMXBean.class)) {
      if (pool.getName().equals("direct")) {
        return pool.getMemoryUsed() / 1e6;
      }
    }
    return Double.NaN;
  }

  /** The process's peak resident set (VmHWM), where the OS reports it. */
  static String peakResident() {
    try {
      for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return String.format(Locale.ROOT, "%.0f MB", Long.parseLong(line.replaceAll("\\D", "")) / 1024.0);
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      // not Linux
    }
    return "unknown";
  }

  /**
   * OpenBLAS's worker threads spin for about 2^28 cycles after a threaded call before they sleep
   * (its THREAD_TIMEOUT); a step timed in that window shares the cores with them and measured
   * twice as slow here. jrnn itself calls OpenBLAS with one thread, so only the reference does.
   */
  private static final int STEPS_PER_ROUND = 5;

  private static void waitForOpenBlasWorkersToSleep() {
    try {
      Thread.sleep(300);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting between measurements", e);
    }
  }

  @Override
  public Integer call() {
    boolean train;
    switch (mode.trim().toLowerCase(Locale.ROOT)) {
      case "train":
        train = true;
        break;
      case "infer":
        train = false;
        break;
      default:
        throw new IllegalArgumentException("unknown mode '" + mode + "'; expected train or infer");
    }
    if (repeats < 1) {
      throw new IllegalArgumentException("--repeats must be 1 or more, got " + repeats);
    }
    if (!jrnn.util.Numbers.finiteNotNegative(warmup)) {
      throw new IllegalArgumentException("--warmup must be finite seconds, 0 or more, got " + warmup);
    }
    if (gpuGemm < 1) {
      throw new IllegalArgumentException("--gpu-gemm is " + gpuGemm + "; the sgemm's side must be at least 1");
    }
    CellType type = CellType.parse(cell);
    RecurrentConfig cfg = new RecurrentConfig(type, input, hidden, layers,
        Bidirectional.parse(bidirectional), 0);
    ParamLayout.Builder lb = ParamLayout.builder();
    cfg.declareParameters(lb, "rnn.");
    Parameters params = new Parameters(lb.build());
    Rng rng = new Rng(1);
    Init.uniform(params.values(), rng, 1 / Math.sqrt(hidden));
    RecurrentStack stack = new RecurrentStack(cfg, params, "rnn.", Kernels.best());
    int[] lengths = ragged ? raggedLengths(steps, batch, rng) : Batch.fullLengths(steps, batch);
    if (Device.parse(device) == Device.GPU) {
      return benchOnGpu(cfg, params, lengths, train);
    }
    Tensor x = Tensor.zeros(steps, batch, input);
    Init.uniform(x, rng, 1);
    Tensor dTop = Tensor.zeros(steps, batch, cfg.outputSize());
    Init.uniform(dTop, rng, 1);
    Tensor dx = Tensor.zeros(steps, batch, input);

    Blas.SgemmReference reference = new Blas.SgemmReference(2048, Parallel.threads());
    reference.measure();
    Runnable step = () -> {
      stack.forward(x, steps, batch, lengths, null, train, rng);
      if (train) {
        stack.backward(dTop, null, dx);
      }
    };
    // Inference runs on fixed weights, so they are packed for the per-step product once, as an
    // application's evaluation or sampling does (Parameters.freeze); training packs every pass.
    int rounds = (repeats + STEPS_PER_ROUND - 1) / STEPS_PER_ROUND;
    double[] gemmRates = new double[3 * rounds];
    double[] ms = new double[repeats];
    try (Parameters.Frozen frozen = train ? () -> {} : params.freeze()) {
      long warmEnd = System.nanoTime() + (long) (warmup * 1e9);
      int warmed = 0;
      while (warmed < 3 || System.nanoTime() < warmEnd) {
        step.run();
        warmed++;
      }
      // Rounds of three sgemm products and then five timed steps, so that the two rates are taken
      // in the same minutes of a shared host, whose speed drifts by tens of percent. Before its
      // timed steps a round runs untimed ones for 0.2 s: they bring the layer's weights back into
      // the caches that the 48 MB products evicted and wake jrnn's threads, as steady work finds them.
      for (int round = 0, timed = 0; round < rounds; round++) {
        for (int g = 0; g < 3; g++) {
          gemmRates[3 * round + g] = reference.measure();
        }
        waitForOpenBlasWorkersToSleep();
        long rewarmEnd = System.nanoTime() + 200_000_000L;
        do {
          step.run();
        } while (System.nanoTime() < rewarmEnd);
        for (int j = 0; j < STEPS_PER_ROUND && timed < repeats; j++, timed++) {
          long t0 = System.nanoTime();
          step.run();
          ms[timed] = (System.nanoTime() - t0) / 1e6;
        }
      }
    }
    Arrays.sort(ms);
    Arrays.sort(gemmRates);
    double median = ms[repeats / 2];
    double gemm = gemmRates[gemmRates.length / 2];
    double rate = usefulFlops(cfg, train) / (median / 1e3) / 1e9;
    Runtime rt = Runtime.getRuntime();
    System.out.printf(Locale.ROOT, "%s; %s kernels, %d cores%n", workload(cfg, lengths, train),
        Kernels.best().getClass().getSimpleName(), rt.availableProcessors());
    System.out.printf(Locale.ROOT, "sgemm 2048^3 in this process, in turn with the steps: median %.1f GFLOP/s"
        + " (best %.1f)%n", gemm, gemmRates[gemmRates.length - 1]);
    System.out.printf(Locale.ROOT, "median %.2f ms per step (min %.2f, max %.2f over %d), %.1f GFLOP/s useful%n",
        median, ms[0], ms[repeats - 1], repeats, rate);
    // The peak counts garbage not yet collected (the heap may grow to -Xmx); the live heap does not.
    System.out.printf(Locale.ROOT, "memory: peak Java heap %.0f MB (live after GC %.0f MB), off-heap tensors %.0f MB (besides the sgemm's),"
        + " peak resident %s%n", peakHeapMb(), liveHeapMb(), directMb() - reference.megabytes(), peakResident());
    // Three significant digits, so that a tiny workload on a busy machine still prints above zero.
    System.out.printf(Locale.ROOT, "efficiency: %.3g%n", rate / gemm);
    return 0;
  }

  /** The FLOPs the help text counts: 2*T*B*(X+H)*G*H per layer and direction, 3 times for training. */
  private double usefulFlops(RecurrentConfig cfg, boolean train) {
    double flops = 0;
    for (int l = 0; l < layers; l++) {
      flops += 2.0 * steps * batch * (cfg.layerInputSize(l) + hidden) * cfg.cell().gates() * hidden * cfg.directions();
    }
    return train ? 3 * flops : flops;
  }

  private String workload(RecurrentConfig cfg, int[] lengths, boolean train) {
    return String.format(Locale.ROOT, "%s %s: T=%d B=%d X=%d H=%d, %d layer(s)%s%s", cfg.cell().name(),
        train ? "training step" : "inference", steps, batch, input, hidden, layers,
        cfg.directions() == 2 ? ", bidirectional" : "",
        ragged ? ", lengths " + Arrays.stream(lengths).min().getAsInt() + ".." + steps : "");
  }

  /**
   * The same layer in the GPU backend, its data resident on the device: each step is waited for,
   * and the reference is the device's fp32 sgemm (8192^3), measured before and after the steps.
   */
  private int benchOnGpu(RecurrentConfig cfg, Parameters params, int[] lengths, boolean train) {
    GpuBackend gpu = Gpu.backend();
    String unsupported = gpu.unsupportedReason(cfg);
    if (unsupported != null) {
      throw new IllegalArgumentException("bench --device gpu: " + unsupported);
    }
    double[] gemm = new double[2];
    double[] ms;
    gemm[0] = gpu.sgemmGflops(gpuGemm);
    try (DeviceRecurrentStack stack = gpu.recurrentStack(cfg, params, "rnn.")) {
      ms = stack.timeSteps(steps, batch, lengths, train, Math.max(10, repeats / 2), repeats);
    }
    gemm[1] = gpu.sgemmGflops(gpuGemm);
    Arrays.sort(ms);
    double median = ms[ms.length / 2];
    double rate = usefulFlops(cfg, train) / (median / 1e3) / 1e9;
    double reference = Math.min(gemm[0], gemm[1]);
    System.out.printf(Locale.ROOT, "%s; GPU: %s%n", workload(cfg, lengths, train), gpu.describe());
    System.out.printf(Locale.ROOT, "sgemm %d^3 fp32 on the GPU in this process: %.1f GFLOP/s before the steps,"
        + " %.1f after%n", gpuGemm, gemm[0], gemm[1]);
    System.out.printf(Locale.ROOT, "median %.3f ms per step (min %.3f, max %.3f over %d), %.1f GFLOP/s useful%n",
        median, ms[0], ms[ms.length - 1], ms.length, rate);
    // Against the lower of the two products' rates: a clock that fell during the run counts against the steps' rate, not for it.
    System.out.printf(Locale.ROOT, "efficiency: %.3g%n", rate / reference);
    return 0;
  }
}
