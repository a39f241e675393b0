package jrnn.optim;

import jrnn.kernels.Blas;
import jrnn.kernels.Parallel;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;

/**
 * The chapter's remedy for exploding gradients (SPEC section 2): truncate the gradient before
 * the update, either by its global norm (rescale all gradients together when their joint norm
 * exceeds a threshold, Pascanu et al. 2013) or element by element by value.
 */
public final class GradientClipping {
  private GradientClipping() {}

  /** The Euclidean norm of all gradients together. */
  public static double globalNorm(Parameters params) {
    Tensor g = params.grads();
    return Math.sqrt(Parallel.sum(g.size(), (from, to) -> {
      double n = Blas.norm(g, from, to - from);
      return n * n;
    }));
  }

  /**
   * Rescales all gradients by maxNorm / norm when their global norm exceeds {@code maxNorm};
   * returns the norm before clipping.
   */
  public static double clipGlobalNorm(Parameters params, double maxNorm) {
    double norm = globalNorm(params);
    if (maxNorm > 0 && norm > maxNorm) {
      Tensor g = params.grads();
      Parallel.run(g.size(), (from, to) -> Blas.scale(to - from, (float) (maxNorm / norm), g, from));
    }
    return norm;
  }

  /** Clamps every gradient element to [-limit, limit]; returns how many were clamped. */
  public static int clipValue(Parameters params, double limit) {
    Tensor g = params.grads();
    float l = (float) limit;
    int clamped = 0;
    for (int i = 0; i < g.size(); i++) {
      float v = g.get(i);
      if (v > l) {
        g.set(i, l);
        clamped++;
      } else if (v < -l) {
        g.set(i, -l);
        clamped++;
      }
    }
    return clamped;
  }
}
