package jrnn.apps.speech;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import jrnn.audio.AudioCorpus.Recording;
import jrnn.audio.Resampler;
import jrnn.audio.Wav;
import jrnn.frame.Settings;
import jrnn.util.Rng;

/**
 * A corpus's recordings as utterances: their words from the manifest, resampled to the
 * recogniser's rate, split into training and validation, and connected strings made from
 * isolated words.
 */
public final class SpeechData {
  private SpeechData() {}

  /**
   * Training and validation utterances.
   *
   * @param train the training utterances
   * @param valid the validation utterances (empty when none)
   */
  public record Splits(List<Utterance> train, List<Utterance> valid) {}

  /**
   * The words a recording says: for task words the column 'digit' or 'label' (one word), for task
   * ctc the column 'transcript' (words separated by spaces), or, for a CTC recogniser trained on
   * strings made from isolated words, the isolated word.
   */
  static List<String> words(Recording r, boolean sequence) {
    Map<String, String> f = r.fields();
    String v = sequence && f.containsKey("transcript") ? f.get("transcript")
        : f.containsKey("digit") ? f.get("digit") : f.containsKey("label") ? f.get("label") : f.get("transcript");
    if (v == null) {
      throw new IllegalArgumentException(r.path() + ": no column says what is said ('digit' or 'label' for words,"
          + " 'transcript' for sequences; it has " + f.keySet() + ")");
    }
    List<String> words = Arrays.stream(v.trim().split("\\s+")).filter(w -> !w.isEmpty()).toList();
    if (words.isEmpty()) {
      throw new IllegalArgumentException(r.path() + ": an empty transcript");
    }
    if (!sequence && words.size() != 1) {
      throw new IllegalArgumentException(r.path() + ": a word classifier needs one word per recording, the manifest"
          + " gives " + words.size() + " ('" + v + "'); train with --task ctc");
    }
    return words;
  }

  /** Each recording as an utterance at {@code rate} samples per second, in the split {@code split} says. */
  public static Splits split(List<Recording> recordings, Split split, boolean sequence, int rate) {
    List<Utterance> train = new ArrayList<>();
    List<Utterance> valid = new ArrayList<>();
    for (int i = 0; i < recordings.size(); i++) {
      Recording r = recordings.get(i);
      Utterance u = new Utterance(r.path(), Resampler.resample(r.audio(), rate), words(r, sequence),
          Split.speakerOrNone(r.path(), r.fields()));
      (split.validates(i, r.path(), r.fields()) ? valid : train).add(u);
    }
    if (train.isEmpty()) {
      throw new IllegalArgumentException("valid split " + split + " leaves no recording of the " + recordings.size()
          + " to train on");
    }
    if (valid.isEmpty() && split.kind() != Split.Kind.NONE) {
      // A slip (a speaker's name misspelt, a range past the end) would train with no checks at all.
      throw new IllegalArgumentException("valid split " + split + " selects none of the " + recordings.size()
          + " recordings; name recordings there are, or say none to train without validation");
    }
    return new Splits(train, valid);
  }

