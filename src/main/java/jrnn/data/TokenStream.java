package jrnn.data;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A long sequence of token ids cut for truncated BPTT the way Zaremba et al. (2014) and
 * PyTorch's word_language_model do: the stream is split into B equal parallel streams, read in
 * windows of T steps; window k holds steps [kT, kT + T) of every stream (the last one may be
 * shorter), and the target of each step is the next token. A model carries its final state from
 * one window into the next, so that state flows across the whole stream while gradients stop at
 * window borders.
 */
public final class TokenStream {
  private final int[] tokens;

  /** A stream over {@code tokens} (at least 2; the array is kept, not copied). */
  public TokenStream(int[] tokens) {
    if (tokens.length < 2) {
      throw new IllegalArgumentException("TokenStream: need at least 2 tokens, got " + tokens.length);
    }
    this.tokens = tokens;
  }

  /** The number of tokens. */
  public int length() {
    return tokens.length;
  }

  /** The token ids (the stream's own array). */
  public int[] tokens() {
    return tokens;
  }

  /** Tokens per parallel stream, counting inputs (each also needs a next token as target). */
  public int streamLength(int batch) {
    return (tokens.length - 1) / batch;
  }

  /** Number of windows of {@code steps} for {@code batch} parallel streams. */
  public int windows(int batch, int steps) {
    return (streamLength(batch) + steps - 1) / steps;
  }

  /** Number of (input, target) pairs the windows cover. */
  public int predictions(int batch) {
    return streamLength(batch) * batch;
  }

  /** The windows in order. */
  public Iterable<Batch> batches(int batch, int steps) {
    if (batch <= 0 || steps <= 0) {
      throw new IllegalArgumentException("TokenStream: batch and steps must be positive, got " + batch + ", " + steps);
    }
    int perStream = streamLength(batch);
    if (perStream < 1) {
      throw new IllegalArgumentException("TokenStream: " + tokens.length + " tokens are too few for "
          + batch + " parallel streams");
    }
    return () -> new Iterator<>() {
      int start;

      @Override
      public boolean hasNext() {
        return start < perStream;
      }

      @Override
      public Batch next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        int t = Math.min(steps, perStream - start);
        int[] in = new int[t * batch];
        int[] out = new int[t * batch];
        for (int b = 0; b < batch; b++) {
          int base = b * perStream + start;
          for (int s = 0; s < t; s++) {
            in[s * batch + b] = tokens[base + s];
            out[s * batch + b] = tokens[base + s + 1];
          }
        }
        start += t;
        return Batch.ofTokens(t, batch, in, Batch.fullLengths(t, batch), out);
      }
    };
  }
}
