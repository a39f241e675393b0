package examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import jrnn.apps.lm.LanguageModel;
import jrnn.apps.lm.LanguageModelTask;
import jrnn.apps.lm.LmSettings;
import jrnn.frame.Settings;
import jrnn.frame.TrainingRun;

/**
 * A language model: trains a small character model on the Shakespeare sample that ships with
 * jrnn, then loads it as a service would and asks it for the next characters, a perplexity and
 * a continuation.
 */
public final class LanguageModelExample {
  private LanguageModelExample() {}

  public static void main(String[] args) throws IOException {
    Path model = train(Files.createTempDirectory("jrnn-lm").resolve("shakespeare.jrnn"), System.out);
    use(model, System.out);
  }

  /** Trains one short epoch and writes the best model to {@code model}. */
  public static Path train(Path model, PrintStream log) throws IOException {
    String text;
    try (InputStream in = LanguageModel.class.getResourceAsStream("/jrnn/demo/shakespeare.txt")) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    int cut = text.length() * 9 / 10;
    Settings settings = LmSettings.SCHEMA.preset("shakespeare-char").with(Map.of(
        "hidden", "128", "layers", "1", "epochs", "1", "batch", "32", "steps", "64", "dropout", "0"));
    LanguageModelTask task = LanguageModelTask.fromTexts(settings, text.substring(0, cut), text.substring(cut), log);
    new TrainingRun(task, model, log).execute(false);
    return model;
  }

  /** Loads the model and uses it; returns the perplexity of a line. */
  public static double use(Path model, PrintStream out) throws IOException {
    // tag::language-model[]
    LanguageModel lm = LanguageModel.load(model);     // thread-safe: share it
    out.println(lm.next("To be, or not to b", 3));    // the 3 likeliest next characters, with probabilities
    double perplexity = lm.perplexity("Now is the winter of our discontent");
    out.println(lm.generate("ROMEO:", LanguageModel.Generation.of(200).withTemperature(0.8).withSeed(7)));
    // end::language-model[]
    out.printf("perplexity per character: %.2f%n", perplexity);
    return perplexity;
  }
}
