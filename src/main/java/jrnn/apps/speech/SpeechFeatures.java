package jrnn.apps.speech;

import java.util.Arrays;
import java.util.List;
import jrnn.audio.FrontEnd;
import jrnn.audio.Resampler;
import jrnn.audio.Wav;
import jrnn.frame.Settings;
import jrnn.kernels.Parallel;
import jrnn.util.Rng;

/**
 * What a recogniser reads of a recording: the front end's features at its rate, normalized per
 * recording or by the training data's statistics, with {@code stride} consecutive frames stacked
 * into one step. Immutable; may be shared between threads.
 */
public final class SpeechFeatures {
  /**
   * Per-feature mean and standard deviation of the training recordings (global normalization).
   *
   * @param mean the mean of each feature
   * @param std the standard deviation of each feature, positive
   */
  public record Statistics(float[] mean, float[] std) {
    /** Checks one finite mean and one positive, finite deviation per feature. */
    public Statistics {
      if (mean.length != std.length) {
        throw new IllegalArgumentException("normalization: " + mean.length + " means and " + std.length + " deviations");
      }
      for (int j = 0; j < std.length; j++) {
        if (!(std[j] > 0) || !Float.isFinite(mean[j]) || !Float.isFinite(std[j])) {
          throw new IllegalArgumentException("normalization: feature " + j + " has mean " + mean[j] + " and deviation "
              + std[j] + "; a deviation must be positive and finite");
        }
      }
    }

    /** Over every frame of every recording (deviations floored at 1e-5). */
    public static Statistics of(List<float[][]> recordings) {
      int d = recordings.get(0)[0].length;
      double[] sum = new double[d];
      double[] sq = new double[d];
      long n = 0;
      for (float[][] x : recordings) {
        for (float[] row : x) {
          for (int j = 0; j < d; j++) {
            sum[j] += row[j];
            sq[j] += (double) row[j] * row[j];
          }
          n++;
        }
      }
      float[] mean = new float[d];
      float[] std = new float[d];
      for (int j = 0; j < d; j++) {
        double m = sum[j] / n;
        mean[j] = (float) m;
        std[j] = (float) Math.max(1e-5, Math.sqrt(Math.max(0, sq[j] / n - m * m)));
      }
      return new Statistics(mean, std);
    }
  }

  private final FrontEnd frontEnd;
  private final int stride;
  private final Statistics statistics;
  /** Each recording's mean removed before the training data's deviation divides (normalization utterance-mean). */
  private final boolean meanPerRecording;
  /** Recordings read together normalized by their speaker's statistics (normalization speaker). */
  private final boolean bySpeaker;

  /** The features {@code s} describes; {@code statistics} for global normalization, else null. */
  public SpeechFeatures(Settings s, Statistics statistics) {
    this.frontEnd = new FrontEnd(frontEndConfig(s));
    this.stride = s.get(SpeechSettings.STRIDE);
    this.meanPerRecording = s.get(SpeechSettings.NORMALIZATION).equals("utterance-mean");
    this.bySpeaker = s.get(SpeechSettings.NORMALIZATION).equals("speaker");
    boolean global = !s.get(SpeechSettings.NORMALIZATION).equals("utterance") && !bySpeaker;
    if (global != (statistics != null)) {
      throw new IllegalArgumentException(global ? s.get(SpeechSettings.NORMALIZATION) + " normalization needs the"
          + " training data's statistics" : "per-recording normalization takes no statistics");
    }
    if (statistics != null && statistics.mean().length != frontEnd.dimension()) {
      throw new IllegalArgumentException("normalization statistics of " + statistics.mean().length
          + " features for a front end of " + frontEnd.dimension());
    }
    this.statistics = statistics;
  }

  /** The statistics global normalization takes from the training recordings, or null for per-recording. */
  public static Statistics statisticsFor(Settings s, List<Utterance> train) {
    String normalization = s.get(SpeechSettings.NORMALIZATION);
    if (normalization.equals("utterance") || normalization.equals("speaker")) {
      return null;
    }
    boolean meanPerRecording = normalization.equals("utterance-mean");
    FrontEnd f = new FrontEnd(frontEndConfig(s));
    int rate = f.config().sampleRate();
    float[][][] raw = new float[train.size()][][];
    Parallel.run(raw.length, (a, b) -> {
      for (int i = a; i < b; i++) {
        raw[i] = f.features(Resampler.resample(train.get(i).audio(), rate).samples());
        if (meanPerRecording) {
          removeMean(raw[i]);
        }
      }
    });
    return Statistics.of(Arrays.asList(raw));
  }

  /**
   * The front end the settings {@code s} describe: their sizes, the front end's own defaults for
   * the rest.
   */
  public static FrontEnd.Config frontEndConfig(Settings s) {
    int rate = s.get(SpeechSettings.SAMPLE_RATE);
    FrontEnd.Kind kind = FrontEnd.Kind.parse(s.get(SpeechSettings.FEATURES));
    // The front end's own defaults (pre-emphasis, band, lifter), with the sizes the settings give.
    FrontEnd.Config d = kind == FrontEnd.Kind.MFCC ? FrontEnd.Config.mfcc(rate) : FrontEnd.Config.logMel(rate);
    return new FrontEnd.Config(rate, s.get(SpeechSettings.FRAME_MS), s.get(SpeechSettings.HOP_MS), d.preemphasis(),
        s.get(SpeechSettings.MEL_BINS), d.lowHz(), d.highHz(), kind,
        kind == FrontEnd.Kind.MFCC ? s.get(SpeechSettings.CEPS) : 0, d.lifter(), s.get(SpeechSettings.DELTAS));
  }

