package jrnn.gpu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import jrnn.optim.Adam;
import jrnn.optim.Optimizer;
import jrnn.optim.Sgd;
import jrnn.params.ParamLayout;
import jrnn.tensor.Tensor;
import jrnn.training.TrainingConfig;

/**
 * The update on an {@link Ops}, step for step as {@code Trainer} takes it on the host: gradient
 * masks, the global norm, clipping by norm and by value, weight decay, and SGD, momentum,
 * Nesterov or Adam, over a model's parameters held on the device in groups (a named parameter,
 * a recurrent stack's weight space, or the whole layout in one buffer), each with its gradient
 * and the optimizer's state. The state goes to and from the host's {@link Optimizer} in the
 * layout of the parameters, for checkpoints and resumed runs.
 */
final class OpsOptimizer implements AutoCloseable {

  /** How a vector parallel to a group (an optimizer's state) maps to the parameters' whole layout on the host. */
  interface HostVector {
    /** Copies {@code from} into its entries of {@code flat}; {@code signed}: it changes sign with the weights. */
    void toHost(Ops.Floats from, Tensor flat, boolean signed);

    /** The reverse. */
    void fromHost(Tensor flat, Ops.Floats to, boolean signed);
  }

  /**
   * A part of the parameters on the device: its values, gradient, where its gradient counts and
   * decay applies (null: everywhere; decay false: nowhere), and the optimizer's state (made when
   * first needed).
   */
  final class Group {
    final String what;
    final Ops.Floats w;
    final Ops.Floats g;
    final long n;
    final Ops.Floats gradientMask;
    final boolean decay;
    final Ops.Floats decayMask;
    final HostVector host;
    Ops.Floats first;
    Ops.Floats second;

    Group(String what, Ops.Floats w, Ops.Floats g, long n, Ops.Floats gradientMask, boolean decay,
        Ops.Floats decayMask, HostVector host) {
      this.what = what;
      this.w = w;
      this.g = g;
      this.n = n;
      this.gradientMask = gradientMask;
      this.decay = decay;
      this.decayMask = decayMask;
      this.host = host;
    }

    Ops.Floats first() {
      if (first == null) {
        first = ops.floats(n, "an optimizer's state");
      }
      return first;
    }

    Ops.Floats second() {
      if (second == null) {
        second = ops.floats(n, "an optimizer's state");
      }
      return second;
    }
  }

  private final Ops ops;
  private final int layoutSize;
  private final List<Group> groups = new ArrayList<>();
  /** Adam's step count, as the host's Adam keeps it. */
  private long adamSteps;

  /** Groups of a model whose parameters' layout holds {@code layoutSize} floats. */
  OpsOptimizer(Ops ops, int layoutSize) {
    this.ops = ops;
    this.layoutSize = layoutSize;
  }

  /** A group of the given parts, mapped to the host by {@code host}. */
  void add(String what, Ops.Floats w, Ops.Floats g, long n, Ops.Floats gradientMask, boolean decay,
      Ops.Floats decayMask, HostVector host) {
    groups.add(new Group(what, w, g, n, gradientMask, decay, decayMask, host));
  }

  /** A group of {@code n} floats at {@code offset} of the layout, on the host as they are on the device. */
  void add(String what, Ops.Floats w, Ops.Floats g, long n, int offset, boolean decay, Ops.Floats decayMask) {
    add(what, w, g, n, null, decay, decayMask, new HostVector() {
      @Override
      public void toHost(Ops.Floats from, Tensor flat, boolean signed) {
        ops.download(flat.view(offset, (int) n), from, n);
      }

      @Override
      public void fromHost(Tensor flat, Ops.Floats to, boolean signed) {
        ops.upload(to, flat.view(offset, (int) n), n);
      }
    });
  }

  /**
   * A recurrent stack's weight space as a group: its gradient and decay masks, and the stack's map
   * between its space and the layout.
   */
  void addStack(String what, OpsStack stack) {
    add(what, stack.weights(), stack.weightGradients(), stack.weightCount(), stack.gradientMask(), true,
        stack.decayMask(), new HostVector() {
          @Override
          public void toHost(Ops.Floats from, Tensor flat, boolean signed) {
            stack.vectorToHost(from, flat, signed);
          }

          @Override
          public void fromHost(Tensor flat, Ops.Floats to, boolean signed) {
            stack.vectorFromHost(flat, to, signed);
          }
        });
  }

  /** The named parameter of {@code layout}, decayed where {@link jrnn.optim.WeightDecay#decays} says. */
  void addParameter(ParamLayout layout, String name, Ops.Floats w, Ops.Floats g) {
    add(name, w, g, w.size(), layout.get(name).offset(), jrnn.optim.WeightDecay.decays(name), null);
  }

  List<Group> groups() {
    return groups;
  }

