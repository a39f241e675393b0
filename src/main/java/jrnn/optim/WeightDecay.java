package jrnn.optim;

import jrnn.kernels.Blas;
import jrnn.params.ParamLayout;
import jrnn.params.Parameters;

/**
 * Weight decay, the chapter's other remedy for explosion (SPEC section 2): the L2 penalty
 * (lambda / 2) ||w||^2 added to the loss, i.e. {@code g <- g + lambda w}, applied to weight matrices and
 * embeddings (parameters named {@code *weight*}), not to biases.
 */
public final class WeightDecay {
  private WeightDecay() {}

  /**
   * Adds {@code lambda} w to the gradient of every parameter named {@code *weight*}; nothing when
   * {@code lambda} is 0.
   */
  public static void apply(Parameters params, double lambda) {
    if (lambda == 0) {
      return;
    }
    for (ParamLayout.Entry e : params.layout().entries()) {
      if (e.name().contains("weight")) {
        Blas.axpy(e.size(), (float) lambda, params.values(), e.offset(), params.grads(), e.offset());
      }
    }
  }
}
