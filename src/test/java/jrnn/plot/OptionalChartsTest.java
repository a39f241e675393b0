package jrnn.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OptionalChartsTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final OptionalCharts charts = new OptionalCharts(new PrintStream(bytes, true, StandardCharsets.UTF_8));

  private String said() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aMachineThatCannotDrawLosesTheChartsNotTheJobAndSaysSoOnce() throws IOException {
    int[] drawn = {0};
    charts.draw("the learning curve", () -> drawn[0]++);
    assertEquals(1, drawn[0]);
    assertNull(charts.unavailableReason());
    charts.draw("the gradient norms", () -> {
      throw new UnsatisfiedLinkError("libfontmanager.so: libfreetype.so.6: cannot open shared object file");
    });
    assertTrue(said().startsWith("charts: cannot draw the gradient norms on this machine (java.lang.UnsatisfiedLinkError:"
        + " libfontmanager.so: libfreetype.so.6"), said());
    charts.draw("the learning curve", () -> drawn[0]++);
    charts.draw("the gradient norms", () -> {
      throw new NoClassDefFoundError("Could not initialize class sun.awt.X11FontManager");
    });
    assertEquals(1, drawn[0], "later charts are skipped");
    assertEquals(1, said().lines().count(), "said once: " + said());
    assertTrue(charts.unavailableReason().contains("libfreetype.so.6"), charts.unavailableReason());
  }

  @Test
  void aFontManagerThatCannotStartIsAMachineThatCannotDraw() throws IOException {
    // JDK 17 on a machine without fonts: FontManagerFactory fails with an InternalError, which is
    // a VirtualMachineError, though nothing is wrong with the JVM.
    charts.draw("the learning curve", () -> {
      throw new InternalError(new java.lang.reflect.InvocationTargetException(new NullPointerException()));
    });
    assertTrue(charts.unavailableReason().startsWith("java.lang.InternalError"), charts.unavailableReason());
    assertEquals(1, said().lines().count(), said());
  }

  @Test
  void anUnwritableFileAndTheJvmsOwnFailuresAreTheCallers() {
    assertThrows(IOException.class, () -> charts.draw("a chart", () -> {
      throw new IOException("No space left on device");
    }));
    assertThrows(OutOfMemoryError.class, () -> charts.draw("a chart", () -> {
      throw new OutOfMemoryError("Java heap space");
    }));
    assertThrows(StackOverflowError.class, () -> charts.draw("a chart", () -> {
      throw new StackOverflowError();
    }));
    assertNull(charts.unavailableReason(), "neither says charts cannot be drawn here");
    assertEquals("", said());
  }
}
