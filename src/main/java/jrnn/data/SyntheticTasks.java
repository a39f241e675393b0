package jrnn.data;

import jrnn.tensor.Tensor;
import jrnn.util.Rng;

/**
 * Generated tasks that need memory across time, for tests, demos and the long-range experiment
 * (SPEC section 2): a network without memory of {@code delay} or {@code steps} steps cannot
 * solve them.
 */
public final class SyntheticTasks {
  private SyntheticTasks() {}

  /**
   * Echo: a stream of random symbols (one-hot, {@code symbols} wide); at every step the target
   * is the symbol seen {@code delay} steps earlier (symbol 0 during the first {@code delay}
   * steps). Chance level is ln(symbols) nats per step.
   */
  public static Batch echo(Rng rng, int batch, int steps, int symbols, int delay) {
    Tensor in = Tensor.zeros(steps, batch, symbols);
    int[] seen = new int[steps * batch];
    int[] targets = new int[steps * batch];
    for (int t = 0; t < steps; t++) {
      for (int b = 0; b < batch; b++) {
        int s = rng.nextInt(symbols);
        seen[t * batch + b] = s;
        in.set((t * batch + b) * symbols + s, 1f);
        targets[t * batch + b] = t >= delay ? seen[(t - delay) * batch + b] : 0;
      }
    }
    return Batch.ofInputs(in, Batch.fullLengths(steps, batch), targets);
  }

  /**
   * The adding problem of Hochreiter and Schmidhuber (1997): each step has a random value in
   * [0, 1) and a marker; exactly two steps are marked, one in the first half and one in the
   * second; the target, read once at the end, is the sum of the two marked values. Predicting
   * the mean sum (1) without memory gives a mean squared error of about 1/6.
   */
  public static Batch adding(Rng rng, int batch, int steps) {
    if (steps < 2) {
      throw new IllegalArgumentException("adding problem: need at least 2 steps, got " + steps);
    }
    Tensor in = Tensor.zeros(steps, batch, 2);
    Tensor target = Tensor.zeros(batch, 1);
    for (int b = 0; b < batch; b++) {
      int half = steps / 2;
      int first = rng.nextInt(half);
      int second = half + rng.nextInt(steps - half);
      double sum = 0;
      for (int t = 0; t < steps; t++) {
        float v = rng.nextFloat();
        in.set((t * batch + b) * 2, v);
        if (t == first || t == second) {
          in.set((t * batch + b) * 2 + 1, 1f);
          sum += v;
        }
      }
      target.set(b, (float) sum);
    }
    return Batch.ofInputs(in, Batch.fullLengths(steps, batch), null, target);
  }
}
