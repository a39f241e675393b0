package jrnn.training;

/**
 * The loss or the gradient became NaN or infinite. Thrown before the update, so the parameters
 * still hold their last finite values.
 */
public final class TrainingDivergedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TrainingDivergedException(String message) {
    super(message);
  }
}
