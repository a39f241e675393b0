package jrnn.layers;

import jrnn.tensor.Tensor;

/**
 * The state of a recurrent stack for a batch: h [layers*D, B, H] and, for LSTMs, c of the same
 * shape (null otherwise). Slot l*D + d holds layer l, direction d (0 forward, 1 backward), as in
 * PyTorch's h0/hn. Used for initial states, final states and their gradients.
 *
 * @param h hidden states [layers*D, B, H]
 * @param c cell states of the same shape (LSTM), else null
 */
public record RecurrentState(Tensor h, Tensor c) {

  /**
   * A zero state for {@code batch} sequences of a stack of {@code cfg}; c only for cells with a
   * cell state.
   */
  public static RecurrentState zeros(RecurrentConfig cfg, int batch) {
    int slots = cfg.stateSlots();
    int hidden = cfg.hiddenSize();
    return new RecurrentState(Tensor.zeros(slots, batch, hidden),
        cfg.cell().hasCellState() ? Tensor.zeros(slots, batch, hidden) : null);
  }

  /** A deep copy: the state to carry into the next window, detached from this batch's buffers. */
  public RecurrentState copy() {
    Tensor hc = Tensor.zeros(h.shape()).copyFrom(h);
    Tensor cc = c == null ? null : Tensor.zeros(c.shape()).copyFrom(c);
    return new RecurrentState(hc, cc);
  }

  /** Copies {@code src}'s values into this state (same shapes); returns this. */
  public RecurrentState copyFrom(RecurrentState src) {
    h.copyFrom(src.h);
    if (c != null) {
      c.copyFrom(src.c);
    }
    return this;
  }

  /** Checks the shape against a stack and a batch size, naming the expected shape. */
  public void requireShape(RecurrentConfig cfg, int batch, String component) {
    int[] expected = {cfg.stateSlots(), batch, cfg.hiddenSize()};
    h.requireShape(component + " initial state h", expected);
    if (cfg.cell().hasCellState()) {
      if (c == null) {
        throw new jrnn.tensor.ShapeMismatchException(component
            + ": an LSTM's initial state needs c as well as h");
      }
      c.requireShape(component + " initial state c", expected);
    }
  }
}
