package jrnn.optim;

import jrnn.kernels.Kernels;
import jrnn.kernels.Parallel;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;

/**
 * Adam (Kingma and Ba 2015): {@code m <- b1 m + (1 - b1) g}, {@code v <- b2 v + (1 - b2) g^2},
 * {@code w <- w - lr * m_hat / (sqrt(v_hat) + eps)}, with bias-corrected m_hat, v_hat.
 */
public final class Adam implements Optimizer {
  private final double beta1;
  private final double beta2;
  private final double eps;
  private Tensor m;
  private Tensor v;
  private long t;

  /** Adam with the published defaults: beta1 0.9, beta2 0.999, eps 1e-8. */
  public Adam() {
    this(0.9, 0.999, 1e-8);
  }

  /** Adam with decay rates {@code beta1}, {@code beta2} in [0, 1) and {@code eps} &gt; 0. */
  public Adam(double beta1, double beta2, double eps) {
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps > 0)) {
      throw new IllegalArgumentException("Adam: need 0 <= beta1, beta2 < 1 and eps > 0, got "
          + beta1 + ", " + beta2 + ", " + eps);
    }
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
  }

  @Override
  public void step(Parameters params, double lr) {
    params.requireUnfrozen("Adam.step");
    Tensor w = params.values();
    Tensor g = params.grads();
    int n = w.size();
    if (m == null || m.size() != n) {
      m = Tensor.zeros(n);
      v = Tensor.zeros(n);
      t = 0;
    }
    t++;
    float b1 = (float) beta1;
    float b2 = (float) beta2;
    // Bias corrections folded into the step size.
    float a = (float) (lr * Math.sqrt(1 - Math.pow(beta2, t)) / (1 - Math.pow(beta1, t)));
    float eHat = (float) (eps * Math.sqrt(1 - Math.pow(beta2, t)));
    Tensor mt = m;
    Tensor vt = v;
    Kernels kernels = Kernels.best();
    Parallel.run(n, (i0, i1) -> kernels.adamStep(w, g, mt, vt, i0, i1, a, b1, b2, eHat));
  }

  @Override
  public String describe() {
    return "adam b1=" + beta1 + " b2=" + beta2;
  }

  /** The first moment's decay rate. */
  public double beta1() {
    return beta1;
  }

  /** The second moment's decay rate. */
  public double beta2() {
    return beta2;
  }

  /** The denominator's epsilon. */
  public double eps() {
    return eps;
  }

  @Override
  public float[] state() {
    if (m == null) {
      return new float[0];
    }
    float[] s = new float[2 * m.size() + 1];
    m.data().get(0, s, 0, m.size());
    v.data().get(0, s, m.size(), m.size());
    s[s.length - 1] = t;
    return s;
  }

  /** Both moments of each parameter, and the step count. */
  @Override
  public int stateSize(int parameters) {
    return 2 * parameters + 1;
  }

  @Override
  public void restore(float[] s) {
    if (s.length == 0) {
      m = null;
      v = null;
      t = 0;
      return;
    }
    int n = (s.length - 1) / 2;
    m = Tensor.zeros(n);
    v = Tensor.zeros(n);
    m.data().put(0, s, 0, n);
    v.data().put(0, s, n, n);
    t = (long) s[s.length - 1];
  }
}
