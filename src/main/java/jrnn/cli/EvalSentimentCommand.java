package jrnn.cli;

import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import jrnn.apps.sentiment.Example;
import jrnn.apps.sentiment.SentimentData;
import jrnn.apps.sentiment.SentimentModel;
import jrnn.models.LossStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jrnn eval sentiment}: accuracy of a classifier on labelled sentences. */
@Command(name = "sentiment", mixinStandardHelpOptions = true,
    description = {"Measures a sentiment classifier on SST-format data (--data, gzipped or not) or MR's"
        + " --pos/--neg files. Prints, last, 'accuracy: <number>'.",
    "Several --model options evaluate an ensemble: each model's accuracy, then that of their"
        + " mean P(positive)."})
final class EvalSentimentCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, description = "Model file; repeat for an ensemble.") List<Path> models;
  @Option(names = "--data", description = "'label sentence' lines or SST trees (their roots).") Path data;
  @Option(names = "--pos", description = "Positive snippets.") Path pos;
  @Option(names = "--neg", description = "Negative snippets.") Path neg;
  @Option(names = "--encoding", defaultValue = "windows-1252",
      description = "Encoding of --pos/--neg (default ${DEFAULT-VALUE}).") Charset encoding;
  @Mixin InferenceDevice device;

  private static final int BATCH = 200;

  @Override
  public Integer call() throws Exception {
    List<Example> examples;
    if (data != null && (pos != null || neg != null)) {
      throw new IllegalArgumentException("give --data FILE, or --pos FILE and --neg FILE, not both");
    }
    if (data != null) {
      examples = SentimentData.sentences(data);
    } else if (pos != null && neg != null) {
      examples = SentimentData.positiveNegative(pos, neg, encoding);
    } else {
      throw new IllegalArgumentException("give --data FILE, or --pos FILE and --neg FILE");
    }
    if (examples.isEmpty()) {
      throw new IllegalArgumentException((data != null ? data + " holds" : "--pos and --neg hold")
          + " no sentence to evaluate (blank lines, and neutral trees, are left out)");
    }
    if (models.size() == 1) {
      SentimentModel m = SentimentModel.load(models.get(0));
      m.unseenNote(data != null ? data.toString() : "the snippets", examples).ifPresent(System.out::println);
      LossStats s = device.run(m.model(), () -> m.evaluate(examples, BATCH),
          passes -> m.evaluate(examples, BATCH, passes));
      System.out.printf(Locale.ROOT, "%,d sentences, %,d correct, loss %.4f%n", s.count(), s.correct(), s.mean());
      System.out.printf(Locale.ROOT, "accuracy: %.4f%n", s.accuracy());
      return 0;
    }
    List<double[]> perModel = new ArrayList<>();
    for (Path p : models) {
      SentimentModel m = SentimentModel.load(p);
      double[] positives = device.run(m.model(), () -> m.positives(examples, BATCH),
          passes -> m.positives(examples, BATCH, passes));
      System.out.printf(Locale.ROOT, "%s: accuracy %.4f%n", p, SentimentModel.accuracy(positives, examples));
      perModel.add(positives);
    }
    double[] mean = SentimentModel.mean(perModel);
    System.out.printf(Locale.ROOT, "%,d sentences; ensemble of %d models (mean P(positive))%n",
        examples.size(), perModel.size());
    System.out.printf(Locale.ROOT, "accuracy: %.4f%n", SentimentModel.accuracy(mean, examples));
    return 0;
  }
}
