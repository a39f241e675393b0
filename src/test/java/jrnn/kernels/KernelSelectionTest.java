package jrnn.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
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
  /** Stands in for the vector kernels, so that a test can tell them from a fallback. */
  private final Kernels standIn = new ScalarKernels();

  private String said() {
    return said.toString(StandardCharsets.UTF_8);
  }

  /** A source of {@link #standIn} with registers of {@code lanes} floats. */
  private KernelSelection.VectorSource source(int lanes) {
    return new KernelSelection.VectorSource() {
      @Override
      public int lanes() {
        return lanes;
      }

      @Override
      public Kernels warmedUp() {
        return standIn;
      }
    };
  }

  /** A source whose kernels throw {@code failure} (an Error or a RuntimeException) when made. */
  private KernelSelection.VectorSource failing(Throwable failure) {
    return new KernelSelection.VectorSource() {
      @Override
      public int lanes() {
        return 16;
      }

      @Override
      public Kernels warmedUp() {
        if (failure instanceof Error e) {
          throw e;
        }
        throw (RuntimeException) failure;
      }
    };
  }

  @Test
  void withTheModuleAndWideRegistersTheVectorKernelsRunQuietly() {
    assertSame(standIn, KernelSelection.choose("", true, source(16), notices));
    assertEquals("", said());
  }

  @Test
  void withoutTheVectorModuleTheScalarKernelsRunAndSaySo() {
    Kernels k = KernelSelection.choose("", false, source(16), notices);
    assertInstanceOf(ScalarKernels.class, k);
    assertTrue(k != standIn);
    assertTrue(said().contains("--add-modules=jdk.incubator.vector"), said());
  }

  @Test
  void askingForVectorWithoutTheModuleSaysItCannotBeHonoured() {
    assertTrue(KernelSelection.choose("vector", false, source(16), notices) != standIn);
    assertTrue(said().contains("-Djrnn.kernels=vector cannot be honoured"), said());
  }

  @Test
  void askingForTheScalarKernelsIsQuiet() {
    assertTrue(KernelSelection.choose("scalar", false, source(16), notices) != standIn);
    assertTrue(KernelSelection.choose(" Scalar ", true, source(16), notices) != standIn);
    assertEquals("", said());
  }

  @Test
  void anUnknownChoiceIsNamedAndIgnored() {
    assertSame(standIn, KernelSelection.choose("scalr", true, source(16), notices));
    assertTrue(said().contains("-Djrnn.kernels=scalr is not a choice"), said());
  }

  @Test
  void narrowRegistersFallBackAndSaySoUnlessVectorIsAskedFor() {
    assertTrue(KernelSelection.choose("", true, source(2), notices) != standIn);
    assertTrue(said().contains("hold 2 floats"), said());
    said.reset();
    assertSame(standIn, KernelSelection.choose("vector", true, source(2), notices));
    assertEquals("", said());
  }

  @Test
  void kernelsThatCannotLinkFallBackAndSaySo() {
    Kernels k = KernelSelection.choose("", true,
        failing(new NoSuchMethodError("FloatVector.fromByteBuffer")), notices);
    assertInstanceOf(ScalarKernels.class, k);
    assertTrue(said().contains("cannot run on Java") && said().contains("fromByteBuffer"), said());
  }

  @Test
  void kernelsThatFailTheirWarmUpFallBackAndSaySo() {
    Kernels k = KernelSelection.choose("", true,
        failing(new IllegalStateException("lane mismatch")), notices);
    assertInstanceOf(ScalarKernels.class, k);
    assertTrue(said().contains("failed in their warm-up") && said().contains("lane mismatch"), said());
  }

  @Test
  void theRealVectorKernelsAreChosenOnThisJvm() {
    Assumptions.assumeTrue(KernelSelection.vectorApiAvailable(),
        "skipped: the JVM runs without --add-modules=jdk.incubator.vector");
    Assumptions.assumeTrue(VectorKernels.lanes() >= 4, "skipped: SIMD registers of fewer than 4 floats");
    assertEquals("jrnn.kernels.VectorKernels", Kernels.best().getClass().getName());
  }
}
