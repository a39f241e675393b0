package jrnn.optim;

import jrnn.kernels.Blas;
import jrnn.params.ParamLayout;
import jrnn.params.Parameters;

/**
 * Weight decay, the chapter's other remedy for explosion (SPEC section 2): the L2 penalty
 * (lambda / 2) ||w||^2 added to the loss, i.e. {@code g <- g + lambda w}, applied to every
 * parameter but the biases: weight matrices, embeddings, peepholes and attention's score vector.
 * It is added after clipping, to the gradient the optimizer then takes (coupled L2, also under
 * Adam: not AdamW's decoupled decay).
 */
public final class WeightDecay {
  private WeightDecay() {}

  /**
   * Whether weight decay applies to the parameter named {@code name} (a layout's entry, or a
   * recurrent layer's kind such as {@code weight_ih}): every one but the biases ({@code *bias*}).
   */
  public static boolean decays(String name) {
    return !name.contains("bias");
  }

  /**
   * Adds {@code lambda} w to the gradient of every parameter that {@link #decays}; nothing when
   * {@code lambda} is 0.
   */
  public static void apply(Parameters params, double lambda) {
    if (lambda == 0) {
      return;
    }
    for (ParamLayout.Entry e : params.layout().entries()) {
      if (decays(e.name())) {
        Blas.axpy(e.size(), (float) lambda, params.values(), e.offset(), params.grads(), e.offset());
      }
    }
  }
}
