package jrnn.training;

import java.util.ArrayList;
import java.util.List;
import jrnn.data.Batch;
import jrnn.data.TokenStream;
import jrnn.layers.RecurrentState;
import jrnn.models.InferencePass;
import jrnn.models.LossStats;
import jrnn.models.SequenceModel;
import jrnn.optim.GradientClipping;
import jrnn.optim.Optimizer;
import jrnn.optim.WeightDecay;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;

/**
 * Trains a {@link SequenceModel}: one update is forward, backward (BPTT), gradient clipping,
 * weight decay and the optimizer's step. Streams are trained by truncated BPTT, the final state
 * of each window carried (without its gradient) into the next; sets of sequences batch by batch.
 * A NaN or infinite loss or gradient stops training before the update, with the step named.
 *
 * <p>Threads: a trainer and the model it trains belong to one thread at a time (its own thread
 * team splits each step's work); inference on the same parameters from other threads must wait
 * until training is done.
 */
public final class Trainer {
  /** The model whose batches {@link #step} trains; null for a trainer of {@link #update}s alone. */
  private final SequenceModel model;
  private final Parameters params;
  private final TrainingConfig config;
  private final Optimizer optimizer;
  private Rng rng;
  private double rateScale = 1;
  private final List<StepListener> listeners = new ArrayList<>();
  private long step;
  private int epoch;
  private Tensor perturbation;
  /** Where {@link #step} gets a batch's gradients; null: this trainer's model, here. */
  private BatchGradients batchGradients;

  /**
   * What one update did, for telemetry: loss and the global gradient norm before and after clipping.
   *
   * @param step the number of the update, from 1
   * @param loss the loss of the update's batch (before the update)
   * @param gradNorm the global gradient norm before clipping
   * @param clippedNorm the global gradient norm after clipping
   * @param lr the learning rate of the update
   */
  public record StepResult(long step, LossStats loss, double gradNorm, double clippedNorm, double lr) {}

  /** Told about every update. */
  @FunctionalInterface
  public interface StepListener {
    /** Called after each update, with what it did. */
    void onStep(StepResult result);
  }

  /**
   * A trainer of {@code model}'s parameters on batches ({@link #step}), dropout drawing from {@code
   * rng}.
   */
  public Trainer(SequenceModel model, TrainingConfig config, Rng rng) {
    this(model, model.parameters(), config, rng);
  }

  /**
   * A trainer of any network by its parameters: each {@link #update} is handed the pass that
   * computes the loss and its gradients.
   */
  public Trainer(Parameters params, TrainingConfig config, Rng rng) {
    this(null, params, config, rng);
  }

  private Trainer(SequenceModel model, Parameters params, TrainingConfig config, Rng rng) {
    this.model = model;
    this.params = params;
    this.config = config;
    this.optimizer = config.newOptimizer();
    this.rng = rng;
  }

  /** The optimizer, with its state. */
  public Optimizer optimizer() {
    return optimizer;
  }

  /**
   * Draws dropout masks from {@code rng} from now on: a run that gives each epoch a generator
   * made from the seed and the epoch resumes exactly where it stopped.
   */
  public void useRng(Rng rng) {
    this.rng = rng;
  }

  /** Tells {@code l} about every update from now on. */
  public void addListener(StepListener l) {
    listeners.add(l);
  }

  /** Number of updates done. */
  public long steps() {
    return step;
  }

  /** Sets the number of updates done (when resuming a run). */
  public void setSteps(long steps) {
    this.step = steps;
  }

