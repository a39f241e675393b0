package jrnn.apps.speech;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jrnn.SharedData;
import jrnn.audio.AudioCorpus;
import jrnn.audio.AudioCorpus.Recording;
import jrnn.audio.Wav;
import jrnn.util.Rng;
import org.junit.jupiter.api.Test;

/** Splits, connected strings, augmentation and the features a recogniser reads. */
class SpeechDataTest {
  static Recording fsddLike(String digit, String speaker, int index) {
    return new Recording("recordings/" + digit + "_" + speaker + "_" + index + ".wav",
        new Wav.Audio(new float[800], 8000), Map.of("digit", digit));
  }

  @Test
  void aSplitReadsAsItIsWrittenAndRefusesWhatItCannotMean() {
    for (String s : new String[] {"none", "index:5-9", "speaker:theo", "speaker:theo+jackson", "fold:0/5"}) {
      assertEquals(s, Split.parse(s).toString());
    }
    assertEquals("index:3-3", Split.parse("index:3").toString());
    for (String bad : new String[] {"", "index:9-5", "index:a-b", "fold:5/5", "fold:1", "speaker:", "speaker:a+",
        "random"}) {
      Exception e = assertThrows(IllegalArgumentException.class, () -> Split.parse(bad), bad);
      assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
    }
  }

  @Test
  void aSplitTakesIndexAndSpeakerFromColumnsOrTheFileName() {
    Split index = Split.parse("index:5-9");
    assertTrue(index.validates(0, "recordings/3_theo_7.wav", Map.of()));
    assertTrue(!index.validates(0, "recordings/3_theo_10.wav", Map.of()));
    assertTrue(index.validates(0, "x.wav", Map.of("index", "5")));
    Split speaker = Split.parse("speaker:theo+nicolas");
    assertTrue(speaker.validates(0, "recordings/3_theo_7.wav", Map.of()));
    assertTrue(!speaker.validates(0, "recordings/3_jackson_7.wav", Map.of()));
    assertTrue(speaker.validates(0, "x.wav", Map.of("speaker", "nicolas")));
    Exception e = assertThrows(IllegalArgumentException.class, () -> speaker.validates(0, "take.wav", Map.of()));
    assertTrue(e.getMessage().contains("take.wav"), e.getMessage());
    Split fold = Split.parse("fold:1/3");
    assertEquals(List.of(false, true, false, false, true), List.of(fold.validates(0, "", Map.of()),
        fold.validates(1, "", Map.of()), fold.validates(2, "", Map.of()), fold.validates(3, "", Map.of()),
        fold.validates(4, "", Map.of())));
  }

  @Test
  void splittingKeepsEveryRecordingOnOneSide() {
    List<Recording> r = new ArrayList<>();
    for (String speaker : new String[] {"a", "b"}) {
      for (int i = 0; i < 10; i++) {
        r.add(fsddLike(Integer.toString(i % 3), speaker, i));
      }
    }
    SpeechData.Splits s = SpeechData.split(r, Split.parse("index:0-1"), false, 8000);
    assertEquals(16, s.train().size());
    assertEquals(4, s.valid().size());
    Exception e = assertThrows(IllegalArgumentException.class,
        () -> SpeechData.split(r, Split.parse("speaker:a+b"), false, 8000));
    assertTrue(e.getMessage().contains("no recording") && e.getMessage().contains("speaker:a+b"), e.getMessage());
    // A split that validates on nothing is a slip, not a choice (which is none).
    for (String slip : new String[] {"speaker:c", "index:50-60"}) {
      e = assertThrows(IllegalArgumentException.class, () -> SpeechData.split(r, Split.parse(slip), false, 8000));
      assertTrue(e.getMessage().contains("selects none of the 20") && e.getMessage().contains(slip), e.getMessage());
    }
    assertEquals(20, SpeechData.split(r, Split.NONE, false, 8000).train().size());
    Recording sentence = new Recording("s.wav", new Wav.Audio(new float[800], 8000), Map.of("transcript", "yes no"));
    e = assertThrows(IllegalArgumentException.class, () -> SpeechData.split(List.of(sentence), Split.NONE, false, 8000));
    assertTrue(e.getMessage().contains("s.wav") && e.getMessage().contains("--task ctc"), e.getMessage());
    assertEquals(List.of("yes", "no"), SpeechData.split(List.of(sentence), Split.NONE, true, 8000).train().get(0).words());
  }

