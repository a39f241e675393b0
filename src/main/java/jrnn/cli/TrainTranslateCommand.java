package jrnn.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import jrnn.apps.translate.TranslateSettings;
import jrnn.apps.translate.TranslationTask;
import jrnn.data.TextFiles;
import jrnn.frame.Settings;
import jrnn.frame.SettingsSchema;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jrnn train translate}: trains an encoder-decoder translator on sentence pairs. */
@Command(name = "translate", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Trains a translator (encoder-decoder with attention) on pairs of lines: line i of --train-tgt"
        + " translates line i of --train-src. Raw, cased text; files may be gzipped.",
        "Keeps the model with the best validation BLEU in --out, a checkpoint of the last epoch in OUT.ckpt"
            + " (--resume continues from it) and the learning curve in OUT.loss.png.",
        "Ends with 'validation BLEU: <number>'."})
final class TrainTranslateCommand implements Callable<Integer>, HasSettings {
  @Spec
  CommandSpec spec;

  @Mixin
  TrainOptions run;

  @Option(names = "--train-src", required = true, description = "Training sources, one sentence a line.")
  Path trainSrc;

  @Option(names = "--train-tgt", required = true, description = "Their translations, line for line.")
  Path trainTgt;

  @Option(names = "--valid-src", description = "Validation sources (without them, no checks: the last model is kept).")
  Path validSrc;

  @Option(names = "--valid-tgt", description = "Validation references, line for line.")
  Path validTgt;

  @Override
  public SettingsSchema schema() {
    return TranslateSettings.SCHEMA;
  }

  @Override
  public Integer call() throws Exception {
    run.checkDevice();
    if ((validSrc == null) != (validTgt == null)) {
      throw new IllegalArgumentException("--valid-src and --valid-tgt go together: give both or neither");
    }
    Settings s = SettingOptions.settings(spec, schema());
    List<String> vs = validSrc == null ? List.of() : TextFiles.lines(TextFiles.read(validSrc));
    List<String> vt = validTgt == null ? List.of() : TextFiles.lines(TextFiles.read(validTgt));
    TranslationTask task = TranslationTask.fromTexts(s, TextFiles.lines(TextFiles.read(trainSrc)),
        TextFiles.lines(TextFiles.read(trainTgt)), vs, vt, System.out);
    run.execute(task);
    return 0;
  }
}
