package jrnn.audio;

import org.jtransforms.fft.FloatFFT_1D;

/**
 * The speech front end: a recording's samples to a sequence of feature vectors, one per frame.
 *
 * <pre>
 *   frames     frame t = samples [t*hop, t*hop + length), a recording shorter than one frame padded with zeros
 *   per frame  DC removed; pre-emphasis y[n] = x[n] - k x[n-1]; Hamming window; zero-padded to a power of two
 *   spectrum   power |X_f|^2 of the real FFT (JTransforms)
 *   log-mel    log(max(sum_f w_mf |X_f|^2, floor)), M triangular filters spaced evenly on the mel scale
 *              mel(f) = 2595 log10(1 + f / 700) between lowHz and highHz
 *   MFCC       orthonormal DCT-II of the log-mel vector, the first C coefficients (c0 included), liftered
 *   deltas     d_t = sum_{n=1..2} n (c_{t+n} - c_{t-n}) / (2 (1 + 4)), the ends repeated; then the deltas' deltas
 * </pre>
 *
 * A front end is immutable and may be shared between threads.
 */
public final class FrontEnd {
  /** The value of a filter with no energy at all: log-mel of silence is log(FLOOR). */
  public static final double FLOOR = 1e-10;

  /** What the front end computes. */
  public enum Kind {
    /** Log energies of the mel filter bank. */
    LOG_MEL,
    /** Mel-frequency cepstral coefficients: the DCT of the log-mel vector. */
    MFCC;

    /** The kind named {@code s}: {@code log-mel} (or {@code fbank}) or {@code mfcc}, case-insensitive. */
    public static Kind parse(String s) {
      switch (s.trim().toLowerCase(java.util.Locale.ROOT).replace('-', '_')) {
        case "log_mel":
        case "fbank":
          return LOG_MEL;
        case "mfcc":
          return MFCC;
        default:
          throw new IllegalArgumentException("unknown features '" + s + "'; expected log-mel or mfcc");
      }
    }
  }

  /**
   * @param sampleRate samples per second the front end reads (recordings are resampled to it)
   * @param frameMs frame length, milliseconds
   * @param hopMs frame shift, milliseconds
   * @param preemphasis k of the pre-emphasis filter (0: none)
   * @param melBins filters of the mel bank
   * @param lowHz lowest frequency of the bank
   * @param highHz highest (at most half the sample rate)
   * @param kind log-mel energies or MFCC
   * @param ceps MFCC coefficients kept (MFCC only)
   * @param lifter L of the cepstral lifter 1 + (L/2) sin(pi k / L) (0: none; MFCC only)
   * @param deltas 0, 1 (deltas) or 2 (deltas and their deltas) appended
   */
  public record Config(int sampleRate, double frameMs, double hopMs, double preemphasis, int melBins, double lowHz,
      double highHz, Kind kind, int ceps, int lifter, int deltas) {
    /** Checks every field's range; an {@link IllegalArgumentException} names the first one out of range. */
    public Config {
      if (sampleRate <= 0) {
        throw new IllegalArgumentException("front end: sample rate must be positive, got " + sampleRate);
      }
      if (!(frameMs > 0) || !(hopMs > 0)) {
        throw new IllegalArgumentException("front end: frame length and shift must be positive, got " + frameMs
            + " and " + hopMs + " ms");
      }
      if (!(preemphasis >= 0 && preemphasis < 1)) {
        throw new IllegalArgumentException("front end: pre-emphasis must be in [0, 1), got " + preemphasis);
      }
      if (melBins < 1) {
        throw new IllegalArgumentException("front end: the mel bank needs at least one filter, got " + melBins);
      }
      if (!(lowHz >= 0 && lowHz < highHz && highHz <= sampleRate / 2.0)) {
        throw new IllegalArgumentException("front end: the mel bank's range must satisfy 0 <= low < high <= "
            + sampleRate / 2.0 + " Hz (half the sample rate), got " + lowHz + " to " + highHz);
      }
      if (kind == Kind.MFCC && (ceps < 1 || ceps > melBins)) {
        throw new IllegalArgumentException("front end: MFCC coefficients must be in [1, " + melBins
            + "] (the mel filters), got " + ceps);
      }
      if (lifter < 0 || deltas < 0 || deltas > 2) {
        throw new IllegalArgumentException("front end: lifter must be 0 or more and deltas 0, 1 or 2, got " + lifter
            + " and " + deltas);
      }
    }

    /** 25 ms frames every 10 ms, pre-emphasis 0.97, 40 filters over the whole band, log-mel with deltas. */
    public static Config logMel(int sampleRate) {
      return new Config(sampleRate, 25, 10, 0.97, 40, 20, sampleRate / 2.0, Kind.LOG_MEL, 0, 0, 2);
    }

    /** The same frames, 13 MFCC (c0 included) from 26 filters, liftered (22), with deltas and their deltas. */
    public static Config mfcc(int sampleRate) {
      return new Config(sampleRate, 25, 10, 0.97, 26, 20, sampleRate / 2.0, Kind.MFCC, 13, 22, 2);
    }
  }

