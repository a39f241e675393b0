package jrnn.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CUDA's own compiler, where this machine has one (nvcc, CUDA 13's front end, the one NVRTC 13
 * uses on the GPU machine), compiles CudaOps.SOURCE for the H100's and H200's architecture,
 * sm_90, with every warning an error, into a cubin that holds each kernel. Skipped, saying so,
 * without nvcc.
 */
class NvccCompilesTheKernelsTest {
  @Test
  void theKernelsCompileForSm90WithoutAWarning(@TempDir Path dir) throws Exception {
    Path nvcc = java.util.stream.Stream.concat(java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "")
        .split(java.io.File.pathSeparator)).map(p -> Path.of(p, "nvcc")), java.util.stream.Stream.of(
        Path.of("/usr/local/cuda/bin/nvcc"))).filter(Files::isExecutable).findFirst().orElse(null);
    assumeTrue(nvcc != null, "skipped: this machine has no nvcc (CUDA's compiler)");
    Path source = dir.resolve("jrnn_kernels.cu");
    Files.writeString(source, CudaOps.SOURCE, StandardCharsets.UTF_8);
    Path cubin = dir.resolve("jrnn_kernels.cubin");
    Path log = dir.resolve("nvcc.log");
    Process p = new ProcessBuilder(nvcc.toString(), "-arch=sm_90", "-cubin", "-std=c++17", "-Werror", "all-warnings",
        "-o", cubin.toString(), source.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertTrue(p.waitFor(3, TimeUnit.MINUTES), "nvcc finished");
    assertEquals(0, p.exitValue(), () -> "nvcc: " + read(log));
    String image = new String(Files.readAllBytes(cubin), StandardCharsets.ISO_8859_1);
    for (String kernel : CudaOps.SIGNATURES.keySet()) {
      assertTrue(image.contains(kernel + "\0"), "the cubin holds " + kernel);
    }
  }

  private static String read(Path log) {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
