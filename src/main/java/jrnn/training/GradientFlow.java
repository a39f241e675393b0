package jrnn.training;

import java.util.ArrayList;
import java.util.List;
import jrnn.data.Batch;
import jrnn.layers.RecurrentLayer;
import jrnn.layers.RecurrentStack;
import jrnn.layers.RecurrentState;
import jrnn.models.LossNormalization;
import jrnn.models.LossStats;
import jrnn.models.Readout;
import jrnn.models.SequenceModel;
import jrnn.util.Rng;

/**
 * Measures how the gradient of the last step's loss L_T flows back through time (SPEC section 2,
 * 8-21, 8-22): for every step k, the norm of dL_T/dh_k in each layer, and the norm of step k's
 * own terms in the gradients of the recurrent weights U (8-17) and the input weights W (8-18).
 * Where ||dL_T/dh_k|| ~ gamma^(T-k), gamma &gt; 1 means the gradient explodes with distance and
 * gamma &lt; 1 that it vanishes.
 */
public final class GradientFlow {
  private GradientFlow() {}

  /**
   * One layer and direction: per step k (time order), the root mean square over the batch's
   * sequences of ||dL_T/dh_k||, and the norms of step k's terms in dL/dU and dL/dW.
   *
   * @param name the layer and direction, e.g. {@code layer 0 forward}
   * @param hidden per step k, the RMS over sequences of ||dL_T/dh_k||
   * @param recurrentWeights per step k, the norm of its term in dL/dU (8-17)
   * @param inputWeights per step k, the norm of its term in dL/dW (8-18)
   */
  public record LayerFlow(String name, double[] hidden, double[] recurrentWeights, double[] inputWeights) {
    /** ||dL_T/dh_{T-1-d}||, the norm at distance d from the last step. */
    public double atDistance(int d) {
      return hidden[hidden.length - 1 - d];
    }

    /**
     * The geometric mean factor per step between distances {@code near} and {@code far}:
     * gamma = (norm(far) / norm(near))^(1 / (far - near)).
     */
    public double gamma(int near, int far) {
      return Math.pow(atDistance(far) / atDistance(near), 1.0 / (far - near));
    }

    /**
     * The largest distance up to which every norm is a normal float32 (1.2e-38 and up): the
     * backward pass runs in float32, so past it the norms have underflowed, subnormal or zero,
     * and say only that they are below that.
     */
    public int lastMeasured() {
      int d = 0;
      while (d + 1 < hidden.length && atDistance(d + 1) >= Float.MIN_NORMAL) {
        d++;
      }
      return d;
    }

    /** Whether the norm at distance {@code d} is a measurement, not an underflow ({@link #lastMeasured}). */
    public boolean measured(int d) {
      return d <= lastMeasured();
    }
  }

  /**
   * The flow through every layer of a model on one batch, and the loss L_T.
   *
   * @param steps T, the steps of the batch
   * @param loss L_T per sequence for a per-sequence readout; NaN for a per-step readout
   * @param layers the flow of each layer and direction, bottom layer first, forward before backward
   */
  public record Result(int steps, double loss, List<LayerFlow> layers) {
    /** The top layer's forward direction, the one whose state the output reads. */
    public LayerFlow top() {
      int last = layers.size() - 1;
      for (int i = last; i >= 0; i--) {
        if (!layers.get(i).name().endsWith("backward")) {
          return layers.get(i);
        }
      }
      return layers.get(last);
    }
  }

  /**
   * Runs {@code model} on {@code batch} (whose sequences must all have the batch's full length)
   * and back-propagates the loss of the last step alone: with a per-step readout, L_T is the loss
   * at step T; with a per-sequence readout it is the loss, read at the end anyway. Dropout is
   * off: the gradients are those of the model as it predicts.
   */
  public static Result probe(SequenceModel trained, Batch batch, RecurrentState initial) {
    // The gradients of the model as it predicts: a dropout mask would scale and cut them at random.
    SequenceModel model = trained.config().dropout() > 0 ? trained.newWorkspaceWithoutDropout() : trained;
    int steps = batch.steps();
    for (int b = 0; b < batch.size(); b++) {
      if (batch.length(b) != steps) {
        throw new IllegalArgumentException("gradient flow: every sequence must have the batch's "
            + steps + " steps; sequence " + b + " has " + batch.length(b));
      }
    }
    RecurrentStack stack = model.stack();
    var cfg = stack.config();
    int dirs = cfg.directions();
    double[][] hidden = new double[cfg.layers() * dirs][steps];
    double[][] rec = new double[cfg.layers() * dirs][steps];
    double[][] inp = new double[cfg.layers() * dirs][steps];
    List<RecurrentLayer> order = new ArrayList<>();
    for (int l = 0; l < cfg.layers(); l++) {
      for (int d = 0; d < dirs; d++) {
        order.add(stack.layer(l, d));
      }
    }
    stack.setProbe((layer, t, dh) -> {
      int i = order.indexOf(layer);
      int n = layer.batch() * layer.hiddenSize();
      double s = 0;
      for (int j = 0; j < n; j++) {
        double v = dh.get(j);
        s += v * v;
      }
      hidden[i][t] = Math.sqrt(s / layer.batch());
      rec[i][t] = layer.recurrentGradientNormAt(t);
      inp[i][t] = layer.inputGradientNormAt(t);
    });
    try {
      model.parameters().zeroGrads();
      LossStats loss = model.forward(batch, initial, true, new Rng(0));
      boolean perStep = model.config().readout() == Readout.EVERY_STEP;
      model.backward(LossNormalization.PER_SEQUENCE, perStep ? steps - 1 : 0);
      double lossT = perStep ? Double.NaN : loss.sum() / loss.sequences();
      List<LayerFlow> layers = new ArrayList<>();
      for (int l = 0; l < cfg.layers(); l++) {
        for (int d = 0; d < dirs; d++) {
          int i = l * dirs + d;
          layers.add(new LayerFlow("layer " + l + (dirs == 2 ? (d == 0 ? " forward" : " backward") : ""),
              hidden[i], rec[i], inp[i]));
        }
      }
      return new Result(steps, lossT, layers);
    } finally {
      stack.setProbe(null);
      model.parameters().zeroGrads();
    }
  }
}
