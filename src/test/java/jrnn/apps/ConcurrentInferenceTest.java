package jrnn.apps;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import jrnn.apps.lm.LanguageModel;
import jrnn.apps.lm.LmSettings;
import jrnn.apps.sentiment.Example;
import jrnn.apps.sentiment.SentimentClassifier;
import jrnn.apps.sentiment.SentimentModel;
import jrnn.apps.sentiment.SentimentSettings;
import jrnn.apps.speech.SpeechFeatures;
import jrnn.apps.speech.SpeechModel;
import jrnn.apps.speech.SpeechSettings;
import jrnn.apps.speech.Utterance;
import jrnn.apps.translate.TranslateSettings;
import jrnn.apps.translate.TranslationModel;
import jrnn.audio.Wav;
import jrnn.data.Vocabulary;
import jrnn.frame.Settings;
import jrnn.util.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One loaded model serves many threads: 16 threads each send the same 1,000 requests of mixed
 * lengths (in an order of their own) to one language model and one sentiment classifier (200 to
 * a translator, 100 to a speech recogniser), and every answer must equal, to the bit, the answer
 * a lone caller got before.
 */
class ConcurrentInferenceTest {
  static final int THREADS = 16;
  static final int REQUESTS = 1000;
  static final String[] WORDS = {"the", "film", "was", "good", "bad", "dull", "gripping", "plot", "acting",
      "and", "really", "quite", "not", "a", "masterpiece", "mess", "zebra"};

  @TempDir
  Path dir;

