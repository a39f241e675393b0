package jrnn.cli;

import java.nio.file.Path;
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
    description = "Classifies a sentence as positive or negative; --trace shows P(positive) after each word.")
final class ClassifyCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, description = "Model file.")
  Path model;

  @Option(names = "--trace", description = "Print P(positive) after each word.")
  boolean trace;

  @Parameters(arity = "1..*", description = "The sentence.")
  List<String> words;

  @Override
  public Integer call() throws Exception {
    SentimentModel m = SentimentModel.load(model);
    List<String> tokens = Tokenizer.tokenize(String.join(" ", words));
    if (tokens.isEmpty()) {
      throw new IllegalArgumentException("the sentence has no words");
    }
    if (trace) {
      double[] p = m.trace(tokens);
      for (int i = 0; i < tokens.size(); i++) {
        int bar = (int) Math.round(p[i] * 30);
        System.out.printf(Locale.ROOT, "  %-16s %.3f  %s%n", tokens.get(i), p[i], "#".repeat(bar));
      }
    }
    double p = m.positive(tokens);
    String label = p >= 0.5 ? "positive" : "negative";
    System.out.printf(Locale.ROOT, "%s %.4f%n", label, p >= 0.5 ? p : 1 - p);
    return 0;
  }
}
