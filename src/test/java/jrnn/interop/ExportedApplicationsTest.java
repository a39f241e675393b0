package jrnn.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import jrnn.apps.lm.LanguageModel;
import jrnn.apps.lm.LanguageModelTask;
import jrnn.apps.lm.LmSettings;
import jrnn.apps.sentiment.Example;
import jrnn.apps.sentiment.SentimentModel;
import jrnn.apps.sentiment.SentimentSettings;
import jrnn.apps.sentiment.SentimentTask;
import jrnn.apps.sentiment.ToyPolarity;
import jrnn.frame.Settings;
import jrnn.frame.TrainingRun;
import jrnn.util.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trained application models exported with {@code jrnn export --format onnx} and scored in ONNX
 * Runtime on held-out data, batched as {@code jrnn eval} batches it: the language model's
 * perplexity (state carried across windows) and the classifier's accuracy and P(positive) equal
 * jrnn's own to 1e-5 relative. The figures on the README's full-size models are in
 * docs/interop.md.
 */
class ExportedApplicationsTest {
  @TempDir
  Path dir;

  static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  @Test
  void aLanguageModelScoresTheSamePerplexityInOnnxRuntime() throws Exception {
    String text;
    try (InputStream in = LanguageModel.class.getResourceAsStream("/jrnn/demo/shakespeare.txt")) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8).substring(0, 60_000);
    }
    Settings s = LmSettings.SCHEMA.preset("shakespeare-char").with(Map.of("hidden", "48", "embedding", "16",
        "layers", "2", "epochs", "1", "batch", "16", "steps", "32", "dropout", "0"));
    Path model = dir.resolve("lm.jrnn");
    new TrainingRun(LanguageModelTask.fromTexts(s, text.substring(0, 50_000), text.substring(50_000), QUIET),
        model, QUIET).execute(false);
    LanguageModel lm = LanguageModel.load(model);
    int[] ids = lm.encode(lm.tokenize(text.substring(50_000)));
    double ours = lm.evaluate(ids, LanguageModel.EVAL_STEPS).mean();
    assertTrue(ours < Math.log(lm.vocabulary().size()) - 0.5, "trained: " + ours + " nats per character");
    Path onnx = dir.resolve("lm.onnx");
    assertEquals(0, jrnn.cli.Main.execute("export", "--model", model.toString(), "--format", "onnx", "--out",
        onnx.toString()));
    // The vocabulary beside the graph makes the ids a runtime feeds it (a character one holds the newline).
    jrnn.data.Vocabulary written = jrnn.data.Vocabulary.fromText(Files.readString(dir.resolve("lm.vocab.txt")));
    assertEquals(lm.vocabulary().tokens(), written.tokens());
    assertTrue(written.tokens().contains("\n"));
    org.junit.jupiter.api.Assertions.assertArrayEquals(ids, written.encode(lm.tokenize(text.substring(50_000))));
    try (OnnxRuntimeRunner ort = new OnnxRuntimeRunner(Files.readAllBytes(onnx))) {
      double theirs = OnnxScoring.languageModelLoss(ort, lm.model().config(), ids);
      assertEquals(Math.exp(ours), Math.exp(theirs), 1e-5 * Math.exp(ours), "perplexity");
    }
  }

  @Test
  void aSentimentModelScoresTheSameAccuracyInOnnxRuntime() throws Exception {
    // The MR preset's bidirectional LSTM read by the maximum over the valid steps: padding matters.
    Settings s = SentimentSettings.SCHEMA.preset("mr").with(Map.of("embedding", "32", "hidden", "24",
        "epochs", "4", "batch", "25", "lr", "5e-3", "min_count", "1", "adversarial", "0", "word_dropout", "0",
        "dropout", "0.1"));
    List<Example> train = ToyPolarity.examples(new Rng(1), 1500);
    List<Example> valid = ToyPolarity.examples(new Rng(2), 300);
    Path model = dir.resolve("sentiment.jrnn");
    SentimentModel fresh = SentimentModel.create(s, SentimentModel.vocabulary(train, 1));
    new TrainingRun(new SentimentTask(fresh, train, valid), model, QUIET).execute(false);
    SentimentModel m = SentimentModel.load(model);
    double[] ours = m.positives(valid, 200);
    double accuracy = SentimentModel.accuracy(ours, valid);
    assertTrue(accuracy > 0.6, "trained: accuracy " + accuracy);
    Path onnx = dir.resolve("sentiment.onnx");
    ModelExport.export(model, ModelExport.Format.ONNX, onnx);
    // Words hold no line break: the vocabulary is the tokens as they are, a line each.
    assertEquals(m.vocabulary().tokens(), Files.readAllLines(dir.resolve("sentiment.vocab.txt")));
    try (OnnxRuntimeRunner ort = new OnnxRuntimeRunner(Files.readAllBytes(onnx))) {
      double[] theirs = OnnxScoring.positives(ort, m, valid, 200);
      for (int i = 0; i < ours.length; i++) {
        assertEquals(ours[i], theirs[i], 1e-5 * Math.max(ours[i], 1e-2), "P(positive) of sentence " + i);
      }
      assertEquals(accuracy, SentimentModel.accuracy(theirs, valid), "accuracy");
    }
  }
}
