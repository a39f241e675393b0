package jrnn.audio;

import java.io.IOException;

/** A recording jrnn cannot read, with the file and the problem named. */
public final class AudioFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  /** An exception with {@code message}, which names the file and the problem. */
  public AudioFormatException(String message) {
    super(message);
  }
}