  private final Config config;
  private final int frameLength;
  private final int hop;
  private final int fftSize;
  private final float[] window;
  /** filters[m] = {first bin, weights for bins first .. first + weights.length - 1}. */
  private final int[] firstBin;
  private final float[][] weights;
  private final double[][] dct;
  private final double[] lift;
  private final double warp;

  /** A front end computing {@code config}'s features, its frequency axis unwarped. */
  public FrontEnd(Config config) {
    this(config, 1);
  }

  /**
   * A front end whose filter bank reads the spectrum with its frequency axis warped by {@code warp}
   * (vocal tract length perturbation, Jaitly and Hinton 2013): frequency f is read as if it were
   * {@link #warped}(f), so a voice's formants move as a longer or shorter vocal tract would move
   * them. 1 leaves the axis as it is.
   */
  public FrontEnd(Config config, double warp) {
    if (!(warp >= 0.5 && warp <= 2)) {
      throw new IllegalArgumentException("front end: frequency warp must be in [0.5, 2], got " + warp);
    }
    this.config = config;
    this.warp = warp;
    this.frameLength = Math.max(1, (int) Math.round(config.sampleRate() * config.frameMs() / 1000));
    this.hop = Math.max(1, (int) Math.round(config.sampleRate() * config.hopMs() / 1000));
    int n = 1;
    while (n < frameLength) {
      n *= 2;
    }
    this.fftSize = Math.max(n, 2);
    this.window = new float[frameLength];
    for (int i = 0; i < frameLength; i++) {
      window[i] = frameLength == 1 ? 1f : (float) (0.54 - 0.46 * Math.cos(2 * Math.PI * i / (frameLength - 1)));
    }
    int m = config.melBins();
    this.firstBin = new int[m];
    this.weights = new float[m][];
    double lowMel = mel(config.lowHz());
    double highMel = mel(config.highHz());
    double step = (highMel - lowMel) / (m + 1);
    int bins = fftSize / 2 + 1;
    for (int f = 0; f < m; f++) {
      double left = lowMel + f * step;
      double center = left + step;
      double right = center + step;
      int first = -1;
      float[] w = new float[bins];
      int last = -1;
      for (int k = 0; k < bins; k++) {
        double km = mel(warped((double) k * config.sampleRate() / fftSize));
        double v = km > left && km < right ? km <= center ? (km - left) / step : (right - km) / step : 0;
        if (v > 0) {
          if (first < 0) {
            first = k;
          }
          last = k;
          w[k] = (float) v;
        }
      }
      // A filter narrower than the bins' spacing catches none: it takes the bin nearest its centre.
      if (first < 0) {
        int k = (int) Math.round(unwarped(hz(center)) * fftSize / config.sampleRate());
        first = last = Math.min(bins - 1, k);
        w[first] = 1f;
      }
      firstBin[f] = first;
      weights[f] = java.util.Arrays.copyOfRange(w, first, last + 1);
    }
    if (config.kind() == Kind.MFCC) {
      int c = config.ceps();
      this.dct = new double[c][m];
      for (int k = 0; k < c; k++) {
        double scale = Math.sqrt((k == 0 ? 1.0 : 2.0) / m);
        for (int j = 0; j < m; j++) {
          dct[k][j] = scale * Math.cos(Math.PI * k * (j + 0.5) / m);
        }
      }
      this.lift = new double[c];
      for (int k = 0; k < c; k++) {
        lift[k] = config.lifter() == 0 ? 1 : 1 + config.lifter() / 2.0 * Math.sin(Math.PI * k / config.lifter());
      }
    } else {
      this.dct = null;
      this.lift = null;
    }
  }

