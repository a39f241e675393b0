package jrnn.tensor;

/**
 * A tensor, a batch or a parameter does not have the shape a component expects. The message
 * names the component, the expected and the actual value.
 */
public final class ShapeMismatchException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** An exception with {@code message}, which names the component and both shapes or sizes. */
  public ShapeMismatchException(String message) {
    super(message);
  }

  /** Throws unless {@code actual == expected}; {@code what} names the component and the size. */
  public static void check(String what, long expected, long actual) {
    if (expected != actual) {
      throw new ShapeMismatchException(what + ": expected " + expected + ", got " + actual);
    }
  }
}
