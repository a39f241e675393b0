package jrnn.reference;

import jrnn.cells.ParamNames;
import jrnn.kernels.Activation;
import jrnn.cells.CellType;
import jrnn.params.ParamLayout;

/**
 * One time step of a recurrent cell in double precision, written straight from the equations of
 * SPEC.md, one sequence at a time: the oracle that finite differences check and that the fast
 * float32 engine must agree with. Clarity over speed: loops over rows, no BLAS.
 *
 * <p>Parameters are read from, and gradients added to, flat double arrays in the model's
 * {@link ParamLayout}. A weight matrix W of shape [rows, cols] at offset o holds W[r][c] at
 * o + r * cols + c; gate blocks are rows [k*H, (k+1)*H) in PyTorch's order.
 */
public abstract class ReferenceCell {
  /** X, the width of the input. */
  protected final int inputSize;
  /** H, the hidden units. */
  protected final int hidden;
  /** All parameter values, flat (the model's array, not a copy). */
  protected final double[] p;
  /** All parameter gradients, flat; backward adds to them. */
  protected final double[] g;
  /** Offset of W_ih [G*H, X] in the flat arrays. */
  protected final int wIh;
  /** Offset of W_hh [G*H, H] in the flat arrays. */
  protected final int wHh;
  /** Offset of the bias [G*H] in the flat arrays. */
  protected final int bias;
  /** Offset of the second bias b_hh, or -1 when the layer has one bias. */
  protected final int biasHh;

  /** What a step keeps for its backward pass. */
  public static class Step {
    /** The step's input x_t [X]. */
    public double[] x;
    /** The state read, h_{t-1} [H]. */
    public double[] hPrev;
    /** The cell state read, c_{t-1} [H]; null for cells without one. */
    public double[] cPrev;
    /** The state written, h_t [H]. */
    public double[] h;
    /** The cell state written, c_t [H]; null for cells without one. */
    public double[] c;
  }

  /**
   * A cell reading layer {@code layer}, direction {@code direction} of the parameters named from
   * {@code prefix} in {@code layout}.
   */
  protected ReferenceCell(int inputSize, int hidden, double[] params, double[] grads,
      ParamLayout layout, String prefix, int layer, int direction) {
    this.inputSize = inputSize;
    this.hidden = hidden;
    this.p = params;
    this.g = grads;
    this.wIh = layout.get(ParamNames.recurrent(prefix, "weight_ih", layer, direction)).offset();
    this.wHh = layout.get(ParamNames.recurrent(prefix, "weight_hh", layer, direction)).offset();
    this.bias = layout.get(ParamNames.recurrent(prefix, "bias", layer, direction)).offset();
    String hh = ParamNames.recurrent(prefix, "bias_hh", layer, direction);
    this.biasHh = layout.contains(hh) ? layout.get(hh).offset() : -1;
  }

  /** The cell of {@code type} for one layer and direction of a model with this layout. */
  public static ReferenceCell of(CellType type, int inputSize, int hidden, double[] params,
      double[] grads, ParamLayout layout, String prefix, int layer, int direction) {
    if (type instanceof CellType.Simple s) {
      return new SimpleRnn(s.activation(), inputSize, hidden, params, grads, layout, prefix, layer, direction);
    } else if (type instanceof CellType.Lstm l) {
      return new Lstm(l, inputSize, hidden, params, grads, layout, prefix, layer, direction);
    } else {
      return new Gru((CellType.Gru) type, inputSize, hidden, params, grads, layout, prefix, layer, direction);
    }
  }

  /** Runs one step from state (hPrev, cPrev); {@code cPrev} is ignored by cells without one. */
  public abstract Step forward(double[] x, double[] hPrev, double[] cPrev);

  /**
   * Back-propagates dL/dh and dL/dc of this step's outputs: adds parameter gradients, adds
   * dL/dx to {@code dx}, and writes dL/dh_{t-1} and dL/dc_{t-1} into {@code dhPrev}, {@code dcPrev}.
   */
  public abstract void backward(Step s, double[] dh, double[] dc, double[] dx, double[] dhPrev,
      double[] dcPrev);

  // ---- helpers on the flat arrays ----

  /** b[row] + W_ih[row] . x + W_hh[row] . h (the chapter's W [h_{t-1}, x_t] + b). */
  protected double preactivation(int row, double[] x, double[] h) {
    double b = p[bias + row] + (biasHh >= 0 ? p[biasHh + row] : 0);
    return b + dot(wIh, inputSize, row, x) + dot(wHh, hidden, row, h);
  }

