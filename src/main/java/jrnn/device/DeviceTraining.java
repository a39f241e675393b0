package jrnn.device;

import jrnn.training.Trainer;

/**
 * A model's training updates on a device, for {@link Trainer#computeGradientsWith}: each batch's
 * forward and backward pass and the update itself (clipping, weight decay, the optimizer's step)
 * run there, where the parameters and the optimizer's state stay between updates
 * ({@link Trainer.DeviceUpdates}). Closing it frees what it holds on the device; whoever made it
 * closes it when the run is over.
 */
public interface DeviceTraining extends Trainer.BatchGradients, Trainer.DeviceUpdates, AutoCloseable {
  @Override
  void close();

  /** The device sums (cuBLAS's, cuDNN's and jrnn's kernels' order), not the engine's threads. */
  @Override
  default String summedOn() {
    return "a GPU";
  }
}
