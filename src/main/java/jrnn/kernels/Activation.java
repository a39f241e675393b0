package jrnn.kernels;

/** The hidden-unit nonlinearity f of the simple recurrent network (SPEC 8-2, 8-7). */
public enum Activation {
  TANH("tanh"),
  SIGMOID("sigmoid"),
  RELU("relu");

  private final String label;

  Activation(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /** f(z) in double, straight from the definition. */
  public double apply(double z) {
    switch (this) {
      case TANH:
        return Math.tanh(z);
      case SIGMOID:
        return 1.0 / (1.0 + Math.exp(-z));
      case RELU:
        // NaN passes, as the vector kernels' max does, so that it surfaces rather than reading as 0.
        return z > 0 || Double.isNaN(z) ? z : 0.0;
      default:
        throw new AssertionError(this);
    }
  }

  /** f'(z) written in terms of h = f(z), which is what backward has at hand. */
  public double derivativeFromOutput(double h) {
    switch (this) {
      case TANH:
        return 1.0 - h * h;
      case SIGMOID:
        return h * (1.0 - h);
      case RELU:
        return h > 0 ? 1.0 : 0.0;
      default:
        throw new AssertionError(this);
    }
  }
}
