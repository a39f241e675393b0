package jrnn.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import jrnn.apps.lm.LanguageModel;
import jrnn.data.TextFiles;
import jrnn.models.LossStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jrnn eval lm}: perplexity or bits per character of a model on a text. */
@Command(name = "lm", mixinStandardHelpOptions = true,
    description = {"Measures a language model on a text (gzipped or not).",
        "Prints, last, 'perplexity: <number>' (word level) or 'bits per character: <number>'."})
final class EvalLmCommand implements Callable<Integer> {

  @Option(names = "--model", required = true, description = "Model file.")
  Path model;

  @Option(names = "--data", required = true, description = "Text to evaluate on.")
  Path data;

  @Mixin
  InferenceDevice device;

  @Override
  public Integer call() throws Exception {
    LanguageModel lm = LanguageModel.load(model);
    java.util.List<String> tokens = lm.tokenize(TextFiles.read(data));
    lm.unseenNote(data.toString(), tokens).ifPresent(System.out::println);
    LanguageModel.requireMeasurable(data.toString(), tokens.size());
    int[] ids = lm.encode(tokens);
    long t0 = System.nanoTime();
    LossStats s = device.run(lm.model(), () -> lm.evaluate(ids, LanguageModel.EVAL_STEPS),
        passes -> lm.evaluate(ids, LanguageModel.EVAL_STEPS, passes));
    System.out.printf(Locale.ROOT, "%,d of %,d tokens predicted (%s level), %d streams, %.1f s: loss %.4f nats per"
        + " token%n", s.count(), ids.length, lm.wordLevel() ? "word" : "char", LanguageModel.evaluationBatch(ids.length),
        (System.nanoTime() - t0) / 1e9, s.mean());
    System.out.println(lm.figure(s.mean()));
    return 0;
  }
}
