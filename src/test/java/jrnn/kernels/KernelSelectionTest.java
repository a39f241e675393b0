package jrnn.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** No fallback to the slow scalar kernels goes unsaid, unless it was asked for. */
class KernelSelectionTest {
  private final ByteArrayOutputStream said = new ByteArrayOutputStream();
  private final PrintStream notices = new PrintStream(said, true, StandardCharsets.UTF_8);

  private String said() {
    return said.toString(StandardCharsets.UTF_8);
  }

  @Test
  void withoutTheVectorModuleTheScalarKernelsRunAndSaySo() {
    assertInstanceOf(ScalarKernels.class, KernelSelection.choose("", false, notices));
    assertTrue(said().contains("--add-modules=jdk.incubator.vector"), said());
  }

  @Test
  void askingForTheScalarKernelsIsQuiet() {
    assertInstanceOf(ScalarKernels.class, KernelSelection.choose("scalar", false, notices));
    assertInstanceOf(ScalarKernels.class, KernelSelection.choose(" Scalar ", true, notices));
    assertEquals("", said());
  }

  @Test
  void anUnknownChoiceIsNamedAndIgnored() {
    assertInstanceOf(ScalarKernels.class, KernelSelection.choose("scalr", false, notices));
    assertTrue(said().contains("-Djrnn.kernels=scalr is not a choice"), said());
  }

  @Test
  void withTheModuleAndWideRegistersTheVectorKernelsRunQuietly() {
    Assumptions.assumeTrue(KernelSelection.vectorApiAvailable(),
        "skipped: the JVM runs without --add-modules=jdk.incubator.vector");
    Assumptions.assumeTrue(VectorKernels.lanes() >= 4, "skipped: SIMD registers of fewer than 4 floats");
    Kernels chosen = KernelSelection.choose("", true, notices);
    assertEquals("jrnn.kernels.VectorKernels", chosen.getClass().getName());
    assertEquals("", said());
  }
}