  /** The front end that computes the features. */
  public FrontEnd frontEnd() {
    return frontEnd;
  }

  /** The training data's statistics for global normalization; null otherwise. */
  public Statistics statistics() {
    return statistics;
  }

  /** Values per step: the front end's features times the stride. */
  public int dimension() {
    return frontEnd.dimension() * stride;
  }

  /**
   * The steps the recogniser reads of a recording, from its length alone: its frames at the
   * recogniser's rate, {@code stride} to a step as {@link #stack} puts them (the last step padded).
   */
  public int steps(Wav.Audio audio) {
    long samples = Resampler.length(audio.samples().length, audio.sampleRate(), frontEnd.config().sampleRate());
    int frames = frontEnd.frames((int) Math.min(Integer.MAX_VALUE, samples));
    return (frames + stride - 1) / stride;
  }

  /** The front end's features of a recording at the recogniser's rate, not normalized. */
  public float[][] raw(Wav.Audio audio) {
    return frontEnd.features(Resampler.resample(audio, frontEnd.config().sampleRate()).samples());
  }

  /** What the recogniser reads of a recording (by speaker: a speaker of its own): [steps][dimension()]. */
  public float[][] of(Wav.Audio audio) {
    return of(List.of(new Utterance("", audio, List.of()))).get(0);
  }

  /** What the recogniser reads of each recording, computed on the engine's threads. */
  public List<float[][]> of(List<Utterance> utterances) {
    float[][][] out = new float[utterances.size()][][];
    Parallel.run(out.length, (a, b) -> {
      for (int i = a; i < b; i++) {
        out[i] = raw(utterances.get(i).audio());
        if (!bySpeaker) {
          out[i] = stack(normalize(out[i]));
        }
      }
    });
    if (bySpeaker) {
      normalizeBySpeaker(out, utterances);
      for (int i = 0; i < out.length; i++) {
        out[i] = stack(out[i]);
      }
    }
    return Arrays.asList(out);
  }

  /**
   * Each recording augmented afresh, from a seed drawn from {@code rng} in order (so the result does
   * not depend on the threads), computed on the engine's threads; its normalized features masked.
   */
  public List<float[][]> augmented(List<Utterance> utterances, Augmentation augmentation, Rng rng) {
    Rng[] own = new Rng[utterances.size()];
    for (int i = 0; i < own.length; i++) {
      own[i] = new Rng(rng.nextLong());
    }
    float[][][] out = new float[utterances.size()][][];
    int rate = frontEnd.config().sampleRate();
    int blocks = 1 + frontEnd.config().deltas();
    Parallel.run(out.length, (a, b) -> {
      for (int i = a; i < b; i++) {
        Wav.Audio at = Resampler.resample(utterances.get(i).audio(), rate);
        double warp = augmentation.warp(own[i]);
        FrontEnd heard = warp == 1 ? frontEnd : new FrontEnd(frontEnd.config(), warp);
        out[i] = heard.features(augmentation.samples(at, own[i]).samples());
        if (!bySpeaker) {
          out[i] = normalize(out[i]);
          augmentation.mask(out[i], blocks, own[i]);
          out[i] = stack(out[i]);
        }
      }
    });
    if (bySpeaker) {
      normalizeBySpeaker(out, utterances);
      for (int i = 0; i < out.length; i++) {
        augmentation.mask(out[i], blocks, own[i]);
        out[i] = stack(out[i]);
      }
    }
    return Arrays.asList(out);
  }

  /**
   * Each speaker's recordings normalized together by that speaker's statistics, in place; recordings
   * whose speaker is not known ("") form one group.
   */
  void normalizeBySpeaker(float[][][] x, List<Utterance> utterances) {
    java.util.Map<String, List<Integer>> groups = new java.util.LinkedHashMap<>();
    for (int i = 0; i < x.length; i++) {
      groups.computeIfAbsent(utterances.get(i).speaker(), k -> new java.util.ArrayList<>()).add(i);
    }
    for (List<Integer> group : groups.values()) {
      Statistics st = Statistics.of(group.stream().map(i -> x[i]).toList());
      for (int i : group) {
        for (float[] row : x[i]) {
          for (int j = 0; j < row.length; j++) {
            row[j] = (row[j] - st.mean()[j]) / st.std()[j];
          }
        }
      }
    }
  }

  float[][] normalize(float[][] x) {
    if (statistics == null) {
      return FrontEnd.normalizePerUtterance(x);
    }
    if (meanPerRecording) {
      removeMean(x);
    }
    for (float[] row : x) {
      for (int j = 0; j < row.length; j++) {
        row[j] = (row[j] - statistics.mean()[j]) / statistics.std()[j];
      }
    }
    return x;
  }

  /** Each feature's mean over the recording's frames subtracted (cepstral mean normalization), in place. */
  static void removeMean(float[][] x) {
    int d = x[0].length;
    for (int j = 0; j < d; j++) {
      double m = 0;
      for (float[] row : x) {
        m += row[j];
      }
      m /= x.length;
      for (float[] row : x) {
        row[j] -= (float) m;
      }
    }
  }

  /** Frames [t*stride, (t+1)*stride) side by side in step t; the last step padded with zeros. */
  float[][] stack(float[][] x) {
    if (stride == 1) {
      return x;
    }
    int d = x[0].length;
    int steps = (x.length + stride - 1) / stride;
    float[][] y = new float[steps][d * stride];
    for (int t = 0; t < x.length; t++) {
      System.arraycopy(x[t], 0, y[t / stride], (t % stride) * d, d);
    }
    return y;
  }
}
