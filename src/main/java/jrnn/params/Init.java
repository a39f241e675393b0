package jrnn.params;

import jrnn.tensor.Tensor;
import jrnn.util.Rng;

/** Initialisers for parameter tensors; every draw comes from the given seeded generator. */
public final class Init {
  private Init() {}

  /** Uniform in [-bound, bound). */
  public static void uniform(Tensor t, Rng rng, double bound) {
    for (int i = 0; i < t.size(); i++) {
      t.set(i, (float) rng.uniform(-bound, bound));
    }
  }

  /** Normal with mean 0 and standard deviation {@code std}. */
  public static void normal(Tensor t, Rng rng, double std) {
    for (int i = 0; i < t.size(); i++) {
      t.set(i, (float) (std * rng.gaussian()));
    }
  }
}
