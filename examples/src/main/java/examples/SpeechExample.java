package examples;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import jrnn.apps.speech.SpeechFeatures;
import jrnn.apps.speech.SpeechModel;
import jrnn.apps.speech.SpeechSettings;
import jrnn.apps.speech.SpeechTask;
import jrnn.apps.speech.Utterance;
import jrnn.audio.Wav;
import jrnn.frame.Settings;
import jrnn.frame.TrainingRun;

/**
 * Speech recognition: trains a small word recogniser on two made-up "words", a tone sweeping up
 * ("up") and one sweeping down ("down"), then loads it as a service would and transcribes WAV
 * files. With recordings of real words (FSDD, {@code jrnn train speech --preset fsdd}) the calls
 * are the same.
 */
public final class SpeechExample {
  static final int RATE = 8000;

  private SpeechExample() {}

  public static void main(String[] args) throws IOException {
    Path dir = Files.createTempDirectory("jrnn-speech");
    Path model = train(dir.resolve("updown.jrnn"), System.out);
    System.out.println(use(model, writeWav(dir.resolve("test_up.wav"), sweep("up", new Random(99))), System.out));
  }

  /** Trains on 160 recordings, validates on 40, and writes the best model to {@code model}. */
  public static Path train(Path model, PrintStream log) throws IOException {
    Random random = new Random(1);
    List<Utterance> train = recordings(random, 160);
    List<Utterance> valid = recordings(random, 40);
    Settings settings = SpeechSettings.SCHEMA.preset("fsdd").with(Map.of("hidden", "32", "layers", "1",
        "epochs", "4", "batch", "16", "shift_ms", "0", "crop_end", "0", "freq_masks", "0", "time_masks", "0"));
    SpeechModel fresh = SpeechModel.create(settings, SpeechModel.labels(settings, train),
        SpeechFeatures.statisticsFor(settings, train));
    new TrainingRun(new SpeechTask(fresh, train, valid), model, log).execute(false);
    return model;
  }

  /** Loads the model and transcribes a WAV file. */
  public static List<String> use(Path model, Path wav, PrintStream out) throws IOException {
    // tag::speech[]
    SpeechModel recogniser = SpeechModel.load(model);     // thread-safe: share it
    List<String> words = recogniser.transcribe(wav);      // any rate, mono or stereo
    // end::speech[]
    out.println(wav.getFileName() + ": " + String.join(" ", words));
    return words;
  }

  static List<Utterance> recordings(Random random, int n) {
    List<Utterance> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String word = i % 2 == 0 ? "up" : "down";
      out.add(new Utterance(word + i, new Wav.Audio(sweep(word, random), RATE), List.of(word)));
    }
    return out;
  }

  /** A tone sweeping between 300 and 1,500 Hz, 0.25 to 0.5 s long, at a random loudness. */
  static float[] sweep(String word, Random random) {
    int n = (int) (RATE * (0.25 + 0.25 * random.nextDouble()));
    double amplitude = 0.2 + 0.6 * random.nextDouble();
    double from = word.equals("up") ? 300 : 1500;
    double to = word.equals("up") ? 1500 : 300;
    float[] x = new float[n];
    double phase = 0;
    for (int i = 0; i < n; i++) {
      phase += 2 * Math.PI * (from + (to - from) * i / n) / RATE;
      double envelope = Math.min(1, Math.min(i, n - i) / (0.02 * RATE));
      x[i] = (float) (amplitude * envelope * Math.sin(phase) + 0.002 * random.nextGaussian());
    }
    return x;
  }

  /** Writes 16-bit mono PCM through the JDK's own WAV writer. */
  static Path writeWav(Path file, float[] samples) throws IOException {
    byte[] pcm = new byte[2 * samples.length];
    for (int i = 0; i < samples.length; i++) {
      int v = Math.round(Math.max(-1, Math.min(1, samples[i])) * 32767);
      pcm[2 * i] = (byte) v;
      pcm[2 * i + 1] = (byte) (v >> 8);
    }
    AudioFormat format = new AudioFormat(RATE, 16, 1, true, false);
    try (AudioInputStream in = new AudioInputStream(new ByteArrayInputStream(pcm), format, samples.length)) {
      AudioSystem.write(in, AudioFileFormat.Type.WAVE, file.toFile());
    }
    return file;
  }
}
