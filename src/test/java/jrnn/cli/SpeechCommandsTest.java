package jrnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import jrnn.apps.speech.Chirps;
import jrnn.apps.speech.Utterance;
import jrnn.cli.CommandLineTest.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train speech, eval speech and transcribe end to end on generated recordings in a folder with a manifest. */
class SpeechCommandsTest {
  @TempDir
  Path dir;

  /** Writes the utterances as WAV files under dir/audio and a manifest of them (index = position); returns it. */
  Path corpus(String name, List<Utterance> utterances, String column) throws Exception {
    Path audio = Files.createDirectories(dir.resolve("audio"));
    List<String> lines = new ArrayList<>(List.of("path\t" + column + "\tindex"));
    for (int i = 0; i < utterances.size(); i++) {
      String file = name + i + ".wav";
      Chirps.write(audio.resolve(file), utterances.get(i).audio().samples(), Chirps.RATE);
      lines.add(file + "\t" + String.join(" ", utterances.get(i).words()) + "\t" + i);
    }
    Path manifest = dir.resolve(name + ".tsv");
    Files.write(manifest, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    return manifest;
  }

  static double number(String line, String prefix) {
    assertTrue(line.startsWith(prefix), line);
    return Double.parseDouble(line.substring(prefix.length()).trim());
  }

  @Test
  void wordsAreTrainedMeasuredAndTranscribedByBothMethods() throws Exception {
    Path manifest = corpus("w", Chirps.words(60, 1), "label");
    String audio = dir.resolve("audio").toString();
    Path model = dir.resolve("words.jrnn");
    Run t = CommandLineTest.run("train", "speech", "--manifest", manifest.toString(), "--audio", audio, "--task", "words",
        "--hidden", "16", "--layers", "1", "--epochs", "5", "--lr", "0.01", "--batch", "8", "--decay-start", "0",
        "--valid-split", "index:0-11", "--out", model.toString());
    assertEquals(0, t.exit(), t.err());
    double valid = number(t.lastLine(), "validation accuracy:");
    assertTrue(valid >= 0.9, t.out());
    Path png = dir.resolve("confusion.png");
    Run e = CommandLineTest.run("eval", "speech", "--model", model.toString(), "--manifest", manifest.toString(),
        "--audio", audio, "--select", "index:0-11", "--plot", png.toString());
    assertEquals(0, e.exit(), e.err());
    assertEquals(valid, number(e.lastLine(), "accuracy:"), 1e-4, "eval measures what training validated");
    assertTrue(e.out().contains("said\\heard") && e.out().contains("s of audio per second"), e.out());
    assertTrue(Files.size(png) > 1000);

    Run r = CommandLineTest.run("transcribe", "--model", model.toString(), dir.resolve("audio/w0.wav").toString(),
        dir.resolve("audio/w1.wav").toString());
    assertEquals(0, r.exit(), r.err());
    assertEquals(List.of("up", "down"), Arrays.asList(r.out().strip().split("\n")));

    Path templates = dir.resolve("templates.jrnn");
    Run tt = CommandLineTest.run("train", "speech", "--manifest", manifest.toString(), "--audio", audio,
        "--method", "template", "--features", "mfcc", "--mel-bins", "26", "--deltas", "2", "--templates-per-word", "3",
        "--valid-split", "index:0-11", "--out", templates.toString());
    assertEquals(0, tt.exit(), tt.err());
    assertTrue(tt.out().contains("6 templates of 2 words"), tt.out());
    double templateValid = number(tt.lastLine(), "validation accuracy:");
    Run info = CommandLineTest.run("info", "--model", templates.toString());
    assertEquals(0, info.exit(), info.err());
    assertTrue(info.out().contains("kind: speech") && info.out().contains("labels: down up")
        && info.out().contains("templates: 6"), info.out());
    Run te = CommandLineTest.run("eval", "speech", "--model", templates.toString(), "--method", "template",
        "--manifest", manifest.toString(), "--audio", audio, "--select", "index:0-11");
    assertEquals(0, te.exit(), te.err());
    assertEquals(templateValid, number(te.lastLine(), "accuracy:"), 1e-4);
    Run mismatch = CommandLineTest.run("eval", "speech", "--model", templates.toString(), "--method", "rnn",
        "--manifest", manifest.toString(), "--audio", audio);
    assertEquals(2, mismatch.exit());
    assertTrue(mismatch.err().contains("template matcher"), mismatch.err());
  }

  @Test
  void aCtcRecogniserEndsWithItsWordErrorRate() throws Exception {
    Path manifest = corpus("s", Chirps.sentences(40, 2), "transcript");
    String audio = dir.resolve("audio").toString();
    Path model = dir.resolve("ctc.jrnn");
    Run t = CommandLineTest.run("train", "speech", "--manifest", manifest.toString(), "--audio", audio, "--task", "ctc",
        "--hidden", "16", "--layers", "1", "--stride", "2", "--epochs", "6", "--lr", "0.01", "--batch", "8",
        "--valid-split", "fold:0/4", "--out", model.toString());
    assertEquals(0, t.exit(), t.err());
    double valid = number(t.lastLine(), "validation WER:");
    assertTrue(valid < 0.5, "the recogniser hears words: " + t.out());
    Run e = CommandLineTest.run("eval", "speech", "--model", model.toString(), "--manifest", manifest.toString(),
        "--audio", audio, "--select", "fold:0/4");
    assertEquals(0, e.exit(), e.err());
    assertEquals(valid, number(e.lastLine(), "WER:"), 1e-4);
    assertTrue(e.out().contains("reference words:"), e.out());
  }

  @Test
  void aBrokenRecordingIsNamed() throws Exception {
    Path manifest = corpus("b", Chirps.words(4, 3), "label");
    Path wav = dir.resolve("audio/b2.wav");
    byte[] whole = Files.readAllBytes(wav);
    Files.write(wav, Arrays.copyOf(whole, 30));
    Run t = CommandLineTest.run("train", "speech", "--manifest", manifest.toString(), "--audio",
        dir.resolve("audio").toString(), "--out", dir.resolve("m.jrnn").toString());
    assertEquals(2, t.exit());
    assertTrue(t.err().contains("b2.wav"), t.err());
    assertTrue(!Files.exists(dir.resolve("m.jrnn")));
  }
}
