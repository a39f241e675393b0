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
  private Ops.Floats[] held = new Ops.Floats[0];

  OpsDeviceStack(Ops ops, RecurrentConfig config, Parameters params, String prefix, long dropoutSeed) {
    this.ops = ops;
    this.config = config;
    this.stack = new FusedCellStack(ops, config, params, prefix, dropoutSeed);
  }

  private Ops.Floats up(Tensor t, long n) {
    Ops.Floats f = ops.floats(n, "a host tensor");
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
    for (Ops.Floats f : held) {
      ops.free(f);
    }
    held = new Ops.Floats[0];
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
    Ops.Floats xs = up(x, (long) steps * batch * config.inputSize());
    Ops.Floats h0 = initial == null ? null : up(initial.h(), state);
    Ops.Floats c0 = initial == null || initial.c() == null ? null : up(initial.c(), state);
    held = new Ops.Floats[] {xs, h0, c0};
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
    Ops.Floats dy = up(dTop, (long) steps * batch * config.outputSize());
    Ops.Floats dh = dFinal == null ? null : up(dFinal.h(), state);
    Ops.Floats dc = dFinal == null || dFinal.c() == null ? null : up(dFinal.c(), state);
    try {
      Ops.Floats dIn = stack.backward(dy, dh, dc);
      ops.download(dx, dIn, (long) steps * batch * config.inputSize());
      stack.addWeightGradients();
    } finally {
      ops.free(dy);
      ops.free(dh);
      ops.free(dc);
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
    Ops.Floats xs = up(x, x.size());
    Ops.Floats dys = up(dy, dy.size());
    try {
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
      ops.free(xs);
      ops.free(dys);
    }
  }

  @Override
  public void close() {
    release();
    stack.close();
  }
}
