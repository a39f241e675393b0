package jrnn.io;

import jrnn.cells.ParamNames;
import java.util.LinkedHashMap;
import java.util.Map;
import jrnn.kernels.Activation;
import jrnn.cells.CellType;
import jrnn.layers.RecurrentConfig;

/**
 * Converts the weights of a recurrent stack between PyTorch's nn.RNN / nn.LSTM / nn.GRU and
 * jrnn. Both use the same weight matrices and gate order (LSTM i,f,g,o; GRU r,z,n); they differ
 * in two conventions, documented in docs/parameters.md:
 *
 * <ul>
 *   <li>PyTorch keeps two bias vectors, {@code bias_ih} and {@code bias_hh}; the chapter, and
 *       jrnn, one: {@code bias = bias_ih + bias_hh}, unless the stack has
 *       {@link RecurrentConfig#twoBiases}, which keeps them apart. The GRU's n gate is the exception, because
 *       its recurrent bias sits inside the reset product: jrnn keeps it as {@code bias_hn}.</li>
 *   <li>PyTorch's GRU computes h = (1 - z) * n + z * h_{t-1}; the chapter (8-38) and jrnn
 *       h = (1 - z) * h_{t-1} + z * n. So jrnn's z is PyTorch's 1 - z, and since
 *       1 - sigma(a) = sigma(-a) the z rows of the weights and biases change sign.</li>
 * </ul>
 *
 * <p>Only the cells PyTorch has convert: rnn-tanh, rnn-relu, lstm and gru-reset-after. Arrays
 * are flat and row-major, as PyTorch's {@code tensor.flatten()} gives them.
 */
public final class PyTorchWeights {
  private PyTorchWeights() {}

  /** Whether PyTorch has this cell type: rnn-tanh, rnn-relu, lstm or gru-reset-after. */
  public static boolean hasCounterpart(CellType cell) {
    return cell.equals(new CellType.Simple(Activation.TANH))
        || cell.equals(new CellType.Simple(Activation.RELU))
        || cell.equals(new CellType.Lstm(false, false))
        || cell.equals(new CellType.Gru(true));
  }

  /** Throws unless PyTorch has this cell type. */
  public static void requireCounterpart(CellType cell) {
    if (!hasCounterpart(cell)) {
      throw new IllegalArgumentException("PyTorchWeights: cell '" + cell.name()
          + "' has no PyTorch counterpart; convertible cells are rnn-tanh, rnn-relu, lstm, gru-reset-after");
    }
  }

  /** PyTorch's name for one parameter of one layer and direction, e.g. {@code weight_hh_l1_reverse}. */
  public static String torchName(String kind, int layer, int direction) {
    return ParamNames.recurrent("", kind, layer, direction);
  }

  /** jrnn parameters (names with {@code prefix}) from PyTorch's state dict of the stack. */
  public static Map<String, double[]> toJrnn(RecurrentConfig cfg, String prefix,
      Map<String, double[]> torch) {
    requireCounterpart(cfg.cell());
    int h = cfg.hiddenSize();
    boolean gru = cfg.cell() instanceof CellType.Gru;
    Map<String, double[]> out = new LinkedHashMap<>();
    for (int l = 0; l < cfg.layers(); l++) {
      for (int d = 0; d < cfg.directions(); d++) {
        double[] wIh = get(torch, torchName("weight_ih", l, d)).clone();
        double[] wHh = get(torch, torchName("weight_hh", l, d)).clone();
        double[] bIh = get(torch, torchName("bias_ih", l, d));
        double[] bHh = get(torch, torchName("bias_hh", l, d));
        double[] bias = new double[bIh.length];
        for (int k = 0; k < bias.length; k++) {
          bias[k] = bIh[k] + (cfg.twoBiases() || gru && k >= 2 * h ? 0 : bHh[k]);
        }
        if (cfg.twoBiases()) {
          out.put(ParamNames.recurrent(prefix, "bias_hh", l, d), bHh.clone());
        }
        if (gru) {
          negateRows(wIh, h, 2 * h, cfg.layerInputSize(l));
          negateRows(wHh, h, 2 * h, h);
          negateRows(bias, h, 2 * h, 1);
          double[] biasHn = new double[h];
          System.arraycopy(bHh, 2 * h, biasHn, 0, h);
          out.put(ParamNames.recurrent(prefix, "bias_hn", l, d), biasHn);
        }
        out.put(ParamNames.recurrent(prefix, "weight_ih", l, d), wIh);
        out.put(ParamNames.recurrent(prefix, "weight_hh", l, d), wHh);
        out.put(ParamNames.recurrent(prefix, "bias", l, d), bias);
      }
    }
    return out;
  }