  /**
   * Masks, clips, decays and steps as {@code training} says, with {@code optimizer}'s kind and
   * settings, at rate {@code lr}; returns the global gradient norm before and after clipping.
   * With a norm that is not finite nothing is changed.
   */
  double[] update(TrainingConfig training, Optimizer optimizer, double lr) {
    for (Group g : groups) {
      if (g.gradientMask != null) {
        ops.multiply(g.g, g.gradientMask, g.n);
      }
    }
    double norm = Math.sqrt(gradientSquares());
    if (!Double.isFinite(norm)) {
      return new double[] {norm, norm};
    }
    double after = norm;
    if (training.clipNorm() > 0 && norm > training.clipNorm()) {
      for (Group g : groups) {
        ops.scale(g.g, g.n, (float) (training.clipNorm() / norm));
      }
      after = training.clipNorm();
    }
    if (training.clipValue() > 0) {
      for (Group g : groups) {
        ops.clamp(g.g, g.n, (float) training.clipValue());
      }
      after = Math.sqrt(gradientSquares());
    }
    if (training.weightDecay() > 0) {
      for (Group g : groups) {
        if (g.decay) {
          ops.axpy(g.g, (float) training.weightDecay(), g.w, g.decayMask, g.n);
        }
      }
    }
    step(optimizer, lr);
    return new double[] {norm, after};
  }

  /** The squared global norm of the gradients, in one trip to the device. */
  private double gradientSquares() {
    Ops.Floats[] parts = new Ops.Floats[groups.size()];
    long[] sizes = new long[groups.size()];
    for (int k = 0; k < parts.length; k++) {
      parts[k] = groups.get(k).g;
      sizes[k] = groups.get(k).n;
    }
    return ops.sumOfSquares(parts, sizes);
  }

  private void step(Optimizer optimizer, double lr) {
    if (optimizer instanceof Adam adam) {
      adamSteps++;
      double correction = Math.sqrt(1 - Math.pow(adam.beta2(), adamSteps));
      float a = (float) (lr * correction / (1 - Math.pow(adam.beta1(), adamSteps)));
      float eHat = (float) (adam.eps() * correction);
      for (Group g : groups) {
        ops.adamStep(g.w, g.g, g.first(), g.second(), g.n, a, (float) adam.beta1(), (float) adam.beta2(), eHat);
      }
    } else if (optimizer instanceof Sgd sgd && sgd.momentum() > 0) {
      for (Group g : groups) {
        ops.momentumStep(g.w, g.g, g.first(), g.n, (float) lr, (float) sgd.momentum(), sgd.nesterov());
      }
    } else if (optimizer instanceof Sgd) {
      for (Group g : groups) {
        ops.axpy(g.w, (float) -lr, g.g, null, g.n);
      }
    } else {
      throw new IllegalArgumentException("the GPU steps with SGD, momentum, Nesterov or Adam, not " + optimizer.describe());
    }
  }

  /** The optimizer's state on the device into {@code optimizer} (the parameters' layout). */
  void stateToHost(Optimizer optimizer) {
    int n = layoutSize;
    if (optimizer instanceof Adam) {
      if (adamSteps == 0) {
        optimizer.restore(new float[0]);
        return;
      }
      Tensor m = Tensor.zeros(n);
      Tensor v = Tensor.zeros(n);
      for (Group g : groups) {
        g.host.toHost(g.first(), m, true);
        g.host.toHost(g.second(), v, false);
      }
      float[] state = new float[2 * n + 1];
      m.data().get(0, state, 0, n);
      v.data().get(0, state, n, n);
      state[2 * n] = adamSteps;
      optimizer.restore(state);
    } else if (optimizer instanceof Sgd sgd && sgd.momentum() > 0 && groups.get(0).first != null) {
      Tensor velocity = Tensor.zeros(n);
      for (Group g : groups) {
        g.host.toHost(g.first(), velocity, true);
      }
      optimizer.restore(velocity.toArray());
    }
  }

  /** {@code optimizer}'s state to the device. */
  void stateFromHost(Optimizer optimizer) {
    int n = layoutSize;
    float[] state = optimizer.state();
    boolean adam = optimizer instanceof Adam;
    boolean momentum = optimizer instanceof Sgd sgd && sgd.momentum() > 0;
    if (adam) {
      adamSteps = state.length == 0 ? 0 : (long) state[2 * n];
    }
    for (Group g : groups) {
      if (state.length == 0) {
        if (g.first != null) {
          ops.zero(g.first, g.n);
        }
        if (g.second != null) {
          ops.zero(g.second, g.n);
        }
      } else if (adam) {
        g.host.fromHost(Tensor.of(Arrays.copyOfRange(state, 0, n), n), g.first(), true);
        g.host.fromHost(Tensor.of(Arrays.copyOfRange(state, n, 2 * n), n), g.second(), false);
      } else if (momentum) {
        g.host.fromHost(Tensor.of(state, n), g.first(), true);
      }
    }
  }

  @Override
  public void close() {
    for (Group g : groups) {
      ops.free(g.first);
      ops.free(g.second);
    }
  }
}
