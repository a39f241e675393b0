package jrnn.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import org.junit.jupiter.api.Test;

/** The device is chosen by name, and a GPU that cannot be used says why. */
class GpuSelectionTest {

  @Test
  void devicesAreReadByName() {
    assertEquals(Device.CPU, Device.parse("cpu"));
    assertEquals(Device.GPU, Device.parse(" GPU "));
    assertEquals(Device.GPU, Device.parse("cuda"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Device.parse("tpu"));
    assertEquals("unknown device 'tpu'; expected cpu or gpu", e.getMessage());
    assertEquals("gpu", Device.GPU.label());
  }

  @Test
  void withoutTheGpuModuleTheReasonSaysHowToBuildIt() {
    // The core's tests run without jrnn-gpu on the class path.
    GpuUnavailableException e = assertThrows(GpuUnavailableException.class, Gpu::backend);
    assertTrue(e.getMessage().startsWith("cannot use the GPU: the GPU backend (jrnn-gpu) is not on the class path"),
        e.getMessage());
    assertTrue(e.getMessage().contains("(cd gpu && mvn"), e.getMessage());
    assertSame(e, assertThrows(GpuUnavailableException.class, Gpu::backend), "asked once, answered the same");
    assertEquals(e.getMessage(), Gpu.unavailableReason());
  }

  @Test
  void aProviderThatCannotOpenTheDeviceGivesItsOwnReason() {
    GpuUnavailableException own = new GpuUnavailableException("no CUDA device (cudaGetDeviceCount: 0)");
    Iterator<GpuBackend> failing = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public GpuBackend next() {
        throw new ServiceConfigurationError("jrnn.device.GpuBackend: Provider jrnn.gpu.CudaBackend could not be instantiated",
            new IllegalStateException("wrapped", own));
      }
    };
    GpuUnavailableException e = assertThrows(GpuUnavailableException.class, () -> Gpu.load(failing));
    assertSame(own, e);
    assertEquals("cannot use the GPU: no CUDA device (cudaGetDeviceCount: 0)", e.getMessage());

    Iterator<GpuBackend> broken = List.<GpuBackend>of().iterator();
    assertTrue(assertThrows(GpuUnavailableException.class, () -> Gpu.load(broken)).getMessage().contains("jrnn-gpu"));

    Iterator<GpuBackend> other = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public GpuBackend next() {
        throw new ServiceConfigurationError("jrnn.device.GpuBackend: bad provider", new UnsatisfiedLinkError("libfoo.so"));
      }
    };
    GpuUnavailableException o = assertThrows(GpuUnavailableException.class, () -> Gpu.load(other));
    assertTrue(o.getMessage().contains("failed to start: libfoo.so (jrnn.device.GpuBackend: bad provider)"),
        o.getMessage());

    // CUDA's own words when it refuses the device, however deep the provider's constructor wrapped them.
    Iterator<GpuBackend> refused = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public GpuBackend next() {
        throw new ServiceConfigurationError("jrnn.device.GpuBackend: Provider jrnn.gpu.CudaBackend could not be"
            + " instantiated", new RuntimeException(new IllegalStateException("CUDA: cudaSetDevice(0) failed:"
            + " all CUDA-capable devices are busy or unavailable")));
      }
    };
    GpuUnavailableException r = assertThrows(GpuUnavailableException.class, () -> Gpu.load(refused));
    assertTrue(r.getMessage().contains("the GPU backend failed to start: CUDA: cudaSetDevice(0) failed: all"
        + " CUDA-capable devices are busy"), r.getMessage());
  }
}
