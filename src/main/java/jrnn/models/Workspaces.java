package jrnn.models;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A pool of workspaces for concurrent passes over one set of shared, read-only parameters.
 *
 * <p>A {@link SequenceModel} or {@link EncoderDecoder} is two things: the parameters, which
 * every pass reads, and the buffers a pass writes (activations, states, the recurrent weights
 * packed for the per-step product, the outputs). One instance is therefore one caller's
 * workspace and is not safe to share; {@code newWorkspace()} makes another over the same
 * parameters, cheaply (its buffers are allocated on its first pass and then reused). This pool
 * hands each caller a workspace no other thread holds, making one when none is idle, and takes
 * it back afterwards: as many workspaces exist as callers ever ran at once.
 *
 * <p>A pass's result does not depend on the workspace that ran it or on what other threads
 * do: every workspace computes with the same chunks of work ({@link jrnn.kernels.Parallel}),
 * so concurrent passes equal serial ones to the bit.
 *
 * @param <W> the workspace type
 */
public final class Workspaces<W> {
  private final Supplier<W> create;
  private final ConcurrentLinkedDeque<W> idle = new ConcurrentLinkedDeque<>();

  /** A pool that makes its workspaces with {@code create}. */
  public Workspaces(Supplier<W> create) {
    this.create = create;
  }

  /**
   * Runs {@code pass} with a workspace held by this thread alone for the call, and returns its
   * result. The result must not keep references into the workspace's buffers: copy what is
   * kept.
   */
  public <R> R apply(Function<W, R> pass) {
    W w = idle.pollFirst();
    if (w == null) {
      w = create.get();
    }
    try {
      return pass.apply(w);
    } finally {
      idle.offerFirst(w);
    }
  }
}
