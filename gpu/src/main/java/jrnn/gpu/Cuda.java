package jrnn.gpu;

import static org.bytedeco.cuda.global.cudart.cudaDeviceSynchronize;
import static org.bytedeco.cuda.global.cudart.cudaDriverGetVersion;
import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaGetDeviceCount;
import static org.bytedeco.cuda.global.cudart.cudaGetDeviceProperties;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;
import static org.bytedeco.cuda.global.cudart.cudaMemset;
import static org.bytedeco.cuda.global.cudart.cudaRuntimeGetVersion;
import static org.bytedeco.cuda.global.cudart.cudaSetDevice;

import java.util.Locale;
import jrnn.device.GpuUnavailableException;
import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUctx_st;
import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.cuda.cudnn.cudnnContext;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.cudnn;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;

/**
 * The opened device: CUDA's runtime, cuDNN and cuBLAS loaded and a handle of each library made,
 * once per process. Every call's status goes through {@link #check} or {@link #checkCudnn}, which
 * turn a failure into an exception that names the call and the library's own words.
 */
final class Cuda {
  final cudnnContext cudnnHandle;
  final cublasContext cublasHandle;
  final String description;
  /** The device's compute capability, major * 10 + minor (90 for an H100 or H200). */
  final int computeCapability;
  /** Device 0's primary context, the runtime's, which the driver's kernel launches need current in their thread. */
  private final CUctx_st context;
  /** Whether the calling thread has {@link #context} current. */
  private final ThreadLocal<Boolean> bound = ThreadLocal.withInitial(() -> false);

  private Cuda(cudnnContext cudnnHandle, cublasContext cublasHandle, String description, int computeCapability,
      CUctx_st context) {
    this.cudnnHandle = cudnnHandle;
    this.cublasHandle = cublasHandle;
    this.description = description;
    this.context = context;
    bound.set(true);
    this.computeCapability = computeCapability;
  }

  /**
   * Loads the libraries and opens device 0.
   *
   * @throws GpuUnavailableException naming what is missing: the CUDA runtime or a library not
   *     found (with the loader's message), no device, or a device the driver refuses
   */
  static Cuda open() {
    load(cudart.class, "the CUDA runtime (libcudart.so.13)");
    int[] count = new int[1];
    int rc = cudaGetDeviceCount(count);
    if (rc != 0) {
      throw new GpuUnavailableException("CUDA found no usable device (cudaGetDeviceCount: "
          + errorString(rc) + "); is the NVIDIA driver installed and this process allowed to use it?");
    }
    if (count[0] == 0) {
      throw new GpuUnavailableException("CUDA found no device (cudaGetDeviceCount: 0)");
    }
    check(cudaSetDevice(0), "cudaSetDevice(0)");
    CUctx_st context = new CUctx_st();
    CudaOps.checkDriver(cudart.cuDevicePrimaryCtxRetain(context, 0), "cuDevicePrimaryCtxRetain");
    CudaOps.checkDriver(cudart.cuCtxSetCurrent(context), "cuCtxSetCurrent");
    load(cudnn.class, "cuDNN 9 (libcudnn.so.9)");
    load(cublas.class, "cuBLAS (libcublas.so.13)");
    cudnnContext cudnnHandle = new cudnnContext();
    checkCudnn(cudnn.cudnnCreate(cudnnHandle), "cudnnCreate");
    cublasContext cublasHandle = new cublasContext();
    checkCublas(cublas.cublasCreate_v2(cublasHandle), "cublasCreate");
    cudaDeviceProp prop = new cudaDeviceProp();
    check(cudaGetDeviceProperties(prop, 0), "cudaGetDeviceProperties");
    int[] driver = new int[1];
    int[] runtime = new int[1];
    cudaDriverGetVersion(driver);
    cudaRuntimeGetVersion(runtime);
    String description = String.format(Locale.ROOT, "%s (%.0f GiB, compute %d.%d), driver %s, runtime %s, cuDNN %s",
        prop.name().getString(), prop.totalGlobalMem() / (double) (1L << 30), prop.major(), prop.minor(),
        version(driver[0]), version(runtime[0]), cudnnVersion(cudnn.cudnnGetVersion()));
    return new Cuda(cudnnHandle, cublasHandle, description, 10 * prop.major() + prop.minor(), context);
  }

