package jrnn.layers;

import jrnn.cells.RecurrentCell;
import jrnn.kernels.Kernels;
import jrnn.kernels.Parallel;
import jrnn.tensor.Tensor;

/**
 * One direction of one recurrent layer: runs a cell over T steps of a batch of B sequences,
 * forwards in time or backwards (SPEC 8-40, 8-41), and back-propagates through time (8-9 ..
 * 8-20).
 *
 * <p>Sequences may be shorter than T: sequence b has {@code lengths[b]} valid steps, and at
 * steps t >= lengths[b] its row is frozen, state carried unchanged, output zero, gradient passed
 * straight through. Read backwards, a sequence therefore starts at its own last step from the
 * initial state, and padding changes no result in either direction.
 */
public final class RecurrentLayer {
  private final RecurrentCell cell;
  private final Kernels kernels;
  private final boolean reverse;
  private final int hidden;
  private int steps;
  private int batch;
  private int[] lengths;
  private Tensor x;
  private int xOff;
  private int xLd;
  private Tensor dhCarry = Tensor.zeros(0);
  private Tensor dcCarry = Tensor.zeros(0);
  private StepProbe probe;

  /**
   * Watches backpropagation through time step by step (the gradient-flow analysis of SPEC
   * section 2). While a probe is set, backward runs the rows on one thread.
   */
  @FunctionalInterface
  public interface StepProbe {
    /**
     * Called after the backward step of time t: {@code dh} holds dL/dh_t for the B rows
     * ([B, H], zero for rows already finished); {@code layer} answers questions about the step.
     */
    void afterStep(RecurrentLayer layer, int t, Tensor dh);
  }

  /** Sets the probe that watches backward passes; null removes it. */
  public void setProbe(StepProbe probe) {
    this.probe = probe;
  }

  /** Step t's own term in dL/dW_hh, as a Frobenius norm; for probes. */
  public double recurrentGradientNormAt(int t) {
    return cell.recurrentGradientNormAt(t, prevSlot(t));
  }

  /** Step t's own term in dL/dW_ih, as a Frobenius norm; for probes. */
  public double inputGradientNormAt(int t) {
    return cell.inputGradientNormAt(t, x, xOff, xLd);
  }

  /** H, the hidden units. */
  public int hiddenSize() {
    return hidden;
  }

  /** B of the last pass. */
  public int batch() {
    return batch;
  }

  /** T of the last pass. */
  public int steps() {
    return steps;
  }

  /** A layer running {@code cell} forwards in time, or backwards when {@code reverse}. */
  public RecurrentLayer(RecurrentCell cell, Kernels kernels, boolean reverse) {
    this.cell = cell;
    this.kernels = kernels;
    this.reverse = reverse;
    this.hidden = cell.hiddenSize();
  }

  /** Whether the layer reads the sequence backwards. */
  public boolean reverse() {
    return reverse;
  }

  /** The slot step t writes; it reads {@link #prevSlot}. */
  private int slot(int t) {
    return reverse ? t : t + 1;
  }

  private int prevSlot(int t) {
    return reverse ? t + 1 : t;
  }

  private int initialSlot() {
    return reverse ? steps : 0;
  }

  private int finalSlot() {
    return reverse ? 0 : steps;
  }

  /**
   * Runs the layer. {@code x} holds T*B input rows of stride {@code xLd} from {@code xOff};
   * {@code h0}/{@code c0} are [B, H] at the given offsets, or null for zeros. Step t of
   * sequence b is written to row t*B + b of {@code out}, columns [outCol, outCol + H), or added
   * to it when {@code accumulate}.
   */
  public void forward(Tensor x, int xOff, int xLd, int steps, int batch, int[] lengths,
      Tensor h0, int h0Off, Tensor c0, int c0Off, Tensor out, int outCol, int outLd,
      boolean accumulate) {
    this.steps = steps;
    this.batch = batch;
    this.lengths = lengths;
    this.x = x;
    this.xOff = xOff;
    this.xLd = xLd;
    cell.prepare(steps, batch);
    Tensor h = cell.h();
    Tensor c = cell.c();
    int init = initialSlot() * batch * hidden;
    copyOrZero(h0, h0Off, h, init, batch * hidden);
    if (c != null) {
      copyOrZero(c0, c0Off, c, init, batch * hidden);
    }
    cell.projectInputs(x, xOff, xLd);
    cell.beginForward();
    // Sequences are independent: blocks of rows run through all steps on their own threads.
    Parallel.run(batch, rowChunks(batch), (b0, b1) -> {
      for (int k = 0; k < steps; k++) {
        int t = reverse ? steps - 1 - k : k;
        cell.forwardStep(t, slot(t), prevSlot(t), b0, b1);
        for (int b = b0; b < b1; b++) {
          int src = (slot(t) * batch + b) * hidden;
          int dst = (t * batch + b) * outLd + outCol;
          if (t >= lengths[b]) {
            int from = (prevSlot(t) * batch + b) * hidden;
            h.data().put(src, h.data(), from, hidden);
            if (c != null) {
              c.data().put(src, c.data(), from, hidden);
            }
            if (!accumulate) {
              zero(out, dst, hidden);
            }
          } else if (accumulate) {
            kernels.add(out, dst, h, src, out, dst, hidden);
          } else {
            out.data().put(dst, h.data(), src, hidden);
          }
        }
      }
    });
  }

