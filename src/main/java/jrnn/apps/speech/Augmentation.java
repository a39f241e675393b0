package jrnn.apps.speech;

import jrnn.audio.Resampler;
import jrnn.audio.Wav;
import jrnn.frame.Settings;
import jrnn.util.Rng;

/**
 * The augmentations of a training recording a speech practitioner would use, each drawn afresh
 * every epoch and each switched off by its setting at 0: speed perturbation (Ko et al. 2015),
 * vocal tract length perturbation (Jaitly and Hinton 2013, drawn here, applied by the front end),
 * added white noise at a random signal-to-noise ratio, a time shift, a random cut of the end
 * (FSDD holds takes stopped before the word's last sound), a random level, and SpecAugment's
 * frequency and time masks (Park et al. 2019) on the normalized features.
 *
 * @param speed s: speed factor drawn from [1 - s, 1 + s] (0: off)
 * @param vtlp v: frequency warp drawn from [1 - v, 1 + v] (0: off)
 * @param noiseSnrDb white noise at an SNR drawn from [this, this + 20] dB (0: off)
 * @param shiftMs time shift of up to this many ms (0: off)
 * @param cropEnd up to this fraction cut from the end (0: off)
 * @param freqMasks SpecAugment frequency masks per recording
 * @param freqMaskWidth widest frequency band masked
 * @param timeMasks SpecAugment time masks per recording
 * @param timeMaskWidth longest run of frames masked
 * @param gainDb g: the recording scaled by a gain drawn from [-g, +g] dB (0: off)
 */
