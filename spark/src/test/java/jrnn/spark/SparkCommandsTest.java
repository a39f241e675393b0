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

    // A job stopped after its first epoch and restarted with --resume goes on from the driver's
    // checkpoint (OUT.ckpt, written through the frame) and ends with the uninterrupted run's model.
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

  @Test
  void badCommandsAreOneLineErrors() {
    Path missing = dir.resolve("none.jrnn");
    String[][] cases = {
        {"spark-train", "translate", "--master", "local[1]"},
        {"spark-score", "--model", missing.toString(), "--input", "x", "--output", "y"},
        {"spark-score", "--model", missing.toString()},
        {"spark-train", "sentiment", "--partitions", "0", "--master", "local[1]"},
        {"spark-fly"}};
    String[] named = {"translate", missing.toString(), "--input", "0", "spark-fly"};
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
