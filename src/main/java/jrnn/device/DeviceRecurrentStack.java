package jrnn.device;

import jrnn.layers.RecurrentState;
import jrnn.tensor.Tensor;

/**
 * A recurrent stack whose weights and activations live on a device, with the semantics of the
 * CPU engine's {@code RecurrentStack}: x [T, B, X] time-major, per-sequence lengths (outputs
 * zero past a sequence's end, final states taken at its last step, the backward direction
 * starting there), states [layers*D, B, H] as in {@link RecurrentState}. The host tensors given
 * and returned here are copied to and from the device; {@link #timeSteps} runs without copies.
 */
public interface DeviceRecurrentStack extends AutoCloseable {

  /**
   * Runs the stack: returns the top layer's output [T, B, W] on the host. {@code initial} may be
   * null for zero states. {@code training} keeps what {@link #backward} needs.
   */
  Tensor forward(Tensor x, int steps, int batch, int[] lengths, RecurrentState initial, boolean training);

  /** The final states of the last {@link #forward}, on the host. */
  RecurrentState finalState();

  /**
   * Back-propagates the last training forward: {@code dTop} [T, B, W] (steps past an end are
   * ignored), {@code dFinal} the gradient of the final states (null: zero); writes the input's
   * gradient into {@code dx} [T, B, X] (null: not wanted) and adds the weights' to the
   * parameters' gradients.
   */
  void backward(Tensor dTop, RecurrentState dFinal, Tensor dx);

  /** The gradient of the initial states, after {@link #backward}. */
  RecurrentState initialStateGradient();

  /** Copies the parameters' current values to the device again (after an optimizer's step on the host). */
  void uploadWeights();

  /**
   * Times the stack on device-resident random data of {@code steps} x {@code batch} with
   * {@code lengths}: a training step (forward, the input's and the weights' gradients) or an
   * inference, {@code warmup} untimed then {@code repeats} timed, each waited for on the device.
   * Returns the milliseconds of each timed one.
   */
  double[] timeSteps(int steps, int batch, int[] lengths, boolean training, int warmup, int repeats);

  /** Frees the device memory. */
  @Override
  void close();
}
