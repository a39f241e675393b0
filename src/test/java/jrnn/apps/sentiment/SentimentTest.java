package jrnn.apps.sentiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jrnn.SharedData;
import jrnn.data.Vocabulary;
import jrnn.frame.Settings;
import jrnn.frame.TrainingRun;
import jrnn.util.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sentiment classifier: data readers, masking, files, and learning on real data. */
class SentimentTest {
  @TempDir
  Path dir;

  // Every setting a test relies on is pinned here, so that tuning the preset changes no test.
  static final Settings SMALL = SentimentSettings.SCHEMA.preset("mr").with(Map.of(
      "embedding", "32", "hidden", "24", "epochs", "3",
      "lr", "3e-3", "batch", "25", "word_dropout", "0",
      "decay_factor", "0.85", "embedding_std", "1.0", "adversarial", "0",
      "min_count", "1"));

  @Test
  void embeddingsOfSharedWordsAreCopiedAndOthersKept() {
    Vocabulary from = SentimentModel.vocabulary(List.of(new Example(List.of("good", "film", "dull"), 1)), 1);
    Vocabulary to = SentimentModel.vocabulary(List.of(new Example(List.of("good", "plot", "dull"), 0)), 1);
    SentimentModel source = SentimentModel.create(SMALL, from);
    SentimentModel target = SentimentModel.create(SMALL.with(Map.of("seed", "9")), to);
    jrnn.tensor.Tensor src = source.model().parameters().value(jrnn.models.ModelConfig.EMBEDDING);
    jrnn.tensor.Tensor dst = target.model().parameters().value(jrnn.models.ModelConfig.EMBEDDING);
    int width = dst.dim(1);
    float[] plotBefore = row(dst, to.id("plot"), width);
    assertEquals(2, target.copyEmbeddings(from, src), "good and dull are shared; <unk> is never copied");
    for (String w : List.of("good", "dull")) {
      assertTrue(java.util.Arrays.equals(row(src, from.id(w), width), row(dst, to.id(w), width)), w);
    }
    assertTrue(java.util.Arrays.equals(plotBefore, row(dst, to.id("plot"), width)), "a word the source lacks keeps its row");
    SentimentModel narrow = SentimentModel.create(SMALL.with(Map.of("embedding", "8")), to);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> narrow.copyEmbeddings(from, src));
    assertTrue(e.getMessage().contains("32 wide"), e.getMessage());
  }

  private static float[] row(jrnn.tensor.Tensor t, int r, int width) {
    float[] out = new float[width];
    for (int i = 0; i < width; i++) {
      out[i] = t.data().get(r * width + i);
    }
    return out;
  }

  @Test
  void tokenizerMeetsTheSstSpelling() {
    assertEquals(List.of("i", "do", "n't", "like", "the", "film", "'s", "ending", ",", "but", "-lrb-",
        "mostly", "-rrb-", "it", "works", "."), Tokenizer.tokenize("I don't like the film's ending, but (mostly) it works."));
    assertEquals(List.of("ca", "n't", "wait", "\"", "wow", "\""), Tokenizer.tokenize("Can't wait ``wow''"));
    assertEquals(List.of("a", "wo", "n't", "-lrb-", "b", "-rrb-"), Tokenizer.tokenize("a wo n't -LRB- b -RRB-"));
  }

  @Test
  void treesGiveSentencesAndPhrases() throws IOException {
    Path f = dir.resolve("trees.txt");
    Files.writeString(f, "(3 (2 It) (4 (3 works) (2 .)))\n(2 (2 So) (2 so))\n(1 (0 Awful) (2 film))\n");
    List<Example> roots = SentimentData.sentences(f);
    assertEquals(2, roots.size(), "the neutral root is dropped");
    assertEquals(new Example(List.of("it", "works", "."), 1), roots.get(0));
    assertEquals(new Example(List.of("awful", "film"), 0), roots.get(1));
    List<Example> phrases = SentimentData.phrases(f, false);
    assertTrue(phrases.contains(new Example(List.of("works", "."), 1)));
    assertTrue(phrases.contains(new Example(List.of("awful"), 0)));
    assertEquals(5, phrases.size(), "distinct non-neutral phrases: " + phrases);

    // Fine-grained: the five labels as they are, neutral phrases and roots included.
    List<Example> fine = SentimentData.phrases(f, true);
    assertTrue(fine.contains(new Example(List.of("works", "."), 4)), fine.toString());
    assertTrue(fine.contains(new Example(List.of("so", "so"), 2)), fine.toString());
    assertTrue(fine.contains(new Example(List.of("so"), 2)), "one 'so' for two leaves: " + fine);
    assertEquals(10, fine.size(), "distinct phrases: " + fine);
    assertEquals(List.of(new Example(List.of("it", "works", "."), 3), new Example(List.of("so", "so"), 2),
        new Example(List.of("awful", "film"), 1)), SentimentData.fineGrainedSentences(f));
  }

  @Test
  void aFineGrainedModelReadsPolarityFromTheFiveLabels() {
    jrnn.tensor.Tensor logits = jrnn.tensor.Tensor.zeros(10);
    float[] row = {0f, (float) Math.log(3), 9f, (float) Math.log(2), (float) Math.log(2)};
    for (int k = 0; k < 5; k++) {
      logits.set(5 + k, row[k]);
    }
    // masses 1, 3 (negative) and 2, 2 (positive): 4 / 8, whatever the neutral label's share
    assertEquals(0.5, SentimentModel.polarity(logits, 5, 5), 1e-7);
    logits.set(5 + 2, -9f);
    assertEquals(0.5, SentimentModel.polarity(logits, 5, 5), 1e-7);
    logits.set(5 + 4, (float) Math.log(6));
    assertEquals(8.0 / 12, SentimentModel.polarity(logits, 5, 5), 1e-6);
    logits.set(0, 1f);
    logits.set(1, 3f);
    assertEquals(1 / (1 + Math.exp(-2)), SentimentModel.polarity(logits, 0, 2), 1e-12, "two classes: a sigmoid");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Example(List.of("x"), 5));
    assertTrue(e.getMessage().contains("got 5"), e.getMessage());
  }

  /** The toy data on the five SST labels: polarity strong or mild, and its filler words as neutral phrases. */
  static List<Example> toyFiveLabels(Rng rng, int n) {
    List<Example> out = new ArrayList<>();
    for (Example e : toy(rng, n)) {
      boolean strong = rng.nextInt(2) == 0;
      out.add(new Example(e.tokens(), e.label() == 1 ? (strong ? 4 : 3) : (strong ? 0 : 1)));
      out.add(new Example(e.tokens().stream().filter(t -> List.of(TOY_FILLER).contains(t)).limit(3).toList(), 2));
    }
    return out;
  }

  @Test
  void fineGrainedTrainingLearnsPolarityAndRoundTrips() throws IOException {
    List<Example> train = toyFiveLabels(new Rng(2), 1500);
    List<Example> valid = toy(new Rng(3), 300);
    Settings s = SMALL.with(Map.of("bidirectional", "none", "readout", "last",
        "dropout", "0.1", "epochs", "6", "lr", "5e-3", "fine_grained", "true"));
    SentimentModel m = SentimentModel.create(s, SentimentModel.vocabulary(train, 1));
    assertEquals(5, m.model().config().outputSize());
    Path out = dir.resolve("fine.jrnn");
    TrainingRun run = new TrainingRun(new SentimentTask(m, train, valid), out, new PrintStream(new ByteArrayOutputStream()));
    run.run();
    assertTrue(run.best() > 0.9, "polarity accuracy " + run.best());
    SentimentModel back = SentimentModel.load(out);
    assertTrue(back.settings().get(SentimentSettings.FINE_GRAINED));
    assertEquals(run.best(), back.evaluate(valid, 64).accuracy(), 1e-12, "the saved model is the best one");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> back.evaluate(train.subList(0, 4), 4));
    assertTrue(e.getMessage().contains("labelled 0 or 1"), e.getMessage());
  }

  /** A classifier sure beyond double's reach and wrong: its loss is the margin, about 200 nats, not infinite. */
  @Test
  void aConfidentWrongAnswerHasAFiniteLoss() {
    List<Example> one = List.of(new Example(List.of("a", "fine", "film"), 0));
    SentimentModel m = SentimentModel.create(SMALL, SentimentModel.vocabulary(one, 1));
    jrnn.tensor.Tensor bias = m.model().parameters().value(jrnn.models.ModelConfig.HEAD_BIAS);
    bias.set(0, -100f);
    bias.set(1, 100f);
    assertEquals(1.0, m.positive(one.get(0).tokens()), 0.0, "P(positive) rounds to 1");
    double loss = m.evaluate(one, 1).mean();
    assertTrue(Double.isFinite(loss) && loss > 190 && loss < 210, "loss " + loss);
    assertEquals(0, m.evaluate(one, 1).correct());
  }

  @Test
  void embeddingsStartWithTheirStandardDeviation() {
    Vocabulary vocab = SentimentModel.vocabulary(List.of(new Example(List.of("good", "film", "dull"), 1)), 1);
    jrnn.tensor.Tensor wide = SentimentModel.create(SMALL, vocab).model().parameters().value(jrnn.models.ModelConfig.EMBEDDING);
    jrnn.tensor.Tensor narrow = SentimentModel.create(SMALL.with(Map.of("embedding_std", "0.1")), vocab)
        .model().parameters().value(jrnn.models.ModelConfig.EMBEDDING);
    double sumSquares = 0;
    for (int i = 0; i < wide.size(); i++) {
      assertEquals(0.1f * wide.get(i), narrow.get(i), 1e-6 * Math.abs(narrow.get(i)), "the same draw, scaled, at " + i);
      sumSquares += wide.get(i) * wide.get(i);
    }
    double std = Math.sqrt(sumSquares / wide.size());
    assertTrue(std > 0.8 && std < 1.2, "N(0, 1) by default, measured std " + std);
    Map<String, String> old = new java.util.TreeMap<>(SMALL.toProperties());
    old.remove("sentiment.embedding_std");
    assertEquals(1.0, SentimentSettings.SCHEMA.fromProperties(old).get(SentimentSettings.EMBEDDING_STD), "files written before the setting");
    Settings narrowSettings = SMALL.with(Map.of("embedding_std", "0.1"));
    assertEquals(narrowSettings, SentimentSettings.SCHEMA.fromProperties(narrowSettings.toProperties()), "a model file keeps it");
    for (String bad : List.of("0.0", "-1.0", "NaN", "Infinity", "-Infinity")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> SMALL.with(Map.of("embedding_std", bad)));
      assertTrue(e.getMessage().contains("sentiment.embedding_std") && e.getMessage().contains("got '" + bad + "'"), e.getMessage());
    }
  }

  @Test
  void settingsWrittenBeforeFineGrainedReadAsTwoClasses() {
    Map<String, String> old = new java.util.TreeMap<>(SMALL.toProperties());
    old.remove("sentiment.fine_grained");
    assertEquals(SMALL, SentimentSettings.SCHEMA.fromProperties(old));
    old.put("sentiment.fine_grained", "yes");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SentimentSettings.SCHEMA.fromProperties(old));
    assertTrue(e.getMessage().contains("fine_grained") && e.getMessage().contains("'yes'"), e.getMessage());
    old.put("sentiment.fine_grained", "false");
    old.put("sentiment.phrases", "ture");
    e = assertThrows(IllegalArgumentException.class, () -> SentimentSettings.SCHEMA.fromProperties(old));
    assertTrue(e.getMessage().contains("phrases") && e.getMessage().contains("'ture'"), e.getMessage());
  }

  @Test
  void malformedLinesNameTheFileAndLine() throws IOException {
    Path bad = dir.resolve("bad.txt");
    Files.writeString(bad, "1 a fine film\n2 what label is this\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SentimentData.sentences(bad));
    assertTrue(e.getMessage().contains("bad.txt line 2") && e.getMessage().contains("what label"), e.getMessage());
    Path tree = dir.resolve("tree.txt");
    Files.writeString(tree, "(3 (2 It) (4 works)\n");
    e = assertThrows(IllegalArgumentException.class, () -> SentimentData.sentences(tree));
    assertTrue(e.getMessage().contains("tree.txt line 1") && e.getMessage().contains("expected"), e.getMessage());
    Path latin = dir.resolve("pos.txt");
    Files.write(latin, new byte[] {'o', 'k', '\n', (byte) 0xE9, 't', 'a', 'i', 't', '\n'});
    IOException io = assertThrows(IOException.class, () -> SentimentData.positiveNegative(latin, latin, StandardCharsets.UTF_8));
    assertTrue(io.getMessage().contains("pos.txt line 2") && io.getMessage().contains("UTF-8"), io.getMessage());
    assertEquals(List.of("\u00e9tait"), SentimentData.positiveNegative(latin, latin, SentimentData.windows1252()).get(1).tokens());
  }

  static final String[] TOY_FILLER = ToyPolarity.FILLER;

  /** Toy polarity where order matters: "not" flips the next word, "but" makes the rest decide. */
  static List<Example> toy(Rng rng, int n) {
    return ToyPolarity.examples(rng, n);
  }

  @Test
  void aPaddedBatchClassifiesEverySentenceAsAlone() {
    List<Example> data = toy(new Rng(1), 13);
    Settings bi = SMALL.with(Map.of("bidirectional", "concat"));
    for (String readout : List.of("last", "mean", "max")) {
      SentimentModel m = SentimentModel.create(bi.with(Map.of("readout", readout)),
          SentimentModel.vocabulary(data, 1));
      m.model().forward(m.batch(data, false), null, false, null);
      float[] together = m.model().outputs().toArray();
      for (int b = 0; b < data.size(); b++) {
        m.model().forward(m.batch(List.of(data.get(b)), false), null, false, null);
        for (int k = 0; k < 2; k++) {
          float alone = m.model().outputs().get(k);
          assertEquals(alone, together[b * 2 + k], 1e-5 * (1 + Math.abs(alone)),
              readout + ": sentence " + b + " of lengths " + data.get(b).tokens().size());
        }
      }
    }
  }

  @Test
  void learnsOrderDependentPolarityAndRoundTrips() throws IOException {
    List<Example> train = toy(new Rng(2), 1500);
    List<Example> valid = toy(new Rng(3), 300);
    Settings s = SMALL.with(Map.of("bidirectional", "none", "readout", "last",
        "dropout", "0.1", "epochs", "6", "lr", "5e-3"));
    SentimentModel m = SentimentModel.create(s, SentimentModel.vocabulary(train, 1));
    Path out = dir.resolve("toy.jrnn");
    TrainingRun run = new TrainingRun(new SentimentTask(m, train, valid), out, new PrintStream(new ByteArrayOutputStream()));
    run.run();
    // A bag of words is at chance here: "not good" and "good" have the same words as "bad" plus "not".
    assertTrue(run.best() > 0.9, "validation accuracy " + run.best());
    SentimentModel back = SentimentModel.load(out);
    double acc = back.evaluate(valid, 64).accuracy();
    assertEquals(run.best(), acc, 1e-12, "the saved model is the best one");
    double pGood = back.positive(List.of("the", "film", "was", "good"));
    double pNotGood = back.positive(List.of("the", "film", "was", "not", "good"));
    assertTrue(pGood > 0.5 && pNotGood < 0.5, "good " + pGood + ", not good " + pNotGood);
    // The trace gives each prefix's reading as that prefix alone.
    List<String> longSentence = new java.util.ArrayList<>();
    for (int i = 0; i < 39; i++) {
      longSentence.add(List.of("the", "film", "was", "not", "good", "and", "fine").get(i % 7));
    }
    double[] trace = back.trace(longSentence);
    assertEquals(longSentence.size(), trace.length);
    for (int i = 0; i < trace.length; i++) {
      assertEquals(back.positive(longSentence.subList(0, i + 1)), trace[i], 1e-6, "prefix of " + (i + 1));
    }

    // Batched probabilities agree with the loss's count of correct answers and with one sentence alone.
    double[] p = back.positives(valid, 64);
    assertEquals(acc, SentimentModel.accuracy(p, valid), 1e-12);
    for (int i = 0; i < 5; i++) {
      assertEquals(back.positive(valid.get(i).tokens()), p[i], 1e-5, "example " + i);
    }
    // An ensemble averages: a model with itself is itself; with its mirror image it is undecided.
    assertArrayEquals(p, SentimentModel.mean(List.of(p, p)), 1e-12);
    double[] mirror = new double[p.length];
    for (int i = 0; i < p.length; i++) {
      mirror[i] = 1 - p[i];
    }
    for (double v : SentimentModel.mean(List.of(p, mirror))) {
      assertEquals(0.5, v, 1e-12);
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SentimentModel.mean(List.of(p, new double[3])));
    assertTrue(e.getMessage().contains(p.length + " examples, got 3"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> back.positives(valid, 0));
    assertTrue(e.getMessage().contains("batch size must be at least 1, got 0"), e.getMessage());
    // A text with no words has no polarity: NaN among the others, as classify refuses it.
    SentimentClassifier classifier = new SentimentClassifier(List.of(back));
    double[] withEmpty = classifier.positives(List.of("the film was good", " ", "the film was bad"));
    assertEquals(back.positive(List.of("the", "film", "was", "good")), withEmpty[0], 1e-6);
    assertTrue(Double.isNaN(withEmpty[1]), "no words: " + withEmpty[1]);
    assertEquals(back.positive(List.of("the", "film", "was", "bad")), withEmpty[2], 1e-6);
    assertThrows(IllegalArgumentException.class, () -> classifier.classify(" "));
  }

  @Test
  void adversarialTrainingLearnsAndTheModelFileKeepsItsNorm() throws IOException {
    List<Example> train = toy(new Rng(2), 1500);
    List<Example> valid = toy(new Rng(3), 300);
    Settings s = SMALL.with(Map.of("bidirectional", "none", "readout", "last",
        "dropout", "0.1", "epochs", "6", "lr", "5e-3", "adversarial", "1.0"));
    SentimentModel m = SentimentModel.create(s, SentimentModel.vocabulary(train, 1));
    Path out = dir.resolve("adversarial.jrnn");
    TrainingRun run = new TrainingRun(new SentimentTask(m, train, valid), out, new PrintStream(new ByteArrayOutputStream()));
    run.run();
    assertTrue(run.best() > 0.9, "validation accuracy " + run.best());
    assertEquals(1.0, SentimentModel.load(out).settings().get(SentimentSettings.ADVERSARIAL));
    Map<String, String> old = new java.util.TreeMap<>(s.toProperties());
    old.remove("sentiment.adversarial");
    assertEquals(0.0, SentimentSettings.SCHEMA.fromProperties(old).get(SentimentSettings.ADVERSARIAL), "files written before the setting");
    for (String bad : List.of("-1.0", "NaN", "Infinity")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> s.with(Map.of("adversarial", bad)));
      assertTrue(e.getMessage().contains("sentiment.adversarial") && e.getMessage().contains("got '" + bad + "'"), e.getMessage());
    }
  }

  @Test
  void sst2SliceLearnsAboveChance() throws IOException {
    Path trainFile = SharedData.require("sst2/stsa.binary.train.gz");
    Path devFile = SharedData.require("sst2/stsa.binary.dev.gz");
    List<Example> train = SentimentData.sentences(trainFile).subList(0, 2000);
    List<Example> dev = SentimentData.sentences(devFile);
    SentimentModel m = SentimentModel.create(SMALL, SentimentModel.vocabulary(train, 1));
    TrainingRun run = new TrainingRun(new SentimentTask(m, train, dev), null, new PrintStream(new ByteArrayOutputStream()));
    run.run();
    // Chance is 51% (444 of 872 positive); 2,000 sentences and three epochs give about 65-70%.
    assertTrue(run.best() > 0.6, "dev accuracy " + run.best());
  }

  @Test
  void vocabularyMapsRareWordsToUnknown() {
    List<Example> data = List.of(new Example(List.of("a", "b", "a"), 1), new Example(List.of("a", "c"), 0));
    Vocabulary v = SentimentModel.vocabulary(data, 2);
    assertEquals(List.of("<pad>", "<unk>", "a"), v.tokens());
    assertEquals(v.id("<unk>"), v.id("zebra"));
  }
}