  /** W[row] . v for the matrix W of {@code cols} columns at offset {@code off}. */
  protected double dot(int off, int cols, int row, double[] v) {
    double s = 0;
    int base = off + row * cols;
    for (int j = 0; j < cols; j++) {
      s += p[base + j] * v[j];
    }
    return s;
  }

  /** grads of W[row] += d * v. */
  protected void addOuter(int off, int cols, int row, double d, double[] v) {
    int base = off + row * cols;
    for (int j = 0; j < cols; j++) {
      g[base + j] += d * v[j];
    }
  }

  /** out += d * W[row] (a row of W^T delta). */
  protected void addRow(int off, int cols, int row, double d, double[] out) {
    int base = off + row * cols;
    for (int j = 0; j < cols; j++) {
      out[j] += d * p[base + j];
    }
  }

  /** Gradients of a pre-activation row r = b + W_ih x + W_hh h, given d = dL/dr. */
  protected void backPreactivation(int row, double d, Step s, double[] dx, double[] dhPrev) {
    g[bias + row] += d;
    if (biasHh >= 0) {
      g[biasHh + row] += d;
    }
    addOuter(wIh, inputSize, row, d, s.x);
    addOuter(wHh, hidden, row, d, s.hPrev);
    addRow(wIh, inputSize, row, d, dx);
    addRow(wHh, hidden, row, d, dhPrev);
  }

  /** The logistic function 1 / (1 + e^-z). */
  protected static double sigmoid(double z) {
    return 1.0 / (1.0 + Math.exp(-z));
  }

  // ---- the cells ----

  /** z_t = U h_{t-1} + W x_t + b, h_t = f(z_t) (SPEC 8-1, 8-2); BPTT delta = f'(z) dh (8-14). */
  public static class SimpleRnn extends ReferenceCell {
    private final Activation f;

    /**
     * A simple RNN cell with activation {@code f} on the named parameters (see {@link
     * ReferenceCell#of}).
     */
    public SimpleRnn(Activation f, int inputSize, int hidden, double[] params, double[] grads,
        ParamLayout layout, String prefix, int layer, int direction) {
      super(inputSize, hidden, params, grads, layout, prefix, layer, direction);
      this.f = f;
    }

    @Override
    public Step forward(double[] x, double[] hPrev, double[] cPrev) {
      Step s = new Step();
      s.x = x;
      s.hPrev = hPrev;
      s.h = new double[hidden];
      for (int k = 0; k < hidden; k++) {
        s.h[k] = f.apply(preactivation(k, x, hPrev));
      }
      return s;
    }

    @Override
    public void backward(Step s, double[] dh, double[] dc, double[] dx, double[] dhPrev, double[] dcPrev) {
      for (int k = 0; k < hidden; k++) {
        double delta = dh[k] * f.derivativeFromOutput(s.h[k]);
        backPreactivation(k, delta, s, dx, dhPrev);
      }
    }
  }

  /**
   * LSTM (SPEC 8-25 .. 8-30) with optional peepholes (8-31 .. 8-33: i and f read c_{t-1},
   * o reads c_t) and optional coupling i = 1 - f (8-34).
   */
  public static class Lstm extends ReferenceCell {
    private final boolean peephole;
    private final boolean coupled;
    private final int pI;
    private final int pF;
    private final int pO;
    // Row blocks of the gates in the weight matrices.
    private final int rowI;
    private final int rowF;
    private final int rowG;
    private final int rowO;

    static final class LstmStep extends Step {
      double[] i;
      double[] f;
      double[] gg;
      double[] o;
      double[] tanhC;
    }

    /** An LSTM cell, with peepholes and CIFG as {@code type} says, on the named parameters. */
    public Lstm(CellType.Lstm type, int inputSize, int hidden, double[] params, double[] grads,
        ParamLayout layout, String prefix, int layer, int direction) {
      super(inputSize, hidden, params, grads, layout, prefix, layer, direction);
      this.peephole = type.peephole();
      this.coupled = type.coupled();
      this.pI = peephole && !coupled
          ? layout.get(ParamNames.recurrent(prefix, "weight_ci", layer, direction)).offset() : -1;
      this.pF = peephole ? layout.get(ParamNames.recurrent(prefix, "weight_cf", layer, direction)).offset() : -1;
      this.pO = peephole ? layout.get(ParamNames.recurrent(prefix, "weight_co", layer, direction)).offset() : -1;
      int b = 0;
      this.rowI = coupled ? -1 : (b++) * hidden;
      this.rowF = (b++) * hidden;
      this.rowG = (b++) * hidden;
      this.rowO = b * hidden;
    }

