package jrnn.frame;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jrnn.cells.CellType;
import jrnn.models.LossNormalization;
import jrnn.optim.LearningRateSchedule;
import jrnn.training.TrainingConfig;

/**
 * The settings applications share, declared once: the recurrent stack, the optimization and the
 * controls of a run. Each application includes those it uses, with its own defaults
 * ({@link SettingsSchema#include}).
 */
public final class CommonSettings {
  private CommonSettings() {}

  /** {@code embedding}: Embedding width. Range [1, inf). */
  public static final Setting<Integer> EMBEDDING = Setting.integer("embedding", "[1, inf)", "Embedding width.");
  /**
   * {@code cell}: Cell type: rnn-tanh, rnn-sigmoid, rnn-relu, lstm, lstm-peephole, lstm-cifg,
   * lstm-peephole-cifg, gru, gru-reset-after.
   */
  public static final Setting<String> CELL = Setting.text("cell", name -> CellType.parse(name).name(),
      "Cell type: rnn-tanh, rnn-sigmoid, rnn-relu, lstm, lstm-peephole, lstm-cifg, lstm-peephole-cifg, gru,"
          + " gru-reset-after.");
  /** {@code hidden}: Hidden units per layer (and direction). Range [1, inf). */
  public static final Setting<Integer> HIDDEN = Setting.integer("hidden", "[1, inf)", "Hidden units per layer (and direction).");
  /** {@code layers}: Stacked recurrent layers. Range [1, inf). */
  public static final Setting<Integer> LAYERS = Setting.integer("layers", "[1, inf)", "Stacked recurrent layers.");
  /** {@code dropout}: Dropout on non-recurrent connections. Range [0, 1). */
  public static final Setting<Double> DROPOUT = Setting.real("dropout", "[0, 1)", "Dropout on non-recurrent connections.");
  /** {@code batch}: Sequences (or parallel streams) per update. Range [1, inf). */
  public static final Setting<Integer> BATCH = Setting.integer("batch", "[1, inf)", "Sequences (or parallel streams) per update.");
  // A run control: a finished run resumed with more epochs goes on as if it had been asked for them.
  /** {@code epochs}: Epochs. Range [1, inf). A run control: a resumed run may change it. */
  public static final Setting<Integer> EPOCHS = Setting.integer("epochs", "[1, inf)", "Epochs.").runControl();
  /** {@code optimizer}: Optimizer. One of sgd, momentum, nesterov, adam. */
  public static final Setting<String> OPTIMIZER = Setting.choice("optimizer", List.of("sgd", "momentum", "nesterov",
      "adam"), "Optimizer.");
  /**
   * {@code momentum}: Momentum of the momentum and nesterov optimizers (the others ignore it).
   * Range [0, 1).
   */
  public static final Setting<Double> MOMENTUM = Setting.real("momentum", "[0, 1)",
      "Momentum of the momentum and nesterov optimizers (the others ignore it).");
  /** {@code lr}: Learning rate. Range (0, inf). */
  public static final Setting<Double> LR = Setting.real("lr", "(0, inf)", "Learning rate.");
  /** {@code decay_start}: Epochs at the full learning rate before it decays. Range [0, inf). */
  public static final Setting<Integer> DECAY_START = Setting.integer("decay_start", "[0, inf)",
      "Epochs at the full learning rate before it decays.");
  /**
   * {@code decay_factor}: Learning-rate factor per epoch after the first {@code decay_start}
   * epochs. Range (0, 1].
   */
  public static final Setting<Double> DECAY_FACTOR = Setting.real("decay_factor", "(0, 1]",
      "Learning-rate factor per epoch after that.");
  /** {@code clip_norm}: Gradient clipping by global norm (0: off). Range [0, inf). */
  public static final Setting<Double> CLIP_NORM = Setting.real("clip_norm", "[0, inf)",
      "Gradient clipping by global norm (0: off).");
  /** {@code weight_decay}: L2 weight decay (0: off). Range [0, inf). */
  public static final Setting<Double> WEIGHT_DECAY = Setting.real("weight_decay", "[0, inf)", "L2 weight decay (0:"
      + " off): lambda w added to the gradient of every parameter but the biases, after clipping.");
  /** {@code seed}: Seed of initialisation, shuffling and dropout. */
  public static final Setting<Long> SEED = Setting.wholeLong("seed", "Seed of initialisation, shuffling and dropout.");
  /**
   * {@code checks_per_epoch}: Validation checks per epoch, evenly spaced, the last at its end; the
   * best model of all is kept. Range [1, inf).
   */
  public static final Setting<Integer> CHECKS_PER_EPOCH = Setting.integer("checks_per_epoch", "[1, inf)",
      "Validation checks per epoch, evenly spaced, the last at its end; the best model of all is kept.");
  /**
   * {@code patience}: Stop after this many validation checks in a row without a new best (0:
   * never). Range [0, inf). A run control: a resumed run may change it.
   */
  public static final Setting<Integer> PATIENCE = Setting.integer("patience", "[0, inf)",
      "Stop after this many validation checks in a row without a new best (0: never).").runControl();
  /**
   * {@code max_minutes}: Time budget of this run in minutes: it stops at the next validation check
   * after it and keeps the best model (0: none). Range [0, inf). A run control: a resumed run may
   * change it.
   */
  public static final Setting<Double> MAX_MINUTES = Setting.real("max_minutes", "[0, inf)",
      "Time budget of this run in minutes: it stops at the next validation check after it and keeps the best"
          + " model (0: none).").runControl();

