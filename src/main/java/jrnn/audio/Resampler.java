package jrnn.audio;

/**
 * Changes a recording's sample rate by band-limited interpolation: each output sample is a sum of
 * input samples weighted by a sinc whose cut-off is the lower of the two Nyquist frequencies
 * (so that downsampling first removes what the new rate cannot hold), windowed by a Hann window
 * of {@value #ZEROS} zero crossings each side.
 */
public final class Resampler {
  /** Zero crossings of the sinc on each side of a sample: the filter's length, and its sharpness. */
  static final int ZEROS = 16;

  private Resampler() {}

  /** The samples {@link #resample} makes of {@code samples} at {@code from} per second, at {@code rate}. */
  public static long length(int samples, int from, int rate) {
    return from == rate ? samples : Math.max(1, Math.round(samples * ((double) rate / from)));
  }

  /**
   * {@code audio} at {@code rate} samples per second (at least one sample); {@code audio} itself
   * when already at that rate.
   */
  public static Wav.Audio resample(Wav.Audio audio, int rate) {
    if (rate < Wav.MIN_RATE || rate > Wav.MAX_RATE) {
      throw new IllegalArgumentException("a sample rate must be " + Wav.RATES + ", got " + rate);
    }
    if (audio.sampleRate() == rate) {
      return audio;
    }
    float[] in = audio.samples();
    int from = audio.sampleRate();
    double ratio = (double) rate / from;
    long length = length(in.length, from, rate);
    if (length > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "%,d samples at %,d per second make"
          + " %,d at %,d, more than an array holds", in.length, from, length, rate));
    }
    int n = (int) length;
    // Cut-off as a fraction of the input's Nyquist frequency.
    double cutoff = Math.min(1.0, ratio);
    double halfWidth = ZEROS / cutoff; // in input samples
    // Output sample j lies at t = j * from / rate input samples, whose fraction takes only
    // rate / gcd values: the filter's weights for each are computed once, not once per sample.
    long g = gcd(from, rate);
    int phases = (int) (rate / g);
    if (phases > Math.min(n, MAX_PHASES)) {
      return direct(in, n, ratio, cutoff, halfWidth, rate);
    }
    int first = (int) Math.ceil(-halfWidth) - 1;
    int taps = (int) Math.floor(1 + halfWidth) - first + 1;
    double[][] weights = new double[phases][taps];
    for (int p = 0; p < phases; p++) {
      double frac = (double) p * g / rate;
      for (int k = 0; k < taps; k++) {
        double x = first + k - frac;
        weights[p][k] = Math.abs(x) > halfWidth ? 0 : cutoff * sinc(cutoff * x) * hann(x / halfWidth);
      }
    }
    float[] out = new float[n];
    for (int j = 0; j < n; j++) {
      long num = (long) j * from;
      int base = (int) (num / rate);
      double[] w = weights[(int) (num % rate / g)];
      double sum = 0;
      int lo = Math.max(0, base + first);
      int hi = Math.min(in.length - 1, base + first + taps - 1);
      for (int i = lo; i <= hi; i++) {
        sum += in[i] * w[i - base - first];
      }
      out[j] = (float) sum;
    }
    return new Wav.Audio(out, rate);
  }

  /** Most filter phases tabulated; rates whose ratio needs more are computed sample by sample. */
  static final int MAX_PHASES = 4096;

  private static long gcd(long a, long b) {
    return b == 0 ? a : gcd(b, a % b);
  }

  /** Each output sample's weights computed as it is made. */
  static Wav.Audio direct(float[] in, int n, double ratio, double cutoff, double halfWidth, int rate) {
    float[] out = new float[n];
    for (int j = 0; j < n; j++) {
      double t = j / ratio; // the output sample's time, in input samples
      int lo = (int) Math.ceil(t - halfWidth);
      int hi = (int) Math.floor(t + halfWidth);
      double sum = 0;
      for (int i = Math.max(0, lo); i <= Math.min(in.length - 1, hi); i++) {
        double x = i - t;
        sum += in[i] * cutoff * sinc(cutoff * x) * hann(x / halfWidth);
      }
      out[j] = (float) sum;
    }
    return new Wav.Audio(out, rate);
  }

  private static double sinc(double x) {
    return x == 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
  }

  /** The Hann window on [-1, 1]. */
  private static double hann(double u) {
    return Math.abs(u) >= 1 ? 0 : 0.5 * (1 + Math.cos(Math.PI * u));
  }
}
