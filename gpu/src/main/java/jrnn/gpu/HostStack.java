package jrnn.gpu;

import jrnn.kernels.Kernels;
import jrnn.layers.RecurrentConfig;
import jrnn.layers.RecurrentStack;
import jrnn.layers.RecurrentState;
import jrnn.params.ParamLayout;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;

/**
 * The twin of {@link CudnnRecurrentStack} as an {@link OpsStack} of {@link HostOps}: jrnn's CPU
 * stack over a copy of the weights (the "device's"), so that a pass built on {@code OpsStack} runs,
 * and is tested, on a machine without a GPU. Dropout between layers draws from its own generator,
 * restarted as cuDNN's is ({@link #restartDropout}).
 */
final class HostStack implements OpsStack {
  private final RecurrentConfig config;
  private final Parameters host;
  private final Parameters device;
  private final String prefix;
  private final RecurrentStack stack;
  private Rng rng = new Rng(1);
  private int steps;
  private int batch;
  /** The stack's entries are one range of the layout: [first, first + count). */
  private final int first;
  private final int count;
  private final Tensor decay;

  /** Whether it trains; one for inference refuses what needs gradients, as cuDNN's stack made for inference does. */
  private final boolean trains;

  HostStack(RecurrentConfig config, Parameters params, String prefix) {
    this(config, params, prefix, true);
  }

  HostStack(RecurrentConfig config, Parameters params, String prefix, boolean trains) {
    this.trains = trains;
    this.config = config;
    this.host = params;
    this.prefix = prefix;
    this.device = new Parameters(params.layout());
    this.stack = new RecurrentStack(config, device, prefix, Kernels.best());
    StackRange range = StackRange.of(params.layout(), prefix, "HostStack");
    this.first = range.first();
    this.count = range.count();
    this.decay = range.decay();
    uploadWeights();
  }

  @Override
  public Ops.Floats weights() {
    return new HostOps.HostFloats(device.values().view(first, count));
  }

  @Override
  public Ops.Floats weightGradients() {
    requireTrains("the weights' gradients");
    return new HostOps.HostFloats(device.grads().view(first, count));
  }

  @Override
  public void restartDropout(long seed) {
    // As cuDNN's: only a stack that draws masks between its layers has a generator to restart.
    if (trains && config.layers() > 1 && config.dropout() > 0) {
      rng = new Rng(seed);
    }
  }

  @Override
  public long weightCount() {
    return count;
  }

  @Override
  public Ops.Floats gradientMask() {
    requireTrains("the gradients' mask");
    return null;
  }

  @Override
  public Ops.Floats decayMask() {
    requireTrains("the decay mask");
    return new HostOps.HostFloats(decay);
  }

  @Override
  public void weightsToHost() {
    host.values().view(first, count).copyFrom(device.values().view(first, count));
  }

  @Override
  public void vectorToHost(Ops.Floats vector, Tensor flat, boolean signed) {
    flat.view(first, count).copyFrom(t(vector).view(0, count));
  }

  @Override
  public void vectorFromHost(Tensor flat, Ops.Floats vector, boolean signed) {
    t(vector).view(0, count).copyFrom(flat.view(first, count));
  }

  private void requireTrains(String what) {
    if (!trains) {
      throw new IllegalStateException("HostStack: made for inference, it keeps no gradients: " + what
          + " needs a stack that trains");
    }
  }

  private static Tensor t(Ops.Floats f) {
    return ((HostOps.HostFloats) f).t();
  }

  @Override
  public void uploadWeights() {
    device.copyValuesFrom(host);
  }

  @Override
  public Ops.Floats forward(Ops.Floats x, int steps, int batch, int[] lengths, Ops.Floats h0, Ops.Floats c0,
      boolean training) {
    if (training) {
      requireTrains("a training forward");
    }
    this.steps = steps;
    this.batch = batch;
    RecurrentState initial = null;
    if (h0 != null) {
      int[] shape = {config.stateSlots(), batch, config.hiddenSize()};
      initial = new RecurrentState(t(h0).view(0, shape), c0 == null ? null : t(c0).view(0, shape));
    }
    Tensor y = stack.forward(t(x), steps, batch, lengths, initial, training, rng);
    Tensor out = Tensor.zeros(steps * batch * config.outputSize());
    out.data().put(0, y.data(), 0, out.size());
    return new HostOps.HostFloats(out);
  }

  @Override
  public Ops.Floats finalH() {
    return new HostOps.HostFloats(stack.finalState().copy().h());
  }

  @Override
  public Ops.Floats finalC() {
    RecurrentState s = stack.finalState();
    return s.c() == null ? null : new HostOps.HostFloats(s.copy().c());
  }

  @Override
  public Ops.Floats backward(Ops.Floats dy, Ops.Floats dFinalH, Ops.Floats dFinalC) {
    requireTrains("backward");
    device.zeroGrads();
    Tensor dx = Tensor.zeros(steps * batch * config.inputSize());
    RecurrentState dFinal = null;
    if (dFinalH != null || dFinalC != null) {
      int[] shape = {config.stateSlots(), batch, config.hiddenSize()};
      dFinal = new RecurrentState(dFinalH == null ? Tensor.zeros(shape) : t(dFinalH).view(0, shape),
          config.cell().hasCellState() ? dFinalC == null ? Tensor.zeros(shape) : t(dFinalC).view(0, shape) : null);
    }
    stack.backward(t(dy), dFinal, dx);
    return new HostOps.HostFloats(dx);
  }

  @Override
  public void addWeightGradients() {
    requireTrains("the weights' gradients");
    for (ParamLayout.Entry e : device.layout().entries()) {
      if (e.name().startsWith(prefix)) {
        Tensor from = device.grad(e.name());
        Tensor to = host.grad(e.name());
        for (int i = 0; i < e.size(); i++) {
          to.add(i, from.get(i));
        }
      }
    }
  }

  @Override
  public void close() {
    // nothing held
  }
}
