package jrnn.device;

import java.util.Locale;

/** The two places jrnn computes, as the command line's {@code --device} names them. */
public enum Device {
  /** jrnn's own engine on the CPU cores (the default). */
  CPU,
  /** The GPU backend ({@link Gpu#backend()}). */
  GPU;

  /** {@code cpu} or {@code gpu}, any case; anything else is an error that quotes it. */
  public static Device parse(String name) {
    if (name != null) {
      switch (name.trim().toLowerCase(Locale.ROOT)) {
        case "cpu":
          return CPU;
        case "gpu":
        case "cuda":
          return GPU;
        default:
          break;
      }
    }
    throw new IllegalArgumentException("unknown device '" + name + "'; expected cpu or gpu");
  }

  /** The name {@link #parse} reads. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
