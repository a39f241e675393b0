package jrnn.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import jrnn.cells.CellType;
import jrnn.device.Gpu;
import jrnn.device.GpuUnavailableException;
import jrnn.layers.Bidirectional;
import jrnn.layers.RecurrentConfig;
import org.junit.jupiter.api.Test;

/** What holds on any machine: which stacks cuDNN runs, and a clear reason when the GPU cannot be used. */
class WithoutAGpuTest {

  /** cuDNN 9 numbers its versions major * 10000 + minor * 100 + patch; the device's description gives them dotted. */
  @Test
  void cudnnsVersionNumberIsReadAsMajorMinorPatch() {
    assertEquals("9.14.0", Cuda.cudnnVersion(91400));
    assertEquals("9.1.1", Cuda.cudnnVersion(90101));
    assertEquals("10.0.2", Cuda.cudnnVersion(100002));
  }

  @Test
  void theBackendIsFoundAndEitherOpensTheGpuOrSaysWhyNot() {
    String reason = Gpu.unavailableReason();
    if (reason == null) {
      String described = Gpu.backend().describe();
      assertTrue(described.contains("cuDNN 9"), described);
      return;
    }
    // The provider was found (the message is its own, not the core's "not on the class path"),
    // and it names what failed: a library that did not load, or no device.
    assertTrue(reason.startsWith("cannot use the GPU: "), reason);
    assertFalse(reason.contains("not on the class path"), reason);
    assertTrue(reason.contains("could not be loaded") || reason.contains("no usable device")
        || reason.contains("found no device") || reason.contains("has no NVIDIA driver"), reason);
    if (reason.contains("could not be loaded")) {
      assertTrue(reason.contains("LD_LIBRARY_PATH"), "says what to set: " + reason);
    }
    GpuUnavailableException e = assertThrows(GpuUnavailableException.class, Gpu::backend);
    assertEquals(reason, e.getMessage());
  }

  @Test
  void cudnnRunsItsFourCellsAndTheOthersAreNamed() {
    List<String> onGpu = List.of("rnn-tanh", "rnn-relu", "lstm", "gru-reset-after");
    for (CellType cell : CellType.all()) {
      RecurrentConfig cfg = RecurrentConfig.builder().cell(cell).input(3).hidden(4).layers(2)
          .bidirectional(Bidirectional.CONCAT).build();
      String reason = CudnnRecurrentStack.unsupportedReason(cfg);
      if (onGpu.contains(cell.name())) {
        assertNull(reason, cell.name());
        assertTrue(CudnnRecurrentStack.cellMode(cell) >= 0, cell.name());
      } else {
        assertNotNull(reason, cell.name());
        assertTrue(reason.startsWith("cuDNN has no " + cell.name() + " cell"), reason);
        assertTrue(reason.contains("jrnn's own kernels run"), reason);
        assertEquals(-1, CudnnRecurrentStack.cellMode(cell), cell.name());
      }
    }
    assertEquals(4, CellType.all().stream().filter(c -> CudnnRecurrentStack.cellMode(c) >= 0).count());
    // The four modes are cuDNN's four, each once.
    assertEquals(4, CellType.all().stream().mapToInt(CudnnRecurrentStack::cellMode).filter(m -> m >= 0).distinct().count());
    RecurrentConfig summed = RecurrentConfig.builder().cell("lstm").input(3).hidden(4).layers(2)
        .bidirectional(Bidirectional.SUM).build();
    assertTrue(CudnnRecurrentStack.unsupportedReason(summed).contains("--bidirectional sum"));
  }

  @Test
  void stacksRunInCudnnWhereItCanUnlessJrnnsOwnAreAskedFor() {
    RecurrentConfig lstm = RecurrentConfig.builder().cell("lstm").input(3).hidden(4).build();
    RecurrentConfig gru = RecurrentConfig.builder().cell("gru").input(3).hidden(4).build();
    RecurrentConfig summed = RecurrentConfig.builder().cell("lstm").input(3).hidden(4)
        .bidirectional(Bidirectional.SUM).build();
    String before = System.getProperty(CudaBackend.STACK_PROPERTY);
    try {
      System.clearProperty(CudaBackend.STACK_PROPERTY);
      assertTrue(CudaBackend.trainsInCudnn(lstm));
      assertFalse(CudaBackend.trainsInCudnn(gru), "cuDNN has no GRU with the reset before");
      assertFalse(CudaBackend.trainsInCudnn(summed), "cuDNN does not sum the directions");
      System.setProperty(CudaBackend.STACK_PROPERTY, "jrnn");
      assertFalse(CudaBackend.trainsInCudnn(lstm), "jrnn's own asked for");
      System.setProperty(CudaBackend.STACK_PROPERTY, "fast");
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CudaBackend.trainsInCudnn(lstm));
      assertEquals("jrnn.gpu.stack is 'fast'; expected cudnn or jrnn", e.getMessage());
    } finally {
      if (before == null) {
        System.clearProperty(CudaBackend.STACK_PROPERTY);
      } else {
        System.setProperty(CudaBackend.STACK_PROPERTY, before);
      }
    }
  }

  @Test
  void theMathModeIsReadFromItsProperty() {
    String before = System.getProperty(CudaBackend.MATH_PROPERTY);
    try {
      System.setProperty(CudaBackend.MATH_PROPERTY, "fp32");
      assertEquals(CudnnRecurrentStack.MathMode.FP32, CudaBackend.mathMode());
      System.setProperty(CudaBackend.MATH_PROPERTY, "default");
      assertEquals(CudnnRecurrentStack.MathMode.DEFAULT, CudaBackend.mathMode());
      System.setProperty(CudaBackend.MATH_PROPERTY, "fp16");
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, CudaBackend::mathMode);
      assertEquals("jrnn.gpu.math is 'fp16'; expected default or fp32", e.getMessage());
    } finally {
      if (before == null) {
        System.clearProperty(CudaBackend.MATH_PROPERTY);
      } else {
        System.setProperty(CudaBackend.MATH_PROPERTY, before);
      }
    }
  }
}
