package jrnn.gpu;

import static jrnn.gpu.Cuda.checkCublas;
import static org.bytedeco.cuda.global.cublas.CUBLAS_DEFAULT_MATH;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_N;
import static org.bytedeco.cuda.global.cublas.cublasSetMathMode;
import static org.bytedeco.cuda.global.cublas.cublasSgemm_v2;

import java.util.Arrays;
import java.util.Locale;
import jrnn.device.DeviceInference;
import jrnn.device.DeviceRecurrentStack;
import jrnn.device.DeviceTraining;
import jrnn.device.DeviceTranslation;
import jrnn.device.GpuBackend;
import jrnn.layers.RecurrentConfig;
import jrnn.models.EncoderDecoder;
import jrnn.models.ModelConfig;
import jrnn.models.SequenceModel;
import jrnn.params.Parameters;
import jrnn.training.TrainingConfig;
import org.bytedeco.javacpp.FloatPointer;

/**
 * The GPU backend on an NVIDIA GPU, found by {@link jrnn.device.Gpu#backend()} through
 * {@link java.util.ServiceLoader}. Making it loads CUDA, cuDNN and cuBLAS and opens device 0.
 *
 * <p>cuDNN's math for the recurrent stacks is its default unless the system property
 * {@code jrnn.gpu.math} says {@code fp32}: the default lets Ampere and later GPUs run fp32
 * products on TF32 tensor cores, as PyTorch's cuDNN RNNs do by default
 * ({@code torch.backends.cudnn.allow_tf32}); {@code fp32} keeps every product in fp32, which the
 * tests use to agree with the CPU engine to fp32's tolerance.
 *
 * <p>Training runs each recurrent stack in cuDNN where cuDNN has its cell and its merge of the
 * directions, and in jrnn's own {@link FusedCellStack} (cuBLAS products per step, fused kernels
 * compiled by NVRTC) otherwise: rnn-sigmoid, the peephole and coupled-gate LSTMs, the GRU with the
 * reset before the product, and directions summed ({@link #STACK_PROPERTY}).
 */
public final class CudaBackend implements GpuBackend {
  /** The system property that picks cuDNN's math: {@code default} or {@code fp32}. */
  public static final String MATH_PROPERTY = "jrnn.gpu.math";
  /**
   * The system property that picks the training's recurrent stacks: {@code cudnn} (the default:
   * cuDNN's where it has the cell and the merge, jrnn's own {@link FusedCellStack} otherwise) or
   * {@code jrnn} (jrnn's own for every stack, to compare the two on one device).
   */
  public static final String STACK_PROPERTY = "jrnn.gpu.stack";

  private final Cuda cuda;
  private long dropoutSeeds = 1;
  /** The kernels, compiled when gradients are first asked for. */
  private CudaOps ops;

  /**
   * Opens the GPU.
   *
   * @throws jrnn.device.GpuUnavailableException when it cannot, saying why
   */
  public CudaBackend() {
    this.cuda = Cuda.open();
  }

  /** The opened device (for the tests of its kernels). */
  Cuda cuda() {
    return cuda;
  }

  static CudnnRecurrentStack.MathMode mathMode() {
    String v = System.getProperty(MATH_PROPERTY, "default").trim().toLowerCase(Locale.ROOT);
    switch (v) {
      case "default":
      case "tf32":
        return CudnnRecurrentStack.MathMode.DEFAULT;
      case "fp32":
        return CudnnRecurrentStack.MathMode.FP32;
      default:
        throw new IllegalArgumentException(MATH_PROPERTY + " is '" + v + "'; expected default or fp32");
    }
  }

  /** Whether {@code cfg}'s stack runs in cuDNN rather than in jrnn's own kernels. */
  static boolean trainsInCudnn(RecurrentConfig cfg) {
    String v = System.getProperty(STACK_PROPERTY, "cudnn").trim().toLowerCase(Locale.ROOT);
    switch (v) {
      case "cudnn":
        return CudnnRecurrentStack.unsupportedReason(cfg) == null;
      case "jrnn":
        return false;
      default:
        throw new IllegalArgumentException(STACK_PROPERTY + " is '" + v + "'; expected cudnn or jrnn");
    }
  }

  @Override
  public String describe() {
    boolean own = System.getProperty(STACK_PROPERTY, "cudnn").trim().equalsIgnoreCase("jrnn");
    return cuda.description + ", cuDNN math " + mathMode().name().toLowerCase(Locale.ROOT) + ", recurrent stacks "
        + (own ? "jrnn's own" : "cuDNN's where it has the cell, else jrnn's own");
  }

