package jrnn.models;

import jrnn.data.Batch;
import jrnn.layers.RecurrentState;
import jrnn.tensor.Tensor;

/**
 * A sequence model's forward passes without dropout, wherever its parameters are: a
 * {@link SequenceModel} on this machine, or a device that holds them ({@code
 * jrnn.device.DeviceInference}). What measuring, scoring and sampling need: the loss, the output
 * layer's values, and the final states to carry on from.
 */
public interface InferencePass {

  /**
   * Runs the model on {@code batch} from {@code initial} (null: zero states), no dropout; returns
   * the loss when the batch has targets, else {@link LossStats#NONE}.
   */
  LossStats forward(Batch batch, RecurrentState initial);

  /** The output layer's values of the last forward: logits (softmax) or values (linear), [rows, L]. */
  Tensor outputs();

  /** The final states of the last forward (buffers that the next forward reuses: copy to keep them). */
  RecurrentState finalState();
}