  @Test
  void connectedStringsAreTheWordsInOrderWithPausesAndTheSameForTheSameSeed() {
    List<Utterance> words = new ArrayList<>();
    for (int d = 0; d < 10; d++) {
      float[] x = new float[400 + 10 * d];
      java.util.Arrays.fill(x, (d + 1) / 20f);
      words.add(new Utterance("d" + d, new Wav.Audio(x, 8000), List.of(Integer.toString(d))));
    }
    List<Utterance> a = SpeechData.strings(words, 50, 2, 7, 0.05, 0.4, 11);
    List<Utterance> b = SpeechData.strings(words, 50, 2, 7, 0.05, 0.4, 11);
    Set<Integer> lengths = new HashSet<>();
    for (int i = 0; i < a.size(); i++) {
      assertArrayEquals(a.get(i).audio().samples(), b.get(i).audio().samples());
      List<String> said = a.get(i).words();
      lengths.add(said.size());
      assertTrue(said.size() >= 2 && said.size() <= 7, said.toString());
      // The words' own samples appear in order: each word's constant level, one run per word.
      float[] x = a.get(i).audio().samples();
      List<String> heard = new ArrayList<>();
      double speech = 0;
      for (int k = 0; k < x.length; k++) {
        if (Math.abs(x[k]) > 0.01) {
          speech++;
          if (k == 0 || Math.abs(x[k - 1]) <= 0.01) {
            heard.add(Integer.toString(Math.round(x[k] * 20) - 1));
          }
        }
      }
      assertEquals(said, heard);
      double pause = (x.length - speech) / 8000;
      assertTrue(pause >= 0.05 * (said.size() + 1) - 1e-9 && pause <= 0.4 * (said.size() + 1) + 1e-9, "pause " + pause);
    }
    assertEquals(6, lengths.size(), "every length from 2 to 7 drawn: " + lengths);
    assertNotEquals(a.get(0).words().toString() + a.get(1).words(),
        SpeechData.strings(words, 2, 2, 7, 0.05, 0.4, 12).get(0).words().toString()
            + SpeechData.strings(words, 2, 2, 7, 0.05, 0.4, 12).get(1).words());
  }

