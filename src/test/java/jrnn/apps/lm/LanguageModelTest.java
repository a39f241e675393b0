package jrnn.apps.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import jrnn.data.Vocabulary;
import jrnn.frame.Settings;
import jrnn.frame.TrainingRun;
import jrnn.io.ModelFileException;
import jrnn.models.LossStats;
import jrnn.util.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The language model on the Shakespeare excerpt shipped with jrnn: a seconds-long smoke run
 * must beat a bound; files round-trip exactly; a corrupt file is refused; a resumed run
 * continues exactly as an uninterrupted one.
 */
class LanguageModelTest {
  @TempDir
  Path dir;

  static String text() throws IOException {
    try (InputStream in = LanguageModelTest.class.getResourceAsStream("/jrnn/demo/shakespeare.txt")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static final Settings TINY = LmSettings.SCHEMA.defaults().with(Map.of("level", "char", "vocab_cap", "0",
      "embedding", "16", "hidden", "64", "layers", "1", "dropout", "0.1", "batch", "16", "steps", "32", "epochs", "2",
      "lr", "5e-3")).with(Map.of("decay_start", "1", "seed", "7"));

  record Setup(LanguageModel lm, int[] train, int[] valid) {
    LanguageModelTask task() {
      return new LanguageModelTask(lm, train, valid);
    }
  }

  static Setup setup(Settings s, int chars) throws IOException {
    String t = text().substring(0, chars);
    int cut = chars * 9 / 10;
    LanguageModelTask task = LanguageModelTask.fromTexts(s, t.substring(0, cut), t.substring(cut), quiet());
    LanguageModel lm = task.trained();
    return new Setup(lm, lm.encode(Vocabulary.characters(t.substring(0, cut))),
        lm.encode(Vocabulary.characters(t.substring(cut))));
  }

  static PrintStream quiet() {
    return new PrintStream(new ByteArrayOutputStream());
  }

  @Test
  void aSmokeRunLearnsCharacters() throws IOException {
    Setup s = setup(TINY, 60_000);
    double before = s.lm().evaluate(s.valid(), 32).mean();
    TrainingRun run = new TrainingRun(s.task(), dir.resolve("m.jrnn"), quiet());
    run.run();
    double after = s.lm().evaluate(s.valid(), 32).mean();
    // Uniform over ~60 characters is 4.1 nats; character frequencies alone give about 3.3.
    assertTrue(before > 3.9, "untrained: " + before);
    assertTrue(after < 2.6, "after two short epochs: " + after + " nats per character");
    assertTrue(Files.exists(dir.resolve("m.jrnn.loss.png")), "loss curve written");
    assertEquals(2, run.history().epochs().size());
  }

  @Test
  void saveAndLoadGiveIdenticalOutputs() throws IOException {
    Setup s = setup(TINY, 20_000);
    Path f = dir.resolve("m.jrnn");
    s.lm().save(f);
    LanguageModel back = LanguageModel.load(f);
    assertEquals(s.lm().settings(), back.settings());
    assertEquals(s.lm().vocabulary().tokens(), back.vocabulary().tokens());
    assertTrue(back.vocabulary().contains("\n"), "the newline survives in the vocabulary");
    LossStats a = s.lm().evaluate(s.valid(), 16);
    LossStats b = back.evaluate(s.valid(), 16);
    assertEquals(a.sum(), b.sum(), 0.0, "identical loss");
    assertEquals(s.lm().generate("ROMEO:", 50, 1.0, 0, new Rng(3)), back.generate("ROMEO:", 50, 1.0, 0, new Rng(3)));
    List<Map.Entry<String, Double>> next = back.next("ROMEO", 5);
    assertEquals(5, next.size());
    assertTrue(next.get(0).getValue() >= next.get(4).getValue());
  }

  /** A word-level prompt reads its line ends as training read them: an {@code <eos>} each, but none after an open last line. */
  @Test
  void aPromptsLineBreaksAreEndsOfSentences() {
    Settings words = TINY.with(Map.of("level", "word"));
    LanguageModel lm = LanguageModel.create(words, Vocabulary.build(List.of("the", "cat", "sat"), 0));
    assertEquals(List.of("the", "cat", "<eos>", "sat"), lm.tokenizePrompt("the cat\nsat"));
    assertEquals(List.of("the", "cat", "sat"), lm.tokenizePrompt("the cat sat"));
    assertEquals(List.of("the", "cat", "<eos>"), lm.tokenizePrompt("the cat\n"));
    assertEquals(List.of("the", "cat"), lm.tokenizePrompt("  the   cat "));
    assertEquals(List.of(), lm.tokenizePrompt(""));
  }

  /**
   * A prompt runs in windows of {@link LanguageModel#EVAL_STEPS}, its state carried, so that a
   * long one never holds a row of logits per token: the next token's distribution is the one a
   * single pass over the whole prompt gives, on both sides of a window's length.
   */
  @Test
  void aLongPromptPredictsAsOnePassOverItDoes() throws IOException {
    Setup s = setup(TINY, 20_000);
    String text = text();
    int v = s.lm().vocabulary().size();
    for (int length : new int[] {1, 2, LanguageModel.EVAL_STEPS, LanguageModel.EVAL_STEPS + 1, 2 * LanguageModel.EVAL_STEPS + 37}) {
      String prompt = text.substring(500, 500 + length);
      int[] ids = s.lm().encode(s.lm().tokenizePrompt(prompt));
      jrnn.models.SequenceModel whole = s.lm().model().newWorkspace();
      whole.forward(jrnn.data.Batch.ofTokens(ids.length, 1, ids, new int[] {ids.length}, null), null);
      double[] expected = new jrnn.decode.Sampler(1.0, 0).probabilities(whole.outputs(), (ids.length - 1) * v, v);
      for (Map.Entry<String, Double> e : s.lm().next(prompt, v)) {
        int id = s.lm().encode(List.of(e.getKey()))[0];
        assertEquals(expected[id], e.getValue(), 1e-6, "prompt of " + length + ": p(" + e.getKey() + ")");
      }
    }
  }

  /**
   * A short text is one stream, each token predicted from all before it; a long one ten, as
   * PyTorch's word_language_model measures (a 20-token line had been cut into nine streams of two).
   */
  @Test
  void aShortTextIsMeasuredAsOneStreamAndALongOneAsTen() throws IOException {
    assertEquals(1, LanguageModel.evaluationBatch(21));
    assertEquals(1, LanguageModel.evaluationBatch(2 * LanguageModel.MIN_STREAM_TOKENS));
    assertEquals(2, LanguageModel.evaluationBatch(2 * LanguageModel.MIN_STREAM_TOKENS + 1));
    assertEquals(LanguageModel.EVAL_BATCH, LanguageModel.evaluationBatch(73_760));
    Setup s = setup(TINY, 20_000);
    String line = text().substring(3_000, 3_060);
    int[] ids = s.lm().encode(s.lm().tokenize(line));
    LossStats one = jrnn.training.Trainer.evaluateStream(s.lm().model(), new jrnn.data.TokenStream(ids), 1,
        LanguageModel.EVAL_STEPS);
    assertEquals(ids.length - 1, one.count(), "every token after the first predicted");
    assertEquals(Math.exp(one.mean()), s.lm().perplexity(line), 1e-9);
  }

  /** A prompt of 60,000 words over 9,000 of them: at once, its logits would be 540 million values. */
  @Test
  void aPromptLongerThanOneTensorCanHoldLogitsOfIsRead() {
    Settings words = TINY.with(Map.of("level", "word", "embedding", "4", "hidden", "4"));
    List<String> tokens = new java.util.ArrayList<>();
    for (int i = 0; i < 9_000; i++) {
      tokens.add("w" + i);
    }
    LanguageModel lm = LanguageModel.create(words, Vocabulary.build(tokens, 0));
    StringBuilder prompt = new StringBuilder();
    for (int i = 0; i < 60_000; i++) {
      prompt.append("w").append(i % 9_000).append(' ');
    }
    List<Map.Entry<String, Double>> next = lm.next(prompt.toString(), 3);
    assertEquals(3, next.size());
    assertTrue(next.get(0).getValue() >= next.get(2).getValue() && next.get(2).getValue() > 0, next.toString());
  }

  @Test
  void corruptAndTruncatedFilesAreRefused() throws IOException {
    Setup s = setup(TINY, 20_000);
    Path f = dir.resolve("m.jrnn");
    s.lm().save(f);
    byte[] bytes = Files.readAllBytes(f);
    byte[] flipped = bytes.clone();
    flipped[bytes.length / 2] ^= 1;
    Files.write(dir.resolve("flipped.jrnn"), flipped);
    ModelFileException e = assertThrows(ModelFileException.class, () -> LanguageModel.load(dir.resolve("flipped.jrnn")));
    assertTrue(e.getMessage().contains("corrupt") && e.getMessage().contains("flipped.jrnn"), e.getMessage());
    Files.write(dir.resolve("short.jrnn"), java.util.Arrays.copyOf(bytes, bytes.length - 100));
    e = assertThrows(ModelFileException.class, () -> LanguageModel.load(dir.resolve("short.jrnn")));
    assertTrue(e.getMessage().contains("corrupt or truncated"), e.getMessage());
    Files.writeString(dir.resolve("text.jrnn"), "hello");
    e = assertThrows(ModelFileException.class, () -> LanguageModel.load(dir.resolve("text.jrnn")));
    assertTrue(e.getMessage().contains("not a jrnn model file"), e.getMessage());
    Path folder = Files.createDirectories(dir.resolve("folder.jrnn"));
    e = assertThrows(ModelFileException.class, () -> LanguageModel.load(folder));
    assertTrue(e.getMessage().contains("folder.jrnn is a folder"), e.getMessage());
    // A bit flipped in the format version (bytes 8-11) is damage, not a newer format...
    byte[] version = bytes.clone();
    version[9] ^= 0x40;
    Files.write(dir.resolve("version.jrnn"), version);
    e = assertThrows(ModelFileException.class, () -> LanguageModel.load(dir.resolve("version.jrnn")));
    assertTrue(e.getMessage().contains("corrupt or truncated") && e.getMessage().contains("version.jrnn"),
        e.getMessage());
    // ...which a later version, its checksum intact, is.
    byte[] newer = bytes.clone();
    newer[11] = 2;
    byte[] body = java.util.Arrays.copyOf(newer, newer.length - 32);
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(body);
      System.arraycopy(digest, 0, newer, body.length, 32);
    } catch (java.security.NoSuchAlgorithmException x) {
      throw new AssertionError(x);
    }
    Files.write(dir.resolve("newer.jrnn"), newer);
    e = assertThrows(ModelFileException.class, () -> LanguageModel.load(dir.resolve("newer.jrnn")));
    assertTrue(e.getMessage().contains("has format version 2") && !e.getMessage().contains("corrupt"), e.getMessage());
  }

  @Test
  void aResumedRunContinuesExactly() throws IOException {
    Settings s3 = TINY.with(Map.of("epochs", "3", "checks_per_epoch", "2"));
    Setup whole = setup(s3, 30_000);
    TrainingRun uninterrupted = new TrainingRun(whole.task(), dir.resolve("a.jrnn"), quiet());
    uninterrupted.run();

    // The same run stopped after one epoch, then resumed from its checkpoint as a new process would.
    Setup again = setup(s3, 30_000);
    new TrainingRun(again.task(), dir.resolve("c.jrnn"), quiet()).run(1);
    Setup fresh = setup(s3, 30_000);
    TrainingRun resumed = new TrainingRun(fresh.task(), dir.resolve("c.jrnn"), quiet());
    resumed.resume();
    assertEquals(1, resumed.nextEpoch());
    resumed.run();
    assertEquals(uninterrupted.history().checks(), resumed.history().checks(), "every validation check");
    for (int e = 0; e < 3; e++) {
      assertEquals(uninterrupted.history().epochs().get(e).trainLoss(), resumed.history().epochs().get(e).trainLoss(),
          0.0, "training loss of epoch " + (e + 1));
    }
    assertArrayEquals(whole.lm().model().parameters().values().toArray(),
        fresh.lm().model().parameters().values().toArray(), "same parameters at the end");
    assertEquals(uninterrupted.history().updates(), resumed.history().updates());
  }

  @Test
  void checksWithinAnEpochLeaveTheTrainingAsItIsAndKeepTheBest() throws IOException {
    Settings once = TINY.with(Map.of("epochs", "2"));
    Settings fourTimes = once.with(Map.of("checks_per_epoch", "4"));
    Setup a = setup(once, 30_000);
    TrainingRun plain = new TrainingRun(a.task(), dir.resolve("once.jrnn"), quiet());
    plain.run();
    Setup b = setup(fourTimes, 30_000);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    TrainingRun checked = new TrainingRun(b.task(), dir.resolve("four.jrnn"), new PrintStream(log, true, StandardCharsets.UTF_8));
    checked.run();
    // The checks run the model on other data in between; the carried state and the updates are
    // those of the run without them.
    assertArrayEquals(a.lm().model().parameters().values().toArray(),
        b.lm().model().parameters().values().toArray(), "same parameters at the end");
    String out = log.toString(StandardCharsets.UTF_8);
    assertEquals(8, out.split(", check ", -1).length - 1, "four checks in each of 2 epochs:\n" + out);
    assertEquals(8, checked.history().checks().size());
    assertTrue(checked.best() <= plain.best(), "the best over more checks is no worse");
    double saved = LanguageModel.load(dir.resolve("four.jrnn")).evaluate(b.valid(), fourTimes.get(LmSettings.STEPS)).mean();
    assertEquals(Math.log(2) * checked.best(), saved, 1e-6, "the file holds the best model of all checks");
  }

  @Test
  void twoBiasesRoundTripAndOldFilesReadAsOne() throws IOException {
    Settings two = TINY.with(Map.of("two_biases", "true"));
    Setup s = setup(two, 20_000);
    assertTrue(s.lm().model().parameters().layout().contains("rnn.bias_hh_l0"), "a second bias");
    s.lm().save(dir.resolve("two.jrnn"));
    LanguageModel back = LanguageModel.load(dir.resolve("two.jrnn"));
    assertEquals(two, back.settings());
    assertTrue(back.model().config().twoBiases());
    assertArrayEquals(s.lm().model().parameters().values().toArray(),
        back.model().parameters().values().toArray());
    // Settings written before the two keys existed.
    Map<String, String> old = new java.util.TreeMap<>(TINY.toProperties());
    old.remove("lm.checks_per_epoch");
    old.remove("lm.two_biases");
    assertEquals(TINY, LmSettings.SCHEMA.fromProperties(old));
    IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
        () -> TINY.with(Map.of("checks_per_epoch", "0")));
    assertEquals("lm.checks_per_epoch (--checks-per-epoch) must be a whole number in [1, inf), got '0'", zero.getMessage());
    old.put("lm.two_biases", "yes");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LmSettings.SCHEMA.fromProperties(old));
    assertTrue(e.getMessage().contains("lm.two_biases") && e.getMessage().contains("yes"), e.getMessage());
  }
}
