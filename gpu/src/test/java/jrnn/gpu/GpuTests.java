package jrnn.gpu;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.function.Supplier;
import jrnn.device.Gpu;
import jrnn.device.GpuBackend;
import org.junit.jupiter.api.DynamicTest;

/** The backend for tests that need a GPU, which are skipped, saying why, on a machine without one. */
final class GpuTests {
  private GpuTests() {}

  /** The GPU backend with cuDNN's math in fp32 (no TF32), or the calling test skipped. */
  static GpuBackend backendOrSkip() {
    System.setProperty(CudaBackend.MATH_PROPERTY, "fp32");
    String reason = Gpu.unavailableReason();
    assumeTrue(reason == null, () -> "skipped, no GPU: " + reason);
    return Gpu.backend();
  }

  /**
   * {@code tests} when there is a GPU; else one test, named {@code what}, that reports itself
   * skipped with the reason, so that a run without a GPU says so rather than running nothing.
   */
  static List<DynamicTest> onGpu(String what, Supplier<List<DynamicTest>> tests) {
    if (Gpu.unavailableReason() != null) {
      return List.of(DynamicTest.dynamicTest(what, GpuTests::backendOrSkip));
    }
    return tests.get();
  }
}
