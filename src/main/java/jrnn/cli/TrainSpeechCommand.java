package jrnn.cli;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import jrnn.apps.speech.SpeechData;
import jrnn.apps.speech.SpeechEvaluation;
import jrnn.apps.speech.SpeechFeatures;
import jrnn.apps.speech.SpeechModel;
import jrnn.apps.speech.SpeechSettings;
import jrnn.apps.speech.SpeechTask;
import jrnn.apps.speech.Utterance;
import jrnn.frame.Settings;
import jrnn.frame.SettingsSchema;
import jrnn.kernels.Parallel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code jrnn train speech}: trains a speech recogniser, or stores the template matcher's templates. */
@Command(name = "speech", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Trains a speech recogniser on WAV recordings: a word classifier (--task words; manifest column"
        + " 'digit' or 'label') or a CTC recogniser of word sequences (--task ctc; column 'transcript', or"
        + " --digit-strings N connected strings made from isolated words).",
        "--method template stores the chapter's template matcher instead (no training).",
        "Validation: --valid-split (index:A-B, speaker:NAME, fold:K/N). Keeps the best model in --out.",
        "Ends with 'validation accuracy: <number>' or 'validation WER: <number>'."})
final class TrainSpeechCommand implements Callable<Integer>, HasSettings {
  @Spec
  CommandSpec spec;

  @Mixin
  TrainOptions run;

  @Mixin
  AudioOptions audio;

  @Override
  public SettingsSchema schema() {
    return SpeechSettings.SCHEMA;
  }

  @Override
  public Integer call() throws Exception {
    run.checkDevice();
    Settings s = SettingOptions.settings(spec, schema());
    System.out.println("speech: reading " + audio.describe());
    SpeechData.Splits data = SpeechData.prepare(s, audio.read(), System.out);
    SpeechFeatures.Statistics statistics = SpeechFeatures.statisticsFor(s, data.train());
    if (s.get(SpeechSettings.METHOD).equals("template")) {
      if (run.resume) {
        throw new IllegalArgumentException("a template recogniser is made in one pass; there is nothing to resume");
      }
      SpeechModel m = SpeechModel.templates(s, data.train(), statistics);
      m.save(run.out);
      System.out.printf(Locale.ROOT, "template matcher: %,d templates of %d words, %d features per frame, band %s;"
          + " written to %s%n", m.templates().size(), m.words().size(), m.features().dimension(),
          s.get(SpeechSettings.DTW_BAND) == 0 ? "none" : s.get(SpeechSettings.DTW_BAND) + " frames", run.out);
      List<Utterance> valid = data.valid();
      if (!valid.isEmpty()) {
        SpeechEvaluation e = SpeechEvaluation.run(m, valid, 1);
        System.out.println("validation: " + e.speed() + " (" + Parallel.threads() + " threads)");
        System.out.print(e.confusionText());
        System.out.printf(Locale.ROOT, "validation accuracy: %.4f%n", e.accuracy());
      }
      return 0;
    }
    SpeechModel m = SpeechModel.create(s, SpeechModel.labels(s, data.train()), statistics);
    System.out.printf(Locale.ROOT, "%s recogniser of %d words: %d features per step, %,d parameters; %d threads%n",
        m.sequences() ? "CTC" : "word", m.words().size(), m.features().dimension(), m.parameters().layout().size(),
        Parallel.threads());
    SpeechTask task = new SpeechTask(m, data.train(), data.valid());
    task.note().ifPresent(System.out::println);
    run.execute(task);
    return 0;
  }
}
