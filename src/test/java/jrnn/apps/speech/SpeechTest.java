package jrnn.apps.speech;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jrnn.decode.WordErrorRate;
import jrnn.frame.Settings;
import jrnn.frame.TrainingRun;
import jrnn.io.ModelFile;
import jrnn.io.ModelFileException;
import jrnn.layers.Ctc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recognisers end to end on generated recordings: a word classifier, a CTC recogniser and the
 * template matcher each tell rising from falling sweeps apart, and each reads back from its file
 * to the same transcriptions.
 */
class SpeechTest {
  @TempDir
  Path dir;

  static Settings settings(String values) {
    Map<String, String> v = new LinkedHashMap<>();
    for (String pair : values.trim().split("\\s+")) {
      v.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
    }
    return SpeechSettings.SCHEMA.defaults().with(v);
  }

  static TrainingRun quietRun(SpeechTask task, Path out) {
    return new TrainingRun(task, out, new PrintStream(new ByteArrayOutputStream()));
  }

  @Test
  void aWordClassifierTellsTwoSweepsApartAndReadsBackFromItsFile() throws Exception {
    Settings s = settings("task=words cell=gru hidden=24 layers=1 bidirectional=concat readout=mean dropout=0"
        + " batch=8 epochs=6 lr=0.01 decay_start=0 speed=0.1 noise_snr=20 shift_ms=50 freq_masks=1 time_masks=1");
    List<Utterance> train = Chirps.words(48, 1);
    List<Utterance> valid = Chirps.words(20, 2);
    SpeechModel m = SpeechModel.create(s, SpeechModel.labels(s, train), null);
    Path out = dir.resolve("words.jrnn");
    quietRun(new SpeechTask(m, train, valid), out).execute(false);
    SpeechModel loaded = SpeechModel.load(out);
    SpeechEvaluation e = SpeechEvaluation.run(loaded, valid, 1);
    assertTrue(e.accuracy() >= 0.95, "accuracy " + e.accuracy() + "\n" + e.confusionText());
    // The model as it is in memory, written and read back, recognises as it does.
    List<Utterance> fresh = Chirps.words(10, 3);
    Path again = dir.resolve("again.jrnn");
    m.save(again);
    assertEquals(m.recognize(fresh, 1), SpeechModel.load(again).recognize(fresh, 1));
    assertArrayEquals(m.parameters().values().toArray(), SpeechModel.load(again).parameters().values().toArray());
    assertEquals(List.of("down", "up"), loaded.words());
  }

  @Test
  void aCtcRecogniserTranscribesSentencesOfSweeps() throws Exception {
    Settings s = settings("task=ctc cell=gru hidden=32 layers=1 bidirectional=concat dropout=0 stride=2"
        + " batch=8 epochs=12 lr=0.01 decay_start=0 beam=1");
    List<Utterance> train = Chirps.sentences(64, 4);
    List<Utterance> valid = Chirps.sentences(16, 5);
    SpeechModel m = SpeechModel.create(s, SpeechModel.labels(s, train), null);
    assertEquals(List.of(SpeechModel.BLANK, "down", "up"), m.labels().tokens());
    Path out = dir.resolve("ctc.jrnn");
    quietRun(new SpeechTask(m, train, valid), out).execute(false);
    SpeechModel loaded = SpeechModel.load(out);
    WordErrorRate.Tally greedy = SpeechEvaluation.run(loaded, valid, 1).wordErrors();
    assertTrue(greedy.rate() <= 0.1, "WER " + greedy);
    // Beam search finds labellings at least as likely as the best path's: its own figure may be
    // worse, for a model whose outputs are not yet peaked, but never by a less likely labelling.
    List<float[][]> xs = loaded.features().of(valid);
    List<double[][]> logP = loaded.logProbabilities(xs);
    List<List<String>> greedyWords = loaded.recognizeFeatures(xs, 1);
    List<List<String>> beamWords = loaded.recognizeFeatures(xs, 4);
    for (int i = 0; i < xs.size(); i++) {
      double[][] p = logP.get(i);
      double[] flat = new double[p.length * 3];
      for (int t = 0; t < p.length; t++) {
        System.arraycopy(p[t], 0, flat, 3 * t, 3);
      }
      double greedyLoss = Ctc.loss(flat, 0, 3, p.length, 3, 0, loaded.ids(greedyWords.get(i)), null, 1).loss();
      double beamLoss = Ctc.loss(flat, 0, 3, p.length, 3, 0, loaded.ids(beamWords.get(i)), null, 1).loss();
      assertTrue(beamLoss <= greedyLoss + 1e-9, "recording " + i + ": beam " + beamWords.get(i) + " at " + beamLoss
          + ", greedy " + greedyWords.get(i) + " at " + greedyLoss);
    }
    assertEquals(greedyWords, loaded.recognize(valid, 1));
    Path again = dir.resolve("again.jrnn");
    m.save(again);
    assertEquals(m.recognize(valid, 4), SpeechModel.load(again).recognize(valid, 4));
  }