  /**
   * {@code on_divergence}: what a NaN or infinite loss or gradient does (the update is never
   * made): {@code stop} the run, the files written so far kept; or {@code rollback}: reload the
   * last checkpoint (before the first, the run's start), multiply the learning rate by
   * {@link #DIVERGENCE_LR_FACTOR} and go on, at most {@link #MAX_ROLLBACKS} times. A run control.
   */
  public static final Setting<String> ON_DIVERGENCE = Setting.choice("on_divergence", List.of("stop", "rollback"),
      "A NaN or infinite loss or gradient: stop the run, or roll back to the last checkpoint with a lower learning"
          + " rate and go on.").runControl();
  /** {@code divergence_lr_factor}: the learning rate's factor at each rollback. Range (0, 1). A run control. */
  public static final Setting<Double> DIVERGENCE_LR_FACTOR = Setting.real("divergence_lr_factor", "(0, 1)",
      "The learning rate's factor at each rollback.").runControl();
  /** {@code max_rollbacks}: rollbacks at most; the next divergence stops the run. Range [1, inf). A run control. */
  public static final Setting<Integer> MAX_ROLLBACKS = Setting.integer("max_rollbacks", "[1, inf)",
      "Rollbacks at most; the next divergence stops the run.").runControl();

  /** Every shared setting, by name, for {@link SettingsSchema#include}. */
  public static final Map<String, Setting<?>> ALL = byName(EMBEDDING, CELL, HIDDEN, LAYERS, DROPOUT, BATCH, EPOCHS,
      OPTIMIZER, MOMENTUM, LR, DECAY_START, DECAY_FACTOR, CLIP_NORM, WEIGHT_DECAY, SEED, CHECKS_PER_EPOCH, PATIENCE,
      MAX_MINUTES, ON_DIVERGENCE, DIVERGENCE_LR_FACTOR, MAX_ROLLBACKS);

  private static Map<String, Setting<?>> byName(Setting<?>... settings) {
    Map<String, Setting<?>> m = new LinkedHashMap<>();
    for (Setting<?> s : settings) {
      m.put(s.name(), s);
    }
    return m;
  }

  /**
   * How to train, from the shared settings: optimizer, the rate decayed by a factor an epoch
   * after a start, and SPEC section 2's remedies for explosion, clipping by global norm and weight
   * decay.
   */
  public static TrainingConfig trainingConfig(Settings s, LossNormalization normalization, double adversarialNorm) {
    return new TrainingConfig(s.get(OPTIMIZER), s.get(MOMENTUM),
        new LearningRateSchedule(s.get(LR), s.get(DECAY_START), s.get(DECAY_FACTOR)), s.get(CLIP_NORM), 0,
        s.get(WEIGHT_DECAY), normalization, adversarialNorm);
  }
}