  @Test
  void aLanguageModelAnswersEveryThreadAsItAnswersOne() throws Exception {
    Settings s = LmSettings.SCHEMA.defaults().with(Map.of("level", "char", "vocab_cap", "0", "embedding", "16",
        "hidden", "48", "layers", "2", "cell", "lstm", "seed", "3"));
    Vocabulary vocab = Vocabulary.build(Vocabulary.characters("abcdefghijklmnopqrstuvwxyz .,"), 0);
    LanguageModel.create(s, vocab).save(dir.resolve("lm.jrnn"));
    LanguageModel lm = LanguageModel.load(dir.resolve("lm.jrnn"));
    Rng rng = new Rng(11);
    List<Function<LanguageModel, String>> requests = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      String text = text(rng, 1 + rng.nextInt(80));
      switch (i % 3) {
        case 0 -> requests.add(m -> m.next(text, 5).toString());
        case 1 -> requests.add(m -> Double.toString(m.perplexity(text + " " + text)));
        default -> requests.add(m -> m.generate(text, LanguageModel.Generation.of(12).withSeed(text.length())));
      }
    }
    assertSameAnswers(lm, requests);
  }

  @Test
  void aSentimentClassifierAnswersEveryThreadAsItAnswersOne() throws Exception {
    Settings s = SentimentSettings.SCHEMA.preset("mr").with(Map.of("embedding", "32", "hidden", "24",
        "bidirectional", "concat", "layers", "2", "min_count", "1"));
    List<Example> corpus = List.of(new Example(List.of(WORDS), 1));
    SentimentModel.create(s, SentimentModel.vocabulary(corpus, 1)).save(dir.resolve("sentiment.jrnn"));
    SentimentClassifier classifier = SentimentClassifier.load(dir.resolve("sentiment.jrnn"));
    Rng rng = new Rng(12);
    List<Function<SentimentClassifier, String>> requests = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      String sentence = sentence(rng, 1 + rng.nextInt(40));
      if (i % 10 == 9) {
        List<String> several = new ArrayList<>();
        for (int k = 0; k < 20; k++) {
          several.add(sentence(rng, 1 + rng.nextInt(30)));
        }
        requests.add(c -> java.util.Arrays.toString(c.positives(several)));
      } else if (i % 10 == 8) {
        requests.add(c -> java.util.Arrays.toString(c.classify(sentence, true).trace()));
      } else {
        requests.add(c -> c.classify(sentence).positive() + " " + c.classify(sentence).label());
      }
    }
    assertSameAnswers(classifier, requests);
  }

  @Test
  void aTranslatorAnswersEveryThreadAsItAnswersOne() throws Exception {
    Settings s = TranslateSettings.SCHEMA.defaults().with(Map.of("bpe_merges", "20", "embedding", "16",
        "hidden", "24", "decoder_hidden", "24", "layers", "2", "beam", "3", "seed", "5"));
    Rng rng = new Rng(13);
    List<String> source = new ArrayList<>();
    List<String> target = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      source.add(sentence(rng, 1 + rng.nextInt(12)));
      target.add(sentence(rng, 1 + rng.nextInt(12)));
    }
    TranslationModel.create(s, source, target).save(dir.resolve("translate.jrnn"));
    TranslationModel translator = TranslationModel.load(dir.resolve("translate.jrnn"));
    List<Function<TranslationModel, String>> requests = new ArrayList<>();
    for (int i = 0; i < REQUESTS / 5; i++) {
      String line = sentence(rng, 1 + rng.nextInt(25));
      requests.add(i % 4 == 3 ? m -> m.translate(List.of(line, "the film"), 1).toString() : m -> m.translate(line));
    }
    assertSameAnswers(translator, requests);
  }

  @Test
  void aSpeechRecogniserAnswersEveryThreadAsItAnswersOne() throws Exception {
    Settings s = SpeechSettings.SCHEMA.preset("yesno").with(Map.of("hidden", "24", "layers", "2", "seed", "4"));
    Rng rng = new Rng(14);
    List<Utterance> train = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      train.add(new Utterance("t" + i, noise(rng, 4000), List.of(i % 2 == 0 ? "yes" : "no", "no")));
    }
    SpeechModel.create(s, SpeechModel.labels(s, train), SpeechFeatures.statisticsFor(s, train))
        .save(dir.resolve("speech.jrnn"));
    SpeechModel recogniser = SpeechModel.load(dir.resolve("speech.jrnn"));
    List<Function<SpeechModel, String>> requests = new ArrayList<>();
    for (int i = 0; i < REQUESTS / 10; i++) {
      Utterance u = new Utterance("r" + i, noise(rng, 800 + rng.nextInt(8000)), List.of());
      requests.add(m -> m.recognize(List.of(u), 1 + u.audio().samples().length % 3).toString()
          + java.util.Arrays.deepToString(m.logProbabilities(m.features().of(List.of(u))).toArray()));
    }
    assertSameAnswers(recogniser, requests);
  }

  private static Wav.Audio noise(Rng rng, int samples) {
    float[] x = new float[samples];
    for (int i = 0; i < samples; i++) {
      x[i] = (float) (0.3 * Math.sin(i * (0.05 + 0.001 * (samples % 17))) + 0.05 * rng.gaussian());
    }
    return new Wav.Audio(x, 8000);
  }

  /** Serial answers first, then THREADS threads each sending every request in its own order. */
  private static <M> void assertSameAnswers(M model, List<Function<M, String>> requests) throws Exception {
    String[] serial = new String[requests.size()];
    for (int i = 0; i < serial.length; i++) {
      serial[i] = requests.get(i).apply(model);
    }
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<String[]>> results = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
          order.add(i);
        }
        Collections.shuffle(order, new java.util.Random(t));
        Callable<String[]> worker = () -> {
          String[] answers = new String[requests.size()];
          for (int i : order) {
            answers[i] = requests.get(i).apply(model);
          }
          return answers;
        };
        results.add(pool.submit(worker));
      }
      for (int t = 0; t < THREADS; t++) {
        assertArrayEquals(serial, results.get(t).get(), "thread " + t);
      }
    } finally {
      pool.shutdownNow();
    }
    assertTrue(java.util.Arrays.stream(serial).distinct().count() > requests.size() / 2,
        "the requests differ, so equal answers say something");
  }

  private static String text(Rng rng, int n) {
    String letters = "abcdefghijklmnopqrstuvwxyz ";
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append(letters.charAt(rng.nextInt(letters.length())));
    }
    return b.toString();
  }

  private static String sentence(Rng rng, int n) {
    List<String> w = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      w.add(WORDS[rng.nextInt(WORDS.length)]);
    }
    return String.join(" ", w);
  }
}
