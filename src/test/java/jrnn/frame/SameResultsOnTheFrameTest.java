package jrnn.frame;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import jrnn.apps.lm.LanguageModelTask;
import jrnn.apps.lm.LmSettings;
import jrnn.apps.sentiment.Example;
import jrnn.apps.sentiment.SentimentModel;
import jrnn.apps.sentiment.SentimentSettings;
import jrnn.apps.sentiment.SentimentTask;
import jrnn.apps.sentiment.ToyPolarity;
import jrnn.util.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two applications moved onto the frame give, with the same seed and settings, the figures
 * their own training loops gave before the move: recorded on 2026-12-04 with the build of
 * commit f45e85c (the last before the frame), to the last bit, with the parameters' hash at the
 * end (which a model that kept another check would not change: checks do not touch training). On other hardware the sums may round differently; this machine's kind is CI's.
 */
class SameResultsOnTheFrameTest {
  @TempDir
  Path dir;

  static PrintStream quiet() {
    return new PrintStream(new ByteArrayOutputStream());
  }

  @Test
  void theLanguageModelTrainsAsBeforeTheMove() throws IOException {
    String text;
    try (InputStream in = getClass().getResourceAsStream("/jrnn/demo/shakespeare.txt")) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8).substring(0, 30_000);
    }
    Settings s = LmSettings.SCHEMA.defaults().with(Map.of("level", "char", "vocab_cap", "0", "embedding", "16",
        "hidden", "64", "layers", "1", "dropout", "0.1", "batch", "16", "steps", "32", "epochs", "2", "lr", "5e-3"))
        .with(Map.of("decay_start", "1", "seed", "7", "checks_per_epoch", "2"));
    LanguageModelTask task = LanguageModelTask.fromTexts(s, text.substring(0, 27_000), text.substring(27_000), quiet());
    RunHistory h = new TrainingRun(task, dir.resolve("lm.jrnn"), quiet()).run();
    assertEquals(3.144180728080432, h.epochs().get(0).trainLoss(), 0.0, "epoch 1 training loss");
    assertEquals(2.690652218955613, h.epochs().get(1).trainLoss(), 0.0, "epoch 2 training loss");
    // Each epoch has 53 updates. The checks at its end are those of the loop before the frame; the
    // one within it comes after update 27 (ceil(53/2)), where that loop checked after update 26
    // (floor): the frame has one rule for every application (docs/frame.md), and its figure here
    // was recorded on the frame, the same day.
    List<RunHistory.Check> checks = h.checks();
    assertEquals(List.of(27, 53, 27, 53), checks.stream().map(RunHistory.Check::update).toList());
    assertEquals(List.of(3.033232239736079, 2.7217768022950284, 2.6236824885215397, 2.5472797652313477),
        checks.stream().map(RunHistory.Check::loss).toList(), "validation loss at every check");
    assertEquals(990851838, Arrays.hashCode(task.trained().parameters().values().toArray()), "the parameters");
  }

  @Test
  void theSentimentClassifierTrainsAsBeforeTheMove() throws IOException {
    Settings s = SentimentSettings.SCHEMA.preset("mr").with(Map.of("embedding", "16", "hidden", "12", "epochs", "3",
        "lr", "1e-2", "batch", "25", "word_dropout", "0.1", "embedding_std", "1.0", "adversarial", "0",
        "min_count", "1", "checks_per_epoch", "2"));
    List<Example> train = toy(new Rng(2), 400);
    List<Example> valid = toy(new Rng(3), 150);
    SentimentModel m = SentimentModel.create(s, SentimentModel.vocabulary(train, 1));
    RunHistory h = new TrainingRun(new SentimentTask(m, train, valid), dir.resolve("s.jrnn"), quiet()).run();
    double[][] before = {{0.7188041161015788, 0.515, 0.5533333333333333}, {0.6921037732204635, 0.5325,
        0.47333333333333333}, {0.6875517894917291, 0.5325, 0.5333333333333333}};
    for (int e = 0; e < 3; e++) {
      RunHistory.Epoch epoch = h.epochs().get(e);
      assertEquals(before[e][0], epoch.trainLoss(), 0.0, "training loss of epoch " + (e + 1));
      assertEquals(before[e][1], epoch.trainFigure(), 0.0, "training accuracy of epoch " + (e + 1));
      assertEquals(before[e][2], epoch.validBest(), 0.0, "best validation accuracy of epoch " + (e + 1));
    }
    assertEquals(278338892, Arrays.hashCode(m.model().parameters().values().toArray()), "the parameters");
  }

  /** The toy polarity data of the sentiment tests. */
  static List<Example> toy(Rng rng, int n) {
    return ToyPolarity.examples(rng, n);
  }
}
