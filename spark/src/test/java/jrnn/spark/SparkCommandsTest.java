package jrnn.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import jrnn.apps.sentiment.SentimentClassifier;
import jrnn.apps.sentiment.SentimentModel;
import jrnn.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spark-train} against {@code jrnn train} with the same options (no dropout, so that the
 * masks cannot differ): the same parameters to float rounding, in a model file every command
 * reads; {@code spark-score} against the classifier's own P(positive), row by row, with the
 * model loaded once.
 */
class SparkCommandsTest {
  @TempDir
  Path dir;

  /** Made-up reviews: filler words around one polar word, "not" before it half the time. */
  static List<String> reviews(Random random, int n, int label) {
    String[] good = {"good", "great", "fine", "lovely"};
    String[] bad = {"bad", "awful", "dull", "poor"};
    String[] filler = {"the", "film", "was", "plot", "acting", "and", "really", "quite"};
    List<String> out = new ArrayList<>();
    while (out.size() < n) {
      List<String> words = new ArrayList<>();
      for (int k = 2 + random.nextInt(6); k > 0; k--) {
        words.add(filler[random.nextInt(filler.length)]);
      }
      boolean negated = random.nextBoolean();
      int at = random.nextInt(words.size());
      words.add(at, (label == 1) != negated ? good[random.nextInt(4)] : bad[random.nextInt(4)]);
      if (negated) {
        words.add(at, "not");
      }
      out.add(String.join(" ", words));
    }
    return out;
  }

