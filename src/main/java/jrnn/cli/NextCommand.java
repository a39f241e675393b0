package jrnn.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import jrnn.apps.lm.LanguageModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jrnn next}: the most likely next words after a text (SPEC 6.4's example). */
@Command(name = "next", mixinStandardHelpOptions = true,
    description = "Lists the most likely next tokens after a text, with their probabilities.")
final class NextCommand implements Callable<Integer> {

  @Option(names = "--model", required = true, description = "Model file.")
  Path model;

  @Option(names = "--count", defaultValue = "10", description = "How many (default ${DEFAULT-VALUE}).")
  int count;

  @Mixin
  InferenceDevice device;

  @Parameters(arity = "1..*", description = "The text so far.")
  List<String> words;

  @Override
  public Integer call() throws Exception {
    LanguageModel lm = LanguageModel.load(model);
    String text = String.join(" ", words);
    lm.unseenNote("prompt", lm.tokenizePrompt(text)).ifPresent(System.err::println);
    System.out.println("after \"" + text + "\":");
    for (Map.Entry<String, Double> e : device.run(lm.model(), () -> lm.next(text, count),
        passes -> lm.next(text, count, passes))) {
      System.out.printf(Locale.ROOT, "  %-20s %.4f%n", e.getKey().replace("\n", "\\n"), e.getValue());
    }
    return 0;
  }
}