  /** The configuration this front end computes. */
  public Config config() {
    return config;
  }

  /**
   * Frequency f under the warp a, piecewise linear after Kaldi's VTLN (without its segment below a low
   * cut-off): a f up to the
   * boundary b = 0.85 N min(a, 1) / a (N: half the sample rate), then a straight line to N, so
   * that the band's top stays where it is.
   */
  public double warped(double f) {
    if (warp == 1) {
      return f;
    }
    double nyquist = config.sampleRate() / 2.0;
    double high = warpedBoundary();
    double boundary = high / warp;
    if (f <= boundary) {
      return warp * f;
    }
    return nyquist - (nyquist - high) / (nyquist - boundary) * (nyquist - f);
  }

  /** Where the boundary b lands once warped: 0.85 N min(a, 1); the line to N starts there. */
  private double warpedBoundary() {
    return 0.85 * (config.sampleRate() / 2.0) * Math.min(warp, 1);
  }

  /** The frequency that {@link #warped} takes to g. */
  double unwarped(double g) {
    if (warp == 1) {
      return g;
    }
    double nyquist = config.sampleRate() / 2.0;
    double high = warpedBoundary();
    double boundary = high / warp;
    if (g <= high) {
      return g / warp;
    }
    return nyquist - (nyquist - g) * (nyquist - boundary) / (nyquist - high);
  }

  /** Frequency {@code hz} on the mel scale: 2595 log10(1 + hz / 700). */
  public static double mel(double hz) {
    return 2595 * Math.log10(1 + hz / 700);
  }

  /** The frequency in Hz of {@code mel} mels, the inverse of {@link #mel}. */
  public static double hz(double mel) {
    return 700 * (Math.pow(10, mel / 2595) - 1);
  }

  /** The centre frequency of mel filter m, in Hz. */
  public double filterCentreHz(int m) {
    double lowMel = mel(config.lowHz());
    double step = (mel(config.highHz()) - lowMel) / (config.melBins() + 1);
    return hz(lowMel + (m + 1) * step);
  }

  /** Samples in a frame. */
  public int frameLength() {
    return frameLength;
  }

  /** Samples between the starts of two frames. */
  public int hop() {
    return hop;
  }

  /** Frames of a recording of n samples: 0 for none, 1 for up to one frame, else 1 + (n - length) / hop. */
  public int frames(int samples) {
    if (samples <= 0) {
      return 0;
    }
    return samples <= frameLength ? 1 : 1 + (samples - frameLength) / hop;
  }

  /** Values per frame: filters or coefficients, times 1 + deltas. */
  public int dimension() {
    int base = config.kind() == Kind.MFCC ? config.ceps() : config.melBins();
    return base * (1 + config.deltas());
  }

