package jrnn.training;

/**
 * The loss or the gradient became NaN or infinite. Thrown before the update, so the parameters
 * still hold their last finite values.
 */
public final class TrainingDivergedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The loss that was not finite, or NaN when it was a gradient. */
  private final double loss;

  /** An exception with {@code message}, which names the update and the value. */
  public TrainingDivergedException(String message) {
    this(message, Double.NaN);
  }

  /** An exception for a loss of {@code loss} (NaN or infinite), with {@code message} naming the update and the value. */
  public TrainingDivergedException(String message, double loss) {
    super(message);
    this.loss = loss;
  }

  /** The loss that was not finite (NaN also when a gradient was). */
  public double loss() {
    return loss;
  }
}
