package jrnn.cells;

import jrnn.kernels.Activation;

import java.util.List;
import java.util.Locale;

/**
 * The kinds of recurrent cell, with the names the command line and model files use:
 * {@code rnn-tanh}, {@code rnn-sigmoid}, {@code rnn-relu}, {@code lstm}, {@code lstm-peephole},
 * {@code lstm-cifg}, {@code lstm-peephole-cifg}, {@code gru}, {@code gru-reset-after}.
 *
 * <p>A cell computes one time step; its pre-activation has {@link #gates()} blocks of H columns,
 * in the order PyTorch uses for its weights (LSTM i,f,g,o; GRU r,z,n), so that
 * {@code weight_ih} is [gates*H, X] and {@code weight_hh} is [gates*H, H].
 */
public sealed interface CellType extends java.io.Serializable permits CellType.Simple, CellType.Lstm, CellType.Gru {

  /** The cell's name, as {@link #parse} reads it. */
  String name();

  /** Number of H-wide blocks in the pre-activation (1 for the simple RNN, 4 for LSTM ...). */
  int gates();

  /** Whether the state has a second part, the LSTM's cell state c. */
  default boolean hasCellState() {
    return false;
  }

  /**
   * Simple recurrent network, h_t = f(U h_{t-1} + W x_t + b) (SPEC 8-1, 8-2).
   *
   * @param activation the nonlinearity f (tanh, sigmoid or ReLU)
   */
  record Simple(Activation activation) implements CellType {
    /** Requires an activation. */
    public Simple {
      if (activation == null) {
        throw new IllegalArgumentException("CellType.Simple: activation must be given");
      }
    }

    @Override
    public String name() {
      return "rnn-" + activation.label();
    }

    @Override
    public int gates() {
      return 1;
    }
  }

  /**
   * LSTM (SPEC 8-25 .. 8-30), optionally with peephole connections (8-31 .. 8-33) and with the
   * forget and input gates coupled, i = 1 - f (CIFG, 8-34). Gate blocks: i, f, g, o; with CIFG
   * the input gate has no weights and the blocks are f, g, o.
   *
   * @param peephole whether the gates also read the cell state (8-31 .. 8-33)
   * @param coupled whether the input gate is 1 - f (CIFG, 8-34)
   */
  record Lstm(boolean peephole, boolean coupled) implements CellType {
    @Override
    public String name() {
      return "lstm" + (peephole ? "-peephole" : "") + (coupled ? "-cifg" : "");
    }

    @Override
    public int gates() {
      return coupled ? 3 : 4;
    }

    @Override
    public boolean hasCellState() {
      return true;
    }
  }

  /**
   * GRU (SPEC 8-35 .. 8-38), gate blocks r, z, n. With {@code resetAfter} the reset gate
   * multiplies the recurrent product, n = tanh(W_in x + b_n + r * (W_hn h + b_hn)), as PyTorch
   * and cuDNN compute it; without, it multiplies the state first, n = tanh(W_in x + b_n +
   * W_hn (r * h)), as the chapter writes it.
   *
   * @param resetAfter whether the reset gate multiplies the recurrent product (PyTorch, cuDNN)
   *     rather than the state
   */
  record Gru(boolean resetAfter) implements CellType {
    @Override
    public String name() {
      return resetAfter ? "gru-reset-after" : "gru";
    }

    @Override
    public int gates() {
      return 3;
    }
  }

  /** Every cell type, in a fixed order; tests run over this list. */
  static List<CellType> all() {
    return List.of(
        new Simple(Activation.TANH),
        new Simple(Activation.SIGMOID),
        new Simple(Activation.RELU),
        new Lstm(false, false),
        new Lstm(true, false),
        new Lstm(false, true),
        new Lstm(true, true),
        new Gru(false),
        new Gru(true));
  }

  /** The cell type of a name such as {@code lstm-peephole}; the error lists the valid names. */
  static CellType parse(String name) {
    String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    for (CellType c : all()) {
      if (c.name().equals(n)) {
        return c;
      }
    }
    if (n.equals("rnn")) {
      return new Simple(Activation.TANH);
    }
    throw new IllegalArgumentException("unknown cell type '" + name + "'; expected one of "
        + String.join(", ", all().stream().map(CellType::name).toList()));
  }
}