  /** The feature vectors of {@code samples} (at the configured rate), [frames][dimension]. */
  public float[][] features(float[] samples) {
    int frames = frames(samples.length);
    if (frames == 0) {
      throw new IllegalArgumentException("front end: a recording without samples has no features");
    }
    int base = config.kind() == Kind.MFCC ? config.ceps() : config.melBins();
    float[][] out = new float[frames][dimension()];
    FloatFFT_1D fft = new FloatFFT_1D(fftSize);
    float[] buf = new float[fftSize];
    double[] power = new double[fftSize / 2 + 1];
    double[] logMel = new double[config.melBins()];
    for (int t = 0; t < frames; t++) {
      int start = t * hop;
      double mean = 0;
      int n = Math.min(frameLength, samples.length - start);
      for (int i = 0; i < n; i++) {
        mean += samples[start + i];
      }
      mean /= frameLength;
      java.util.Arrays.fill(buf, 0f);
      // DC removed and pre-emphasis within the frame (its first sample against itself), then the window.
      double prev = (n > 0 ? samples[start] : 0) - mean;
      for (int i = 0; i < frameLength; i++) {
        double x = (i < n ? samples[start + i] : 0) - mean;
        double y = x - config.preemphasis() * prev;
        prev = x;
        buf[i] = (float) (y * window[i]);
      }
      fft.realForward(buf);
      // JTransforms' packing: buf[0] = Re X_0, buf[1] = Re X_{N/2}, buf[2k], buf[2k+1] = Re, Im X_k.
      power[0] = (double) buf[0] * buf[0];
      power[fftSize / 2] = (double) buf[1] * buf[1];
      for (int k = 1; k < fftSize / 2; k++) {
        power[k] = (double) buf[2 * k] * buf[2 * k] + (double) buf[2 * k + 1] * buf[2 * k + 1];
      }
      for (int m = 0; m < config.melBins(); m++) {
        double e = 0;
        float[] w = weights[m];
        for (int j = 0; j < w.length; j++) {
          e += w[j] * power[firstBin[m] + j];
        }
        logMel[m] = Math.log(Math.max(e, FLOOR));
      }
      if (config.kind() == Kind.LOG_MEL) {
        for (int m = 0; m < base; m++) {
          out[t][m] = (float) logMel[m];
        }
      } else {
        for (int k = 0; k < base; k++) {
          double c = 0;
          for (int j = 0; j < logMel.length; j++) {
            c += dct[k][j] * logMel[j];
          }
          out[t][k] = (float) (c * lift[k]);
        }
      }
    }
    for (int d = 1; d <= config.deltas(); d++) {
      deltas(out, (d - 1) * base, d * base, base);
    }
    return out;
  }

  /** Columns [to, to + n) = the deltas of columns [from, from + n) over time (window 2, ends repeated). */
  static void deltas(float[][] x, int from, int to, int n) {
    int frames = x.length;
    for (int t = 0; t < frames; t++) {
      for (int j = 0; j < n; j++) {
        double d = 0;
        for (int k = 1; k <= 2; k++) {
          float next = x[Math.min(frames - 1, t + k)][from + j];
          float before = x[Math.max(0, t - k)][from + j];
          d += k * (next - before);
        }
        x[t][to + j] = (float) (d / 10);
      }
    }
  }

  /** Each dimension of {@code x} shifted and scaled to mean 0 and variance 1 over its frames (in place). */
  public static float[][] normalizePerUtterance(float[][] x) {
    if (x.length == 0) {
      return x;
    }
    int d = x[0].length;
    for (int j = 0; j < d; j++) {
      double mean = 0;
      for (float[] f : x) {
        mean += f[j];
      }
      mean /= x.length;
      double var = 0;
      for (float[] f : x) {
        var += (f[j] - mean) * (f[j] - mean);
      }
      double scale = 1 / Math.sqrt(var / x.length + 1e-8);
      for (float[] f : x) {
        f[j] = (float) ((f[j] - mean) * scale);
      }
    }
    return x;
  }
}