  /** The updates that follow belong to epoch {@code epoch} (from 0): the schedule's rate for it applies. */
  public void startEpoch(int epoch) {
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch must not be negative, got " + epoch);
    }
    this.epoch = epoch;
  }

  /** The learning rate of the current epoch: the configuration's schedule, times {@link #learningRateScale()}. */
  public double learningRate() {
    return config.schedule().rate(epoch) * rateScale;
  }

  /** What the schedule's rates are multiplied by: 1, less after a divergence was rolled back. */
  public double learningRateScale() {
    return rateScale;
  }

  /** Sets {@link #learningRateScale()} (after a rollback, or when resuming a run that had one). */
  public void setLearningRateScale(double scale) {
    if (!(scale > 0 && scale <= 1)) {
      throw new IllegalArgumentException("the learning rate's scale must be in (0, 1], got " + scale);
    }
    this.rateScale = scale;
  }

  /**
   * One update on {@code batch} from {@code initial} (null for zero states), at the current
   * epoch's rate: the gradients of {@link #gradients}, then clipping, weight decay and the
   * optimizer's step.
   */
  public StepResult step(Batch batch, RecurrentState initial) {
    if (model == null) {
      throw new IllegalStateException("this trainer was made for parameters alone; it trains them by update(pass)");
    }
    BatchGradients elsewhere = batchGradients;
    return apply(r -> elsewhere == null ? gradients(batch, initial) : elsewhere.compute(batch, initial, r));
  }

  /**
   * Computes a batch's gradients in place of this trainer's model, for instance split over the
   * workers of a cluster: it must leave in the parameters' gradient buffer what
   * {@link #gradients} would, and return the batch's loss; or, when it is also
   * {@link DeviceUpdates}, keep them where it applies the update (a GPU).
   */
  public interface BatchGradients {
    /** The gradients of {@code batch}'s loss from {@code initial}, dropout drawing from {@code rng}; returns the loss. */
    LossStats compute(Batch batch, RecurrentState initial, Rng rng);

    /** The final states of the last batch computed, [layers*D, B, H], for the next window to start from. */
    RecurrentState finalState();

    /**
     * The gradients of {@code pass}'s examples, as {@code pass.run} would leave them, dropout
     * drawing from {@code rng}; returns the loss. Sources that compute batches of sequences only
     * need not support it.
     */
    default LossStats compute(ShardablePass<?> pass, Rng rng) {
      throw new UnsupportedOperationException(getClass().getSimpleName() + " computes batches of sequences only");
    }

    /**
     * Where the gradients' sums are taken, which their float rounding depends on (a checkpoint
     * records it): by default this machine's engine threads.
     */
    default String summedOn() {
      return engineThreads();
    }
  }

  private static String engineThreads() {
    return jrnn.kernels.Parallel.threads() + " threads";
  }

  /** Where this trainer's gradient sums are taken ({@link BatchGradients#summedOn}). */
  public String summedOn() {
    return batchGradients == null ? engineThreads() : batchGradients.summedOn();
  }

  /**
   * From now on {@link #step} and {@link #update(ShardablePass, Object)} take each update's
   * gradients from {@code source} (null: computes them here); clipping, weight decay and the
   * optimizer's step stay with this trainer.
   */
  public void computeGradientsWith(BatchGradients source) {
    this.batchGradients = source;
  }

  /** How this trainer trains: optimizer, clipping, decay, loss normalization, adversarial norm. */
  public TrainingConfig config() {
    return config;
  }

  /** The parameters this trainer updates. */
  public Parameters parameters() {
    return params;
  }

  /** The model this trainer's {@link #step}s train (null for a trainer of {@link #update}s alone). */
  public SequenceModel model() {
    return model;
  }

  /**
   * The final states of the last {@link #step}'s batch: the model's, or those the batch's
   * gradient source reports (reused buffers: copy to keep them).
   */
  public RecurrentState finalState() {
    return batchGradients == null ? model.finalState() : batchGradients.finalState();
  }

  /**
   * Computes a batch's loss and the gradients of what it minimises, adding them to the
   * parameters' gradient buffer (zeroed before); dropout draws from the {@link Rng} handed in.
   */
  @FunctionalInterface
  public interface GradientPass {
    /** Runs the pass, dropout drawing from {@code rng}; returns the batch's loss. */
    LossStats run(Rng rng);
  }

  /**
   * One update from the gradients {@code pass} computes, at the current epoch's rate: clipping,
   * weight decay and the optimizer's step. A NaN or infinite loss or gradient stops before the update.
   * Refused after {@link #computeGradientsWith}: the pass runs here, and could not be sent there.
   */
  public StepResult update(GradientPass pass) {
    if (batchGradients != null) {
      // A pass of the caller's own cannot be sent elsewhere: it would quietly run here.
      throw new IllegalStateException("this trainer takes its gradients from " + batchGradients.getClass().getSimpleName()
          + "; hand it batches (step) or a ShardablePass (update(pass, network)), which it can send there");
    }
    return apply(pass);
  }

  private StepResult apply(GradientPass pass) {
    double lr = learningRate();
    params.zeroGrads();
    LossStats loss = pass.run(rng);
    requireFiniteLoss(loss);
    if (batchGradients instanceof DeviceUpdates device) {
      double[] norms = device.update(config, optimizer, lr);
      if (!Double.isFinite(norms[0])) {
        throw new TrainingDivergedException("gradient norm is " + norms[0] + " at update " + (step + 1)
            + " (loss " + loss.mean() + ", learning rate " + learningRate() + "), on the device"
            + "; the parameters are those before this update.");
      }
      return stepped(loss, norms[0], norms[1], lr);
    }
    double norm = config.clipNorm() > 0
        ? GradientClipping.clipGlobalNorm(params, config.clipNorm())
        : GradientClipping.globalNorm(params);
    if (!Double.isFinite(norm)) {
      throw new TrainingDivergedException("gradient norm is " + norm + " at update " + (step + 1)
          + " (loss " + loss.mean() + ", learning rate " + learningRate() + "), first in " + firstNonFinite()
          + "; the parameters are those before this update.");
    }
    double after = config.clipNorm() > 0 ? Math.min(norm, config.clipNorm()) : norm;
    if (config.clipValue() > 0 && GradientClipping.clipValue(params, config.clipValue()) > 0) {
      after = GradientClipping.globalNorm(params);
    }
    WeightDecay.apply(params, config.weightDecay());
    optimizer.step(params, lr);
    return stepped(loss, norm, after, lr);
  }

  private StepResult stepped(LossStats loss, double norm, double after, double lr) {
    step++;
    StepResult r = new StepResult(step, loss, norm, after, lr);
    for (StepListener l : listeners) {
      l.onStep(r);
    }
    return r;
  }

  /**
   * A gradient source that also applies the update where the gradients are (a GPU), so that the
   * parameters stay there between updates: clipping, weight decay and the optimizer's step as
   * this trainer would take them, with the optimizer's state kept there too. The host's
   * parameters and the optimizer's state are then behind until {@link #parametersToHost} brings
   * them back (before validation, model files and checkpoints), and a change made to them on the
   * host (a resumed checkpoint, a rollback) reaches the device by {@link #parametersFromHost}.
   */
  public interface DeviceUpdates {
    /**
     * Clips, decays and steps as {@code config} says, with {@code optimizer}'s kind and
     * settings, at rate {@code lr}; returns the global gradient norm before and after clipping.
     * With a norm that is not finite nothing is changed.
     */
    double[] update(TrainingConfig config, Optimizer optimizer, double lr);

    /** Copies the device's parameters to the host's, and its optimizer state into {@code optimizer}. */
    void toHost(Optimizer optimizer);

    /** Sends the host's parameters and {@code optimizer}'s state to the device. */
    void fromHost(Optimizer optimizer);

    /**
     * Restarts from {@code seed} the dropout generators the device keeps of its own, those not
     * drawn from the trainer's generator (cuDNN's between the layers of its stacks). A run calls
     * it at each epoch's start ({@link Trainer#restartDeviceDropout}), where its checkpoints are
     * taken, so that a run resumed from one draws the masks an unbroken run draws.
     */
    default void restartDropout(long seed) {}

    /**
     * The model's passes without dropout on the device's parameters (as they are when each pass
     * runs). They change no parameter, gradient or optimizer state; their final states replace
     * the last update's ({@link BatchGradients#finalState}), which a stream's trainer has copied.
     */
    InferencePass inference();
  }

  /** Whether a device makes this trainer's updates, and holds the current parameters ({@link DeviceUpdates}). */
  public boolean updatesOnDevice() {
    return batchGradients instanceof DeviceUpdates;
  }

  /**
   * The device that makes this trainer's updates and holds the current parameters, or null: for a
   * task that measures there through an interface the device also has (a translator's
   * {@code TranslationInference}).
   */
  public DeviceUpdates deviceUpdates() {
    return batchGradients instanceof DeviceUpdates device ? device : null;
  }

  /**
   * The loss of this trainer's model on a stream, state carried across windows, no dropout: where
   * the parameters are, on the device that updates them or here ({@link #evaluateStream}).
   */
  public LossStats evaluate(TokenStream stream, int batch, int steps) {
    if (!(batchGradients instanceof DeviceUpdates device)) {
      return evaluateStream(model, stream, batch, steps);
    }
    return evaluateStream(device.inference(), stream, batch, steps);
  }

  /**
   * The model's passes without dropout where its current parameters are: on the device that
   * updates them, else this trainer's model (null for a trainer of parameters alone).
   */
  public InferencePass inference() {
    return batchGradients instanceof DeviceUpdates device ? device.inference() : model;
  }

  /**
   * Brings the parameters (and the optimizer's state) back from the device that updates them
   * ({@link DeviceUpdates}); nothing when they are updated here.
   */
  public void parametersToHost() {
    if (batchGradients instanceof DeviceUpdates device) {
      device.toHost(optimizer);
    }
  }

  /**
   * Restarts the dropout generators of the device that makes the updates
   * ({@link DeviceUpdates#restartDropout}) from {@code seed}; nothing when they are made here.
   */
  public void restartDeviceDropout(long seed) {
    if (batchGradients instanceof DeviceUpdates device) {
      device.restartDropout(seed);
    }
  }

  /** Sends parameters changed on the host (and the optimizer's state) to the device that updates them; nothing otherwise. */
  public void parametersFromHost() {
    if (batchGradients instanceof DeviceUpdates device) {
      device.fromHost(optimizer);
    }
  }

  /**
   * One update on {@code pass}'s examples, run on {@code network}, as {@link #update(GradientPass)};
   * after {@link #computeGradientsWith}, the examples' gradients come from that source (which may
   * cut them into parts computed elsewhere).
   */
  public <N> StepResult update(ShardablePass<N> pass, N network) {
    BatchGradients elsewhere = batchGradients;
    return apply(r -> elsewhere == null ? pass.run(network, r) : elsewhere.compute(pass, r));
  }

  /**
   * Sets the parameters' gradients to those of the batch's loss, and returns the loss. With an
   * adversarial norm eps in the configuration, the loss at inputs moved by r_adv is added to the
   * objective (Goodfellow et al. 2015; for the embedded words of a text classifier, Miyato et al.
   * 2017): r_adv = eps * g / ||g||, with g the gradient of the loss with respect to one
   * sequence's inputs over its valid steps, the direction in which the loss grows fastest. r_adv
   * is held constant, so the added gradient is that of a second pass at x + r_adv. The returned
   * loss is the clean one.
   */
  public LossStats gradients(Batch batch, RecurrentState initial) {
    model.parameters().zeroGrads();
    LossStats loss = model.forward(batch, initial, true, rng);
    requireFiniteLoss(loss);
    model.backward(config.normalization());
    if (config.adversarialNorm() > 0) {
      if (initial != null) {
        // The second pass would leave its own final state where truncated BPTT carries it.
        throw new IllegalArgumentException("adversarial training perturbs whole sequences that start from zero states;"
            + " it does not apply to windows of a stream");
      }
      int rows = batch.steps() * batch.size() * model.config().inputSize();
      if (perturbation == null || perturbation.size() < rows) {
        perturbation = Tensor.zeros(rows);
      }
      adversarialPerturbation(model.inputGradient(), batch, model.config().inputSize(),
          config.adversarialNorm(), perturbation);
      model.perturbInputs(perturbation);
      try {
        model.forward(batch, null, true, rng);
        model.backward(config.normalization());
      } finally {
        model.perturbInputs(null);
      }
    }
    return loss;
  }

  /** The first parameter whose gradient holds a NaN or infinity, and where: "rnn.weight_hh_l0[17] = NaN". */
  private String firstNonFinite() {
    Tensor g = params.grads();
    for (jrnn.params.ParamLayout.Entry e : params.layout().entries()) {
      for (int i = 0; i < e.size(); i++) {
        float v = g.get(e.offset() + i);
        if (!Float.isFinite(v)) {
          return "the gradient of " + e.name() + "[" + i + "] = " + v;
        }
      }
    }
    return "no single gradient (their squares overflow)";
  }

  private void requireFiniteLoss(LossStats loss) {
    if (!Double.isFinite(loss.sum())) {
      throw new TrainingDivergedException("loss is " + loss.sum() + " at update " + (step + 1)
          + " (learning rate " + learningRate() + "); the parameters are those before this update."
          + " Try a lower learning rate or gradient clipping (--clip-norm).", loss.sum());
    }
  }

  /**
   * Writes r = eps * g_b / ||g_b|| into the rows t*B + b (t &lt; length of b) of {@code r}, for each
   * sequence b, from its rows of {@code g} ([T*B, X]); padded rows, and a sequence whose
   * gradient is zero, get zeros.
   */
  public static void adversarialPerturbation(Tensor g, Batch batch, int x, double eps, Tensor r) {
    adversarialPerturbation(g, batch.steps(), batch.lengths(), x, eps, r);
  }

  /** {@link #adversarialPerturbation(Tensor, Batch, int, double, Tensor)} for T steps of sequences of {@code lengths}. */
  public static void adversarialPerturbation(Tensor g, int steps, int[] lengths, int x, double eps, Tensor r) {
    int size = lengths.length;
    for (int b = 0; b < size; b++) {
      int len = lengths[b];
      double squares = 0;
      for (int t = 0; t < len; t++) {
        for (int j = 0, i = (t * size + b) * x; j < x; j++, i++) {
          double v = g.get(i);
          squares += v * v;
        }
      }
      double scale = squares > 0 ? eps / Math.sqrt(squares) : 0;
      for (int t = 0; t < steps; t++) {
        for (int j = 0, i = (t * size + b) * x; j < x; j++, i++) {
          r.set(i, t < len ? (float) (scale * g.get(i)) : 0f);
        }
      }
    }
  }

  /**
   * One epoch of truncated BPTT over a stream: windows of {@code steps} for {@code batch}
   * parallel streams, the state carried across windows (and not across epochs).
   */
  public LossStats trainStream(TokenStream stream, int batch, int steps, Progress progress) {
    StreamEpoch epoch = new StreamEpoch(stream, batch, steps);
    LossStats total = LossStats.NONE;
    while (epoch.hasNext()) {
      total = total.plus(epoch.next(this).loss());
      if (progress != null) {
        progress.update(total.count(), total.mean());
      }
    }
    return total;
  }

  /**
   * An epoch of truncated BPTT over a stream, an update at a time: each window starts from the
   * final state of the one before (carried in a copy of its own, without its gradient, so that
   * the model may run on other data between updates).
   */
  public static final class StreamEpoch {
    private final java.util.Iterator<Batch> batches;
    private final int windows;
    private RecurrentState carry;

    /** An epoch over {@code stream} in windows of {@code steps} steps of {@code batch} parallel streams. */
    public StreamEpoch(TokenStream stream, int batch, int steps) {
      this.batches = stream.batches(batch, steps).iterator();
      this.windows = stream.windows(batch, steps);
    }

    /** The number of windows, hence of updates, in the epoch. */
    public int windows() {
      return windows;
    }

    /** Whether a window remains. */
    public boolean hasNext() {
      return batches.hasNext();
    }

    /** Trains on the next window. */
    public StepResult next(Trainer trainer) {
      StepResult r = trainer.step(batches.next(), carry);
      RecurrentState fin = trainer.finalState();
      if (carry == null || carry.h().dim(1) != fin.h().dim(1)) {
        carry = fin.copy();
      } else {
        carry.copyFrom(fin);
      }
      return r;
    }
  }

  /** The loss of {@code model} on a stream, state carried across windows, no dropout. */
  public static LossStats evaluateStream(SequenceModel model, TokenStream stream, int batch, int steps) {
    try (Parameters.Frozen frozen = model.parameters().freeze()) {
      return evaluateStream((InferencePass) model, stream, batch, steps);
    }
  }

  /** The loss of a model's passes, where its parameters are, on a stream, state carried across windows. */
  public static LossStats evaluateStream(InferencePass pass, TokenStream stream, int batch, int steps) {
    LossStats total = LossStats.NONE;
    RecurrentState state = null;
    for (Batch b : stream.batches(batch, steps)) {
      total = total.plus(pass.forward(b, state));
      state = state == null ? pass.finalState().copy() : state.copyFrom(pass.finalState());
    }
    return total;
  }


}
