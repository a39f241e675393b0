package jrnn.training;

import jrnn.kernels.Blas;
import jrnn.kernels.Parallel;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;

/**
 * A running average of a model's weights (Polyak averaging): validation and the saved model read
 * the average, which smooths out the noise of the last updates, while training goes on from the
 * weights themselves. Every {@code every} steps, average = d * average + (1 - d) * weights with
 * d = decay^every: the same rate of forgetting per step as an update at every step, at a tenth of
 * the memory traffic for {@code every} = 10 (the weights of a classifier are megabytes).
 */
public final class WeightAverage {
  private final Parameters params;
  private final Tensor average;
  private final double decay;
  private final int every;
  private long steps;

  /** The average starts at the weights as they are now. */
  public WeightAverage(Parameters params, double decay, int every) {
    if (!(decay > 0 && decay < 1) || every <= 0) {
      throw new IllegalArgumentException("weight averaging needs a decay in (0, 1) and a positive period, got decay "
          + decay + " every " + every + " steps");
    }
    this.params = params;
    this.average = Tensor.zeros(params.values().size()).copyFrom(params.values());
    this.decay = decay;
    this.every = every;
  }

  /** Call after every optimizer step. */
  public void afterStep() {
    if (++steps % every != 0) {
      return;
    }
    float d = (float) Math.pow(decay, every);
    Tensor w = params.values();
    Parallel.run(w.size(), (from, to) -> {
      Blas.scale(to - from, d, average, from);
      Blas.axpy(to - from, 1 - d, w, from, average, from);
    });
  }

  /**
   * Exchanges the weights and the average: call once to evaluate or save the average, and again
   * to go back to training.
   */
  public void swap() {
    Tensor w = params.values();
    Tensor held = Tensor.zeros(w.size()).copyFrom(w);
    w.copyFrom(average);
    average.copyFrom(held);
  }
}
