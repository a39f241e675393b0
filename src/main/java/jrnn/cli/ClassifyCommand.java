package jrnn.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import jrnn.apps.sentiment.SentimentClassifier;
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
    SentimentClassifier classifier = SentimentClassifier.load(models.toArray(Path[]::new));
    SentimentClassifier.Sentiment s = classifier.classify(String.join(" ", words), trace);
    for (int i = 0; i < s.trace().length; i++) {
      int bar = (int) Math.round(s.trace()[i] * 30);
      System.out.printf(Locale.ROOT, "  %-16s %.3f  %s%n", s.words().get(i), s.trace()[i], "#".repeat(bar));
    }
    System.out.printf(Locale.ROOT, "%s %.4f%n", s.label(), s.confidence());
    return 0;
  }
}
