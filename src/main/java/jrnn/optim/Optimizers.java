package jrnn.optim;

import java.util.Locale;

/**
 * Optimizers as values, with their learning rate, for {@code TrainingConfig.builder().optimizer(..)}:
 *
 * <pre>{@code
 * Optimizers.adam(1e-3)
 * Optimizers.momentum(0.1, 0.9)
 * Optimizers.sgd(new LearningRateSchedule(1.0, 4, 0.5))   // Zaremba et al.'s decay
 * }</pre>
 */
public final class Optimizers {
  private Optimizers() {}

  /**
   * An optimizer by name ({@code sgd}, {@code momentum}, {@code nesterov}, {@code adam}), its
   * momentum (momentum and nesterov only) and its learning-rate schedule.
   *
   * @param name {@code sgd}, {@code momentum}, {@code nesterov} or {@code adam} (case-insensitive)
   * @param momentum momentum in [0, 1) for momentum and nesterov; 0 otherwise
   * @param schedule the learning rate per epoch
   */
  public record Spec(String name, double momentum, LearningRateSchedule schedule) {
    /**
     * Lower-cases {@code name} and checks it, the schedule and the momentum (0 unless momentum or
     * nesterov).
     */
    public Spec {
      name = name == null ? "" : name.toLowerCase(Locale.ROOT);
      if (!name.matches("sgd|momentum|nesterov|adam")) {
        throw new IllegalArgumentException("unknown optimizer '" + name + "'; expected sgd, momentum, nesterov or adam");
      }
      if (schedule == null) {
        throw new IllegalArgumentException("optimizer " + name + ": a learning-rate schedule is needed");
      }
      boolean withMomentum = name.equals("momentum") || name.equals("nesterov");
      if (withMomentum ? !(momentum >= 0 && momentum < 1) : momentum != 0) {
        throw new IllegalArgumentException("optimizer " + name + ": momentum must be "
            + (withMomentum ? "in [0, 1)" : "0") + ", got " + momentum);
      }
    }

    /** A new optimizer of this kind, its state empty. */
    public Optimizer create() {
      switch (name) {
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

  /** Plain stochastic gradient descent (SPEC section 1) at a constant rate. */
  public static Spec sgd(double learningRate) {
    return sgd(LearningRateSchedule.constant(learningRate));
  }

  /** Plain stochastic gradient descent following {@code schedule}. */
  public static Spec sgd(LearningRateSchedule schedule) {
    return new Spec("sgd", 0, schedule);
  }

  /** SGD with classical momentum. */
  public static Spec momentum(double learningRate, double momentum) {
    return new Spec("momentum", momentum, LearningRateSchedule.constant(learningRate));
  }

  /** SGD with Nesterov momentum. */
  public static Spec nesterov(double learningRate, double momentum) {
    return new Spec("nesterov", momentum, LearningRateSchedule.constant(learningRate));
  }

  /** Adam (Kingma and Ba 2015) with its published betas and epsilon. */
  public static Spec adam(double learningRate) {
    return adam(LearningRateSchedule.constant(learningRate));
  }

  /** Adam with its published betas and epsilon, following {@code schedule}. */
  public static Spec adam(LearningRateSchedule schedule) {
    return new Spec("adam", 0, schedule);
  }
}