public record Augmentation(double speed, double vtlp, double noiseSnrDb, double shiftMs, double cropEnd,
    int freqMasks, int freqMaskWidth, int timeMasks, int timeMaskWidth, double gainDb) {

  /** No augmentation at all. */
  public static final Augmentation NONE = new Augmentation(0, 0, 0, 0, 0, 0, 1, 0, 1, 0);

  /** The augmentation the settings {@code s} ask for. */
  public static Augmentation of(Settings s) {
    return new Augmentation(s.get(SpeechSettings.SPEED), s.get(SpeechSettings.VTLP), s.get(SpeechSettings.NOISE_SNR),
        s.get(SpeechSettings.SHIFT_MS), s.get(SpeechSettings.CROP_END), s.get(SpeechSettings.FREQ_MASKS), s.get(SpeechSettings.FREQ_MASK_WIDTH),
        s.get(SpeechSettings.TIME_MASKS), s.get(SpeechSettings.TIME_MASK_WIDTH), s.get(SpeechSettings.GAIN_DB));
  }

  /** Whether any augmentation is on. */
  public boolean any() {
    return speed > 0 || vtlp > 0 || noiseSnrDb > 0 || shiftMs > 0 || cropEnd > 0 || freqMasks > 0 || timeMasks > 0
        || gainDb > 0;
  }

  /** The frequency warp of one recording's filter bank: 1, or a factor from [1 - vtlp, 1 + vtlp]. */
  public double warp(Rng rng) {
    return vtlp > 0 ? rng.uniform(1 - vtlp, 1 + vtlp) : 1;
  }

  /** The recording with speed, end cropping, shift, noise and gain applied, in that order; the same rate. */
  public Wav.Audio samples(Wav.Audio audio, Rng rng) {
    float[] x = audio.samples();
    int rate = audio.sampleRate();
    if (speed > 0) {
      // In steps of 0.5%: the resampler then tabulates its filter (rates with a large common divisor).
      x = speed(audio, 1 + Math.round(rng.uniform(-speed, speed) * 200) / 200.0).samples();
    }
    if (cropEnd > 0) {
      x = java.util.Arrays.copyOf(x, Math.max(1, (int) Math.round(x.length * (1 - rng.uniform(0, cropEnd)))));
    }
    if (shiftMs > 0) {
      int max = (int) Math.round(shiftMs * rate / 1000);
      x = shift(x, rng.nextInt(2 * max + 1) - max, rng);
    }
    if (noiseSnrDb > 0) {
      x = noise(x, rng.uniform(noiseSnrDb, noiseSnrDb + 20), rng);
    }
    if (gainDb > 0) {
      float gain = (float) Math.pow(10, rng.uniform(-gainDb, gainDb) / 20);
      float[] scaled = new float[x.length];
      for (int i = 0; i < x.length; i++) {
        scaled[i] = x[i] * gain;
      }
      x = scaled;
    }
    return new Wav.Audio(x, rate);
  }

  /**
   * The recording played {@code factor} times as fast: read as if sampled at rate * factor, then
   * resampled to the rate, so it lasts 1/factor as long and its pitch moves by the same factor.
   */
  public static Wav.Audio speed(Wav.Audio audio, double factor) {
    int rate = audio.sampleRate();
    int asIf = (int) Math.round(rate * factor);
    if (asIf == rate) {
      return audio;
    }
    return new Wav.Audio(Resampler.resample(new Wav.Audio(audio.samples(), asIf), rate).samples(), rate);
  }

  /**
   * Shifted by {@code by} samples: later by that much faint noise in front, or earlier with that
   * much cut from the start (never more than half the recording).
   */
  static float[] shift(float[] x, int by, Rng rng) {
    if (by >= 0) {
      float[] y = new float[x.length + by];
      for (int i = 0; i < by; i++) {
        y[i] = (float) (1e-4 * rng.gaussian());
      }
      System.arraycopy(x, 0, y, by, x.length);
      return y;
    }
    int cut = Math.min(-by, x.length / 2);
    float[] y = new float[x.length - cut];
    System.arraycopy(x, cut, y, 0, y.length);
    return y;
  }

  /** x plus white Gaussian noise at {@code snrDb} dB below the recording's mean power. */
  static float[] noise(float[] x, double snrDb, Rng rng) {
    double power = 0;
    for (float v : x) {
      power += (double) v * v;
    }
    power /= Math.max(1, x.length);
    double sigma = Math.sqrt(power / Math.pow(10, snrDb / 10));
    float[] y = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = (float) (x[i] + sigma * rng.gaussian());
    }
    return y;
  }

  /**
   * SpecAugment's masks, in place, on normalized features [frames][d] made of {@code blocks} equal
   * blocks (the front end's features, then their deltas and their deltas' deltas): freqMasks bands
   * of up to freqMaskWidth features of a block, each masked at the same place in every block, and
   * timeMasks runs of up to timeMaskWidth frames (at most a fifth of the recording), set to 0, the
   * features' mean. A band masked in every block is what masking the features before their deltas
   * were taken would give (a constant's delta is 0); drawn over the whole vector instead, most
   * bands of MFCC with deltas would fall in the delta blocks and leave the coefficient itself.
   */
  public void mask(float[][] x, int blocks, Rng rng) {
    int frames = x.length;
    int d = frames == 0 ? 0 : x[0].length;
    if (blocks < 1 || d % blocks != 0) {
      throw new IllegalArgumentException("SpecAugment: " + d + " features do not make " + blocks + " equal blocks");
    }
    int base = d / blocks;
    for (int m = 0; m < freqMasks; m++) {
      int w = rng.nextInt(Math.min(freqMaskWidth, base) + 1);
      int f0 = rng.nextInt(base - w + 1);
      for (float[] row : x) {
        for (int b = 0; b < blocks; b++) {
          java.util.Arrays.fill(row, b * base + f0, b * base + f0 + w, 0f);
        }
      }
    }
    for (int m = 0; m < timeMasks; m++) {
      int w = rng.nextInt(Math.min(timeMaskWidth, frames / 5) + 1);
      int t0 = rng.nextInt(frames - w + 1);
      for (int t = t0; t < t0 + w; t++) {
        java.util.Arrays.fill(x[t], 0f);
      }
    }
  }
}
