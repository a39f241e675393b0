package examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every example runs as a user would run it, and does what it says. */
class ExamplesTest {
  @TempDir
  Path dir;

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream log = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  private String log() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aCustomModelLearnsWhichSignOutnumbersTheOther() {
    double accuracy = CustomModel.train(300);
    assertTrue(accuracy > 0.9, "accuracy " + accuracy);
  }

  @Test
  void theExportedModelGivesJrnnsProbabilitiesInOnnxRuntime() throws Exception {
    jrnn.models.SequenceModel model = CustomModel.trained(100).model();
    java.nio.file.Path onnx = OnnxExample.export(model, dir);
    float[] values = {1, -1, 1, 1, -1, -1, 1};
    float[][] p = OnnxExample.run(onnx, values, values.length);
    model.forward(jrnn.data.Batch.ofInputs(jrnn.tensor.Tensor.of(values, values.length, 1, 1),
        new int[] {values.length}, null), null, false, null);
    double a = model.outputs().get(0);
    double b = model.outputs().get(1);
    double positive = 1 / (1 + Math.exp(a - b));
    assertEquals(positive, p[0][1], 1e-5, "P(class 1)");
    assertEquals(1, p[0][0] + p[0][1], 1e-5);
  }

  @Test
  void theLanguageModelLearnsShakespearesCharacters() throws Exception {
    Path model = LanguageModelExample.train(dir.resolve("lm.jrnn"), log);
    double perplexity = LanguageModelExample.use(model, log);
    // Uniform over the sample's characters would be about 60.
    assertTrue(perplexity < 15, "perplexity " + perplexity + "\n" + log());
    assertTrue(log().contains("ROMEO:"), log());
  }

  @Test
  void theSentimentClassifierReadsNotBeforeDullAsPositive() throws Exception {
    Path model = SentimentExample.train(dir.resolve("sentiment.jrnn"), log);
    double positive = SentimentExample.use(model, log);
    assertTrue(positive > 0.5, "P(positive) " + positive + "\n" + log());
  }

  @Test
  void theTranslatorSaysNumbersInGerman() throws Exception {
    Path model = TranslationExample.train(dir.resolve("translate.jrnn"), log);
    assertEquals("drei eins vier eins fünf", TranslationExample.use(model, log), log());
    assertTrue(log().contains("[zwei sieben, neun neun acht]"), log());
  }

  @Test
  void theRecogniserHearsUpAndDown() throws Exception {
    Path model = SpeechExample.train(dir.resolve("speech.jrnn"), log);
    Random random = new Random(42);
    for (String word : List.of("up", "down")) {
      Path wav = SpeechExample.writeWav(dir.resolve(word + ".wav"), SpeechExample.sweep(word, random));
      assertEquals(List.of(word), SpeechExample.use(model, wav, log), log());
    }
  }
}
