package jrnn.io;

import java.io.IOException;

/** A model or checkpoint file that cannot be read: not a model file, corrupt, truncated, or too new. */
public final class ModelFileException extends IOException {
  private static final long serialVersionUID = 1L;

  /** An exception with {@code message}, which says what is wrong with the file. */
  public ModelFileException(String message) {
    super(message);
  }

  /** An exception with {@code message} and the error that revealed the problem. */
  public ModelFileException(String message, Throwable cause) {
    super(message, cause);
  }
}
