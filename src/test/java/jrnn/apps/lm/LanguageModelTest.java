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

  static final LmSettings TINY = new LmSettings("char", 0, "lstm", 16, 64, 1, 0.1, 16, 32, 2,
      "adam", 5e-3, 1, 0.5, 5, 0, 1, "token", 7);

  record Setup(LanguageModel lm, int[] train, int[] valid) {}

  static Setup setup(LmSettings s, int chars) throws IOException {
    String t = text().substring(0, chars);
    int cut = chars * 9 / 10;
    List<String> trainTokens = Vocabulary.characters(t.substring(0, cut));
    Vocabulary vocab = Vocabulary.build(Vocabulary.characters(t), 0);
    LanguageModel lm = LanguageModel.create(s, vocab);
    return new Setup(lm, lm.encode(trainTokens), lm.encode(Vocabulary.characters(t.substring(cut))));
  }

  static PrintStream quiet() {
    return new PrintStream(new ByteArrayOutputStream());
  }

  @Test
  void aSmokeRunLearnsCharacters() throws IOException {
    Setup s = setup(TINY, 60_000);
    double before = s.lm().evaluate(s.valid(), 32).mean();
    LanguageModelTraining run = new LanguageModelTraining(s.lm(), s.train(), s.valid(), dir.resolve("m.jrnn"), quiet());
    run.run(0);
    double after = s.lm().evaluate(s.valid(), 32).mean();
    // Uniform over ~60 characters is 4.1 nats; character frequencies alone give about 3.3.
    assertTrue(before > 3.9, "untrained: " + before);
    assertTrue(after < 2.6, "after two short epochs: " + after + " nats per character");
    assertTrue(Files.exists(dir.resolve("m.jrnn.loss.png")), "loss curve written");
    assertEquals(2, run.history().size());
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
  }

  @Test
  void aResumedRunContinuesExactly() throws IOException {
    LmSettings s3 = TINY.with(Map.of("lm.epochs", "3"));
    Setup whole = setup(s3, 30_000);
    LanguageModelTraining uninterrupted = new LanguageModelTraining(whole.lm(), whole.train(), whole.valid(),
        dir.resolve("a.jrnn"), quiet());
    uninterrupted.run(0);

    // The same run stopped after one epoch, then resumed from its checkpoint as a new process would.
    Setup again = setup(s3, 30_000);
    LanguageModelTraining stopped = new LanguageModelTraining(again.lm(), again.train(), again.valid(),
        dir.resolve("c.jrnn"), quiet());
    stopped.runUntil(0, 1);
    Setup fresh = setup(s3, 30_000);
    LanguageModelTraining resumed = new LanguageModelTraining(fresh.lm(), fresh.train(), fresh.valid(),
        dir.resolve("c.jrnn"), quiet());
    int next = resumed.resume(LanguageModelTraining.checkpointPath(dir.resolve("c.jrnn")));
    assertEquals(1, next);
    resumed.run(next);
    for (int e = 0; e < 3; e++) {
      assertEquals(uninterrupted.history().get(e).trainLoss(), resumed.history().get(e).trainLoss(), 0.0,
          "training loss of epoch " + (e + 1));
      assertEquals(uninterrupted.history().get(e).validLoss(), resumed.history().get(e).validLoss(), 0.0,
          "validation loss of epoch " + (e + 1));
    }
    assertArrayEquals(whole.lm().model().parameters().values().toArray(),
        fresh.lm().model().parameters().values().toArray(), "same parameters at the end");
  }

  @Test
  void checksWithinAnEpochLeaveTheTrainingAsItIsAndKeepTheBest() throws IOException {
    LmSettings once = TINY.with(Map.of("lm.epochs", "2"));
    LmSettings fourTimes = once.with(Map.of("lm.checks_per_epoch", "4"));
    Setup a = setup(once, 30_000);
    LanguageModelTraining plain = new LanguageModelTraining(a.lm(), a.train(), a.valid(),
        dir.resolve("once.jrnn"), quiet());
    plain.run(0);
    Setup b = setup(fourTimes, 30_000);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    LanguageModelTraining checked = new LanguageModelTraining(b.lm(), b.train(), b.valid(),
        dir.resolve("four.jrnn"), new PrintStream(log, true, StandardCharsets.UTF_8));
    checked.run(0);
    // The checks run the model on other data in between; the carried state and the updates are
    // those of the run without them.
    assertArrayEquals(a.lm().model().parameters().values().toArray(),
        b.lm().model().parameters().values().toArray(), "same parameters at the end");
    String out = log.toString(StandardCharsets.UTF_8);
    assertEquals(6, out.split("check ", -1).length - 1, "three checks within each of 2 epochs:\n" + out);
    assertTrue(checked.bestValidation() <= plain.bestValidation(), "the best over more checks is no worse");
    double saved = LanguageModel.load(dir.resolve("four.jrnn")).evaluate(b.valid(), fourTimes.steps()).mean();
    assertEquals(checked.bestValidation(), saved, 1e-6, "the file holds the best model of all checks");
  }

  @Test
  void twoBiasesRoundTripAndOldFilesReadAsOne() throws IOException {
    LmSettings two = TINY.with(Map.of("lm.two_biases", "true"));
    Setup s = setup(two, 20_000);
    assertTrue(s.lm().model().parameters().layout().contains("rnn.bias_hh_l0"), "a second bias");
    s.lm().save(dir.resolve("two.jrnn"));
    LanguageModel back = LanguageModel.load(dir.resolve("two.jrnn"));
    assertEquals(two, back.settings());
    assertTrue(back.model().config().twoBiases());
    assertArrayEquals(s.lm().model().parameters().values().toArray(),
        back.model().parameters().values().toArray());
    // Settings written before the two new keys existed.
    Map<String, String> old = new java.util.TreeMap<>(TINY.toProperties());
    old.remove("lm.checks_per_epoch");
    old.remove("lm.two_biases");
    assertEquals(TINY, LmSettings.fromProperties(old));
    IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
        () -> TINY.with(Map.of("lm.checks_per_epoch", "0")));
    assertEquals("checks per epoch must be positive, got 0", zero.getMessage());
    old.put("lm.two_biases", "yes");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LmSettings.fromProperties(old));
    assertTrue(e.getMessage().contains("lm.two_biases") && e.getMessage().contains("yes"), e.getMessage());
  }
}