  @Test
  void aResumedRunEndsWhereAnUninterruptedOneDoesWithEveryAugmentationOn() throws Exception {
    // A word classifier takes every augmentation; CTC all but those that cut words from the ends.
    resumesExactly("words", settings("task=words cell=gru hidden=8 layers=1 bidirectional=concat readout=mean dropout=0.1"
        + " batch=8 epochs=3 lr=0.01 speed=0.1 vtlp=0.1 noise_snr=20 shift_ms=30 crop_end=0.1 freq_masks=1"
        + " time_masks=1"), Chirps.words(24, 9), Chirps.words(8, 10));
    resumesExactly("ctc", settings("task=ctc cell=lstm hidden=8 layers=1 bidirectional=concat dropout=0.1 stride=2 batch=4"
        + " epochs=3 lr=0.01 speed=0.1 vtlp=0.1 noise_snr=20 freq_masks=1 time_masks=1"), Chirps.sentences(12, 9),
        Chirps.sentences(4, 10));
  }

  @Test
  void ctcRefusesAugmentationsThatCutWordsAndAWordClassifierARecordingOfOtherThanOneWord() {
    List<Utterance> sentences = Chirps.sentences(4, 9);
    for (String cut : new String[] {"crop_end=0.1", "shift_ms=30"}) {
      Settings s = settings("task=ctc hidden=4 layers=1 " + cut);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> new SpeechTask(SpeechModel.create(s, SpeechModel.labels(s, sentences), null), sentences, List.of()));
      assertTrue(e.getMessage().contains("task=ctc") && e.getMessage().contains(cut.split("=")[0]),
          e.getMessage());
    }
    Settings words = settings("task=words hidden=4 layers=1");
    List<Utterance> train = new java.util.ArrayList<>(Chirps.words(4, 9));
    Utterance silent = new Utterance("silent.wav", train.get(0).audio(), List.of(), null);
    train.add(silent);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new SpeechTask(SpeechModel.create(words, SpeechModel.labels(words, Chirps.words(4, 9)), null), train,
            List.of()));
    assertTrue(e.getMessage().startsWith("silent.wav: a word classifier trains and is checked on recordings of"
        + " one word"), e.getMessage());
    // The validation side too: it had failed after the first epoch, or read the first of several words.
    List<Utterance> valid = List.of(new Utterance("two.wav", train.get(0).audio(), List.of(
        train.get(0).words().get(0), train.get(1).words().get(0)), null));
    e = assertThrows(IllegalArgumentException.class, () -> new SpeechTask(SpeechModel.create(words,
        SpeechModel.labels(words, Chirps.words(4, 9)), null), Chirps.words(4, 9), valid));
    assertTrue(e.getMessage().startsWith("two.wav: a word classifier"), e.getMessage());
  }

  /**
   * CTC has no alignment of a transcript longer than its recording's steps: such a training
   * recording adds nothing, so it is left out and said; a run of nothing else had trained nothing
   * while it reported a NaN loss, and is refused. A short validation recording is still decoded.
   */
  @Test
  void trainingRecordingsTooShortForTheirTranscriptsAreLeftOutAndSaid() {
    List<Utterance> sentences = Chirps.sentences(8, 11);
    List<Utterance> long2 = sentences.stream().filter(u -> u.words().size() >= 2).toList();
    for (String augmented : new String[] {"", " speed=0.1"}) {
      // A step of 16 s: one step a recording, and two or more words.
      Settings coarse = settings("task=ctc hidden=4 layers=1 hop_ms=1000 stride=16" + augmented);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SpeechTask(
          SpeechModel.create(coarse, SpeechModel.labels(coarse, long2), null), long2, List.of()));
      assertTrue(e.getMessage().startsWith("every one of the " + long2.size() + " training recordings is too short"
          + " for its transcript at hop_ms 1000.0 and stride 16") && e.getMessage().contains(long2.get(0).name()
          + " says"), e.getMessage());
    }
    Settings fine = settings("task=ctc hidden=4 layers=1 stride=2");
    Utterance twoWords = sentences.stream().filter(u -> u.words().size() >= 2).findFirst().orElseThrow();
    Utterance cut = new Utterance("cut.wav", new jrnn.audio.Wav.Audio(java.util.Arrays.copyOf(
        twoWords.audio().samples(), 100), twoWords.audio().sampleRate()), twoWords.words(), null);
    List<Utterance> withCut = new java.util.ArrayList<>(sentences);
    withCut.add(2, cut);
    SpeechTask task = new SpeechTask(SpeechModel.create(fine, SpeechModel.labels(fine, sentences), null), withCut,
        List.of(cut));
    assertEquals(8, task.unitsPerEpoch(), "the short recording is left out of training");
    String note = task.note().orElseThrow();
    assertTrue(note.startsWith("note: 1 of the 9 training recordings are left out") && note.contains("cut.wav says 2"),
        note);
    assertTrue(new SpeechTask(SpeechModel.create(fine, SpeechModel.labels(fine, sentences), null), sentences,
        List.of()).note().isEmpty());
  }

  /** With normalization by speaker, a file whose name names no speaker reads as it reads alone. */
  @Test
  void aFileOfNoNamedSpeakerIsNormalizedAloneWhateverElseIsRead() throws Exception {
    List<Utterance> said = Chirps.words(4, 21);
    List<Path> files = new java.util.ArrayList<>();
    String[] names = {"first.wav", "second.wav", "up_ann_1.wav", "down_ann_2.wav"};
    for (int i = 0; i < names.length; i++) {
      float[] x = said.get(i).audio().samples();
      int[] pcm = new int[x.length];
      for (int j = 0; j < x.length; j++) {
        pcm[j] = Math.round(Math.max(-1, Math.min(1, x[j])) * 32767);
      }
      Path f = dir.resolve(names[i]);
      java.nio.file.Files.write(f, jrnn.audio.WavTest.wav(1, 1, said.get(i).audio().sampleRate(), 16,
          jrnn.audio.WavTest.samples16(pcm), false, new byte[0]));
      files.add(f);
    }
    List<Utterance> together = SpeechModel.recordings(files);
    assertEquals(together.get(2).speaker(), together.get(3).speaker());
    assertEquals(4, together.stream().map(Utterance::speaker).distinct().count() + 1);
    Settings s = settings("task=words hidden=4 layers=1 normalization=speaker");
    SpeechFeatures features = SpeechModel.create(s, SpeechModel.labels(s, said), null).features();
    List<float[][]> read = features.of(together);
    for (int i = 0; i < 2; i++) {
      float[][] alone = features.of(SpeechModel.recordings(List.of(files.get(i)))).get(0);
      for (int t = 0; t < alone.length; t++) {
        assertArrayEquals(alone[t], read.get(i)[t], names[i] + ", step " + t);
      }
    }
  }

  private void resumesExactly(String name, Settings s, List<Utterance> train, List<Utterance> valid) throws Exception {
    SpeechTask whole = new SpeechTask(SpeechModel.create(s, SpeechModel.labels(s, train), null), train, valid);
    quietRun(whole, dir.resolve(name + "-a.jrnn")).run();
    quietRun(new SpeechTask(SpeechModel.create(s, SpeechModel.labels(s, train), null), train, valid),
        dir.resolve(name + "-b.jrnn")).run(2);
    SpeechTask fresh = new SpeechTask(SpeechModel.create(s, SpeechModel.labels(s, train), null), train, valid);
    TrainingRun resumed = quietRun(fresh, dir.resolve(name + "-b.jrnn"));
    resumed.resume();
    assertEquals(2, resumed.nextEpoch());
    resumed.run();
    assertArrayEquals(whole.trained().parameters().values().toArray(), fresh.trained().parameters().values().toArray());
  }

  @Test
  void aRunIsNotResumedOnRecordingsWithOtherStatistics() throws Exception {
    Settings s = settings("task=words hidden=4 layers=1 epochs=2 normalization=global");
    List<Utterance> train = Chirps.words(8, 15);
    List<Utterance> other = Chirps.words(8, 16);
    Path out = dir.resolve("stats.jrnn");
    quietRun(new SpeechTask(SpeechModel.create(s, SpeechModel.labels(s, train),
        SpeechFeatures.statisticsFor(s, train)), train, List.of()), out).run(1);
    TrainingRun resumed = quietRun(new SpeechTask(SpeechModel.create(s, SpeechModel.labels(s, other),
        SpeechFeatures.statisticsFor(s, other)), other, List.of()), out);
    ModelFileException e = assertThrows(ModelFileException.class, resumed::resume);
    assertTrue(e.getMessage().contains("other training or validation data"), e.getMessage());
    // A checkpoint that records no data hash (an earlier jrnn's): the statistics still tell.
    Path ckpt = TrainingRun.checkpointPath(out);
    jrnn.io.ModelFile f = jrnn.io.ModelFile.read(ckpt);
    java.util.Map<String, String> state = new java.util.LinkedHashMap<>(f.getProperties("state"));
    state.remove("data_hash");
    f.putProperties("state", state).write(ckpt);
    e = assertThrows(ModelFileException.class, resumed::resume);
    assertTrue(e.getMessage().contains("other statistics"), e.getMessage());
  }

  @Test
  void theTemplateMatcherKeepsTemplatesAndReadsThemBack() throws Exception {
    Settings s = settings("task=words method=template features=mfcc mel_bins=26 ceps=13 deltas=2"
        + " templates_per_word=2 dtw_band=20 normalization=global");
    List<Utterance> train = Chirps.words(20, 6);
    SpeechModel m = SpeechModel.templates(s, train, SpeechFeatures.statisticsFor(s, train));
    assertEquals(4, m.templates().size());
    List<Utterance> valid = Chirps.words(20, 7);
    assertEquals(1.0, SpeechEvaluation.run(m, valid, 1).accuracy());
    Path out = dir.resolve("templates.jrnn");
    m.save(out);
    SpeechModel loaded = SpeechModel.load(out);
    assertEquals(m.recognize(valid, 1), loaded.recognize(valid, 1));
    assertEquals(m.templates().get(3).features()[5][7], loaded.templates().get(3).features()[5][7]);
    // It has no network: export says so, for either format, and writes nothing.
    for (jrnn.interop.ModelExport.Format format : jrnn.interop.ModelExport.Format.values()) {
      IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
          () -> jrnn.interop.ModelExport.export(out, format, dir.resolve("templates.export")));
      assertTrue(none.getMessage().contains("holds no network") && none.getMessage().contains("templates.jrnn"),
          none.getMessage());
      assertTrue(java.nio.file.Files.notExists(dir.resolve("templates.export")));
    }

    ModelFile f = ModelFile.read(out);
    f.putText("templates", "up\t12\nsideways\t3\n");
    Path bad = dir.resolve("bad.jrnn");
    f.write(bad);
    ModelFileException e = assertThrows(ModelFileException.class, () -> SpeechModel.load(bad));
    assertTrue(e.getMessage().contains(bad.toString()) && e.getMessage().contains("sideways"), e.getMessage());
  }

  @Test
  void aModelFileWhosePartsDoNotFitIsRefusedWithItsProblemNamed() throws Exception {
    Settings s = settings("task=words hidden=4 layers=1 normalization=global");
    List<Utterance> train = Chirps.words(6, 11);
    SpeechModel m = SpeechModel.create(s, SpeechModel.labels(s, train), SpeechFeatures.statisticsFor(s, train));
    Path good = dir.resolve("good.jrnn");
    m.save(good);
    assertEquals(m.recognize(train, 1), SpeechModel.load(good).recognize(train, 1));
    String[][] lies = {
        {"labels", "down\nup\nsideways\n", "3 labels, its network 2 outputs"},
        {"normalization", null, "not a mean and a deviation"},
        {"meta", "speech.task=ctc", "needs scores at every step"},
    };
    for (String[] lie : lies) {
      jrnn.io.ModelFile f = ModelFile.read(good);
      if (lie[0].equals("normalization")) {
        f.putFloats("normalization", new float[] {1, 2, 3});
      } else if (lie[0].equals("meta")) {
        Map<String, String> meta = new LinkedHashMap<>(f.getProperties("meta"));
        meta.put("speech.task", "ctc");
        f.putProperties("meta", meta);
        f.putText("labels", SpeechModel.BLANK + "\ndown\n");
      } else {
        f.putText(lie[0], lie[1].replace("\\n", "\n"));
      }
      Path bad = dir.resolve(lie[0] + ".jrnn");
      f.write(bad);
      ModelFileException e = assertThrows(ModelFileException.class, () -> SpeechModel.load(bad), lie[0]);
      assertTrue(e.getMessage().contains(bad.toString()) && e.getMessage().contains(lie[2]), e.getMessage());
    }
  }

  @Test
  void aValidationWordNoTrainingRecordingSaysIsNamedBeforeTraining() {
    Settings s = settings("task=words hidden=4 layers=1");
    List<Utterance> train = Chirps.words(4, 12).stream().filter(u -> u.word().equals("up")).toList();
    List<Utterance> valid = Chirps.words(4, 13);
    SpeechModel m = SpeechModel.create(s, SpeechModel.labels(s, train), null);
    Exception e = assertThrows(IllegalArgumentException.class, () -> new SpeechTask(m, train, valid));
    assertTrue(e.getMessage().contains("w1") && e.getMessage().contains("'down'"), e.getMessage());
  }

  @Test
  void aTemplateMatcherRecognisesOnlyWordsAndIsNotTrained() {
    Settings ctc = settings("task=ctc method=template");
    List<Utterance> train = Chirps.words(4, 8);
    Exception e = assertThrows(IllegalArgumentException.class, () -> SpeechModel.templates(ctc, train, null));
    assertTrue(e.getMessage().contains("isolated words"), e.getMessage());
    Settings words = settings("task=words method=template");
    SpeechModel m = SpeechModel.templates(words, train, null);
    e = assertThrows(IllegalArgumentException.class, () -> new SpeechTask(m, train, List.of()));
    assertTrue(e.getMessage().contains("not trained"), e.getMessage());
  }
}
