package jrnn.io;

import java.io.IOException;

/** A model or checkpoint file that cannot be read: not a model file, corrupt, truncated, or too new. */
public final class ModelFileException extends IOException {
  private static final long serialVersionUID = 1L;

  public ModelFileException(String message) {
    super(message);
  }
}