  /**
   * PyTorch's state dict of the stack from jrnn parameters: {@code bias_ih} takes the whole
   * bias and {@code bias_hh} is zero, except the GRU's n rows, which take {@code bias_hn}; with
   * two biases each goes to its namesake.
   */
  public static Map<String, double[]> toTorch(RecurrentConfig cfg, String prefix,
      Map<String, double[]> jrnn) {
    requireCounterpart(cfg.cell());
    int h = cfg.hiddenSize();
    boolean gru = cfg.cell() instanceof CellType.Gru;
    Map<String, double[]> out = new LinkedHashMap<>();
    for (int l = 0; l < cfg.layers(); l++) {
      for (int d = 0; d < cfg.directions(); d++) {
        double[] wIh = get(jrnn, ParamNames.recurrent(prefix, "weight_ih", l, d)).clone();
        double[] wHh = get(jrnn, ParamNames.recurrent(prefix, "weight_hh", l, d)).clone();
        double[] bIh = get(jrnn, ParamNames.recurrent(prefix, "bias", l, d)).clone();
        double[] bHh = cfg.twoBiases()
            ? get(jrnn, ParamNames.recurrent(prefix, "bias_hh", l, d)).clone()
            : new double[bIh.length];
        if (gru) {
          negateRows(wIh, h, 2 * h, cfg.layerInputSize(l));
          negateRows(wHh, h, 2 * h, h);
          negateRows(bIh, h, 2 * h, 1);
          System.arraycopy(get(jrnn, ParamNames.recurrent(prefix, "bias_hn", l, d)), 0, bHh, 2 * h, h);
        }
        out.put(torchName("weight_ih", l, d), wIh);
        out.put(torchName("weight_hh", l, d), wHh);
        out.put(torchName("bias_ih", l, d), bIh);
        out.put(torchName("bias_hh", l, d), bHh);
      }
    }
    return out;
  }

  /**
   * The gradients of jrnn's parameters from the gradients of PyTorch's (or cuDNN's, which keeps
   * PyTorch's layout) for the weights {@link #toTorch} made: the adjoint of that linear map, so
   * the whole bias takes {@code bias_ih}'s gradient, {@code bias_hn} the n rows of
   * {@code bias_hh}'s, and the GRU's z rows change sign again. (Not {@link #toJrnn}, which sums
   * the two biases' values: their gradients would count twice.)
   */
  public static Map<String, double[]> gradientsToJrnn(RecurrentConfig cfg, String prefix,
      Map<String, double[]> torchGradients) {
    requireCounterpart(cfg.cell());
    int h = cfg.hiddenSize();
    boolean gru = cfg.cell() instanceof CellType.Gru;
    Map<String, double[]> out = new LinkedHashMap<>();
    for (int l = 0; l < cfg.layers(); l++) {
      for (int d = 0; d < cfg.directions(); d++) {
        double[] wIh = get(torchGradients, torchName("weight_ih", l, d)).clone();
        double[] wHh = get(torchGradients, torchName("weight_hh", l, d)).clone();
        double[] bias = get(torchGradients, torchName("bias_ih", l, d)).clone();
        double[] bHh = get(torchGradients, torchName("bias_hh", l, d));
        if (gru) {
          negateRows(wIh, h, 2 * h, cfg.layerInputSize(l));
          negateRows(wHh, h, 2 * h, h);
          negateRows(bias, h, 2 * h, 1);
          double[] biasHn = new double[h];
          System.arraycopy(bHh, 2 * h, biasHn, 0, h);
          out.put(ParamNames.recurrent(prefix, "bias_hn", l, d), biasHn);
        }
        if (cfg.twoBiases()) {
          out.put(ParamNames.recurrent(prefix, "bias_hh", l, d), bHh.clone());
        }
        out.put(ParamNames.recurrent(prefix, "weight_ih", l, d), wIh);
        out.put(ParamNames.recurrent(prefix, "weight_hh", l, d), wHh);
        out.put(ParamNames.recurrent(prefix, "bias", l, d), bias);
      }
    }
    return out;
  }

  private static double[] get(Map<String, double[]> m, String name) {
    double[] v = m.get(name);
    if (v == null) {
      throw new IllegalArgumentException("PyTorchWeights: missing parameter '" + name + "'; have " + m.keySet());
    }
    return v;
  }

  private static void negateRows(double[] a, int from, int to, int cols) {
    for (int i = from * cols; i < to * cols; i++) {
      a[i] = -a[i];
    }
  }
}
