package jrnn.spark;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import jrnn.apps.lm.LanguageModel;
import jrnn.apps.sentiment.SentimentClassifier;
import jrnn.apps.sentiment.SentimentModel;
import jrnn.frame.AppFile;
import jrnn.io.ModelFile;

/**
 * Scores rows of text with a jrnn model, as Spark's executors run it: the model file's bytes
 * travel once (a broadcast), and each executor JVM loads the model once, on its first row, and
 * shares it between its task threads (the task-level classes are thread-safe). A sentiment
 * model gives each row its P(positive); a language model its perplexity.
 */
public final class RowScorer implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Models loaded in this JVM, by the SHA-256 of their file (a job scores with one or two). */
  private static final Map<String, Function<List<String>, double[]>> LOADED = new ConcurrentHashMap<>();
  /** How many times this JVM has loaded a model file. */
  private static final java.util.concurrent.atomic.AtomicInteger LOADS = new java.util.concurrent.atomic.AtomicInteger();

  private final String kind;
  private final String digest;

  private RowScorer(String kind, String digest) {
    this.kind = kind;
    this.digest = digest;
  }

  /**
   * A scorer of the model file {@code file} (read and checked: checksum, kind); an error unless
   * it holds a sentiment or language model.
   */
  public static RowScorer of(Path file) throws IOException {
    String kind = AppFile.header(ModelFile.read(file), file).kind();
    if (!kind.equals(SentimentModel.APP) && !kind.equals(LanguageModel.APP)) {
      throw new IllegalArgumentException("model file " + file + " holds a " + kind + " model; rows are scored by"
          + " sentiment models (P(positive)) and language models (perplexity)");
    }
    return new RowScorer(kind, sha256(Files.readAllBytes(file)));
  }

  /** What the score of a row is: "positive" (P(positive)) or "perplexity". */
  public String scoreName() {
    return kind.equals(SentimentModel.APP) ? "positive" : "perplexity";
  }

  /** The scores of {@code rows}, in order, with the model of {@code bytes} (loaded once per JVM). */
  public double[] score(List<String> rows, byte[] bytes) throws IOException {
    Function<List<String>, double[]> model;
    try {
      // The first task of an executor loads the model; its other tasks wait for that one load.
      model = LOADED.computeIfAbsent(digest, d -> {
        try {
          return load(bytes);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
    } catch (java.io.UncheckedIOException e) {
      throw e.getCause();
    }
    return model.apply(rows);
  }

  private Function<List<String>, double[]> load(byte[] bytes) throws IOException {
    LOADS.incrementAndGet();
    Path file = Files.createTempFile("jrnn-model", ".jrnn");
    try {
      Files.write(file, bytes);
      if (kind.equals(SentimentModel.APP)) {
        SentimentClassifier classifier = SentimentClassifier.load(file);
        return classifier::positives;
      }
      LanguageModel lm = LanguageModel.load(file);
      return rows -> {
        double[] out = new double[rows.size()];
        for (int i = 0; i < out.length; i++) {
          // A row too short to predict anything (under two tokens) has no perplexity.
          out[i] = lm.encode(lm.tokenize(rows.get(i))).length < 2 ? Double.NaN : lm.perplexity(rows.get(i));
        }
        return out;
      };
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** How many times this JVM has loaded a model file: once per model, however many rows and tasks. */
  static int loads() {
    return LOADS.get();
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A score as the output's text: NaN for a row without one. */
  static String format(double v) {
    return Double.isNaN(v) ? "NaN" : String.format(Locale.ROOT, "%.6f", v);
  }
}
