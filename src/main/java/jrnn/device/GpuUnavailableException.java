package jrnn.device;

/** The GPU was asked for and cannot be used; the message says why and what would fix it. */
public final class GpuUnavailableException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  /** A reason that reads after "cannot use the GPU: ". */
  public GpuUnavailableException(String reason) {
    super("cannot use the GPU: " + reason);
  }

  /** A reason with the error that gave it. */
  public GpuUnavailableException(String reason, Throwable cause) {
    super("cannot use the GPU: " + reason, cause);
  }
}
