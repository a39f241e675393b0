package jrnn.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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

  /** The kernels chosen are a fallback to the scalar ones, and the notices say every phrase. */
  private void assertFellBackSaying(Kernels chosen, String... phrases) {
    assertInstanceOf(ScalarKernels.class, chosen);
    assertNotSame(standIn, chosen);
    for (String phrase : phrases) {
      assertTrue(said().contains(phrase), said());
    }
  }

  @Test
  void withoutTheVectorModuleTheScalarKernelsRunAndSaySo() {
    assertFellBackSaying(KernelSelection.choose("", false, source(16), notices),
        "--add-modules=jdk.incubator.vector");
  }

  @Test
  void askingForVectorWithoutTheModuleSaysItCannotBeHonoured() {
    assertFellBackSaying(KernelSelection.choose("vector", false, source(16), notices),
        "-Djrnn.kernels=vector cannot be honoured");
  }

  @Test
  void askingForTheScalarKernelsIsQuiet() {
    assertFellBackSaying(KernelSelection.choose("scalar", false, source(16), notices));
    assertFellBackSaying(KernelSelection.choose(" Scalar ", true, source(16), notices));
    assertEquals("", said());
  }

  @Test
  void anUnknownChoiceIsNamedAndIgnored() {
    assertSame(standIn, KernelSelection.choose("scalr", true, source(16), notices));
    assertTrue(said().contains("-Djrnn.kernels=scalr is not a choice"), said());
  }

  @Test
  void narrowRegistersFallBackAndSaySoUnlessVectorIsAskedFor() {
    assertFellBackSaying(KernelSelection.choose("", true, source(2), notices), "hold 2 floats");
    said.reset();
    assertSame(standIn, KernelSelection.choose("vector", true, source(2), notices));
    assertEquals("", said());
  }

  @Test
  void kernelsThatCannotLinkFallBackAndSaySo() {
    assertFellBackSaying(KernelSelection.choose("", true,
        failing(new NoSuchMethodError("FloatVector.fromByteBuffer")), notices),
        "cannot run on Java", "fromByteBuffer");
  }

  @Test
  void kernelsThatFailTheirWarmUpFallBackAndSaySo() {
    assertFellBackSaying(KernelSelection.choose("", true,
        failing(new IllegalStateException("lane mismatch")), notices),
        "failed in their warm-up", "lane mismatch");
  }
}