    @Override
    public Step forward(double[] x, double[] hPrev, double[] cPrev) {
      LstmStep s = new LstmStep();
      s.x = x;
      s.hPrev = hPrev;
      s.cPrev = cPrev;
      int n = hidden;
      s.i = new double[n];
      s.f = new double[n];
      s.gg = new double[n];
      s.o = new double[n];
      s.c = new double[n];
      s.tanhC = new double[n];
      s.h = new double[n];
      for (int k = 0; k < n; k++) {
        double fz = preactivation(rowF + k, x, hPrev) + (peephole ? p[pF + k] * cPrev[k] : 0);
        s.f[k] = sigmoid(fz);                                                // 8-25, 8-31
        if (coupled) {
          s.i[k] = 1.0 - s.f[k];                                             // 8-34
        } else {
          double iz = preactivation(rowI + k, x, hPrev) + (peephole ? p[pI + k] * cPrev[k] : 0);
          s.i[k] = sigmoid(iz);                                              // 8-26, 8-32
        }
        s.gg[k] = Math.tanh(preactivation(rowG + k, x, hPrev));              // 8-27
        s.c[k] = s.f[k] * cPrev[k] + s.i[k] * s.gg[k];                       // 8-28
        double oz = preactivation(rowO + k, x, hPrev) + (peephole ? p[pO + k] * s.c[k] : 0);
        s.o[k] = sigmoid(oz);                                                // 8-29, 8-33
        s.tanhC[k] = Math.tanh(s.c[k]);
        s.h[k] = s.o[k] * s.tanhC[k];                                        // 8-30
      }
      return s;
    }

    @Override
    public void backward(Step step, double[] dh, double[] dc, double[] dx, double[] dhPrev, double[] dcPrev) {
      LstmStep s = (LstmStep) step;
      for (int k = 0; k < hidden; k++) {
        double dO = dh[k] * s.tanhC[k];
        double dOz = dO * s.o[k] * (1 - s.o[k]);
        double dC = dc[k] + dh[k] * s.o[k] * (1 - s.tanhC[k] * s.tanhC[k]);
        if (peephole) {
          dC += dOz * p[pO + k];
          g[pO + k] += dOz * s.c[k];
        }
        double dG = dC * s.i[k];
        double dGz = dG * (1 - s.gg[k] * s.gg[k]);
        double dF;
        double dIz = 0;
        if (coupled) {
          dF = dC * (s.cPrev[k] - s.gg[k]);                                  // i = 1 - f
        } else {
          dF = dC * s.cPrev[k];
          double dI = dC * s.gg[k];
          dIz = dI * s.i[k] * (1 - s.i[k]);
        }
        double dFz = dF * s.f[k] * (1 - s.f[k]);
        dcPrev[k] = dC * s.f[k];
        if (peephole) {
          dcPrev[k] += dFz * p[pF + k];
          g[pF + k] += dFz * s.cPrev[k];
          if (!coupled) {
            dcPrev[k] += dIz * p[pI + k];
            g[pI + k] += dIz * s.cPrev[k];
          }
        }
        if (!coupled) {
          backPreactivation(rowI + k, dIz, s, dx, dhPrev);
        }
        backPreactivation(rowF + k, dFz, s, dx, dhPrev);
        backPreactivation(rowG + k, dGz, s, dx, dhPrev);
        backPreactivation(rowO + k, dOz, s, dx, dhPrev);
      }
    }
  }

  /**
   * GRU (SPEC 8-35 .. 8-38): z update gate, r reset gate, candidate n, and
   * h_t = (1 - z) * h_{t-1} + z * n. Gate blocks r, z, n as in PyTorch (whose z is 1 - ours;
   * see docs/parameters.md).
   */
  public static class Gru extends ReferenceCell {
    private final boolean resetAfter;
    private final int biasHn;

