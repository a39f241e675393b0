package jrnn.gpu;

/**
 * A recurrent stack whose inputs, outputs and states are buffers of an {@link Ops}, and whose
 * weights are a model's {@link jrnn.params.Parameters} (jrnn's layout, read on
 * {@link #uploadWeights}; gradients added to them by {@link #addWeightGradients}):
 * {@link CudnnRecurrentStack} on the GPU, {@link HostStack} its twin on the host.
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

  /** The final hidden states of the last forward. */
  Ops.Floats finalH();

  /** The final cell states of the last forward (LSTM), else null. */
  Ops.Floats finalC();

  /**
   * Back-propagates dy [T, B, W] through the last training forward (no gradient of the final
   * states); returns dL/dx [T, B, X] and keeps the weights' gradients for {@link #addWeightGradients}.
   */
  Ops.Floats backward(Ops.Floats dy);

  /** Adds the last backward's weight gradients to the parameters' gradients. */
  void addWeightGradients();

  @Override
  void close();
}