  /** Every stack runs, in cuDNN or jrnn's own kernels; only a {@link #STACK_PROPERTY} of no known value stops it. */
  @Override
  public String unsupportedReason(RecurrentConfig cfg) {
    try {
      trainsInCudnn(cfg);
      return null;
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  @Override
  public synchronized DeviceRecurrentStack recurrentStack(RecurrentConfig cfg, Parameters params, String prefix) {
    return trainsInCudnn(cfg) ? new CudnnRecurrentStack(cuda, cfg, params, prefix, mathMode(), dropoutSeeds++, true)
        : new OpsDeviceStack(ops(), cfg, params, prefix, dropoutSeeds++ << 32);
  }

  /** Compiles the kernels (NVRTC), naming why when it cannot: a missing or too old compiler for this GPU. */
  @Override
  public synchronized void prepare() {
    try {
      ops();
    } catch (IllegalStateException | LinkageError e) {
      throw new jrnn.device.GpuUnavailableException("jrnn's kernels cannot be compiled for this GPU: "
          + e.getMessage(), e);
    }
  }

  /** The kernels, compiled when first needed. */
  private CudaOps ops() {
    if (ops == null) {
      ops = new CudaOps(cuda);
    }
    return ops;
  }

  @Override
  public String unsupportedReason(ModelConfig model, TrainingConfig training) {
    return OpsTraining.unsupportedReason(model, training);
  }

  @Override
  public synchronized DeviceTraining gradients(SequenceModel model, TrainingConfig training) {
    String reason = unsupportedReason(model.config(), training);
    if (reason != null) {
      throw new IllegalArgumentException(reason);
    }
    return new OpsTraining(ops(), stackFor(model, true), model.config(), model.parameters(), training);
  }

  /**
   * Its encoder runs in cuDNN where cuDNN has the cell (taking the gradient the bridge sends into
   * its final states), else in jrnn's own stack; its decoder runs in jrnn's own stack
   * ({@link FusedCellStack}), which steps every layer together because input feeding reads the
   * step before's output. Every training configuration runs (the update reads it at each step),
   * so it is not checked here.
   */
  @Override
  public synchronized DeviceTraining gradients(EncoderDecoder model, TrainingConfig training) {
    return translator(model, true);
  }

  /** A translator's passes on the GPU that train, or ({@code trains} false) passes made for inference. */
  private OpsTranslation translator(EncoderDecoder model, boolean trains) {
    // The kernels first: a failure to compile them must not leave a cuDNN stack behind.
    CudaOps kernels = ops();
    jrnn.layers.RecurrentConfig cfg = model.config().encoder();
    OpsStack encoder = trainsInCudnn(cfg) ? new CudnnRecurrentStack(cuda, cfg, model.parameters(),
        jrnn.models.EncoderDecoderConfig.ENCODER, mathMode(), dropoutSeeds++, trains) : null;
    return trains ? new OpsTranslation(kernels, model.config(), model.parameters(), dropoutSeeds++ << 32, encoder)
        : OpsTranslation.forInference(kernels, model.config(), model.parameters(), encoder);
  }

  /** Passes made for inference: the parameters and a pass's buffers, without gradients or an optimizer's state. */
  @Override
  public synchronized DeviceTranslation inference(EncoderDecoder model) {
    OpsTranslation passes = translator(model, false);
    try {
      passes.refresh();
    } catch (RuntimeException e) {
      passes.close();
      throw e;
    }
    return passes;
  }

  /** The model's recurrent stack on the GPU: cuDNN's where it can, else jrnn's own; for training or for inference. */
  private OpsStack stackFor(SequenceModel model, boolean trains) {
    jrnn.layers.RecurrentConfig cfg = model.config().recurrent();
    if (trainsInCudnn(cfg)) {
      return new CudnnRecurrentStack(cuda, cfg, model.parameters(), ModelConfig.RNN_PREFIX, mathMode(), dropoutSeeds++,
          trains);
    }
    return trains ? new FusedCellStack(ops(), cfg, model.parameters(), ModelConfig.RNN_PREFIX, dropoutSeeds++ << 32)
        : FusedCellStack.forInference(ops(), cfg, model.parameters(), ModelConfig.RNN_PREFIX);
  }

  /** Passes made for inference: the parameters and a pass's buffers, without gradients or an optimizer's state. */
  @Override
  public synchronized DeviceInference inference(SequenceModel model) {
    String reason = OpsTraining.unsupportedReason(model.config(), OpsTraining.WITHOUT_TRAINING);
    if (reason != null) {
      throw new IllegalArgumentException(reason);
    }
    OpsTraining pass = OpsTraining.forInference(ops(), stackFor(model, false), model.config(), model.parameters());
    try {
      pass.refresh();
    } catch (RuntimeException e) {
      pass.close();
      throw e;
    }
    return pass;
  }

  @Override
  public synchronized double sgemmGflops(int n) {
    long floats = (long) n * n;
    FloatPointer a = null;
    FloatPointer b = null;
    FloatPointer c = null;
    FloatPointer one = new FloatPointer(1).put(1f);
    FloatPointer zero = new FloatPointer(1).put(0f);
    // cuBLAS's handle is the device's, used by one call at a time (CudaOps.gemm takes the same lock).
    try {
      a = Cuda.allocateFloats(floats, "sgemm A");
      b = Cuda.allocateFloats(floats, "sgemm B");
      c = Cuda.allocateFloats(floats, "sgemm C");
      double[] rates = new double[5];
      synchronized (cuda) {
        checkCublas(cublasSetMathMode(cuda.cublasHandle, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
        for (int i = -2; i < rates.length; i++) {
          long t0 = System.nanoTime();
          checkCublas(cublasSgemm_v2(cuda.cublasHandle, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, one, a, n, b, n, zero, c,
              n), "cublasSgemm");
          Cuda.synchronize("cublasSgemm");
          if (i >= 0) {
            rates[i] = 2.0 * n * n * n / ((System.nanoTime() - t0) / 1e9) / 1e9;
          }
        }
      }
      Arrays.sort(rates);
      return rates[rates.length / 2];
    } finally {
      Cuda.free(a);
      Cuda.free(b);
      Cuda.free(c);
      one.close();
      zero.close();
    }
  }
}
