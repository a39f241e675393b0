package jrnn.apps.speech;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jrnn.audio.Wav;
import jrnn.audio.WavTest;
import jrnn.util.Rng;

/**
 * Generated "words" for tests: "up", a tone sweeping from 300 to 1,500 Hz, and "down", the same
 * sweep falling, each said at a random length (0.25 to 0.5 s) and loudness with faint noise;
 * and sentences of them joined by pauses.
 */
public final class Chirps {
  public static final int RATE = 8000;

  private Chirps() {}

  public static float[] word(String w, Rng rng) {
    int n = (int) (RATE * rng.uniform(0.25, 0.5));
    double amplitude = rng.uniform(0.2, 0.8);
    double f0 = w.equals("up") ? 300 : 1500;
    double f1 = w.equals("up") ? 1500 : 300;
    float[] x = new float[n];
    double phase = 0;
    for (int i = 0; i < n; i++) {
      double f = f0 + (f1 - f0) * i / n;
      phase += 2 * Math.PI * f / RATE;
      double envelope = Math.min(1, Math.min(i, n - i) / (0.02 * RATE));
      x[i] = (float) (amplitude * envelope * Math.sin(phase) + 0.002 * rng.gaussian());
    }
    return x;
  }

  /** {@code count} recordings of single words, alternating up and down. */
  public static List<Utterance> words(int count, long seed) {
    Rng rng = new Rng(seed);
    List<Utterance> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String w = i % 2 == 0 ? "up" : "down";
      out.add(new Utterance("w" + i, new Wav.Audio(word(w, rng), RATE), List.of(w)));
    }
    return out;
  }

  /** {@code count} sentences of 1 to 3 words with pauses of 0.1 to 0.2 s. */
  public static List<Utterance> sentences(int count, long seed) {
    Rng rng = new Rng(seed);
    List<Utterance> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int n = 1 + rng.nextInt(3);
      List<String> said = new ArrayList<>();
      List<float[]> parts = new ArrayList<>();
      for (int k = 0; k < n; k++) {
        parts.add(pause(rng));
        String w = rng.nextInt(2) == 0 ? "up" : "down";
        said.add(w);
        parts.add(word(w, rng));
      }
      parts.add(pause(rng));
      int total = parts.stream().mapToInt(p -> p.length).sum();
      float[] x = new float[total];
      int at = 0;
      for (float[] p : parts) {
        System.arraycopy(p, 0, x, at, p.length);
        at += p.length;
      }
      out.add(new Utterance("s" + i, new Wav.Audio(x, RATE), said));
    }
    return out;
  }

  private static float[] pause(Rng rng) {
    float[] p = new float[(int) (RATE * rng.uniform(0.1, 0.2))];
    for (int i = 0; i < p.length; i++) {
      p[i] = (float) (0.002 * rng.gaussian());
    }
    return p;
  }

  /** A 16-bit mono WAV file of samples in [-1, 1]. */
  public static void write(Path file, float[] x, int rate) throws IOException {
    Files.write(file, WavTest.pcm16(x, rate));
  }
}
