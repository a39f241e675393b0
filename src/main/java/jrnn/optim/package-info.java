/**
 * What turns gradients into updates: optimizers, learning-rate schedules, and the remedies for
 * exploding gradients.
 *
 * <p>{@link Optimizer} is the interface; {@link Sgd} is the chapter's stochastic gradient descent
 * (with classical or Nesterov momentum as options) and {@link Adam} the adaptive one.
 * {@link Optimizers} names them as values with their rate ({@link Optimizers.Spec}), for
 * {@link jrnn.training.TrainingConfig}, and {@link LearningRateSchedule} decays the rate by epoch.
 *
 * <p>Where the SPEC lives: {@link Sgd} applies the gradients of 8-9 .. 8-20 once a full forward and
 * backward pass has made them (section 1). The remedies section 2 names for exploding gradients
 * (8-21, 8-22) are {@link GradientClipping} (by global norm or by value) and {@link WeightDecay}
 * (an L2 penalty).
 */
package jrnn.optim;
