package jrnn.optim;

import jrnn.params.Parameters;

/**
 * Updates parameters from their gradients: {@code w <- w - lr * step(grad)}. Implementations keep their
 * own state (velocities, moments) sized to the parameters.
 */
public interface Optimizer {

  /** One update of all parameters with learning rate {@code lr}. */
  void step(Parameters params, double lr);

  /** The optimizer's name and settings, for logs. */
  String describe();

  /** The state to save with a checkpoint (empty for plain SGD), one flat array. */
  float[] state();

  /** Restores {@link #state()}. */
  void restore(float[] state);

  /**
   * The length of {@link #state()} once it has stepped {@code parameters} parameters (0 before
   * its first step), so that a checkpoint's state can be checked before it is restored.
   */
  int stateSize(int parameters);
}
