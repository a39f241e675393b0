package jrnn.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import jrnn.apps.speech.SpeechModel;
import jrnn.apps.speech.SpeechSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jrnn transcribe}: the words of WAV recordings. */
@Command(name = "transcribe", mixinStandardHelpOptions = true,
    description = {"Recognises WAV recordings (any rate, mono or stereo) with a speech model: its words, one line per"
        + " file, in the order given."})
final class TranscribeCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, description = "Speech model file (from train speech).")
  Path model;

  @Option(names = "--beam", description = "CTC decoding beam (1: greedy; default: the model's).")
  Integer beam;

  @Parameters(arity = "1..*", paramLabel = "FILE.wav", description = "Recordings.")
  List<Path> files;

  @Override
  public Integer call() throws Exception {
    SpeechModel m = SpeechModel.load(model);
    int k = beam != null ? beam : m.settings().get(SpeechSettings.BEAM);
    if (k < 1) {
      throw new IllegalArgumentException("--beam must be at least 1, got " + k);
    }
    for (List<String> words : m.transcribe(files, k)) {
      System.out.println(String.join(" ", words));
    }
    return 0;
  }
}
