package jrnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import jrnn.cli.CommandLineTest.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/jrnn features on a generated recording, and on a file that is not one. */
class FeaturesCommandTest {
  @TempDir
  Path dir;

  /** A 16-bit mono WAV file of a tone. */
  static byte[] toneWav(double hz, int rate, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (8000 / 32767.0 * Math.sin(2 * Math.PI * hz * i / rate));
    }
    return jrnn.audio.WavTest.pcm16(x, rate);
  }

  @Test
  void featuresOfAToneAreCountedAndDrawn() throws Exception {
    Path wav = dir.resolve("tone.wav");
    Files.write(wav, toneWav(440, 8000, 4000));
    Path png = dir.resolve("tone.png");
    Run r = CommandLineTest.run("features", wav.toString(), "--kind", "mfcc", "--deltas", "2", "--plot",
        png.toString());
    assertEquals(0, r.exit(), r.err());
    assertEquals("frames: 48", r.lastLine());
    assertTrue(r.out().contains("0.500 s at 8000 Hz; 13 MFCC from 26 mel filters, 39 values a frame"), r.out());
    assertEquals("\u0089PNG", new String(java.util.Arrays.copyOf(Files.readAllBytes(png), 4),
        java.nio.charset.StandardCharsets.ISO_8859_1));
    Run resampled = CommandLineTest.run("features", wav.toString(), "--rate", "16000");
    assertEquals(0, resampled.exit(), resampled.err());
    assertEquals("frames: 48", resampled.lastLine());
    assertTrue(resampled.out().contains("at 16000 Hz; 40 log-mel filters, 40 values a frame (no deltas)"),
        resampled.out());

    Files.write(dir.resolve("bad.wav"), "RIFF0000WAVEnothing".getBytes());
    Run bad = CommandLineTest.run("features", dir.resolve("bad.wav").toString());
    assertEquals(2, bad.exit());
    assertTrue(bad.err().startsWith("jrnn: features: ") && bad.err().contains("bad.wav"), bad.err());
  }
}
