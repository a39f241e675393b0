package jrnn.apps.sentiment;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Sentences in, polarity out: one trained sentiment model, or the mean of several (an ensemble),
 * loaded from their files and ready to answer in one call.
 *
 * <pre>{@code
 * SentimentClassifier classifier = SentimentClassifier.load(Path.of("runs/sst2/best.jrnn"));
 * SentimentClassifier.Sentiment s = classifier.classify("A gripping, beautifully acted film.");
 * System.out.println(s.label() + " " + s.positive());
 * }</pre>
 *
 * <p>Thread-safe: one instance serves any number of threads at once, each answer equal to the
 * bit to the one a lone caller gets (the passes run on pooled workspaces over the shared
 * parameters).
 */
public final class SentimentClassifier {
  private final List<SentimentModel> models;

  /**
   * One sentence's reading.
   *
   * @param words the sentence's tokens
   * @param positive P(positive), the mean over the models
   * @param trace P(positive) after each word when asked for; else empty
   */
  public record Sentiment(List<String> words, double positive, double[] trace) {
    /** "positive" when P(positive) is 0.5 or more, else "negative". */
    public String label() {
      return SentimentModel.LABELS[SentimentModel.label(positive)];
    }

    /** The probability of the label given: P(positive) or 1 - P(positive). */
    public double confidence() {
      return positive >= 0.5 ? positive : 1 - positive;
    }
  }

  /** A classifier answering with the mean P(positive) of {@code models} (one or more). */
  public SentimentClassifier(List<SentimentModel> models) {
    if (models.isEmpty()) {
      throw new IllegalArgumentException("a classifier needs at least one model");
    }
    this.models = List.copyOf(models);
  }

  /** Loads a model file, or several for an ensemble that answers with the mean of their P(positive). */
  public static SentimentClassifier load(Path... files) throws IOException {
    List<SentimentModel> models = new ArrayList<>();
    for (Path f : files) {
      models.add(SentimentModel.load(f));
    }
    return new SentimentClassifier(models);
  }

  /** The polarity of a sentence (tokenized as the training data was), without the trace. */
  public Sentiment classify(String text) {
    return classify(text, false);
  }

  /**
   * The polarity of a sentence; with {@code trace}, also P(positive) after each word, so that one
   * sees where the reading turns ({@link SentimentModel#trace}).
   */
  public Sentiment classify(String text, boolean trace) {
    List<String> words = Tokenizer.tokenize(text);
    if (words.isEmpty()) {
      throw new IllegalArgumentException("the sentence has no words: '" + text + "'");
    }
    List<double[]> perModel = new ArrayList<>();
    for (SentimentModel m : models) {
      perModel.add(trace ? m.trace(words) : new double[] {m.positive(words)});
    }
    // A trace's last entry is the whole sentence's.
    double[] mean = SentimentModel.mean(perModel);
    return new Sentiment(List.copyOf(words), mean[mean.length - 1], trace ? mean : new double[0]);
  }

  /**
   * P(positive) of each sentence, read in batches: for many sentences, faster than one call each.
   * A text with no words has no polarity: NaN (where {@link #classify} refuses it).
   */
  public double[] positives(List<String> texts) {
    List<Example> examples = new ArrayList<>();
    for (String t : texts) {
      examples.add(new Example(Tokenizer.tokenize(t), 0));
    }
    List<double[]> perModel = new ArrayList<>();
    for (SentimentModel m : models) {
      perModel.add(m.positives(examples, 64));
    }
    double[] mean = SentimentModel.mean(perModel);
    for (int i = 0; i < mean.length; i++) {
      if (examples.get(i).tokens().isEmpty()) {
        mean[i] = Double.NaN;
      }
    }
    return mean;
  }
}
