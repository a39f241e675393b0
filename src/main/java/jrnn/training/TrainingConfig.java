package jrnn.training;

import java.util.Locale;
import jrnn.models.LossNormalization;
import jrnn.optim.Adam;
import jrnn.optim.LearningRateSchedule;
import jrnn.optim.Optimizer;
import jrnn.optim.Sgd;

/**
 * How to train: optimizer ({@code sgd}, {@code momentum}, {@code nesterov} or {@code adam}),
 * learning-rate schedule, gradient clipping by global norm and by value (0 = off), weight decay
 * (L2, 0 = off), how the batch loss is normalized, and the norm of adversarial perturbations of
 * the inputs (0 = off; see {@link Trainer#gradients}).
 */
public record TrainingConfig(String optimizer, double momentum, LearningRateSchedule schedule,
    double clipNorm, double clipValue, double weightDecay, LossNormalization normalization,
    double adversarialNorm) {

  /** Without adversarial training. */
  public TrainingConfig(String optimizer, double momentum, LearningRateSchedule schedule,
      double clipNorm, double clipValue, double weightDecay, LossNormalization normalization) {
    this(optimizer, momentum, schedule, clipNorm, clipValue, weightDecay, normalization, 0);
  }

  public TrainingConfig {
    optimizer = optimizer == null ? "sgd" : optimizer.toLowerCase(Locale.ROOT);
    if (!optimizer.matches("sgd|momentum|nesterov|adam")) {
      throw new IllegalArgumentException("unknown optimizer '" + optimizer
          + "'; expected sgd, momentum, nesterov or adam");
    }
    if (clipNorm < 0 || clipValue < 0 || weightDecay < 0) {
      throw new IllegalArgumentException("clipping thresholds and weight decay must not be negative, got clip-norm "
          + clipNorm + ", clip-value " + clipValue + ", weight-decay " + weightDecay);
    }
    if (!(adversarialNorm >= 0 && adversarialNorm < Double.POSITIVE_INFINITY)) {
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

  public Optimizer newOptimizer() {
    switch (optimizer) {
      case "adam":
        return new Adam();
      case "momentum":
        return new Sgd(momentum, false);
      case "nesterov":
        return new Sgd(momentum, true);
      default:
        return new Sgd();
    }
  }
}