  @Test
  void speedPerturbationChangesTheLengthAndThePitchByItsFactor() {
    int rate = 8000;
    float[] x = new float[8000];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) Math.sin(2 * Math.PI * 500 * i / rate);
    }
    Wav.Audio faster = Augmentation.speed(new Wav.Audio(x, rate), 1.25);
    assertEquals(rate, faster.sampleRate());
    assertEquals(8000 / 1.25, faster.samples().length, 2);
    assertEquals(625, zeroCrossingHz(faster.samples(), rate), 5);
    assertEquals(400, zeroCrossingHz(Augmentation.speed(new Wav.Audio(x, rate), 0.8).samples(), rate), 5);
  }

  static double zeroCrossingHz(float[] x, int rate) {
    int crossings = 0;
    for (int i = 200; i < x.length - 200; i++) {
      crossings += (x[i - 1] < 0) != (x[i] < 0) ? 1 : 0;
    }
    return crossings / 2.0 / ((x.length - 400) / (double) rate);
  }

  @Test
  void noiseLandsAtItsSignalToNoiseRatioAndShiftsMoveTheRecording() {
    float[] x = new float[20000];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (0.5 * Math.sin(i * 0.1));
    }
    float[] y = Augmentation.noise(x, 10, new Rng(1));
    double signal = 0;
    double noise = 0;
    for (int i = 0; i < x.length; i++) {
      signal += x[i] * x[i];
      noise += (y[i] - x[i]) * (y[i] - x[i]);
    }
    assertEquals(10, 10 * Math.log10(signal / noise), 0.2);
    float[] later = Augmentation.shift(x, 100, new Rng(2));
    assertEquals(x.length + 100, later.length);
    assertEquals(x[50], later[150]);
    float[] earlier = Augmentation.shift(x, -100, new Rng(2));
    assertEquals(x.length - 100, earlier.length);
    assertEquals(x[150], earlier[50]);
    assertEquals(5, Augmentation.shift(new float[10], -8, new Rng(3)).length, "at most half is cut");
    Augmentation crop = new Augmentation(0, 0, 0, 0, 0.5, 0, 1, 0, 1, 0);
    Rng rng = new Rng(4);
    Set<Integer> lengths = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      float[] c = crop.samples(new Wav.Audio(x, 8000), rng).samples();
      assertTrue(c.length >= x.length / 2 && c.length <= x.length, c.length + " samples");
      assertArrayEquals(java.util.Arrays.copyOf(x, c.length), c, "only the end is cut");
      lengths.add(c.length);
    }
    assertTrue(lengths.size() > 10, "cuts are drawn: " + lengths);
    // A level drawn in [-12, 12] dB: every sample scaled by the one gain, drawn afresh each time.
    Augmentation level = new Augmentation(0, 0, 0, 0, 0, 0, 1, 0, 1, 12);
    Set<Float> gains = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      float[] g = level.samples(new Wav.Audio(x, 8000), rng).samples();
      assertEquals(x.length, g.length);
      float gain = g[50] / x[50];
      assertTrue(Math.abs(20 * Math.log10(gain)) <= 12 + 1e-4, "gain " + gain);
      for (int k = 0; k < x.length; k += 37) {
        assertEquals(x[k] * gain, g[k], 1e-5 * Math.max(1, Math.abs(g[k])), "sample " + k);
      }
      gains.add(gain);
    }
    assertTrue(gains.size() > 10, "gains are drawn: " + gains);
    assertTrue(level.any());
  }

  @Test
  void specAugmentMasksTheSameBandInEveryDeltaBlockAndRefusesUnequalBlocks() {
    // 13 coefficients, their deltas and their deltas' deltas: a band of coefficients is masked in
    // all three blocks, as masking before the deltas were taken would give.
    Augmentation oneBand = new Augmentation(0, 0, 0, 0, 0, 1, 4, 0, 1, 0);
    int masked = 0;
    for (int seed = 0; seed < 40; seed++) {
      float[][] x = new float[30][39];
      for (float[] row : x) {
        java.util.Arrays.fill(row, 1f);
      }
      oneBand.mask(x, 3, new Rng(seed));
      for (int j = 0; j < 13; j++) {
        boolean zero = x[0][j] == 0;
        assertEquals(zero, x[0][13 + j] == 0, "seed " + seed + ": coefficient " + j + " and its delta");
        assertEquals(zero, x[0][26 + j] == 0, "seed " + seed + ": coefficient " + j + " and its delta's delta");
        for (float[] row : x) {
          assertEquals(x[0][j], row[j], "a band is masked in every frame");
        }
        masked += zero ? 1 : 0;
      }
      int band = 0;
      for (int j = 0; j < 13; j++) {
        band += x[0][j] == 0 ? 1 : 0;
      }
      assertTrue(band <= 4, "seed " + seed + ": at most the widest band, got " + band);
    }
    assertTrue(masked > 0, "some bands were masked over 40 seeds");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> oneBand.mask(new float[5][40], 3, new Rng(1)));
    assertTrue(e.getMessage().contains("40 features do not make 3 equal blocks"), e.getMessage());
  }

  @Test
  void specAugmentMasksBandsAndRunsAndNothingWhenOff() {
    float[][] x = new float[50][20];
    for (float[] row : x) {
      java.util.Arrays.fill(row, 1f);
    }
    new Augmentation(0, 0, 0, 0, 0, 1, 20, 0, 1, 0).mask(x, 1, new Rng(5));
    int zeroColumns = 0;
    for (int j = 0; j < 20; j++) {
      boolean all = true;
      for (float[] row : x) {
        all &= row[j] == 0;
      }
      zeroColumns += all ? 1 : 0;
    }
    int zeros = 0;
    for (float[] row : x) {
      for (float v : row) {
        zeros += v == 0 ? 1 : 0;
      }
    }
    assertEquals(zeros, 50 * zeroColumns, "only whole bands masked");
    assertTrue(zeroColumns >= 1 && zeroColumns <= 20, zeroColumns + " bands masked");
    float[][] y = new float[50][20];
    for (float[] row : y) {
      java.util.Arrays.fill(row, 1f);
    }
    new Augmentation(0, 0, 0, 0, 0, 0, 1, 3, 10, 0).mask(y, 1, new Rng(6));
    int zeroRows = 0;
    for (float[] row : y) {
      zeroRows += row[0] == 0 && row[19] == 0 ? 1 : 0;
    }
    assertTrue(zeroRows > 0 && zeroRows <= 30, zeroRows + " frames masked");
    assertTrue(!Augmentation.NONE.any());
    float[][] z = new float[50][20];
    for (float[] row : z) {
      java.util.Arrays.fill(row, 1f);
    }
    Augmentation.NONE.mask(z, 1, new Rng(7));
    for (float[] row : z) {
      for (float v : row) {
        assertEquals(1f, v, "no masks, nothing masked");
      }
    }
  }

  @Test
  void augmentedMfccWithDeltasIsMaskedInTheSameBandOfEveryBlock() {
    jrnn.frame.Settings s = SpeechTest.settings("features=mfcc mel_bins=26 ceps=13 deltas=2 normalization=utterance"
        + " stride=1 freq_masks=1 freq_mask_width=4");
    SpeechFeatures f = new SpeechFeatures(s, null);
    List<float[][]> out = f.augmented(Chirps.words(12, 1), Augmentation.of(s), new Rng(8));
    int masked = 0;
    for (float[][] x : out) {
      assertEquals(39, x[0].length, "13 coefficients, their deltas and their deltas' deltas");
      for (int j = 0; j < 13; j++) {
        boolean zero = columnIsZero(x, j);
        assertEquals(zero, columnIsZero(x, 13 + j), "coefficient " + j + " and its delta");
        assertEquals(zero, columnIsZero(x, 26 + j), "coefficient " + j + " and its delta's delta");
        masked += zero ? 1 : 0;
      }
    }
    assertTrue(masked > 0, "some of the 12 recordings had a band masked");
  }

  private static boolean columnIsZero(float[][] x, int j) {
    for (float[] row : x) {
      if (row[j] != 0) {
        return false;
      }
    }
    return true;
  }

  @Test
  void augmentedFeaturesAreTheSameForTheSameSeedAndChangeWithIt() {
    jrnn.frame.Settings s = SpeechTest.settings("speed=0.1 vtlp=0.1 noise_snr=10 shift_ms=50 crop_end=0.2 freq_masks=1 time_masks=1");
    SpeechFeatures f = new SpeechFeatures(s, null);
    List<Utterance> u = Chirps.words(9, 1);
    List<float[][]> a = f.augmented(u, Augmentation.of(s), new Rng(3));
    List<float[][]> b = f.augmented(u, Augmentation.of(s), new Rng(3));
    for (int i = 0; i < a.size(); i++) {
      assertEquals(a.get(i).length, b.get(i).length);
      for (int t = 0; t < a.get(i).length; t++) {
        assertArrayEquals(a.get(i)[t], b.get(i)[t]);
      }
    }
    List<float[][]> other = f.augmented(u, Augmentation.of(s), new Rng(4));
    int differ = 0;
    for (int i = 0; i < a.size(); i++) {
      differ += a.get(i).length != other.get(i).length || !java.util.Arrays.equals(a.get(i)[0], other.get(i)[0]) ? 1 : 0;
    }
    assertEquals(a.size(), differ, "another seed, other augmentations");
  }

  @Test
  void meanNormalizationPerRecordingForgetsTheLoudnessThatGlobalStatisticsKeep() {
    List<Utterance> train = Chirps.words(10, 12);
    Wav.Audio quiet = train.get(0).audio();
    float[] loud = quiet.samples().clone();
    for (int i = 0; i < loud.length; i++) {
      loud[i] *= 4;
    }
    for (String normalization : new String[] {"utterance-mean", "global"}) {
      jrnn.frame.Settings s = SpeechTest.settings("normalization=" + normalization);
      SpeechFeatures f = new SpeechFeatures(s, SpeechFeatures.statisticsFor(s, train));
      float[][] a = f.of(quiet);
      float[][] b = f.of(new Wav.Audio(loud, quiet.sampleRate()));
      double most = 0;
      for (int t = 0; t < a.length; t++) {
        for (int j = 0; j < a[t].length; j++) {
          most = Math.max(most, Math.abs(a[t][j] - b[t][j]));
        }
      }
      if (normalization.equals("global")) {
        assertTrue(most > 0.1, "global statistics keep a fourfold gain: " + most);
      } else {
        assertTrue(most < 1e-3, "a gain is a constant in log energy, removed with the mean: " + most);
      }
    }
    Exception e = assertThrows(IllegalArgumentException.class,
        () -> new SpeechFeatures(SpeechTest.settings("normalization=utterance-mean"), null));
    assertTrue(e.getMessage().contains("utterance-mean"), e.getMessage());
  }

  @Test
  void normalizationBySpeakerTakesEachSpeakersStatisticsFromTheirRecordings() {
    List<Utterance> quiet = new ArrayList<>();
    List<Utterance> both = new ArrayList<>();
    for (Utterance u : Chirps.words(6, 14)) {
      float[] loud = u.audio().samples().clone();
      for (int i = 0; i < loud.length; i++) {
        loud[i] *= 4;
      }
      quiet.add(new Utterance(u.name(), u.audio(), u.words(), "a"));
      both.add(new Utterance(u.name(), u.audio(), u.words(), "a"));
      both.add(new Utterance(u.name() + "-loud", new Wav.Audio(loud, u.audio().sampleRate()), u.words(), "b"));
    }
    SpeechFeatures f = new SpeechFeatures(SpeechTest.settings("normalization=speaker"), null);
    List<float[][]> x = f.of(both);
    // Speaker b is speaker a four times as loud: a constant in log energy, which b's own mean removes.
    for (int k = 0; k < 6; k++) {
      float[][] a = x.get(2 * k);
      float[][] b = x.get(2 * k + 1);
      for (int t = 0; t < a.length; t++) {
        for (int j = 0; j < a[t].length; j++) {
          assertEquals(a[t][j], b[t][j], 1e-3, "recording " + k + ", frame " + t + ", feature " + j);
        }
      }
    }
    // Each speaker's features have mean 0 over all of that speaker's frames.
    List<float[][]> alone = f.of(quiet);
    double sum = 0;
    long n = 0;
    for (float[][] r : alone) {
      for (float[] row : r) {
        sum += row[3];
        n++;
      }
    }
    assertEquals(0, sum / n, 1e-4);
    // Pooled, not each recording alone: one recording's own mean is not 0, and differs from what
    // per-recording normalization makes of it.
    float[][] pooled = alone.get(0);
    float[][] own = new SpeechFeatures(SpeechTest.settings("normalization=utterance"), null).of(quiet.get(0).audio());
    double mean = 0;
    double most = 0;
    for (int t = 0; t < pooled.length; t++) {
      mean += pooled[t][3] / pooled.length;
      for (int j = 0; j < pooled[t].length; j++) {
        most = Math.max(most, Math.abs(pooled[t][j] - own[t][j]));
      }
    }
    assertTrue(Math.abs(mean) > 0.05, "a recording's mean under its speaker's statistics: " + mean);
    assertTrue(most > 0.1, "pooled and per-recording normalization differ by " + most);
    // Splitting a corpus gives each recording its speaker, from the column or the name.
    assertEquals("theo", SpeechData.split(List.of(fsddLike("3", "theo", 7)), Split.NONE, false, 8000).train().get(0)
        .speaker());
  }

  @Test
  void stackedFramesSitSideBySide() {
    SpeechFeatures f = new SpeechFeatures(SpeechTest.settings("stride=3"), null);
    float[][] x = new float[7][2];
    for (int t = 0; t < 7; t++) {
      x[t] = new float[] {t, -t};
    }
    float[][] y = f.stack(x);
    assertEquals(3, y.length);
    assertArrayEquals(new float[] {3, -3, 4, -4, 5, -5}, y[1]);
    assertArrayEquals(new float[] {6, -6, 0, 0, 0, 0}, y[2]);
    assertEquals(3 * 40, f.dimension(), "three frames of 40 log-mel filters");
  }

  @Test
  void theFsddSplitsAreTheOnesTheReadmeGives() throws Exception {
    List<Recording> fsdd = AudioCorpus.read(SharedData.require("fsdd/manifest_train.tsv"),
        SharedData.require("fsdd/fsdd_train_jackson-nicolas-theo-yweweler_idx5-49.tar.gz"));
    jrnn.frame.Settings s = SpeechTest.settings("valid_split=index:5-9");
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
    SpeechData.Splits seen = SpeechData.prepare(s, fsdd, quiet);
    assertEquals(1600, seen.train().size());
    assertEquals(200, seen.valid().size());
    SpeechData.Splits unseen = SpeechData.prepare(SpeechTest.settings("valid_split=speaker:theo"), fsdd, quiet);
    assertEquals(1350, unseen.train().size());
    assertEquals(450, unseen.valid().size(), "all of theo's recordings");
    assertTrue(unseen.valid().stream().allMatch(u -> u.name().contains("_theo_")));
    SpeechData.Splits strings = SpeechData.prepare(SpeechTest.settings("task=ctc valid_split=index:5-9 digit_strings=20"
        + " digit_strings_valid=5"), fsdd, quiet);
    assertEquals(20, strings.train().size());
    assertEquals(5, strings.valid().size());
  }
}
