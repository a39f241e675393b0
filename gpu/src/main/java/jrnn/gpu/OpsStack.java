package jrnn.gpu;

import jrnn.tensor.Tensor;

/**
 * A recurrent stack whose inputs, outputs and states are buffers of an {@link Ops}, and whose
 * weights are a model's {@link jrnn.params.Parameters} (jrnn's layout, read on
 * {@link #uploadWeights}; gradients added to them by {@link #addWeightGradients}):
 * {@link CudnnRecurrentStack} and {@link FusedCellStack} on the GPU; {@link HostStack}, the
 * former's twin on the host, and {@link FusedCellStack} on {@link HostOps}.
 */
interface OpsStack extends AutoCloseable {

  /** Reads the parameters' current values. */
  void uploadWeights();

  /**
   * Runs the stack on x [T, B, X] from the initial states h0, c0 ([layers*D, B, H]; null: zero).
   * Returns the top layer's output [T, B, W]; {@link #finalH()}, {@link #finalC()} hold the final
   * states. Valid until the next forward.
   */
  Ops.Floats forward(Ops.Floats x, int steps, int batch, int[] lengths, Ops.Floats h0, Ops.Floats c0, boolean training);

  /**
   * The seed of the next training forward's dropout masks between layers, drawn by the caller
   * from its generator so that a resumed run draws the same masks. A stack that keeps its own
   * dropout state (cuDNN's, and {@link HostStack}'s generator) ignores it.
   */
  default void seedDropout(long seed) {}

  /**
   * Restarts from {@code seed} the dropout state a stack keeps of its own (cuDNN's generator,
   * {@link HostStack}'s), at each epoch's start ({@code Trainer.DeviceUpdates.restartDropout}) so
   * that a run resumed from a checkpoint draws the masks an unbroken run draws. A stack seeded by
   * {@link #seedDropout} has nothing to restart.
   */
  default void restartDropout(long seed) {}

  /** The final hidden states of the last forward. */
  Ops.Floats finalH();

  /** The final cell states of the last forward (LSTM), else null. */
  Ops.Floats finalC();

  /**
   * Back-propagates dy [T, B, W] through the last training forward (no gradient of the final
   * states); returns dL/dx [T, B, X] and keeps the weights' gradients for {@link #addWeightGradients}.
   */
  default Ops.Floats backward(Ops.Floats dy) {
    return backward(dy, null, null);
  }

  /**
   * {@link #backward(Ops.Floats)} with the gradients of the final states too, dFinalH and dFinalC
   * [layers*D, B, H] (null: zero): an encoder's, whose final states feed a decoder.
   */
  Ops.Floats backward(Ops.Floats dy, Ops.Floats dFinalH, Ops.Floats dFinalC);

  /** Adds the last backward's weight gradients to the parameters' gradients. */
  void addWeightGradients();

  /**
   * The weights where the stack keeps them (its weight space), updated in place by an optimizer
   * on the device: {@link #weightCount()} floats, element by element parallel to
   * {@link #weightGradients()}.
   */
  Ops.Floats weights();

  /** The last backward's weight gradients, parallel to {@link #weights()}. */
  Ops.Floats weightGradients();

  /** How many floats {@link #weights()} holds. */
  long weightCount();

  /**
   * 1 where the weight space holds one of jrnn's parameters, 0 where it holds a value that must
   * stay as it is (cuDNN's second bias where jrnn has one, and padding); null when every element
   * is a parameter. Gradients are multiplied by it before they are used.
   */
  Ops.Floats gradientMask();

  /** 1 on weight matrices, 0 on biases: where weight decay applies. */
  Ops.Floats decayMask();

  /** Copies the weight space into the parameters' values (jrnn's layout). */
  void weightsToHost();

  /**
   * Copies a vector parallel to the weight space (an optimizer's state) into the stack's entries
   * of {@code flat}, a vector of the parameters' whole layout. {@code signed}: the vector changes
   * sign with the weights (a first moment, a velocity); else it does not (a second moment).
   */
  void vectorToHost(Ops.Floats vector, Tensor flat, boolean signed);

  /** The reverse of {@link #vectorToHost}. */
  void vectorFromHost(Tensor flat, Ops.Floats vector, boolean signed);

  @Override
  void close();
}