    static final class GruStep extends Step {
      double[] r;
      double[] z;
      double[] n;
      double[] rh;     // r * h_{t-1} (reset before the product)
      double[] hn;     // W_hn h_{t-1} + b_hn (reset after the product)
    }

    /** A GRU cell, the reset before or after the product as {@code type} says, on the named parameters. */
    public Gru(CellType.Gru type, int inputSize, int hidden, double[] params, double[] grads,
        ParamLayout layout, String prefix, int layer, int direction) {
      super(inputSize, hidden, params, grads, layout, prefix, layer, direction);
      this.resetAfter = type.resetAfter();
      this.biasHn = resetAfter
          ? layout.get(ParamNames.recurrent(prefix, "bias_hn", layer, direction)).offset() : -1;
    }

    @Override
    public Step forward(double[] x, double[] hPrev, double[] cPrev) {
      int n = hidden;
      GruStep s = new GruStep();
      s.x = x;
      s.hPrev = hPrev;
      s.r = new double[n];
      s.z = new double[n];
      s.n = new double[n];
      s.h = new double[n];
      for (int k = 0; k < n; k++) {
        s.r[k] = sigmoid(preactivation(k, x, hPrev));                        // 8-36
        s.z[k] = sigmoid(preactivation(n + k, x, hPrev));                    // 8-35
      }
      if (resetAfter) {
        s.hn = new double[n];
        for (int k = 0; k < n; k++) {
          s.hn[k] = dot(wHh, n, 2 * n + k, hPrev) + p[biasHn + k];
          double a = p[bias + 2 * n + k] + dot(wIh, inputSize, 2 * n + k, x) + s.r[k] * s.hn[k];
          s.n[k] = Math.tanh(a);
        }
      } else {
        s.rh = new double[n];
        for (int k = 0; k < n; k++) {
          s.rh[k] = s.r[k] * hPrev[k];
        }
        for (int k = 0; k < n; k++) {
          double a = p[bias + 2 * n + k] + dot(wIh, inputSize, 2 * n + k, x) + dot(wHh, n, 2 * n + k, s.rh);
          s.n[k] = Math.tanh(a);                                             // 8-37
        }
      }
      for (int k = 0; k < n; k++) {
        s.h[k] = (1 - s.z[k]) * hPrev[k] + s.z[k] * s.n[k];                  // 8-38
      }
      return s;
    }

    @Override
    public void backward(Step step, double[] dh, double[] dc, double[] dx, double[] dhPrev, double[] dcPrev) {
      GruStep s = (GruStep) step;
      int n = hidden;
      double[] dAn = new double[n];
      double[] dR = new double[n];
      for (int k = 0; k < n; k++) {
        double dz = dh[k] * (s.n[k] - s.hPrev[k]);
        double dn = dh[k] * s.z[k];
        dhPrev[k] += dh[k] * (1 - s.z[k]);
        dAn[k] = dn * (1 - s.n[k] * s.n[k]);
        double dZz = dz * s.z[k] * (1 - s.z[k]);
        backPreactivation(n + k, dZz, s, dx, dhPrev);
      }
      if (resetAfter) {
        for (int k = 0; k < n; k++) {
          int row = 2 * n + k;
          dR[k] = dAn[k] * s.hn[k];
          double dHn = dAn[k] * s.r[k];
          g[bias + row] += dAn[k];
          addOuter(wIh, inputSize, row, dAn[k], s.x);
          addRow(wIh, inputSize, row, dAn[k], dx);
          g[biasHn + k] += dHn;
          addOuter(wHh, n, row, dHn, s.hPrev);
          addRow(wHh, n, row, dHn, dhPrev);
        }
      } else {
        double[] dRh = new double[n];
        for (int k = 0; k < n; k++) {
          int row = 2 * n + k;
          g[bias + row] += dAn[k];
          addOuter(wIh, inputSize, row, dAn[k], s.x);
          addRow(wIh, inputSize, row, dAn[k], dx);
          addOuter(wHh, n, row, dAn[k], s.rh);
          addRow(wHh, n, row, dAn[k], dRh);
        }
        for (int k = 0; k < n; k++) {
          dR[k] = dRh[k] * s.hPrev[k];
          dhPrev[k] += dRh[k] * s.r[k];
        }
      }
      for (int k = 0; k < n; k++) {
        double dRz = dR[k] * s.r[k] * (1 - s.r[k]);
        backPreactivation(k, dRz, s, dx, dhPrev);
      }
    }
  }
}
