package jrnn.gpu;

import static jrnn.gpu.Cuda.check;
import static jrnn.gpu.Cuda.checkCudnn;
import static org.bytedeco.cuda.global.cudart.cudaMemcpy;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;
import static org.bytedeco.cuda.global.cudart.cudaMemset;
import static org.bytedeco.cuda.global.cudnn.*;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import jrnn.cells.CellType;
import jrnn.device.DeviceRecurrentStack;
import jrnn.io.PyTorchWeights;
import jrnn.kernels.Activation;
import jrnn.layers.Bidirectional;
import jrnn.layers.RecurrentConfig;
import jrnn.layers.RecurrentState;
import jrnn.params.ParamLayout;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;
import org.bytedeco.cuda.cudnn.cudnnDropoutStruct;
import org.bytedeco.cuda.cudnn.cudnnRNNDataStruct;
import org.bytedeco.cuda.cudnn.cudnnRNNStruct;
import org.bytedeco.cuda.cudnn.cudnnTensorStruct;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * A recurrent stack in cuDNN's RNN API (cudnnRNNForward, cudnnRNNBackwardData_v8,
 * cudnnRNNBackwardWeights_v8), with jrnn's semantics ({@link DeviceRecurrentStack}).
 *
 * <p>cuDNN's cells are PyTorch's: the same gate order (LSTM i,f,g,o; GRU r,z,n with the reset
 * after the product), two bias vectors, and a packed weight space in which each gate's block of
 * {@code weight_ih}, {@code weight_hh}, {@code bias_ih}, {@code bias_hh} sits where
 * {@code cudnnGetRNNWeightParams} says. So the weights go up as {@link PyTorchWeights#toTorch}
 * writes them and the gradients come back through its adjoint,
 * {@link PyTorchWeights#gradientsToJrnn} (both proven on PyTorch's reference cases). Sequences of
 * different lengths use the padded sequence-major layout with per-sequence lengths, which gives
 * jrnn's masking: outputs zero past an end, final states at each sequence's last step, the
 * backward direction starting there.
 */
final class CudnnRecurrentStack implements DeviceRecurrentStack, OpsStack {
  /** cuDNN's math: pure fp32 FMA, or its default, which lets Ampere and later use TF32 tensor cores. */
  enum MathMode {
    FP32(CUDNN_FMA_MATH),
    DEFAULT(CUDNN_DEFAULT_MATH);

    final int cudnn;

    MathMode(int cudnn) {
      this.cudnn = cudnn;
    }
  }

  private final Cuda cuda;
  private final RecurrentConfig config;
  private final Parameters params;
  private final String prefix;
  private final int directions;
  private final int hidden;
  private final int width;
  private final cudnnRNNStruct rnn = new cudnnRNNStruct();
  private final cudnnDropoutStruct dropout = new cudnnDropoutStruct();
  private final cudnnRNNDataStruct xDesc = new cudnnRNNDataStruct();
  private final cudnnRNNDataStruct yDesc = new cudnnRNNDataStruct();
  private final cudnnTensorStruct hDesc = new cudnnTensorStruct();
  private final cudnnTensorStruct cDesc = new cudnnTensorStruct();
  private final FloatPointer paddingFill = new FloatPointer(1).put(0f);
  private final Pointer dropoutStates;
  private final long dropoutStateBytes;
  private final long weightBytes;
  private final FloatPointer weights;
  /** The gradients' space and its masks; null in a stack for inference. */
  private final FloatPointer weightGradients;
  private final FloatPointer gradientMask;
  private final FloatPointer decayMask;
  /** Whether it trains: it keeps gradients, and what backward needs. A stack for inference holds the weights alone. */
  private final boolean trains;
  /** Where each PyTorch-named tensor's gate blocks sit in the weight space: name -> offsets (in floats) of its gates. */
  private final Map<String, long[]> blockOffsets = new LinkedHashMap<>();
  private final Map<String, Integer> blockSizes = new HashMap<>();
  private final float[] weightImage;

  // Per-shape buffers, grown as needed.
  private int steps;
  private int batch;
  private int[] lengths;
  private boolean trained;
  private final Buffers buffers = new Buffers();
  private boolean closed;
  private RecurrentState finalState;
  private RecurrentState initialGradient;

  /** The cuDNN cell mode of a jrnn cell, or -1 when cuDNN has no such cell. */
  static int cellMode(CellType cell) {
    if (cell.equals(new CellType.Simple(Activation.TANH))) {
      return CUDNN_RNN_TANH;
    }
    if (cell.equals(new CellType.Simple(Activation.RELU))) {
      return CUDNN_RNN_RELU;
    }
    if (cell.equals(new CellType.Lstm(false, false))) {
      return CUDNN_LSTM;
    }
    if (cell.equals(new CellType.Gru(true))) {
      return CUDNN_GRU;
    }
    return -1;
  }

  /** Why cuDNN cannot run a stack of {@code cfg}, or null. */
  static String unsupportedReason(RecurrentConfig cfg) {
    if (cellMode(cfg.cell()) < 0) {
      return "cuDNN has no " + cfg.cell().name() + " cell (it has rnn-tanh, rnn-relu, lstm and gru-reset-after);"
          + " jrnn's own kernels run stacks of " + cfg.cell().name() + " on the GPU (docs/gpu.md)";
    }
    if (cfg.bidirectional() == Bidirectional.SUM) {
      return "cuDNN's bidirectional layers pass the concatenation of both directions to the next layer;"
          + " jrnn's own kernels run a stack that sums them (--bidirectional sum) on the GPU (docs/gpu.md)";
    }
    return null;
  }

  /** A stack that trains (or, {@code trains} false, one for inference: weights without gradients). */
  CudnnRecurrentStack(Cuda cuda, RecurrentConfig config, Parameters params, String prefix, MathMode math, long dropoutSeed,
      boolean trains) {
    String reason = unsupportedReason(config);
    if (reason != null) {
      throw new IllegalArgumentException(reason);
    }
    this.cuda = cuda;
    this.trains = trains;
    this.config = config;
    this.params = params;
    this.prefix = prefix;
    this.directions = config.directions();
    this.hidden = config.hiddenSize();
    this.width = config.outputSize();
    // A failure partway (a device out of memory) frees what was made: no caller can close a stack never returned.
    try {
      checkCudnn(cudnnCreateRNNDescriptor(rnn), "cudnnCreateRNNDescriptor");
      checkCudnn(cudnnCreateDropoutDescriptor(dropout), "cudnnCreateDropoutDescriptor");
      checkCudnn(cudnnCreateRNNDataDescriptor(xDesc), "cudnnCreateRNNDataDescriptor");
      checkCudnn(cudnnCreateRNNDataDescriptor(yDesc), "cudnnCreateRNNDataDescriptor");
      checkCudnn(cudnnCreateTensorDescriptor(hDesc), "cudnnCreateTensorDescriptor");
      checkCudnn(cudnnCreateTensorDescriptor(cDesc), "cudnnCreateTensorDescriptor");
      SizeTPointer size = new SizeTPointer(1);
      // cuDNN's handle is the device's, shared by every stack and by callers in other threads: one call at a time.
      synchronized (cuda) {
        // Dropout on the input of every layer above the first, as jrnn's (its masks are cuDNN's own draws). A
        // stack that draws none (inference, one layer, no dropout) has no generator's states: dropout 0 needs none.
        if (drawsDropout()) {
          checkCudnn(cudnnDropoutGetStatesSize(cuda.cudnnHandle, size), "cudnnDropoutGetStatesSize");
          dropoutStateBytes = size.get();
          dropoutStates = Cuda.allocateFloats((dropoutStateBytes + 3) / 4, "dropout states");
        } else {
          dropoutStateBytes = 0;
          dropoutStates = null;
        }
        checkCudnn(cudnnSetDropoutDescriptor(dropout, cuda.cudnnHandle, drawsDropout() ? (float) config.dropout() : 0f,
            dropoutStates, dropoutStateBytes, dropoutSeed), "cudnnSetDropoutDescriptor");
        checkCudnn(cudnnSetRNNDescriptor_v8(rnn, CUDNN_RNN_ALGO_STANDARD, cellMode(config.cell()),
            CUDNN_RNN_DOUBLE_BIAS, directions == 2 ? CUDNN_BIDIRECTIONAL : CUDNN_UNIDIRECTIONAL, CUDNN_LINEAR_INPUT, CUDNN_DATA_FLOAT,
            CUDNN_DATA_FLOAT, math.cudnn, config.inputSize(), hidden, hidden, config.layers(), dropout,
            CUDNN_RNN_PADDED_IO_ENABLED), "cudnnSetRNNDescriptor_v8 for " + config);
        checkCudnn(cudnnGetRNNWeightSpaceSize(cuda.cudnnHandle, rnn, size), "cudnnGetRNNWeightSpaceSize");
      }
      weightBytes = size.get();
      weights = Cuda.allocateFloats(weightBytes / 4, "weights");
      weightGradients = trains ? Cuda.allocateFloats(weightBytes / 4, "weight gradients") : null;
      gradientMask = trains ? Cuda.allocateFloats(weightBytes / 4, "the weight space's gradient mask") : null;
      decayMask = trains ? Cuda.allocateFloats(weightBytes / 4, "the weight space's decay mask") : null;
      weightImage = new float[(int) (weightBytes / 4)];
      mapWeightSpace();
      if (trains) {
        makeMasks();
      }
      uploadWeights();
    } catch (RuntimeException | Error e) {
      try {
        close();
      } catch (RuntimeException f) {
        e.addSuppressed(f);
      }
      throw e;
    }
  }

  /**
   * Asks cuDNN where each gate block of each layer and direction sits (linear layer ids 0..G-1
   * are the input weights of the gates in PyTorch's order, G..2G-1 the recurrent ones), and checks
   * each block's shape against the one jrnn expects.
   */
  private void mapWeightSpace() {
    int gates = config.cell().gates();
    cudnnTensorStruct mDesc = new cudnnTensorStruct();
    cudnnTensorStruct bDesc = new cudnnTensorStruct();
    checkCudnn(cudnnCreateTensorDescriptor(mDesc), "cudnnCreateTensorDescriptor");
    checkCudnn(cudnnCreateTensorDescriptor(bDesc), "cudnnCreateTensorDescriptor");
    PointerPointer<Pointer> mAddr = new PointerPointer<>(1);
    PointerPointer<Pointer> bAddr = new PointerPointer<>(1);
    try {
      for (int l = 0; l < config.layers(); l++) {
        for (int d = 0; d < directions; d++) {
          int pseudoLayer = l * directions + d;
          for (int lin = 0; lin < 2 * gates; lin++) {
            synchronized (cuda) {
              checkCudnn(cudnnGetRNNWeightParams(cuda.cudnnHandle, rnn, pseudoLayer, weightBytes, weights, lin, mDesc,
                  mAddr, bDesc, bAddr), "cudnnGetRNNWeightParams(layer " + pseudoLayer + ", id " + lin + ")");
            }
            boolean input = lin < gates;
            int gate = input ? lin : lin - gates;
            int columns = input ? config.layerInputSize(l) : hidden;
            record(PyTorchWeights.torchName(input ? "weight_ih" : "weight_hh", l, d), gates, gate,
                offsetOf(mAddr.get(0)), hidden * columns, mDesc);
            record(PyTorchWeights.torchName(input ? "bias_ih" : "bias_hh", l, d), gates, gate,
                offsetOf(bAddr.get(0)), hidden, bDesc);
          }
        }
      }
    } finally {
      cudnnDestroyTensorDescriptor(mDesc);
      cudnnDestroyTensorDescriptor(bDesc);
    }
  }

  private long offsetOf(Pointer p) {
    long bytes = p.address() - weights.address();
    if (p.isNull() || bytes < 0 || bytes >= weightBytes || bytes % 4 != 0) {
      throw new IllegalStateException("cuDNN gave a weight block outside the weight space (offset " + bytes + " of "
          + weightBytes + " bytes)");
    }
    return bytes / 4;
  }

  private void record(String name, int gates, int gate, long offset, int size, cudnnTensorStruct desc) {
    int[] dataType = new int[1];
    int[] nbDims = new int[1];
    int[] dims = new int[3];
    int[] strides = new int[3];
    checkCudnn(cudnnGetTensorNdDescriptor(desc, 3, dataType, nbDims, dims, strides), "cudnnGetTensorNdDescriptor");
    long elements = 1;
    for (int i = 0; i < nbDims[0]; i++) {
      elements *= dims[i];
    }
    if (elements != size) {
      throw new IllegalStateException("cuDNN's block " + gate + " of " + name + " has " + elements
          + " elements (dims " + Arrays.toString(Arrays.copyOf(dims, nbDims[0])) + "); jrnn expects " + size);
    }
    blockOffsets.computeIfAbsent(name, k -> new long[gates])[gate] = offset;
    blockSizes.put(name, size);
  }

  /**
   * cuDNN's generator of the masks between layers, its states initialised again in place from
   * {@code seed}: the RNN descriptor reads the same descriptor and memory, so nothing else changes.
   */
  @Override
  public void restartDropout(long seed) {
    if (closed) {
      throw new IllegalStateException("CudnnRecurrentStack: closed (its device memory is freed)");
    }
    if (!drawsDropout()) {
      return; // no masks between layers: there is no generator
    }
    synchronized (cuda) {
      checkCudnn(cudnnSetDropoutDescriptor(dropout, cuda.cudnnHandle, (float) config.dropout(), dropoutStates,
          dropoutStateBytes, seed), "cudnnSetDropoutDescriptor");
    }
  }

  @Override
  public void uploadWeights() {
    uploadImage(PyTorchWeights.toTorch(config, prefix, jrnnVectors(params.values())), weights, true);
  }

  /** The stack's entries of {@code flat} (a vector of the whole layout), by name. */
  private Map<String, double[]> jrnnVectors(Tensor flat) {
    Map<String, double[]> jrnn = new LinkedHashMap<>();
    for (ParamLayout.Entry e : params.layout().entries()) {
      if (e.name().startsWith(prefix)) {
        jrnn.put(e.name(), flat.view(e.offset(), e.size()).toDoubleArray());
      }
    }
    return jrnn;
  }

  /** Writes PyTorch-named blocks into the weight space's image and sends it to {@code to}; unsigned: magnitudes. */
  private void uploadImage(Map<String, double[]> torch, Pointer to, boolean signed) {
    java.util.Arrays.fill(weightImage, 0f);
    blockOffsets.forEach((name, offsets) -> {
      double[] v = torch.get(name);
      int block = blockSizes.get(name);
      for (int g = 0; g < offsets.length; g++) {
        for (int k = 0; k < block; k++) {
          double x = v[g * block + k];
          weightImage[(int) offsets[g] + k] = (float) (signed ? x : Math.abs(x));
        }
      }
    });
    uploadArray(to, weightImage, weightBytes, "upload to the weight space");
  }

  /** The PyTorch-named blocks of a vector parallel to the weight space. */
  private Map<String, double[]> downloadImage(Pointer from) {
    FloatPointer host = new FloatPointer(weightImage.length);
    check(cudaMemcpy(host, from, weightBytes, cudaMemcpyDeviceToHost), "download from the weight space");
    host.get(weightImage);
    host.close();
    Map<String, double[]> torch = new LinkedHashMap<>();
    blockOffsets.forEach((name, offsets) -> {
      int block = blockSizes.get(name);
      double[] v = new double[offsets.length * block];
      for (int g = 0; g < offsets.length; g++) {
        for (int k = 0; k < block; k++) {
          v[g * block + k] = weightImage[(int) offsets[g] + k];
        }
      }
      torch.put(name, v);
    });
    return torch;
  }

  @Override
  public Ops.Floats weights() {
    return new CudaOps.CudaFloats(weights, weightBytes / 4);
  }

  @Override
  public Ops.Floats weightGradients() {
    requireTrains("the weights' gradients");
    return new CudaOps.CudaFloats(weightGradients, weightBytes / 4);
  }

  /** Whether training draws dropout masks between layers (cuDNN's generator, its states on the device). */
  private boolean drawsDropout() {
    return trains && config.layers() > 1 && config.dropout() > 0;
  }

  private void requireTrains(String what) {
    if (!trains) {
      throw new IllegalStateException("CudnnRecurrentStack: made for inference, it keeps no gradients: " + what
          + " needs a stack that trains");
    }
  }

  @Override
  public long weightCount() {
    return weightBytes / 4;
  }

  @Override
  public Ops.Floats gradientMask() {
    requireTrains("the gradients' mask");
    return new CudaOps.CudaFloats(gradientMask, weightBytes / 4);
  }

  @Override
  public Ops.Floats decayMask() {
    requireTrains("the decay mask");
    return new CudaOps.CudaFloats(decayMask, weightBytes / 4);
  }

  /**
   * The masks of the weight space: gradients are kept on jrnn's parameters only (not on cuDNN's
   * second bias where jrnn has one bias, the GRU's n rows excepted, nor on padding), and decay
   * applies to the weight matrices.
   */
  private void makeMasks() {
    float[] gradient = new float[weightImage.length];
    float[] decay = new float[weightImage.length];
    boolean gru = config.cell() instanceof CellType.Gru;
    blockOffsets.forEach((name, offsets) -> {
      int block = blockSizes.get(name);
      boolean weight = jrnn.optim.WeightDecay.decays(name);
      for (int g = 0; g < offsets.length; g++) {
        // bias_hh is jrnn's parameter only with two biases, and for the GRU's n gate (bias_hn).
        boolean parameter = !name.startsWith("bias_hh") || config.twoBiases() || gru && g == 2;
        for (int k = 0; k < block; k++) {
          gradient[(int) offsets[g] + k] = parameter ? 1f : 0f;
          decay[(int) offsets[g] + k] = weight ? 1f : 0f;
        }
      }
    });
    uploadArray(gradientMask, gradient, weightBytes, "upload of a mask");
    uploadArray(decayMask, decay, weightBytes, "upload of a mask");
  }

  @Override
  public void weightsToHost() {
    PyTorchWeights.toJrnn(config, prefix, downloadImage(weights)).forEach((name, v) -> {
      Tensor t = params.value(name);
      for (int k = 0; k < v.length; k++) {
        t.set(k, (float) v[k]);
      }
    });
  }

  @Override
  public void vectorToHost(Ops.Floats vector, Tensor flat, boolean signed) {
    // A vector on jrnn's parameters only (masked): cuDNN's structural second bias holds 0, so
    // toJrnn's sum of the two biases is the first's.
    PyTorchWeights.toJrnn(config, prefix, downloadImage(((CudaOps.CudaFloats) vector).p())).forEach((name, v) -> {
      int offset = params.layout().get(name).offset();
      for (int k = 0; k < v.length; k++) {
        flat.set(offset + k, (float) (signed ? v[k] : Math.abs(v[k])));
      }
    });
  }

  @Override
  public void vectorFromHost(Tensor flat, Ops.Floats vector, boolean signed) {
    uploadImage(PyTorchWeights.toTorch(config, prefix, jrnnVectors(flat)), ((CudaOps.CudaFloats) vector).p(), signed);
  }

  /** Adds the weight gradients cuDNN accumulated to the parameters' gradients, in jrnn's layout. */
  @Override
  public void addWeightGradients() {
    requireTrains("the weights' gradients");
    PyTorchWeights.gradientsToJrnn(config, prefix, downloadImage(weightGradients)).forEach((name, g) -> {
      Tensor grad = params.grad(name);
      for (int k = 0; k < g.length; k++) {
        grad.add(k, (float) g[k]);
      }
    });
  }

  /** Sets the data descriptors for a batch and makes the buffers it needs. */
  private void shape(int steps, int batch, int[] lengths, boolean training) {
    if (training) {
      requireTrains("a training forward");
    }
    if (lengths.length != batch) {
      throw new IllegalArgumentException("CudnnRecurrentStack: " + lengths.length + " lengths for a batch of " + batch);
    }
    for (int len : lengths) {
      if (len < 1 || len > steps) {
        throw new IllegalArgumentException("CudnnRecurrentStack: a sequence length of " + len + " is outside 1.." + steps);
      }
    }
    this.steps = steps;
    this.batch = batch;
    this.lengths = lengths.clone();
    checkCudnn(cudnnSetRNNDataDescriptor(xDesc, CUDNN_DATA_FLOAT, CUDNN_RNN_DATA_LAYOUT_SEQ_MAJOR_UNPACKED, steps, batch,
        config.inputSize(), this.lengths, paddingFill), "cudnnSetRNNDataDescriptor(x)");
    checkCudnn(cudnnSetRNNDataDescriptor(yDesc, CUDNN_DATA_FLOAT, CUDNN_RNN_DATA_LAYOUT_SEQ_MAJOR_UNPACKED, steps, batch,
        width, this.lengths, paddingFill), "cudnnSetRNNDataDescriptor(y)");
    int[] dims = {config.stateSlots(), batch, hidden};
    int[] strides = {batch * hidden, hidden, 1};
    checkCudnn(cudnnSetTensorNdDescriptor(hDesc, CUDNN_DATA_FLOAT, 3, dims, strides), "cudnnSetTensorNdDescriptor(h)");
    checkCudnn(cudnnSetTensorNdDescriptor(cDesc, CUDNN_DATA_FLOAT, 3, dims, strides), "cudnnSetTensorNdDescriptor(c)");
    SizeTPointer work = new SizeTPointer(1);
    SizeTPointer reserve = new SizeTPointer(1);
    synchronized (cuda) {
      checkCudnn(cudnnGetRNNTempSpaceSizes(cuda.cudnnHandle, rnn,
          training ? CUDNN_FWD_MODE_TRAINING : CUDNN_FWD_MODE_INFERENCE, xDesc, work, reserve),
          "cudnnGetRNNTempSpaceSizes");
    }
    long state = (long) config.stateSlots() * batch * hidden;
    buffers.x = buffers.grow(buffers.x, (long) steps * batch * config.inputSize(), "x");
    buffers.y = buffers.grow(buffers.y, (long) steps * batch * width, "y");
    // The gradients' buffers (dx, dy, and the final and initial states' s[4..7]) only where it trains.
    if (trains) {
      buffers.dx = buffers.grow(buffers.dx, (long) steps * batch * config.inputSize(), "dx");
      buffers.dy = buffers.grow(buffers.dy, (long) steps * batch * width, "dy");
    }
    for (int i = 0; i < (trains ? 8 : 4); i++) {
      buffers.states[i] = buffers.grow(buffers.states[i], state, "states");
    }
    buffers.work = buffers.grow(buffers.work, (work.get() + 3) / 4, "workspace");
    buffers.reserve = buffers.grow(buffers.reserve, (reserve.get() + 3) / 4, "reserve space");
    buffers.workBytes = work.get();
    buffers.reserveBytes = reserve.get();
    buffers.seqLengths = buffers.growInts(buffers.seqLengths, batch);
    try (IntPointer host = new IntPointer(this.lengths)) {
      check(cudaMemcpy(buffers.seqLengths, host, 4L * batch, cudaMemcpyHostToDevice), "upload of the sequence lengths");
    }
  }

  private void runForward(boolean training) {
    Pointer hx = buffers.states[0];
    Pointer cx = buffers.states[1];
    Pointer hy = buffers.states[2];
    Pointer cy = buffers.states[3];
    boolean lstm = config.cell().hasCellState();
    synchronized (cuda) {
      checkCudnn(cudnnRNNForward(cuda.cudnnHandle, rnn, training ? CUDNN_FWD_MODE_TRAINING : CUDNN_FWD_MODE_INFERENCE,
          buffers.seqLengths, xDesc, buffers.x, yDesc, buffers.y, hDesc, hx, hy, cDesc, lstm ? cx : null,
          lstm ? cy : null, weightBytes, weights, buffers.workBytes, buffers.work,
          training ? buffers.reserveBytes : 0, training ? buffers.reserve : null), "cudnnRNNForward");
    }
    trained = training;
  }

  private void runBackward() {
    boolean lstm = config.cell().hasCellState();
    Pointer[] s = buffers.states;
    // s[4], s[5]: gradients of the final h and c; s[6], s[7]: of the initial ones.
    synchronized (cuda) {
      checkCudnn(cudnnRNNBackwardData_v8(cuda.cudnnHandle, rnn, buffers.seqLengths, yDesc, buffers.y, buffers.dy, xDesc,
          buffers.dx, hDesc, s[0], s[4], s[6], cDesc, lstm ? s[1] : null, lstm ? s[5] : null, lstm ? s[7] : null,
          weightBytes, weights, buffers.workBytes, buffers.work, buffers.reserveBytes, buffers.reserve),
          "cudnnRNNBackwardData_v8");
    }
    synchronized (cuda) {
      checkCudnn(cudnnRNNBackwardWeights_v8(cuda.cudnnHandle, rnn, CUDNN_WGRAD_MODE_ADD, buffers.seqLengths, xDesc,
          buffers.x, hDesc, s[0], yDesc, buffers.y, weightBytes, weightGradients, buffers.workBytes, buffers.work,
          buffers.reserveBytes, buffers.reserve), "cudnnRNNBackwardWeights_v8");
    }
  }

  @Override
  public Tensor forward(Tensor x, int steps, int batch, int[] lengths, RecurrentState initial, boolean training) {
    long xSize = (long) steps * batch * config.inputSize();
    if (x.size() < xSize) {
      throw new IllegalArgumentException("CudnnRecurrentStack: x has " + x.size() + " elements; T=" + steps + " B=" + batch
          + " X=" + config.inputSize() + " needs " + xSize);
    }
    if (initial != null) {
      initial.requireShape(config, batch, "CudnnRecurrentStack");
    }
    shape(steps, batch, lengths, training);
    upload(buffers.x, x, xSize);
    long state = (long) config.stateSlots() * batch * hidden;
    if (initial == null) {
      zero(buffers.states[0], state);
      zero(buffers.states[1], state);
    } else {
      upload(buffers.states[0], initial.h(), state);
      if (initial.c() != null) {
        upload(buffers.states[1], initial.c(), state);
      }
    }
    runForward(training);
    Tensor y = Tensor.zeros(steps, batch, width);
    download(y, buffers.y, (long) steps * batch * width);
    finalState = RecurrentState.zeros(config, batch);
    download(finalState.h(), buffers.states[2], state);
    if (finalState.c() != null) {
      download(finalState.c(), buffers.states[3], state);
    }
    return y;
  }

  @Override
  public Ops.Floats forward(Ops.Floats x, int steps, int batch, int[] lengths, Ops.Floats h0, Ops.Floats c0,
      boolean training) {
    shape(steps, batch, lengths, training);
    long xSize = (long) steps * batch * config.inputSize();
    long state = (long) config.stateSlots() * batch * hidden;
    copy(buffers.x, x, xSize);
    if (h0 == null) {
      zero(buffers.states[0], state);
      zero(buffers.states[1], state);
    } else {
      copy(buffers.states[0], h0, state);
      if (c0 != null) {
        copy(buffers.states[1], c0, state);
      }
    }
    runForward(training);
    return new CudaOps.CudaFloats(buffers.y, (long) steps * batch * width);
  }

  @Override
  public Ops.Floats finalH() {
    return new CudaOps.CudaFloats(buffers.states[2], (long) config.stateSlots() * batch * hidden);
  }

  @Override
  public Ops.Floats finalC() {
    return config.cell().hasCellState()
        ? new CudaOps.CudaFloats(buffers.states[3], (long) config.stateSlots() * batch * hidden) : null;
  }

  @Override
  public Ops.Floats backward(Ops.Floats dy, Ops.Floats dFinalH, Ops.Floats dFinalC) {
    requireTrains("backward");
    if (!trained) {
      throw new IllegalStateException("CudnnRecurrentStack.backward: the last forward was not a training one");
    }
    long state = (long) config.stateSlots() * batch * hidden;
    long xSize = (long) steps * batch * config.inputSize();
    copy(buffers.dy, dy, (long) steps * batch * width);
    // dhy and dcy: the final states' gradients, or zero.
    if (dFinalH == null) {
      zero(buffers.states[4], state);
    } else {
      copy(buffers.states[4], dFinalH, state);
    }
    // A cell without a cell state has no dcy (cuDNN is given none).
    if (dFinalC == null || !config.cell().hasCellState()) {
      zero(buffers.states[5], state);
    } else {
      copy(buffers.states[5], dFinalC, state);
    }
    zero(buffers.dx, xSize);  // past an end: zero, as in the host path's backward below
    zero(weightGradients, weightBytes / 4);
    runBackward();
    return new CudaOps.CudaFloats(buffers.dx, xSize);
  }

  private static void copy(Pointer to, Ops.Floats from, long n) {
    if (from.size() < n) {
      throw new IllegalArgumentException("CudnnRecurrentStack: " + n + " floats wanted from a buffer of " + from.size());
    }
    check(cudaMemcpy(to, ((CudaOps.CudaFloats) from).p(), 4 * n, org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToDevice),
        "device copy of " + n + " floats");
  }

  @Override
  public RecurrentState finalState() {
    return finalState;
  }

  @Override
  public void backward(Tensor dTop, RecurrentState dFinal, Tensor dx) {
    requireTrains("backward");
    if (!trained) {
      throw new IllegalStateException("CudnnRecurrentStack.backward: the last forward was not a training one");
    }
    long ySize = (long) steps * batch * width;
    long state = (long) config.stateSlots() * batch * hidden;
    upload(buffers.dy, dTop, ySize);
    if (dFinal == null) {
      zero(buffers.states[4], state);
      zero(buffers.states[5], state);
    } else {
      dFinal.requireShape(config, batch, "CudnnRecurrentStack final state gradient");
      upload(buffers.states[4], dFinal.h(), state);
      if (dFinal.c() != null) {
        upload(buffers.states[5], dFinal.c(), state);
      }
    }
    long xSize = (long) steps * batch * config.inputSize();
    // Steps past an end get a zero gradient, as on the CPU: dx is zeroed where cuDNN leaves them
    // alone, and xDesc's padding fill is 0 where it fills them (CudnnAgreesWithCpuTest checks them).
    zero(buffers.dx, xSize);
    zero(weightGradients, weightBytes / 4);
    runBackward();
    if (dx != null) {
      download(dx, buffers.dx, xSize);
    }
    initialGradient = RecurrentState.zeros(config, batch);
    download(initialGradient.h(), buffers.states[6], state);
    if (initialGradient.c() != null) {
      download(initialGradient.c(), buffers.states[7], state);
    }
    addWeightGradients();
  }

  @Override
  public RecurrentState initialStateGradient() {
    return initialGradient;
  }

  @Override
  public double[] timeSteps(int steps, int batch, int[] lengths, boolean training, int warmup, int repeats) {
    shape(steps, batch, lengths, training);
    Rng rng = new Rng(1);
    fillRandom(buffers.x, (long) steps * batch * config.inputSize(), rng);
    if (training) {
      fillRandom(buffers.dy, (long) steps * batch * width, rng);
    }
    long state = (long) config.stateSlots() * batch * hidden;
    for (int i = 0; i < (trains ? 8 : 4); i++) {
      zero(buffers.states[i], state);
    }
    double[] ms = new double[repeats];
    for (int i = -warmup; i < repeats; i++) {
      long t0 = System.nanoTime();
      runForward(training);
      if (training) {
        runBackward();
      }
      Cuda.synchronize("a timed step");
      if (i >= 0) {
        ms[i] = (System.nanoTime() - t0) / 1e6;
      }
    }
    return ms;
  }

  private static void fillRandom(Pointer device, long n, Rng rng) {
    float[] host = new float[(int) n];
    for (int i = 0; i < host.length; i++) {
      host[i] = rng.nextFloat() * 2 - 1;
    }
    uploadArray(device, host, 4 * n, "upload of random data");
  }

  /**
   * Copies {@code host} up through a native copy freed at once (left to the collector, a weight
   * space's copy per upload had built up native memory).
   */
  private static void uploadArray(Pointer device, float[] host, long bytes, String what) {
    try (FloatPointer copy = new FloatPointer(host)) {
      check(cudaMemcpy(device, copy, bytes, cudaMemcpyHostToDevice), what);
    }
  }

  private static void upload(Pointer device, Tensor host, long n) {
    check(cudaMemcpy(device, new Pointer(host.bytes()), 4 * n, cudaMemcpyHostToDevice), "upload of " + n + " floats");
  }

  private static void download(Tensor host, Pointer device, long n) {
    check(cudaMemcpy(new Pointer(host.bytes()), device, 4 * n, cudaMemcpyDeviceToHost), "download of " + n + " floats");
  }

  private static void zero(Pointer device, long floats) {
    check(cudaMemset(device, 0, 4 * floats), "cudaMemset");
  }

  @Override
  public void close() {
    // cuDNN's descriptors must not be destroyed twice.
    if (closed) {
      return;
    }
    closed = true;
    buffers.close();
    Cuda.free(weights);
    Cuda.free(weightGradients);
    Cuda.free(gradientMask);
    Cuda.free(decayMask);
    Cuda.free(dropoutStates);
    cudnnDestroyRNNDataDescriptor(xDesc);
    cudnnDestroyRNNDataDescriptor(yDesc);
    cudnnDestroyTensorDescriptor(hDesc);
    cudnnDestroyTensorDescriptor(cDesc);
    cudnnDestroyRNNDescriptor(rnn);
    cudnnDestroyDropoutDescriptor(dropout);
    paddingFill.close();
  }

  /** Device buffers that grow to the largest batch seen and are reused. */
  private static final class Buffers implements AutoCloseable {
    FloatPointer x;
    FloatPointer dx;
    FloatPointer y;
    FloatPointer dy;
    /** h0, c0, hy, cy, dhy, dcy, dh0, dc0. */
    final FloatPointer[] states = new FloatPointer[8];
    FloatPointer work;
    FloatPointer reserve;
    long workBytes;
    long reserveBytes;
    IntPointer seqLengths;

    // A freed pointer is nulled but keeps its capacity: a null one is never reused.
    FloatPointer grow(FloatPointer p, long floats, String what) {
      if (p != null && !p.isNull() && p.capacity() >= floats) {
        return p;
      }
      Cuda.free(p);
      return Cuda.allocateFloats(floats, what);
    }

    IntPointer growInts(IntPointer p, int n) {
      if (p != null && !p.isNull() && p.capacity() >= n) {
        return p;
      }
      Cuda.free(p);
      IntPointer q = new IntPointer();
      check(org.bytedeco.cuda.global.cudart.cudaMalloc(q, 4L * n), "cudaMalloc of the sequence lengths");
      q.capacity(n);
      return q;
    }

    @Override
    public void close() {
      for (Pointer p : new Pointer[] {x, dx, y, dy, work, reserve, seqLengths}) {
        Cuda.free(p);
      }
      for (Pointer p : states) {
        Cuda.free(p);
      }
    }
  }
}
