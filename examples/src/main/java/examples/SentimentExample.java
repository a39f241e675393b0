package examples;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import jrnn.apps.sentiment.Example;
import jrnn.apps.sentiment.SentimentClassifier;
import jrnn.apps.sentiment.SentimentModel;
import jrnn.apps.sentiment.SentimentSettings;
import jrnn.apps.sentiment.SentimentTask;
import jrnn.frame.Settings;
import jrnn.frame.TrainingRun;

/**
 * Sentiment: trains a small classifier on made-up reviews in which "not" turns the polarity of
 * the word after it, then loads it as a service would and classifies sentences.
 */
public final class SentimentExample {
  private SentimentExample() {}

  public static void main(String[] args) throws IOException {
    Path model = train(Files.createTempDirectory("jrnn-sentiment").resolve("reviews.jrnn"), System.out);
    use(model, System.out);
  }

  /** Trains on 600 made-up reviews, validates on 200, and writes the best model to {@code model}. */
  public static Path train(Path model, PrintStream log) throws IOException {
    Random random = new Random(1);
    Settings settings = SentimentSettings.SCHEMA.preset("mr").with(Map.of(
        "embedding", "16", "hidden", "16", "epochs", "6", "batch", "20", "lr", "1e-2", "min_count", "1",
        "adversarial", "0", "word_dropout", "0"));
    List<Example> train = reviews(random, 600);
    SentimentModel fresh = SentimentModel.create(settings, SentimentModel.vocabulary(train, 1));
    new TrainingRun(new SentimentTask(fresh, train, reviews(random, 200)), model, log).execute(false);
    return model;
  }

  /** Loads the model and classifies a sentence; returns P(positive). */
  public static double use(Path model, PrintStream out) throws IOException {
    // tag::sentiment[]
    SentimentClassifier classifier = SentimentClassifier.load(model);   // thread-safe: share it
    SentimentClassifier.Sentiment s = classifier.classify("the plot was not dull", true);
    out.printf("%s %.3f%n", s.label(), s.confidence());
    out.println(s.words() + " " + Arrays.toString(s.trace()));          // P(positive) after each word
    // end::sentiment[]
    return s.positive();
  }

  /** Reviews of filler words around one polar word, "not" before it half the time. */
  static List<Example> reviews(Random random, int n) {
    String[] good = {"good", "great", "fine", "lovely"};
    String[] bad = {"bad", "awful", "dull", "poor"};
    String[] filler = {"the", "film", "was", "plot", "acting", "and", "really", "quite"};
    List<Example> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<String> words = new ArrayList<>();
      for (int k = 3 + random.nextInt(8); k > 0; k--) {
        words.add(filler[random.nextInt(filler.length)]);
      }
      int label = random.nextInt(2);
      boolean negated = random.nextBoolean();
      int at = random.nextInt(words.size());
      words.add(at, (label == 1) != negated ? good[random.nextInt(4)] : bad[random.nextInt(4)]);
      if (negated) {
        words.add(at, "not");
      }
      out.add(new Example(words, label));
    }
    return out;
  }
}
