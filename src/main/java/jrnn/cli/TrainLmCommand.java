package jrnn.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import jrnn.apps.lm.LanguageModelTask;
import jrnn.apps.lm.LmSettings;
import jrnn.data.TextFiles;
import jrnn.frame.Settings;
import jrnn.frame.SettingsSchema;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jrnn train lm}: trains a word- or character-level language model. */
@Command(name = "lm", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Trains a language model by truncated BPTT, with validation checks every epoch.",
        "Keeps the best model in --out, a checkpoint of the last epoch in OUT.ckpt (--resume continues"
            + " from it) and the learning curve in OUT.loss.png. Files may be gzipped.",
        "Ends with 'validation perplexity: <number>' (word level) or 'validation bits per character: <number>'."})
final class TrainLmCommand implements Callable<Integer>, HasSettings {
  @Spec
  CommandSpec spec;

  @Mixin
  TrainOptions run;

  @Option(names = "--train", required = true, description = "Training text.")
  Path train;

  @Option(names = "--valid", description = "Validation text (default: the last --valid-split of the training text).")
  Path valid;

  @Option(names = "--valid-split", defaultValue = "0.1",
      description = "Fraction at the end of the training text to validate on when --valid is absent (default ${DEFAULT-VALUE}).")
  double validSplit;

  @Override
  public SettingsSchema schema() {
    return LmSettings.SCHEMA;
  }

  @Override
  public Integer call() throws Exception {
    run.checkDevice();
    Settings s = SettingOptions.settings(spec, schema());
    String trainText = TextFiles.read(train);
    if (!(validSplit > 0 && validSplit < 1)) {
      throw new IllegalArgumentException("--valid-split must be in (0, 1), got " + validSplit);
    }
    String validText;
    if (valid != null && spec.commandLine().getParseResult().hasMatchedOption("--valid-split")) {
      throw new IllegalArgumentException("--valid-split cuts the validation text from the training text, and --valid"
          + " gives one: give one of them");
    }
    if (valid != null) {
      validText = TextFiles.read(valid);
    } else {
      int cut = boundaryNear(trainText, (int) (trainText.length() * (1 - validSplit)));
      validText = trainText.substring(cut);
      trainText = trainText.substring(0, cut);
    }
    LanguageModelTask task = LanguageModelTask.fromTexts(s, trainText, validText, System.out);
    run.execute(task);
    return 0;
  }

  /**
   * Where to split {@code text} near {@code cut}, so that no word is cut in two: the nearest line
   * start within a tenth of the validation part's length, else the next space that near, else
   * {@code cut} itself (the validation part keeps about its share, however long the lines).
   */
  static int boundaryNear(String text, int cut) {
    int tolerance = Math.max(1, (text.length() - cut) / 10);
    int best = -1;
    int after = text.indexOf('\n', cut);
    if (after >= 0 && after + 1 - cut <= tolerance) {
      best = after + 1;
    }
    int before = cut > 0 ? text.lastIndexOf('\n', cut - 1) : -1;
    if (before >= 0 && cut - (before + 1) <= tolerance && (best < 0 || cut - (before + 1) < best - cut)) {
      best = before + 1;
    }
    if (best < 0) {
      int space = text.indexOf(' ', cut);
      best = space >= 0 && space + 1 - cut <= tolerance ? space + 1 : cut;
    }
    return best;
  }
}
