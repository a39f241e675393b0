package jrnn.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * GPU tests on the CPU emulator of CUDA ({@code gpu/emulator}, docs/gpu.md): the backend opened
 * through the bindings, CudaOps' kernels (CUDA C compiled for the host) launched as on a GPU and
 * compared with their Java twins, jrnn's own stacks and cuDNN's (its RNN API emulated from its
 * reference, checked against PyTorch's cases), a language model's and a translator's passes,
 * whole training runs, and passes from six threads, each in a JVM of its own with the emulator's
 * libraries preloaded. What it cannot check is the GPU's speed, cuDNN's own reading of its API
 * where the emulator's differs, and races between threads of a block that a barrier orders (a
 * block's threads run one at a time between barriers: the kernels run in both orders). Skipped,
 * saying why, where the emulator cannot be built.
 */
class EmulatedGpuTest {
  private static Path emulator;

  @BeforeAll
  static void build() throws Exception {
    for (String tool : List.of("g++", "nm", "python3")) {
      assumeTrue(runs(tool, "--version"), () -> "skipped: the emulator of CUDA is built with g++, nm and python3; this"
          + " machine has no " + tool);
    }
    String jar = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(p -> p.matches(".*cuda-[^/]*-linux-x86_64\\.jar")).findFirst().orElse(null);
    assumeTrue(jar != null, "skipped: the bindings' linux-x86_64 jar is not on the class path (another platform)");
    Path log = Files.createTempFile("jrnn-emulator-build", ".log");
    log.toFile().deleteOnExit();  // its text is in the failure's message
    ProcessBuilder b = new ProcessBuilder("bash", "emulator/build.sh").redirectErrorStream(true)
        .redirectOutput(log.toFile());
    b.environment().put("BINDINGS_JAR", jar);
    Process p = b.start();
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the emulator's build finished");
    assertEquals(0, p.exitValue(), () -> "gpu/emulator/build.sh failed:\n" + read(log));
    emulator = Path.of("target/emulator").toAbsolutePath();
  }

  /** Every kernel against its twin, with a block's threads taking their turns first to last, then last to first. */
  @Test
  void theKernelsAgreeWithTheirTwinsInEitherOrderOfABlocksThreads() throws Exception {
    for (String order : List.of("forward", "reverse")) {
      assertTrue(run("jrnn", order, 0, "jrnn.gpu.CudaOpsAgreeWithHostOpsTest") >= 19, order);
    }
  }

  /**
   * The GPU tests of jrnn's own stacks, of a sequence model's and a translator's passes (gradients,
   * updates, whole runs straight through and resumed, divergences, decoding) and of passes from
   * many threads, with the classes' host twin tests beside them. The one that needs cuDNN's
   * generator reports itself skipped.
   */
  @Test
  void theModelsGpuTestsPassOnTheEmulator() throws Exception {
    int passed = run("jrnn", "forward", 1, "jrnn.gpu.FusedCellStackTest", "jrnn.gpu.OpsTrainingTest",
        "jrnn.gpu.OpsTranslationTest", "jrnn.gpu.DevicePassesTest");
    assertTrue(passed >= 250, passed + " tests passed");
  }

  /**
   * The same with cuDNN's stacks wherever cuDNN has the cell ({@link CudnnRecurrentStack} on the
   * emulator's cuDNN): against the CPU engine and the double-precision reference, against
   * PyTorch's cases, in a sequence model's and a translator's passes and runs (cuDNN's own dropout
   * generator, restarted on resuming), from many threads, and with each device allocation failing
   * in turn. Nothing is skipped but PyTorch's cases where the shared data is absent.
   */
  @Test
  void theGpuTestsPassWithCudnnsStacksOnTheEmulator() throws Exception {
    boolean shared = Files.exists(jrnn.SharedData.root().resolve(jrnn.TorchReference.FILE));
    int passed = run("cudnn", "forward", shared ? 0 : 1, "jrnn.gpu.CudnnAgreesWithCpuTest",
        "jrnn.gpu.CudnnAgreesWithPyTorchTest", "jrnn.gpu.OpsTrainingTest", "jrnn.gpu.OpsTranslationTest",
        "jrnn.gpu.DevicePassesTest", "jrnn.gpu.DeviceMemoryTest");
    assertTrue(passed >= 175, passed + " tests passed");
  }

  /**
   * The command line end to end: {@code train lm --device gpu} on the emulator (the device's
   * updates, checks and model file through the train command's options), with jrnn's own stacks
   * and with cuDNN's, ends with the CPU run's validation figure and, to float rounding, its model.
   */
  @Test
  void aLanguageModelTrainedWithDeviceGpuEndsAsTheCpuRun(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path text = dir.resolve("text.txt");
    try (java.io.InputStream in = EmulatedGpuTest.class.getResourceAsStream("/jrnn/demo/shakespeare.txt")) {
      Files.writeString(text, new String(in.readAllBytes(), StandardCharsets.UTF_8).substring(0, 12_000));
    }
    List<String> stacks = List.of("cpu", "jrnn", "cudnn");
    String[] figures = new String[stacks.size()];
    double[][] parameters = new double[stacks.size()][];
    for (int run = 0; run < stacks.size(); run++) {
      boolean gpu = run > 0;
      Path out = dir.resolve(stacks.get(run) + ".jrnn");
      // An LSTM (train lm's cell): a stack that cuDNN runs, or jrnn's own kernels.
      String log = java(gpu, gpu ? stacks.get(run) : "jrnn", "forward", "jrnn.cli.Main", "train", "lm", "--device",
          gpu ? "gpu" : "cpu", "--train", text.toString(), "--level", "char", "--vocab-cap", "0", "--hidden", "24",
          "--embedding", "12", "--layers", "2", "--epochs", "2", "--steps", "20", "--batch", "8", "--dropout", "0",
          "--out", out.toString());
      assertTrue(!gpu || log.contains("device: jrnn's CPU emulator of a CUDA device"), log);
      assertTrue(!gpu || log.contains(run == 1 ? "recurrent stacks jrnn's own" : "recurrent stacks cuDNN's where"), log);
      figures[run] = log.lines().filter(l -> l.startsWith("validation bits per character: ")).findFirst()
          .orElseThrow(() -> new AssertionError("no validation figure:\n" + log));
      parameters[run] = jrnn.apps.lm.LanguageModel.load(out).model().parameters().values().toDoubleArray();
    }
    for (int run = 1; run < stacks.size(); run++) {
      String what = "the emulated GPU with " + stacks.get(run) + "'s stacks";
      assertEquals(figures[0], figures[run], "the CPU's and " + what + "'s validation figure");
      assertEquals(parameters[0].length, parameters[run].length, "parameters");
      for (int i = 0; i < parameters[0].length; i++) {
        assertEquals(parameters[0][i], parameters[run][i], 1e-4 * (1 + Math.abs(parameters[0][i])), what + ", parameter " + i);
      }
    }
  }

  /**
   * Runs {@code tests} on the emulator in a JVM of its own, with {@code stack}'s recurrent stacks
   * ({@link CudaBackend#STACK_PROPERTY}); returns how many passed, failing on any failure or on
   * more than {@code skips} tests skipped.
   */
  private static int run(String stack, String order, int skips, String... tests) throws Exception {
    String out = java(true, stack, order, EmulatedGpuRun.class.getName(), tests);
    // Not a run that found no GPU and skipped the GPU tests: the emulator's device was open.
    String device = out.lines().filter(l -> l.startsWith("device: ")).findFirst().orElse("device: (not said)");
    assertTrue(device.contains("jrnn's CPU emulator of a CUDA device"), device);
    String last = out.lines().filter(l -> l.startsWith("tests: ")).reduce((a, c) -> c).orElseThrow();
    assertTrue(last.contains(" 0 failed"), last);
    int skipped = Integer.parseInt(last.replaceAll(".* (\\d+) skipped$", "$1"));
    assertTrue(skipped <= skips, () -> last + ": at most " + skips + " skipped\n" + out);
    return Integer.parseInt(last.replaceAll("tests: (\\d+) succeeded.*", "$1"));
  }

  /**
   * Runs {@code main} with {@code arguments} in a JVM of its own on this test's class path, on the
   * emulator (its libraries preloaded, a block's threads in {@code order}, {@code stack}'s
   * recurrent stacks) or not; returns its output, failing unless it ended with status 0 within 10
   * minutes.
   */
  private static String java(boolean onTheEmulator, String stack, String order, String main, String... arguments)
      throws Exception {
    Path log = Files.createTempFile("jrnn-emulated-gpu", ".log");
    log.toFile().deleteOnExit();  // its last 20,000 characters are in a failure's message
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--add-modules=jdk.incubator.vector", "-Xmx2g", "-D" + CudaBackend.STACK_PROPERTY + "=" + stack,
        "-Djrnn.data=" + jrnn.SharedData.root().toAbsolutePath(), "-cp", System.getProperty("java.class.path"), main));
    command.addAll(List.of(arguments));
    ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    if (onTheEmulator) {
      try (Stream<Path> libraries = Files.list(emulator)) {
        // Preloaded, so that they stand in for any CUDA libraries the bindings would otherwise find.
        b.environment().put("LD_PRELOAD", libraries.map(Path::toString).filter(n -> n.matches(".*/lib\\w+\\.so\\.\\d+"))
            .sorted().collect(Collectors.joining(":")));
      }
      b.environment().put("LD_LIBRARY_PATH", emulator.toString());
      b.environment().put("JRNN_EMULATOR_ORDER", order);
    }
    Process p = b.start();
    boolean finished = p.waitFor(10, TimeUnit.MINUTES);
    if (!finished) {
      p.destroyForcibly();
    }
    String out = read(log);
    assertTrue(finished, () -> main + " did not finish in 10 minutes" + (onTheEmulator ? " on the emulator" : "") + ":\n"
        + out);
    assertEquals(0, p.exitValue(), () -> main + " failed" + (onTheEmulator ? " on the emulator (" + order + ")" : "")
        + ":\n" + out);
    // A bad free (twice, or of host memory) fails no call's status check: the emulator says it on standard error.
    assertTrue(!Files.readString(log, StandardCharsets.UTF_8).contains("jrnn emulator: cudaFree("),
        () -> main + ": a bad cudaFree on the emulator:\n" + out);
    return out;
  }

  private static boolean runs(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  /** A log's last 20,000 characters. */
  private static String read(Path log) {
    try {
      String text = Files.readString(log, StandardCharsets.UTF_8);
      return text.length() > 20_000 ? text.substring(text.length() - 20_000) : text;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
