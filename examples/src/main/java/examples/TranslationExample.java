package examples;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import jrnn.apps.translate.TranslateSettings;
import jrnn.apps.translate.TranslationModel;
import jrnn.apps.translate.TranslationTask;
import jrnn.frame.Settings;
import jrnn.frame.TrainingRun;

/**
 * Machine translation: trains a small encoder-decoder with attention to say English numbers in
 * German ("two seven" to "zwei sieben"), then loads it as a service would and translates.
 */
public final class TranslationExample {
  static final String[] ENGLISH = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"};
  static final String[] GERMAN = {"null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"};

  private TranslationExample() {}

  public static void main(String[] args) throws IOException {
    Path model = train(Files.createTempDirectory("jrnn-translate").resolve("numbers.jrnn"), System.out);
    System.out.println(use(model, System.out));
  }

  /** Trains on 2,000 pairs, validates on 100, and writes the best model to {@code model}. */
  public static Path train(Path model, PrintStream log) throws IOException {
    Random random = new Random(1);
    List<String> trainEnglish = new ArrayList<>();
    List<String> trainGerman = new ArrayList<>();
    List<String> validEnglish = new ArrayList<>();
    List<String> validGerman = new ArrayList<>();
    pairs(random, 2000, trainEnglish, trainGerman);
    pairs(random, 100, validEnglish, validGerman);
    Settings settings = TranslateSettings.SCHEMA.defaults().with(Map.of("bpe_merges", "100", "embedding", "32",
        "hidden", "64", "decoder_hidden", "64", "dropout", "0", "label_smoothing", "0", "batch", "32", "epochs", "8",
        "lr", "3e-3"));
    TranslationTask task = TranslationTask.fromTexts(settings, trainEnglish, trainGerman, validEnglish, validGerman, log);
    new TrainingRun(task, model, log).execute(false);
    return model;
  }

  /** Loads the model and translates a sentence. */
  public static String use(Path model, PrintStream out) throws IOException {
    // tag::translation[]
    TranslationModel translator = TranslationModel.load(model);   // thread-safe: share it
    String german = translator.translate("three one four one five");
    List<String> more = translator.translate(List.of("two seven", "nine nine eight"));
    // end::translation[]
    out.println(more);
    return german;
  }

  /** Sentences of 1 to 6 number words and their word-for-word German. */
  static void pairs(Random random, int n, List<String> english, List<String> german) {
    for (int i = 0; i < n; i++) {
      List<String> e = new ArrayList<>();
      List<String> g = new ArrayList<>();
      for (int k = 1 + random.nextInt(6); k > 0; k--) {
        int d = random.nextInt(10);
        e.add(ENGLISH[d]);
        g.add(GERMAN[d]);
      }
      english.add(String.join(" ", e));
      german.add(String.join(" ", g));
    }
  }
}
