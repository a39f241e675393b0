package jrnn.optim;

import jrnn.kernels.Blas;
import jrnn.kernels.Kernels;
import jrnn.kernels.Parallel;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;

/**
 * Stochastic gradient descent, the chapter's update {@code w <- w - lr * dL/dw} (8-9 .. 8-20), with
 * optional momentum: {@code v <- mu v + g}, {@code w <- w - lr v} (or, Nesterov,
 * {@code w <- w - lr (g + mu v)}).
 */
public final class Sgd implements Optimizer {
  private final double momentum;
  private final boolean nesterov;
  private Tensor velocity;

  /** Plain SGD, without momentum. */
  public Sgd() {
    this(0, false);
  }

  /** SGD with {@code momentum} in [0, 1), classical or (when {@code nesterov}) Nesterov. */
  public Sgd(double momentum, boolean nesterov) {
    if (!(momentum >= 0 && momentum < 1)) {
      throw new IllegalArgumentException("Sgd: momentum must be in [0, 1), got " + momentum);
    }
    this.momentum = momentum;
    this.nesterov = nesterov;
  }

  @Override
  public void step(Parameters params, double lr) {
    params.requireUnfrozen("Sgd.step");
    Tensor w = params.values();
    Tensor g = params.grads();
    int n = w.size();
    if (momentum == 0) {
      Parallel.run(n, (from, to) -> Blas.axpy(to - from, (float) -lr, g, from, w, from));
      return;
    }
    if (velocity == null || velocity.size() != n) {
      velocity = Tensor.zeros(n);
    }
    float mu = (float) momentum;
    float rate = (float) lr;
    Tensor u = velocity;
    Kernels kernels = Kernels.best();
    Parallel.run(n, (from, to) -> kernels.momentumStep(w, g, u, from, to, rate, mu, nesterov));
  }

  /** The momentum mu, 0 for plain SGD. */
  public double momentum() {
    return momentum;
  }

  /** Whether the momentum is Nesterov's. */
  public boolean nesterov() {
    return nesterov;
  }

  @Override
  public String describe() {
    return momentum == 0 ? "sgd" : (nesterov ? "nesterov" : "momentum") + " " + momentum;
  }

  @Override
  public float[] state() {
    return velocity == null ? new float[0] : velocity.toArray();
  }

  /** A velocity per parameter with momentum; none without. */
  @Override
  public int stateSize(int parameters) {
    return momentum == 0 ? 0 : parameters;
  }

  @Override
  public void restore(float[] state) {
    velocity = state.length == 0 ? null : Tensor.of(state, state.length);
  }
}
