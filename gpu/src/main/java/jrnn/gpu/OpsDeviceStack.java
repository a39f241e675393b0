package jrnn.gpu;

import jrnn.device.DeviceRecurrentStack;
import jrnn.layers.RecurrentConfig;
import jrnn.layers.RecurrentState;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;

/**
 * jrnn's own stack ({@link FusedCellStack}) behind the library's {@link DeviceRecurrentStack}:
 * host tensors in and out, the stack's work on the {@link Ops}' memory. The GPU backend gives it
 * for the stacks cuDNN cannot run; on {@link HostOps} it is tested against the CPU engine.
 */
final class OpsDeviceStack implements DeviceRecurrentStack {
  private final Ops ops;
  private final FusedCellStack stack;
  private final RecurrentConfig config;
  private int steps;
  private int batch;
  /** Inputs of the last forward on the device, freed by the next. */
  private final Allocations inputs;

  OpsDeviceStack(Ops ops, RecurrentConfig config, Parameters params, String prefix, long dropoutSeed) {
    this.ops = ops;
    this.config = config;
    this.stack = new FusedCellStack(ops, config, params, prefix, dropoutSeed);
    this.inputs = new Allocations(ops);
  }

  /** A host tensor's first {@code n} floats on the device, in {@code to}. */
  private Ops.Floats up(Allocations to, Tensor t, long n) {
    Ops.Floats f = to.floats(n, "a host tensor");
    ops.upload(f, t, n);
    return f;
  }

  private Tensor down(Ops.Floats f, long n, int... shape) {
    Tensor t = Tensor.zeros(shape);
    ops.download(t, f, n);
    return t;
  }

  private void release() {
    stack.release();
    inputs.free();
  }

  @Override
  public Tensor forward(Tensor x, int steps, int batch, int[] lengths, RecurrentState initial, boolean training) {
    if (initial != null) {
      initial.requireShape(config, batch, "OpsDeviceStack");
    }
    release();
    this.steps = steps;
    this.batch = batch;
    long state = (long) config.stateSlots() * batch * config.hiddenSize();
    Ops.Floats xs = up(inputs, x, (long) steps * batch * config.inputSize());
    Ops.Floats h0 = initial == null ? null : up(inputs, initial.h(), state);
    Ops.Floats c0 = initial == null || initial.c() == null ? null : up(inputs, initial.c(), state);
    Ops.Floats y = stack.forward(xs, steps, batch, lengths, h0, c0, training);
    return down(y, (long) steps * batch * config.outputSize(), steps, batch, config.outputSize());
  }

  private RecurrentState state(Ops.Floats h, Ops.Floats c) {
    int[] shape = {config.stateSlots(), batch, config.hiddenSize()};
    long n = (long) config.stateSlots() * batch * config.hiddenSize();
    return new RecurrentState(down(h, n, shape), c == null ? null : down(c, n, shape));
  }

  @Override
  public RecurrentState finalState() {
    return state(stack.finalH(), stack.finalC());
  }

  @Override
  public void backward(Tensor dTop, RecurrentState dFinal, Tensor dx) {
    long state = (long) config.stateSlots() * batch * config.hiddenSize();
    Allocations gradients = new Allocations(ops);
    try {
      Ops.Floats dy = up(gradients, dTop, (long) steps * batch * config.outputSize());
      Ops.Floats dh = dFinal == null ? null : up(gradients, dFinal.h(), state);
      Ops.Floats dc = dFinal == null || dFinal.c() == null ? null : up(gradients, dFinal.c(), state);
      Ops.Floats dIn = stack.backward(dy, dh, dc);
      if (dx != null) {
        ops.download(dx, dIn, (long) steps * batch * config.inputSize());
      }
      stack.addWeightGradients();
    } finally {
      gradients.free();
    }
  }

  @Override
  public RecurrentState initialStateGradient() {
    return state(stack.initialHGradient(), stack.initialCGradient());
  }

  @Override
  public void uploadWeights() {
    stack.uploadWeights();
  }

  @Override
  public double[] timeSteps(int steps, int batch, int[] lengths, boolean training, int warmup, int repeats) {
    Rng rng = new Rng(1);
    Tensor x = Tensor.zeros(steps * batch * config.inputSize());
    Tensor dy = Tensor.zeros(steps * batch * config.outputSize());
    for (Tensor t : new Tensor[] {x, dy}) {
      for (int i = 0; i < t.size(); i++) {
        t.set(i, rng.nextFloat() * 2 - 1);
      }
    }
    Allocations data = new Allocations(ops);
    try {
      Ops.Floats xs = up(data, x, x.size());
      Ops.Floats dys = up(data, dy, dy.size());
      double[] ms = new double[repeats];
      for (int i = -warmup; i < repeats; i++) {
        long t0 = System.nanoTime();
        stack.forward(xs, steps, batch, lengths, null, null, training);
        if (training) {
          stack.backward(dys);
        }
        ops.synchronize();
        if (i >= 0) {
          ms[i] = (System.nanoTime() - t0) / 1e6;
        }
      }
      return ms;
    } finally {
      stack.release();
      data.free();
    }
  }

  @Override
  public void close() {
    release();
    stack.close();
  }
}
