package jrnn.training;

/**
 * The loss or the gradient became NaN or infinite. Thrown before the update, so the parameters
 * still hold their last finite values.
 */
public final class TrainingDivergedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** An exception with {@code message}, which names the update and the value. */
  public TrainingDivergedException(String message) {
    super(message);
  }
}
