package jrnn.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import jrnn.apps.lm.LanguageModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jrnn generate}: samples text from a language model. */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = "Samples text from a language model after a prompt.")
final class GenerateCommand implements Callable<Integer> {

  @Option(names = "--model", required = true, description = "Model file.")
  Path model;

  @Option(names = "--prime", required = true, description = "Text to start from.")
  String prime;

  @Option(names = "--length", defaultValue = "200", description = "Tokens to sample (default ${DEFAULT-VALUE}).")
  int length;

  @Option(names = "--temperature", defaultValue = "1.0", description = "Softmax temperature (default ${DEFAULT-VALUE}).")
  double temperature;

  @Option(names = "--top-k", defaultValue = "0", description = "Sample among the k most likely only (0: all).")
  int topK;

  @Option(names = "--seed", defaultValue = "1", description = "Seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Mixin
  InferenceDevice device;

  @Override
  public Integer call() throws Exception {
    if (length < 0) {
      throw new IllegalArgumentException("--length must not be negative, got " + length);
    }
    LanguageModel lm = LanguageModel.load(model);
    lm.unseenNote("prompt", lm.tokenizePrompt(prime)).ifPresent(System.err::println);
    LanguageModel.Generation options = new LanguageModel.Generation(length, temperature, topK, seed);
    System.out.println(device.run(lm.model(), () -> lm.generate(prime, options),
        passes -> lm.generate(prime, options, passes)));
    return 0;
  }
}