  /**
   * How many blocks of rows to split a batch into: one per thread, unless the rows are so few
   * or so narrow that the threads would mostly wait on one another.
   */
  private int rowChunks(int batch) {
    return hidden * cell.type().gates() < 64 ? 1 : Math.max(1, Math.min(Parallel.threads(), batch / 2));
  }

  private static void zero(Tensor t, int off, int n) {
    for (int i = 0; i < n; i++) {
      t.set(off + i, 0f);
    }
  }

  private static void copyOrZero(Tensor src, int srcOff, Tensor dst, int dstOff, int n) {
    if (src == null) {
      for (int i = 0; i < n; i++) {
        dst.set(dstOff + i, 0f);
      }
    } else {
      dst.data().put(dstOff, src.data(), srcOff, n);
    }
  }

  /** Copies the final hidden state [B, H] (each sequence's state after its last valid step). */
  public void finalHidden(Tensor dst, int dstOff) {
    dst.data().put(dstOff, cell.h().data(), finalSlot() * batch * hidden, batch * hidden);
  }

  /** Copies the final cell state [B, H] (LSTM only). */
  public void finalCell(Tensor dst, int dstOff) {
    dst.data().put(dstOff, cell.c().data(), finalSlot() * batch * hidden, batch * hidden);
  }

  /**
   * Back-propagates through time. {@code dOut} holds dL/d(output) in the layout forward wrote;
   * {@code dHn}/{@code dCn} are dL/d(final state) [B, H] or null. Parameter gradients are
   * added; dL/dx is written (or added, when {@code accumulateDx}) to {@code dx} unless null.
   * Afterwards {@link #initialHiddenGradient} and {@link #initialCellGradient} hold dL/d(h0, c0).
   */
  public void backward(Tensor dOut, int outCol, int outLd, Tensor dHn, int dHnOff, Tensor dCn,
      int dCnOff, Tensor dx, int dxOff, int dxLd, boolean accumulateDx) {
    int n = batch * hidden;
    dhCarry = dhCarry.size() >= n ? dhCarry : Tensor.zeros(n);
    copyOrZero(dHn, dHnOff, dhCarry, 0, n);
    Tensor dcCell = cell.dc();
    if (dcCell != null) {
      dcCarry = dcCarry.size() >= n ? dcCarry : Tensor.zeros(n);
      copyOrZero(dCn, dCnOff, dcCarry, 0, n);
    }
    Tensor dh = cell.dh();
    cell.beginBackward();
    Parallel.run(batch, probe != null ? 1 : rowChunks(batch), (b0, b1) -> {
      for (int k = steps - 1; k >= 0; k--) {
        int t = reverse ? steps - 1 - k : k;
        for (int b = b0; b < b1; b++) {
          int r = b * hidden;
          if (t < lengths[b]) {
            kernels.add(dOut, (t * batch + b) * outLd + outCol, dhCarry, r, dh, r, hidden);
            if (dcCell != null) {
              dcCell.data().put(r, dcCarry.data(), r, hidden);
            }
          } else {
            // A frozen step passes its gradient straight through: the cell sees zeros.
            zero(dh, r, hidden);
            if (dcCell != null) {
              zero(dcCell, r, hidden);
            }
          }
        }
        cell.backwardStep(t, slot(t), prevSlot(t), b0, b1);
        if (probe != null) {
          probe.afterStep(this, t, dh);
        }
        Tensor dhPrev = cell.dhPrev();
        Tensor dcPrev = cell.dcPrev();
        for (int b = b0; b < b1; b++) {
          if (t < lengths[b]) {
            int r = b * hidden;
            dhCarry.data().put(r, dhPrev.data(), r, hidden);
            if (dcCell != null) {
              dcCarry.data().put(r, dcPrev.data(), r, hidden);
            }
          }
        }
      }
    });
    cell.inputGradients(x, xOff, xLd, dx, dxOff, dxLd, accumulateDx);
    cell.recurrentGradients(reverse);
  }

  /** dL/dh0 [B, H] after {@link #backward}. */
  public void initialHiddenGradient(Tensor dst, int dstOff) {
    dst.data().put(dstOff, dhCarry.data(), 0, batch * hidden);
  }

  /** dL/dc0 [B, H] after {@link #backward} (LSTM only). */
  public void initialCellGradient(Tensor dst, int dstOff) {
    dst.data().put(dstOff, dcCarry.data(), 0, batch * hidden);
  }
}