  Path write(String name, List<String> lines) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, lines, StandardCharsets.UTF_8);
    return p;
  }

  @Test
  void sparkTrainGivesTheModelOfJrnnTrain() throws Exception {
    Random random = new Random(4);
    Path pos = write("pos.txt", reviews(random, 150, 1));
    Path neg = write("neg.txt", reviews(random, 150, 0));
    Path validPos = write("vpos.txt", reviews(random, 40, 1));
    Path validNeg = write("vneg.txt", reviews(random, 40, 0));
    String[] options = {"--pos", pos.toString(), "--neg", neg.toString(), "--valid-pos", validPos.toString(),
        "--valid-neg", validNeg.toString(), "--embedding", "8", "--hidden", "8", "--epochs", "2", "--batch", "20",
        "--min-count", "1", "--dropout", "0", "--word-dropout", "0.1", "--adversarial", "1", "--encoding", "UTF-8"};
    Path alone = dir.resolve("alone.jrnn");
    Path spread = dir.resolve("spark.jrnn");
    List<String> a = new ArrayList<>(List.of("train", "sentiment"));
    a.addAll(List.of(options));
    a.addAll(List.of("--out", alone.toString()));
    assertEquals(0, Main.execute(a.toArray(String[]::new)));
    List<String> b = new ArrayList<>(List.of("spark-train", "sentiment", "--master", "local[3]", "--partitions", "3"));
    b.addAll(List.of(options));
    b.addAll(List.of("--out", spread.toString()));
    long partsBefore = ShardedGradients.PARTS.get();
    assertEquals(0, SparkMain.execute(b.toArray(String[]::new)));
    assertTrue(ShardedGradients.PARTS.get() - partsBefore >= 3 * 15, "the updates' gradients came from Spark tasks");
    float[] expected = SentimentModel.load(alone).parameters().values().toArray();
    float[] actual = SentimentModel.load(spread).parameters().values().toArray();
    ExactDataParallelTest.assertNear(expected, actual, 1e-5, "spark-train against train");
    // The file is an ordinary model file: jrnn's commands read it.
    assertEquals(0, Main.execute("eval", "sentiment", "--model", spread.toString(), "--pos", validPos.toString(),
        "--neg", validNeg.toString(), "--encoding", "UTF-8"));

    // A job that ended after its first epoch (a job killed during its second leaves the same
    // checkpoint, OUT.ckpt, written through the frame after each whole epoch), started again with
    // --resume and two epochs, goes on from the checkpoint and ends with the uninterrupted run's model.
    Path restarted = dir.resolve("restarted.jrnn");
    List<String> first = new ArrayList<>(b.subList(0, b.size() - 1));
    first.set(first.indexOf("--epochs") + 1, "1");
    first.add(restarted.toString());
    long before = ShardedGradients.PARTS.get();
    assertEquals(0, SparkMain.execute(first.toArray(String[]::new)));
    long firstEpochParts = ShardedGradients.PARTS.get() - before;
    assertTrue(Files.exists(restarted.resolveSibling("restarted.jrnn.ckpt")), "the driver wrote a checkpoint");
    List<String> second = new ArrayList<>(b.subList(0, b.size() - 1));
    second.add(restarted.toString());
    second.add("--resume");
    before = ShardedGradients.PARTS.get();
    assertEquals(0, SparkMain.execute(second.toArray(String[]::new)));
    // It computed the second epoch only (a run that ignored --resume would have computed two).
    assertEquals(firstEpochParts, ShardedGradients.PARTS.get() - before);
    ExactDataParallelTest.assertNear(expected, SentimentModel.load(restarted).parameters().values().toArray(), 1e-5,
        "a restarted spark-train against one uninterrupted train");
  }

  @Test
  void sparkScoreGivesEachRowTheClassifiersProbability() throws Exception {
    Random random = new Random(5);
    Path pos = write("pos.txt", reviews(random, 100, 1));
    Path neg = write("neg.txt", reviews(random, 100, 0));
    Path model = dir.resolve("m.jrnn");
    assertEquals(0, Main.execute("train", "sentiment", "--pos", pos.toString(), "--neg", neg.toString(),
        "--embedding", "8", "--hidden", "8", "--epochs", "1", "--min-count", "1", "--adversarial", "0",
        "--encoding", "UTF-8", "--out", model.toString()));
    List<String> rows = reviews(random, 1000, 1);
    Path input = write("rows.txt", rows);
    Path output = dir.resolve("scores");
    int loadsBefore = RowScorer.loads();
    assertEquals(0, SparkMain.execute("spark-score", "--model", model.toString(), "--input", input.toString(),
        "--output", output.toString(), "--master", "local[2]", "--partitions", "4"));
    List<String> scored = new ArrayList<>();
    try (Stream<Path> parts = Files.list(output)) {
      for (Path p : parts.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList()) {
        scored.addAll(Files.readAllLines(p));
      }
    }
    assertEquals(rows.size(), scored.size(), "one output row per input row");
    double[] expected = SentimentClassifier.load(model).positives(rows);
    double[] actual = new double[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      String[] f = scored.get(i).split("\t", 2);
      assertEquals(rows.get(i), f[1], "row " + i + " in order");
      actual[i] = Double.parseDouble(f[0]);
    }
    assertArrayEquals(expected, actual, 1e-6);
    assertEquals(1, RowScorer.loads() - loadsBefore, "the model loaded once in this JVM, for all four tasks");
  }

  /** {@code jrnn train APP OPTIONS --out alone} and {@code spark-train APP} over 3 partitions; returns the two model files. */
  Path[] trainBothWays(String app, List<String> options) {
    Path alone = dir.resolve(app + "-alone.jrnn");
    Path spread = dir.resolve(app + "-spark.jrnn");
    List<String> a = new ArrayList<>(List.of("train", app));
    a.addAll(options);
    a.addAll(List.of("--out", alone.toString()));
    assertEquals(0, Main.execute(a.toArray(String[]::new)));
    List<String> b = new ArrayList<>(List.of("spark-train", app, "--master", "local[3]", "--partitions", "3"));
    b.addAll(options);
    b.addAll(List.of("--out", spread.toString()));
    long partsBefore = ShardedGradients.PARTS.get();
    assertEquals(0, SparkMain.execute(b.toArray(String[]::new)));
    assertTrue(ShardedGradients.PARTS.get() - partsBefore >= 3 * 4, "the updates' gradients came from Spark tasks");
    return new Path[] {alone, spread};
  }

  /**
   * The applications that train by passes of their own go through Spark too: a translator (sentence
   * pairs: reversals of letter sequences) and a CTC recogniser (recordings of sweeps up and down,
   * said in sentences), each trained by {@code spark-train} over 3 partitions, end with the
   * parameters of {@code jrnn train} with the same options.
   */
  @Test
  void sparkTrainTranslatesAndRecognisesAsOneMachineDoes() throws Exception {
    Random random = new Random(9);
    String[] letters = {"a", "b", "c", "d", "e", "f"};
    List<String> src = new ArrayList<>();
    List<String> tgt = new ArrayList<>();
    for (int i = 0; i < 160; i++) {
      List<String> w = new ArrayList<>();
      for (int k = 2 + random.nextInt(5); k > 0; k--) {
        w.add(letters[random.nextInt(letters.length)]);
      }
      src.add(String.join(" ", w));
      java.util.Collections.reverse(w);
      tgt.add(String.join(" ", w));
    }
    Path[] translators = trainBothWays("translate", List.of("--train-src", write("train.src", src.subList(0, 140)).toString(),
        "--train-tgt", write("train.tgt", tgt.subList(0, 140)).toString(),
        "--valid-src", write("valid.src", src.subList(140, 160)).toString(),
        "--valid-tgt", write("valid.tgt", tgt.subList(140, 160)).toString(), "--bpe-merges", "0", "--embedding", "12",
        "--hidden", "12", "--decoder-hidden", "12", "--dropout", "0", "--batch", "20", "--epochs", "2", "--lr", "0.01"));
    ExactDataParallelTest.assertNear(
        jrnn.apps.translate.TranslationModel.load(translators[0]).parameters().values().toArray(),
        jrnn.apps.translate.TranslationModel.load(translators[1]).parameters().values().toArray(), 1e-5,
        "spark-train translate against train translate");

    Path audio = Files.createDirectories(dir.resolve("audio"));
    List<String> manifest = new ArrayList<>(List.of("path\ttranscript\tindex"));
    for (int i = 0; i < 32; i++) {
      List<String> said = new ArrayList<>();
      List<float[]> pieces = new ArrayList<>();
      for (int k = 1 + random.nextInt(3); k > 0; k--) {
        boolean up = random.nextBoolean();
        said.add(up ? "up" : "down");
        pieces.add(new float[800 + random.nextInt(800)]);
        pieces.add(sweep(random, up));
      }
      pieces.add(new float[800]);
      int n = pieces.stream().mapToInt(p -> p.length).sum();
      float[] x = new float[n];
      int at = 0;
      for (float[] p : pieces) {
        System.arraycopy(p, 0, x, at, p.length);
        at += p.length;
      }
      writeWav(audio.resolve("s" + i + ".wav"), x);
      manifest.add("s" + i + ".wav\t" + String.join(" ", said) + "\t" + i);
    }
    Path[] recognisers = trainBothWays("speech", List.of("--manifest", write("s.tsv", manifest).toString(), "--audio",
        audio.toString(), "--task", "ctc", "--hidden", "8", "--layers", "1", "--stride", "2", "--dropout", "0",
        "--epochs", "2", "--lr", "0.01", "--batch", "8", "--valid-split", "fold:0/4"));
    ExactDataParallelTest.assertNear(
        jrnn.apps.speech.SpeechModel.load(recognisers[0]).parameters().values().toArray(),
        jrnn.apps.speech.SpeechModel.load(recognisers[1]).parameters().values().toArray(), 1e-5,
        "spark-train speech (CTC) against train speech");
  }

  /** The output rows of {@code spark-score}, part by part, split into what the row got and the row. */
  static List<String[]> scored(Path output) throws IOException {
    List<String[]> out = new ArrayList<>();
    try (Stream<Path> parts = Files.list(output)) {
      for (Path p : parts.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList()) {
        for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
          out.add(line.split("\t", 2));
        }
      }
    }
    return out;
  }

  /**
   * A translation model's rows get their translations, and a speech model's rows (paths of WAV
   * files) the words heard in them: the same, row by row and in order, as the models give in one
   * process. The models are untrained (random weights), which makes their outputs varied.
   */
  @Test
  void sparkScoreTranslatesSentencesAndTranscribesRecordings() throws Exception {
    Random random = new Random(6);
    String[] words = {"a", "b", "c", "d", "e", "f", "g"};
    List<String> sentences = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      List<String> w = new ArrayList<>();
      for (int k = 1 + random.nextInt(6); k > 0; k--) {
        w.add(words[random.nextInt(words.length)]);
      }
      sentences.add(String.join(" ", w));
    }
    jrnn.frame.Settings ts = jrnn.apps.translate.TranslateSettings.SCHEMA.defaults().with(java.util.Map.of(
        "bpe_merges", "4", "embedding", "8", "hidden", "8", "decoder_hidden", "8", "beam", "3"));
    Path translator = dir.resolve("t.jrnn");
    jrnn.apps.translate.TranslationModel.create(ts, sentences, sentences).save(translator);
    Path input = write("sentences.txt", sentences);
    Path output = dir.resolve("translations");
    assertEquals(0, SparkMain.execute("spark-score", "--model", translator.toString(), "--input", input.toString(),
        "--output", output.toString(), "--master", "local[2]", "--partitions", "3"));
    List<String> expected = jrnn.apps.translate.TranslationModel.load(translator).translate(sentences);
    List<String[]> got = scored(output);
    assertEquals(sentences.size(), got.size());
    for (int i = 0; i < sentences.size(); i++) {
      assertEquals(sentences.get(i), got.get(i)[1], "row " + i + " in order");
      assertEquals(expected.get(i), got.get(i)[0], "translation of row " + i);
    }
    assertTrue(new java.util.HashSet<>(expected).size() >= 3, "varied translations to compare: " + expected);
    // A row too long to translate at once is named by its text, not by its place in a partition.
    Path longRow = write("long.txt", List.of("a b", String.join(" ", java.util.Collections.nCopies(450, "g a"))));
    java.io.ByteArrayOutputStream stderr = new java.io.ByteArrayOutputStream();
    java.io.PrintStream err = System.err;
    System.setErr(new java.io.PrintStream(stderr, true, StandardCharsets.UTF_8));
    int status;
    try {
      status = SparkMain.execute("spark-score", "--model", translator.toString(), "--input", longRow.toString(),
          "--output", dir.resolve("long-out").toString(), "--master", "local[2]");
    } finally {
      System.setErr(err);
    }
    String message = stderr.toString(StandardCharsets.UTF_8).strip();
    assertEquals(Main.ERROR, status, message);
    assertTrue(message.startsWith("jrnn: ") && !message.contains("\n") && message.contains("the row 'g a g a")
        && message.contains("subwords; at most 400"), message);

    // Recordings: tones sweeping up or down, written as WAV files; the rows are their paths.
    List<Path> wavs = new ArrayList<>();
    List<jrnn.apps.speech.Utterance> said = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      float[] x = sweep(random, i % 2 == 0);
      Path wav = dir.resolve("w" + i + ".wav");
      writeWav(wav, x);
      wavs.add(wav);
      said.add(new jrnn.apps.speech.Utterance("w" + i, new jrnn.audio.Wav.Audio(x, 8000), List.of(i % 2 == 0 ? "up" : "down")));
    }
    jrnn.frame.Settings ss = jrnn.apps.speech.SpeechSettings.SCHEMA.defaults().with(java.util.Map.of(
        "task", "ctc", "cell", "gru", "hidden", "8", "layers", "1", "beam", "2"));
    Path recogniser = dir.resolve("s.jrnn");
    jrnn.apps.speech.SpeechModel.create(ss, jrnn.apps.speech.SpeechModel.labels(ss, said), null).save(recogniser);
    Path paths = write("recordings.txt", wavs.stream().map(Path::toString).toList());
    Path heard = dir.resolve("heard");
    assertEquals(0, SparkMain.execute("spark-score", "--model", recogniser.toString(), "--input", paths.toString(),
        "--output", heard.toString(), "--master", "local[2]", "--partitions", "3"));
    List<String> transcripts = jrnn.apps.speech.SpeechModel.load(recogniser).transcribe(wavs).stream()
        .map(w -> String.join(" ", w)).toList();
    List<String[]> rows = scored(heard);
    assertEquals(wavs.size(), rows.size());
    for (int i = 0; i < wavs.size(); i++) {
      assertEquals(wavs.get(i).toString(), rows.get(i)[1], "row " + i + " in order");
      assertEquals(transcripts.get(i), rows.get(i)[0], "transcription of row " + i);
    }
    assertTrue(new java.util.HashSet<>(transcripts).size() >= 2, "varied transcriptions to compare: " + transcripts);
  }

  /** A quarter to half a second of a tone sweeping between 300 and 1,500 Hz at 8 kHz. */
  static float[] sweep(Random random, boolean up) {
    int n = 2000 + random.nextInt(2000);
    float[] x = new float[n];
    double phase = 0;
    for (int i = 0; i < n; i++) {
      double f = up ? 300 + 1200.0 * i / n : 1500 - 1200.0 * i / n;
      phase += 2 * Math.PI * f / 8000;
      x[i] = (float) (0.5 * Math.sin(phase) + 0.01 * random.nextGaussian());
    }
    return x;
  }

  /** {@code x} as a 16-bit mono WAV file at 8 kHz (the JDK's own writer). */
  static void writeWav(Path file, float[] x) throws IOException {
    byte[] pcm = new byte[2 * x.length];
    for (int i = 0; i < x.length; i++) {
      int v = (int) Math.round(Math.max(-1, Math.min(1, x[i])) * 32767);
      pcm[2 * i] = (byte) v;
      pcm[2 * i + 1] = (byte) (v >> 8);
    }
    javax.sound.sampled.AudioFormat format = new javax.sound.sampled.AudioFormat(8000, 16, 1, true, false);
    try (javax.sound.sampled.AudioInputStream in = new javax.sound.sampled.AudioInputStream(
        new java.io.ByteArrayInputStream(pcm), format, x.length)) {
      javax.sound.sampled.AudioSystem.write(in, javax.sound.sampled.AudioFileFormat.Type.WAVE, file.toFile());
    }
  }

  @Test
  void badCommandsAreOneLineErrors() {
    Path missing = dir.resolve("none.jrnn");
    String[][] cases = {
        {"spark-train", "longrange", "--master", "local[1]"},
        {"spark-score", "--model", missing.toString(), "--input", "x", "--output", "y"},
        {"spark-score", "--model", missing.toString()},
        {"spark-train", "sentiment", "--partitions", "0", "--master", "local[1]"},
        {"spark-fly"}};
    String[] named = {"longrange", missing.toString(), "--input", "0", "spark-fly"};
    java.io.PrintStream err = System.err;
    for (int i = 0; i < cases.length; i++) {
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
      System.setErr(new java.io.PrintStream(bytes, true, StandardCharsets.UTF_8));
      int status;
      try {
        status = SparkMain.execute(cases[i]);
      } finally {
        System.setErr(err);
      }
      String text = bytes.toString(StandardCharsets.UTF_8).strip();
      assertEquals(Main.ERROR, status, String.join(" ", cases[i]));
      assertTrue(text.startsWith("jrnn: ") && !text.contains("\n") && text.contains(named[i]),
          String.join(" ", cases[i]) + " said: " + text);
    }
  }
}