  /**
   * {@code count} connected strings of isolated words: each of min..max words drawn uniformly from
   * {@code words}, joined by pauses of pauseMin..pauseMax seconds (one before and one after too)
   * holding faint noise (1e-4 RMS, a quiet room rather than digital silence), its transcript the
   * words in order. The same seed gives the same strings.
   */
  public static List<Utterance> strings(List<Utterance> words, int count, int minWords, int maxWords,
      double pauseMinSeconds, double pauseMaxSeconds, long seed) {
    if (words.isEmpty()) {
      throw new IllegalArgumentException("connected strings need isolated words to join, got none");
    }
    if (minWords < 1 || maxWords < minWords) {
      throw new IllegalArgumentException("connected strings of " + minWords + " to " + maxWords
          + " words: need 1 <= min <= max");
    }
    if (!(pauseMinSeconds >= 0 && pauseMaxSeconds >= pauseMinSeconds)) {
      throw new IllegalArgumentException("pauses of " + pauseMinSeconds + " to " + pauseMaxSeconds
          + " s: need 0 <= min <= max");
    }
    int rate = words.get(0).audio().sampleRate();
    Rng rng = new Rng(seed);
    List<Utterance> out = new ArrayList<>();
    for (int s = 0; s < count; s++) {
      int n = minWords + rng.nextInt(maxWords - minWords + 1);
      List<Utterance> picked = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        picked.add(words.get(rng.nextInt(words.size())));
      }
      int[] pauses = new int[n + 1];
      int total = 0;
      for (int i = 0; i <= n; i++) {
        pauses[i] = (int) Math.round(rate * rng.uniform(pauseMinSeconds, pauseMaxSeconds));
        total += pauses[i];
      }
      List<String> transcript = new ArrayList<>();
      for (Utterance u : picked) {
        if (u.audio().sampleRate() != rate) {
          throw new IllegalArgumentException(u.name() + " is at " + u.audio().sampleRate() + " Hz, the others at " + rate);
        }
        total += u.audio().samples().length;
        transcript.add(u.word());
      }
      float[] samples = new float[total];
      int at = 0;
      for (int i = 0; i <= n; i++) {
        for (int k = 0; k < pauses[i]; k++) {
          samples[at++] = (float) (1e-4 * rng.gaussian());
        }
        if (i < n) {
          float[] w = picked.get(i).audio().samples();
          System.arraycopy(w, 0, samples, at, w.length);
          at += w.length;
        }
      }
      out.add(new Utterance("string-" + seed + "-" + s, new Wav.Audio(samples, rate), transcript));
    }
    return out;
  }

  /**
   * The training and validation utterances {@code s} asks for, from a corpus's recordings: split by
   * valid_split; for a CTC recogniser with digit_strings on, connected strings made from the
   * isolated words of each side (seed and seed + 1). Says on {@code log} what it made.
   */
  public static Splits prepare(Settings s, List<Recording> recordings, PrintStream log) {
    boolean ctc = s.get(SpeechSettings.TASK).equals("ctc");
    int strings = s.get(SpeechSettings.DIGIT_STRINGS);
    Split split = Split.parse(s.get(SpeechSettings.VALID_SPLIT));
    Splits words = split(recordings, split, ctc && strings == 0, s.get(SpeechSettings.SAMPLE_RATE));
    log.printf(Locale.ROOT, "%,d recordings (%,.1f s): %,d train, %,d validate (%s)%n", recordings.size(),
        seconds(words.train()) + seconds(words.valid()), words.train().size(), words.valid().size(), split);
    if (!ctc || strings == 0) {
      if (strings > 0) {
        throw new IllegalArgumentException("digit_strings makes connected strings for a CTC recogniser; the task is "
            + s.get(SpeechSettings.TASK) + " (set --task ctc, or --digit-strings 0)");
      }
      log.println("words: " + wordCounts(words.train()));
      return words;
    }
    double lo = s.get(SpeechSettings.PAUSE_MIN_MS) / 1000;
    double hi = s.get(SpeechSettings.PAUSE_MAX_MS) / 1000;
    int min = s.get(SpeechSettings.MIN_WORDS);
    int max = s.get(SpeechSettings.MAX_WORDS);
    long seed = s.get(jrnn.frame.CommonSettings.SEED);
    List<Utterance> train = strings(words.train(), strings, min, max, lo, hi, seed);
    List<Utterance> valid = words.valid().isEmpty() ? List.of()
        : strings(words.valid(), s.get(SpeechSettings.DIGIT_STRINGS_VALID), min, max, lo, hi, seed + 1);
    log.printf(Locale.ROOT, "connected strings of %d to %d words, pauses %.0f to %.0f ms: %,d to train (%,.1f s),"
        + " %,d to validate (%,.1f s)%n", min, max, 1000 * lo, 1000 * hi, train.size(), seconds(train), valid.size(),
        seconds(valid));
    return new Splits(train, valid);
  }

  /** The total duration of {@code utterances}, in seconds. */
  public static double seconds(List<Utterance> utterances) {
    double t = 0;
    for (Utterance u : utterances) {
      t += u.audio().seconds();
    }
    return t;
  }

  /** Recordings per word, for a summary line: "0: 160, 1: 160, ...". */
  public static String wordCounts(List<Utterance> utterances) {
    Map<String, Integer> counts = new TreeMap<>();
    for (Utterance u : utterances) {
      for (String w : u.words()) {
        counts.merge(w, 1, Integer::sum);
      }
    }
    StringBuilder sb = new StringBuilder();
    counts.forEach((w, c) -> sb.append(sb.length() == 0 ? "" : ", ").append(w).append(": ").append(c));
    return sb.toString();
  }
}
