/**
 * Training: the update step, truncated BPTT over streams, and what lets a user watch a run.
 *
 * <p>{@link Trainer} does one update at a time: a full forward and backward pass, gradient
 * clipping, weight decay and the optimizer's step, as SPEC section 1 says (the gradients are
 * complete only after the whole pass; then gradient descent updates the weights). Its
 * {@link Trainer.StreamEpoch} trains on a long stream by truncated BPTT, the final state of each
 * window carried into the next without its gradient. {@link TrainingConfig} says how to train
 * (optimizer and schedule, clipping, weight decay, loss normalization, adversarial inputs). A NaN or
 * infinite loss or gradient stops training before the update with a
 * {@link TrainingDivergedException}.
 *
 * <p>Where SPEC section 2 lives: {@link GradientFlow} measures the norm of dL_T/dh_k against the
 * distance T - k for each layer, and the norms of step k's terms in dL/dU (8-17) and dL/dW (8-18),
 * so that the explosion or vanishing of 8-21, 8-22 shows; {@link Telemetry} records the global
 * gradient norm of every update before and after clipping. {@link Progress} draws the progress
 * line of a long run.
 */
package jrnn.training;
