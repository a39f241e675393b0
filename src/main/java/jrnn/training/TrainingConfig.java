package jrnn.training;

import java.util.Locale;
import jrnn.models.LossNormalization;
import jrnn.optim.LearningRateSchedule;
import jrnn.optim.Optimizer;
import jrnn.optim.Optimizers;
import jrnn.util.Numbers;

/**
 * How to train: optimizer ({@code sgd}, {@code momentum}, {@code nesterov} or {@code adam}),
 * learning-rate schedule, gradient clipping by global norm and by value (0 = off), weight decay
 * (L2, 0 = off), how the batch loss is normalized, and the norm of adversarial perturbations of
 * the inputs (0 = off; see {@link Trainer#gradients}). {@link #builder()} names each field:
 *
 * <pre>{@code
 * TrainingConfig config = TrainingConfig.builder()
 *     .optimizer(Optimizers.adam(1e-3)).clipNorm(1.0)
 *     .build();
 * }</pre>
 *
 * @param optimizer {@code sgd}, {@code momentum}, {@code nesterov} or {@code adam}
 *     (case-insensitive; null reads as sgd)
 * @param momentum momentum of {@code momentum} and {@code nesterov}; ignored by the others
 * @param schedule the learning rate per epoch
 * @param clipNorm global-norm clipping threshold, 0 for none
 * @param clipValue element-wise clipping threshold, 0 for none
 * @param weightDecay L2 weight decay lambda, 0 for none
 * @param normalization how the batch loss is divided (null reads as per output)
 * @param adversarialNorm norm eps of adversarial input perturbations, 0 for none
 */
public record TrainingConfig(String optimizer, double momentum, LearningRateSchedule schedule,
    double clipNorm, double clipValue, double weightDecay, LossNormalization normalization,
    double adversarialNorm) {

  /** Without adversarial training. */
  public TrainingConfig(String optimizer, double momentum, LearningRateSchedule schedule,
      double clipNorm, double clipValue, double weightDecay, LossNormalization normalization) {
    this(optimizer, momentum, schedule, clipNorm, clipValue, weightDecay, normalization, 0);
  }

  /** Checks the optimizer's name, the thresholds (finite, not negative) and the schedule (given). */
  public TrainingConfig {
    optimizer = optimizer == null ? "sgd" : optimizer.toLowerCase(Locale.ROOT);
    if (!optimizer.matches("sgd|momentum|nesterov|adam")) {
      throw new IllegalArgumentException("unknown optimizer '" + optimizer
          + "'; expected sgd, momentum, nesterov or adam");
    }
    // NaN fails every comparison: it would turn clipping off, or NaN every weight after the
    // gradient norm had been found finite.
    if (!(Numbers.finiteNotNegative(clipNorm) && Numbers.finiteNotNegative(clipValue) && Numbers.finiteNotNegative(weightDecay))) {
      throw new IllegalArgumentException("clipping thresholds and weight decay must be finite and not negative, got"
          + " clip-norm " + clipNorm + ", clip-value " + clipValue + ", weight-decay " + weightDecay);
    }
    if (!Numbers.finiteNotNegative(adversarialNorm)) {
      throw new IllegalArgumentException("the adversarial perturbation's norm must be finite and not negative, got "
          + adversarialNorm);
    }
    if (schedule == null) {
      throw new IllegalArgumentException("TrainingConfig: a learning-rate schedule is needed");
    }
    if (normalization == null) {
      normalization = LossNormalization.PER_OUTPUT;
    }
  }

  /** The optimizer as a value: kind, momentum (where it has one) and schedule. */
  public Optimizers.Spec optimizerSpec() {
    boolean withMomentum = optimizer.equals("momentum") || optimizer.equals("nesterov");
    return new Optimizers.Spec(optimizer, withMomentum ? momentum : 0, schedule);
  }

  /** A new optimizer of this configuration, its state empty. */
  public Optimizer newOptimizer() {
    return optimizerSpec().create();
  }

  /** A builder with the defaults: no clipping, no weight decay, loss per output, no adversarial training. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link TrainingConfig} by named fields; {@link #build()} checks it as the record does. */
  public static final class Builder {
    private Optimizers.Spec optimizer;
    private double clipNorm;
    private double clipValue;
    private double weightDecay;
    private LossNormalization normalization = LossNormalization.PER_OUTPUT;
    private double adversarialNorm;

    private Builder() {}

    /** The optimizer and its learning rate, such as {@code Optimizers.adam(1e-3)}. */
    public Builder optimizer(Optimizers.Spec spec) {
      this.optimizer = spec;
      return this;
    }

    /** Clip the gradient to this global norm (a remedy of SPEC section 2); 0 for no clipping. */
    public Builder clipNorm(double norm) {
      this.clipNorm = norm;
      return this;
    }

    /** Clip each gradient element to [-value, value]; 0 for no clipping. */
    public Builder clipValue(double value) {
      this.clipValue = value;
      return this;
    }

    /** L2 weight decay (a remedy of SPEC section 2); 0 for none. */
    public Builder weightDecay(double lambda) {
      this.weightDecay = lambda;
      return this;
    }

    /** How the batch loss is divided: per output (token) or per sequence. */
    public Builder normalization(LossNormalization n) {
      this.normalization = n;
      return this;
    }

    /** The norm of adversarial perturbations of the inputs (Miyato et al. 2017); 0 for none. */
    public Builder adversarialNorm(double norm) {
      this.adversarialNorm = norm;
      return this;
    }

    /** The configuration, checked as the record checks it; the optimizer must be set. */
    public TrainingConfig build() {
      if (optimizer == null) {
        throw new IllegalArgumentException("TrainingConfig: the optimizer is not set: call optimizer(Optimizers.adam(1e-3)) or another");
      }
      return new TrainingConfig(optimizer.name(), optimizer.momentum(), optimizer.schedule(), clipNorm, clipValue,
          weightDecay, normalization, adversarialNorm);
    }
  }
}
