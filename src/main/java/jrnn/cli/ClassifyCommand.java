package jrnn.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import jrnn.apps.sentiment.SentimentModel;
import jrnn.apps.sentiment.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jrnn classify}: the polarity of a sentence, optionally word by word. */
@Command(name = "classify", mixinStandardHelpOptions = true,
    description = {"Classifies a sentence as positive or negative; --trace shows P(positive) after each word.",
        "Several --model options classify with an ensemble: the mean of their P(positive)."})
final class ClassifyCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, description = "Model file; repeat for an ensemble.")
  List<Path> models;

  @Option(names = "--trace", description = "Print P(positive) after each word.")
  boolean trace;

  @Parameters(arity = "1..*", description = "The sentence.")
  List<String> words;

  @Override
  public Integer call() throws Exception {
    List<String> tokens = Tokenizer.tokenize(String.join(" ", words));
    if (tokens.isEmpty()) {
      throw new IllegalArgumentException("the sentence has no words");
    }
    // Per model, P(positive) after each word (--trace) or of the whole sentence; the trace's last
    // entry is the whole sentence's, so either way the answer is the mean's last entry.
    List<double[]> perModel = new ArrayList<>();
    for (Path model : models) {
      SentimentModel m = SentimentModel.load(model);
      perModel.add(trace ? m.trace(tokens) : new double[] {m.positive(tokens)});
    }
    double[] mean = SentimentModel.mean(perModel);
    if (trace) {
      for (int i = 0; i < tokens.size(); i++) {
        int bar = (int) Math.round(mean[i] * 30);
        System.out.printf(Locale.ROOT, "  %-16s %.3f  %s%n", tokens.get(i), mean[i], "#".repeat(bar));
      }
    }
    double p = mean[mean.length - 1];
    int label = SentimentModel.label(p);
    System.out.printf(Locale.ROOT, "%s %.4f%n", SentimentModel.LABELS[label], label == 1 ? p : 1 - p);
    return 0;
  }
}