  /**
   * Makes the device's context current in the calling thread, once per thread: the runtime's
   * calls find it themselves, the driver's kernel launches (jrnn's kernels) do not, and a pass
   * may run in any thread (a library's callers each with their own passes).
   */
  void bindThread() {
    if (!bound.get()) {
      CudaOps.checkDriver(cudart.cuCtxSetCurrent(context), "cuCtxSetCurrent");
      bound.set(true);
    }
  }

  private static void load(Class<?> library, String what) {
    try {
      Loader.load(library);
    } catch (LinkageError e) {
      Throwable root = e;
      while (root.getCause() != null) {
        root = root.getCause();
      }
      if (String.valueOf(root.getMessage()).contains("libcuda.so")) {
        // The driver's library, which comes with the NVIDIA driver, not with CUDA's libraries.
        throw new GpuUnavailableException("this machine has no NVIDIA driver: its library libcuda.so.1 was not found"
            + " (" + root + ")", e);
      }
      throw new GpuUnavailableException(what + " could not be loaded (" + root + "); on a machine with an"
          + " NVIDIA GPU, put the directories of CUDA 13's and cuDNN 9's libraries on LD_LIBRARY_PATH"
          + " (docs/gpu.md)", e);
    }
  }

  private static String version(int v) {
    return (v / 1000) + "." + (v % 1000) / 10;
  }

  /** cuDNN 9's version number as major.minor.patch (cudnnGetVersion: major * 10000 + minor * 100 + patch). */
  static String cudnnVersion(long v) {
    return (v / 10000) + "." + (v % 10000) / 100 + "." + v % 100;
  }

  static String errorString(int rc) {
    return cudaGetErrorString(rc).getString() + " (" + rc + ")";
  }

  /** Throws unless a CUDA runtime call succeeded. */
  static void check(int rc, String call) {
    if (rc != 0) {
      throw new IllegalStateException("CUDA: " + call + " failed: " + errorString(rc));
    }
  }

  /** Throws unless a cuDNN call succeeded. */
  static void checkCudnn(int status, String call) {
    if (status != cudnn.CUDNN_STATUS_SUCCESS) {
      throw new IllegalStateException("cuDNN: " + call + " failed: " + cudnn.cudnnGetErrorString(status).getString()
          + " (" + status + ")");
    }
  }

  /** Throws unless a cuBLAS call succeeded. */
  static void checkCublas(int status, String call) {
    if (status != cublas.CUBLAS_STATUS_SUCCESS) {
      throw new IllegalStateException("cuBLAS: " + call + " failed with status " + status);
    }
  }

  /** Waits for the device's work, and reports an error of a launch that had failed quietly. */
  static void synchronize(String after) {
    check(cudaDeviceSynchronize(), "cudaDeviceSynchronize after " + after);
  }

  /** Device memory of {@code floats} floats, zeroed; its address in a FloatPointer the host must not read. */
  static FloatPointer allocateFloats(long floats, String what) {
    FloatPointer p = new FloatPointer();
    long bytes = Math.max(4, 4 * floats);
    check(cudaMalloc(p, bytes), "cudaMalloc of " + bytes + " bytes for " + what);
    p.capacity(floats).limit(floats);
    int zeroed = cudaMemset(p, 0, bytes);
    if (zeroed != 0) {
      free(p);
    }
    check(zeroed, "cudaMemset of " + what);
    return p;
  }

  /**
   * Frees device memory and nulls the pointer, so that freeing it again does nothing: a second
   * cudaFree of the address could free another buffer allocated there since.
   */
  static void free(org.bytedeco.javacpp.Pointer p) {
    if (p != null && !p.isNull()) {
      cudaFree(p);
      p.setNull();
    }
  }
}
