package jrnn.spark;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import jrnn.apps.lm.LanguageModel;
import jrnn.apps.sentiment.SentimentClassifier;
import jrnn.apps.sentiment.SentimentModel;
import jrnn.apps.speech.SpeechModel;
import jrnn.apps.translate.TranslationModel;
import jrnn.frame.AppFile;
import jrnn.io.ModelFile;

/**
 * Scores rows with a jrnn model, as Spark's executors run it: the model file's bytes travel once
 * (a broadcast), and each executor JVM loads the model once, on its first row, and shares it
 * between its task threads (the applications' inference calls are thread-safe). What a row gets
 * depends on the model: a sentiment model gives a text its P(positive), a language model its
 * perplexity (numbers); a translation model gives a sentence its translation, with the model's own
 * beam, and a speech model gives a WAV file (a row is its path, readable where the executors run)
 * the words it hears (texts).
 */
public final class RowScorer implements Serializable {
  private static final long serialVersionUID = 2L;
  /** Models kept loaded in this JVM: a job scores with one or two, a long-lived application with more in turn. */
  static final int KEPT_MODELS = 4;
  /**
   * Models loaded in this JVM, by the SHA-256 of their file, the one used longest ago dropped past
   * {@link #KEPT_MODELS} (a notebook scoring model after model would otherwise keep them all).
   */
  private static final Map<String, Function<List<String>, List<?>>> LOADED = java.util.Collections.synchronizedMap(
      new java.util.LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Function<List<String>, List<?>>> eldest) {
          return size() > KEPT_MODELS;
        }
      });
  /** One lock per model file, so that a model loads once however many tasks ask for it at once. */
  private static final Map<String, Object> LOADING = new java.util.concurrent.ConcurrentHashMap<>();
  /** How many times this JVM has loaded a model file. */
  private static final java.util.concurrent.atomic.AtomicInteger LOADS = new java.util.concurrent.atomic.AtomicInteger();

  private final String kind;
  private final String digest;

  private RowScorer(String kind, String digest) {
    this.kind = kind;
    this.digest = digest;
  }

  /**
   * A scorer of the model file whose bytes are {@code bytes} (checked: checksum, kind), named
   * {@code file} in errors; an error unless it holds a sentiment, language, translation or speech
   * model. The bytes are those the executors are to get: the scorer knows its model by their hash.
   */
  public static RowScorer of(byte[] bytes, String file) throws IOException {
    String kind = AppFile.header(ModelFile.parse(bytes, file), file).kind();
    if (!List.of(SentimentModel.APP, LanguageModel.APP, TranslationModel.APP, SpeechModel.APP).contains(kind)) {
      throw new IllegalArgumentException("model file " + file + " holds a " + kind + " model; rows are scored by"
          + " sentiment models (P(positive)), language models (perplexity), translation models (the translation)"
          + " and speech models (what a WAV file says)");
    }
    return new RowScorer(kind, sha256(bytes));
  }

  /** Rows a partition's scoring holds at once: a partition of any size goes through in chunks of this many. */
  static final int CHUNK_ROWS = 4096;

  /**
   * {@code rows} scored {@link #CHUNK_ROWS} at a time by {@code score} (a chunk's results, in its
   * order), as they are read: a partition is never held whole, in rows or results.
   */
  static <T, R> java.util.Iterator<R> inChunks(java.util.Iterator<T> rows, ScoreChunk<T, R> score) {
    return new java.util.Iterator<>() {
      private java.util.Iterator<R> chunk = java.util.Collections.emptyIterator();

      @Override
      public boolean hasNext() {
        while (!chunk.hasNext() && rows.hasNext()) {
          List<T> part = new java.util.ArrayList<>(CHUNK_ROWS);
          while (rows.hasNext() && part.size() < CHUNK_ROWS) {
            part.add(rows.next());
          }
          try {
            chunk = score.apply(part).iterator();
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }
        return chunk.hasNext();
      }

      @Override
      public R next() {
        if (!hasNext()) {
          throw new java.util.NoSuchElementException();
        }
        return chunk.next();
      }
    };
  }

  /** A chunk of rows to their results, in order. */
  interface ScoreChunk<T, R> {
    List<R> apply(List<T> rows) throws IOException;
  }

  /** What a row gets: "positive" (P(positive)), "perplexity", "translation" or "transcription". */
  public String scoreName() {
    return switch (kind) {
      case SentimentModel.APP -> "positive";
      case LanguageModel.APP -> "perplexity";
      case TranslationModel.APP -> "translation";
      default -> "transcription";
    };
  }

  /** Whether rows get numbers ({@link #score}), or texts ({@link #results} only). */
  public boolean numeric() {
    return kind.equals(SentimentModel.APP) || kind.equals(LanguageModel.APP);
  }

  /**
   * What each of {@code rows} gets, in order, with the model of {@code bytes} (loaded once per
   * JVM): a Double (NaN for a text with no words to classify, or too short to have a perplexity)
   * or a String.
   */
  public List<?> results(List<String> rows, byte[] bytes) throws IOException {
    Function<List<String>, List<?>> model = LOADED.get(digest);
    if (model == null) {
      // The first task of an executor loads the model; its other tasks of that model wait for
      // that one load, and tasks of models already loaded do not wait at all.
      synchronized (LOADING.computeIfAbsent(digest, d -> new Object())) {
        model = LOADED.get(digest);
        if (model == null) {
          model = load(bytes);
          LOADED.put(digest, model);
        }
      }
    }
    try {
      return model.apply(rows);
    } catch (java.io.UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /** The numbers of {@code rows} (sentiment and language models), as {@link #results}. */
  public double[] score(List<String> rows, byte[] bytes) throws IOException {
    if (!numeric()) {
      throw new IllegalStateException("a " + kind + " model gives rows texts (" + scoreName() + "), not numbers");
    }
    return results(rows, bytes).stream().mapToDouble(v -> (Double) v).toArray();
  }

  private Function<List<String>, List<?>> load(byte[] bytes) throws IOException {
    LOADS.incrementAndGet();
    Path file = Files.createTempFile("jrnn-model", ".jrnn");
    try {
      Files.write(file, bytes);
      switch (kind) {
        case SentimentModel.APP -> {
          SentimentClassifier classifier = SentimentClassifier.load(file);
          return rows -> Arrays.stream(classifier.positives(rows)).boxed().toList();
        }
        case LanguageModel.APP -> {
          LanguageModel lm = LanguageModel.load(file);
          // A row too short to predict anything (under two tokens) has no perplexity.
          return rows -> rows.stream().map(r -> lm.encode(lm.tokenize(r)).length < 2 ? Double.NaN : lm.perplexity(r))
              .toList();
        }
        case TranslationModel.APP -> {
          TranslationModel translator = TranslationModel.load(file);
          return rows -> {
            // translate() would number a long row by its place in this partition; name it instead.
            for (String row : rows) {
              int subwords = translator.encodeSource(row).length;
              if (subwords > TranslationModel.MAX_SOURCE_LENGTH) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "the row '%s' has %,d subwords; at most"
                    + " %d are translated at once: split it into sentences", excerpt(row), subwords,
                    TranslationModel.MAX_SOURCE_LENGTH));
              }
            }
            return translator.translate(rows);
          };
        }
        default -> {
          SpeechModel recogniser = SpeechModel.load(file);
          return rows -> {
            try {
              return recogniser.transcribe(rows.stream().map(Path::of).toList()).stream()
                  .map(words -> String.join(" ", words)).toList();
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          };
        }
      }
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** The first 60 characters of {@code row}, for an error message. */
  private static String excerpt(String row) {
    return row.length() <= 60 ? row : row.substring(0, 60) + "...";
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

  /** What a row got, as the output's text: a number to 6 decimals (NaN for a row without one), or the text. */
  static String format(Object v) {
    if (v instanceof Double d) {
      return d.isNaN() ? "NaN" : String.format(Locale.ROOT, "%.6f", d);
    }
    return v.toString();
  }
}
