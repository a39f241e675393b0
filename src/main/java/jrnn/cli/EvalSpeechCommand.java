package jrnn.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import jrnn.apps.speech.Split;
import jrnn.apps.speech.SpeechData;
import jrnn.apps.speech.SpeechEvaluation;
import jrnn.apps.speech.SpeechModel;
import jrnn.apps.speech.SpeechSettings;
import jrnn.apps.speech.Utterance;
import jrnn.audio.AudioCorpus;
import jrnn.decode.WordErrorRate;
import jrnn.frame.CommonSettings;
import jrnn.kernels.Parallel;
import jrnn.plot.HeatMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jrnn eval speech}: a recogniser's accuracy or word error rate on labelled recordings. */
@Command(name = "speech", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Measures a speech recogniser on labelled recordings. A word recogniser (recurrent or template)"
        + " prints its confusion matrix and, last, 'accuracy: <fraction>'; a CTC recogniser prints its errors and,"
        + " last, 'WER: <fraction>'."})
final class EvalSpeechCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, description = "Speech model file (from train speech).")
  Path model;

  @Mixin
  AudioOptions audio;

  @Option(names = "--method", description = "rnn or template: the kind of recogniser --model must be (a check).")
  String method;

  @Option(names = "--select", description = "Only the recordings this split names (index:A-B, speaker:NAME,"
      + " fold:K/N), e.g. the validation part of a training manifest.")
  String select;

  @Option(names = "--digit-strings", defaultValue = "0", description = "A CTC recogniser on isolated words:"
      + " measure it on this many connected strings made from them, as training made its validation strings.")
  int digitStrings;

  @Option(names = "--seed", description = "Seed of the --digit-strings (default: the model's seed + 1, its"
      + " validation strings').")
  Long seed;

  @Option(names = "--beam", description = "CTC decoding beam (1: greedy; default: the model's).")
  Integer beam;

  @Option(names = "--plot", description = "Draw the confusion matrix (a word recogniser) to this PNG.")
  Path plot;

  @Mixin
  InferenceDevice device;

  @Override
  public Integer call() throws Exception {
    SpeechModel m = SpeechModel.load(model);
    String kind = m.usesTemplates() ? "template" : "rnn";
    if (method != null && !method.equals(kind)) {
      throw new IllegalArgumentException("--method " + method + ": " + model + " is a" + (kind.equals("rnn")
          ? " recurrent recogniser (train one with --method template for the template matcher)" : " template matcher"));
    }
    int k = beam != null ? beam : m.settings().get(SpeechSettings.BEAM);
    if (k < 1) {
      throw new IllegalArgumentException("--beam must be at least 1, got " + k);
    }
    List<AudioCorpus.Recording> recordings = audio.read();
    if (select != null) {
      Split only = Split.parse(select);
      List<AudioCorpus.Recording> kept = new ArrayList<>();
      for (int i = 0; i < recordings.size(); i++) {
        if (only.validates(i, recordings.get(i).path(), recordings.get(i).fields())) {
          kept.add(recordings.get(i));
        }
      }
      recordings = kept;
    }
    if (recordings.isEmpty()) {
      throw new IllegalArgumentException(audio.describe() + (select != null ? " has no recording in " + select
          : " holds no recordings"));
    }
    int rate = m.settings().get(SpeechSettings.SAMPLE_RATE);
    boolean sequences = m.sequences() && digitStrings == 0;
    List<Utterance> utterances = SpeechData.split(recordings, Split.NONE, sequences, rate).train();
    if (digitStrings > 0) {
      if (!m.sequences()) {
        throw new IllegalArgumentException("--digit-strings measures a CTC recogniser; " + model + " recognises words");
      }
      var s = m.settings();
      utterances = SpeechData.strings(utterances, digitStrings, s.get(SpeechSettings.MIN_WORDS),
          s.get(SpeechSettings.MAX_WORDS), s.get(SpeechSettings.PAUSE_MIN_MS) / 1000,
          s.get(SpeechSettings.PAUSE_MAX_MS) / 1000, seed != null ? seed : s.get(CommonSettings.SEED) + 1);
    }
    List<Utterance> measured = utterances;
    if (m.usesTemplates() && jrnn.device.Device.parse(device.device) == jrnn.device.Device.GPU) {
      throw new IllegalArgumentException("--device gpu: " + model + " is a template matcher, which runs on the CPU"
          + " (dynamic time warping); measure it without --device");
    }
    SpeechEvaluation e = m.usesTemplates() ? SpeechEvaluation.run(m, measured, k)
        : device.run(m.network(), () -> SpeechEvaluation.run(m, measured, k),
            passes -> SpeechEvaluation.run(m, measured, k, passes));
    System.out.printf(Locale.ROOT, "%,d recordings; %s (%s, %d threads)%n", utterances.size(), e.speed(),
        m.usesTemplates() ? m.templates().size() + " templates" : m.sequences() ? (k == 1 ? "greedy" : "beam " + k)
            : "recurrent", Parallel.threads());
    if (!m.sequences()) {
      System.out.print(e.confusionText());
      if (plot != null) {
        int[][] c = e.confusion();
        double[][] rows = new double[c.length][c.length];
        for (int r = 0; r < c.length; r++) {
          int n = 0;
          for (int v : c[r]) {
            n += v;
          }
          for (int h = 0; h < c.length; h++) {
            rows[r][h] = n == 0 ? 0 : (double) c[r][h] / n;
          }
        }
        HeatMap.write(plot, rows, e.labels(), e.labels(), String.format(Locale.ROOT,
            "%s: accuracy %.2f%%", model.getFileName(), 100 * e.accuracy()), "recognised", "said",
            "fraction of the word's recordings");
        System.out.println("confusion matrix drawn to " + plot);
      }
      System.out.printf(Locale.ROOT, "%,d of %,d correct%n", e.correct(), utterances.size());
      System.out.printf(Locale.ROOT, "accuracy: %.4f%n", e.accuracy());
      return 0;
    }
    WordErrorRate.Tally t = e.wordErrors();
    System.out.printf(Locale.ROOT, "%,d reference words: %d substitutions, %d deletions, %d insertions;"
        + " %d of %d recordings wrong%n", t.referenceWords(), t.substitutions(), t.deletions(), t.insertions(),
        t.sentencesWrong(), t.sentences());
    System.out.printf(Locale.ROOT, "WER: %.4f%n", t.rate());
    return 0;
  }
}
