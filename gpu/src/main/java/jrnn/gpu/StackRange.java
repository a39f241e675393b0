package jrnn.gpu;

import jrnn.params.ParamLayout;
import jrnn.tensor.Tensor;

/**
 * Where a recurrent stack's parameters lie in a model's layout, for a stack whose weight space is
 * jrnn's own layout ({@link HostStack}, {@link FusedCellStack}): the entries named from its
 * prefix, which must be one range [first, first + count) of the layout, and the mask of weight
 * decay over that range (1 on the weights, 0 on the biases, as the CPU trainer decays them). The
 * prefix "" takes the whole layout: a model whose every parameter the device holds in one buffer
 * ({@link OpsTranslation}).
 */
record StackRange(int first, int count, Tensor decay) {

  static StackRange of(ParamLayout layout, String prefix, String who) {
    int from = Integer.MAX_VALUE;
    int to = 0;
    int total = 0;
    for (ParamLayout.Entry e : layout.entries()) {
      if (e.name().startsWith(prefix)) {
        from = Math.min(from, e.offset());
        to = Math.max(to, e.offset() + e.size());
        total += e.size();
      }
    }
    if (total == 0 || to - from != total) {
      throw new IllegalStateException(who + ": the parameters under " + prefix + " are not one range of the layout");
    }
    Tensor decay = Tensor.zeros(total);
    for (ParamLayout.Entry e : layout.entries()) {
      if (e.name().startsWith(prefix) && jrnn.optim.WeightDecay.decays(e.name())) {
        for (int i = 0; i < e.size(); i++) {
          decay.set(e.offset() - from + i, 1f);
        }
      }
    }
    return new StackRange(from, total, decay);
  }

  /** Where entry {@code name} starts within the range. */
  int offset(ParamLayout layout, String name) {
    return layout.get(name).offset() - first;
  }
}
