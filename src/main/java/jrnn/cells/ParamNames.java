package jrnn.cells;

/**
 * Parameter names of recurrent layers, in PyTorch's convention: {@code prefix + kind + "_l" +
 * layer}, with {@code "_reverse"} for the backward direction, e.g. {@code rnn.weight_hh_l1_reverse}.
 * Kinds: weight_ih, weight_hh, bias, weight_ci, weight_cf, weight_co (peepholes), bias_hn (GRU
 * with the reset after the product). docs/parameters.md lists them all.
 */
public final class ParamNames {
  private ParamNames() {}

  /**
   * The name of parameter {@code kind} of layer {@code layer}, direction {@code direction} (0
   * forward, 1 reverse).
   */
  public static String recurrent(String prefix, String kind, int layer, int direction) {
    return prefix + kind + "_l" + layer + (direction == 1 ? "_reverse" : "");
  }
}
