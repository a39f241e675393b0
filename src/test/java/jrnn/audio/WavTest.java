package jrnn.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** WAV files of every layout jrnn reads, the errors for those it does not, and the resampler. */
public class WavTest {
  @TempDir
  Path dir;

  /** A WAV file's bytes: format code, channels, rate, bits, the samples' bytes, and chunks before data. */
  public static byte[] wav(int format, int channels, int rate, int bits, byte[] data, boolean extensible, byte[] extra) {
    int fmtSize = extensible ? 40 : 16;
    ByteBuffer b = ByteBuffer.allocate(12 + 8 + fmtSize + extra.length + 8 + data.length + (data.length & 1))
        .order(ByteOrder.LITTLE_ENDIAN);
    b.put("RIFF".getBytes()).putInt(b.capacity() - 8).put("WAVE".getBytes());
    b.put("fmt ".getBytes()).putInt(fmtSize).putShort((short) (extensible ? 0xFFFE : format)).putShort((short) channels)
        .putInt(rate).putInt(rate * channels * bits / 8).putShort((short) (channels * bits / 8)).putShort((short) bits);
    if (extensible) {
      b.putShort((short) 22).putShort((short) bits).putInt(0).putShort((short) format)
          .put(new byte[] {0, 0, 0, 0, 0x10, 0, (byte) 0x80, 0, 0, (byte) 0xAA, 0, 0x38, (byte) 0x9B, 0x71});
    }
    b.put(extra);
    b.put("data".getBytes()).putInt(data.length).put(data);
    return b.array();
  }

  /** A 16-bit mono PCM file's bytes of samples in [-1, 1] (clipped), the helper other tests write recordings with. */
  public static byte[] pcm16(float[] x, int rate) {
    int[] v = new int[x.length];
    for (int i = 0; i < x.length; i++) {
      v[i] = Math.round(32767 * Math.max(-1, Math.min(1, x[i])));
    }
    return wav(1, 1, rate, 16, samples16(v), false, new byte[0]);
  }

  public static byte[] samples16(int... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (int v : values) {
      b.putShort((short) v);
    }
    return b.array();
  }

  @Test
  void everySampleFormatReadsToTheSameValues() throws IOException {
    float[] expected = {0f, 0.5f, -0.5f, -1f};
    Wav.Audio pcm16 = Wav.read(wav(1, 1, 8000, 16, samples16(0, 16384, -16384, -32768), false, new byte[0]), "a");
    assertArrayClose(expected, pcm16.samples());
    assertEquals(8000, pcm16.sampleRate());
    Wav.Audio pcm8 = Wav.read(wav(1, 1, 8000, 8, new byte[] {(byte) 128, (byte) 192, 64, 0}, false, new byte[0]), "b");
    assertArrayClose(expected, pcm8.samples());
    byte[] d24 = {0, 0, 0, 0, 0, 0x40, 0, 0, (byte) 0xC0, 0, 0, (byte) 0x80};
    assertArrayClose(expected, Wav.read(wav(1, 1, 8000, 24, d24, false, new byte[0]), "c").samples());
    ByteBuffer d32 = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(0).putInt(1 << 30).putInt(-(1 << 30))
        .putInt(Integer.MIN_VALUE);
    assertArrayClose(expected, Wav.read(wav(1, 1, 8000, 32, d32.array(), false, new byte[0]), "d").samples());
    ByteBuffer f32 = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putFloat(0).putFloat(0.5f).putFloat(-0.5f)
        .putFloat(-1f);
    assertArrayClose(expected, Wav.read(wav(3, 1, 8000, 32, f32.array(), false, new byte[0]), "e").samples());
    ByteBuffer f64 = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN).putDouble(0).putDouble(0.5).putDouble(-0.5)
        .putDouble(-1);
    assertArrayClose(expected, Wav.read(wav(3, 1, 8000, 64, f64.array(), false, new byte[0]), "f").samples());
    assertArrayClose(expected, Wav.read(wav(1, 1, 8000, 16, samples16(0, 16384, -16384, -32768), true,
        new byte[0]), "g").samples(), "the extensible header");
    // Stereo is mixed down; a LIST chunk of odd size before the data is skipped with its pad byte.
    byte[] list = {'L', 'I', 'S', 'T', 3, 0, 0, 0, 'a', 'b', 'c', 0};
    Wav.Audio stereo = Wav.read(wav(1, 2, 44100, 16, samples16(16384, 0, -16384, -16384), false, list), "h");
    assertArrayClose(new float[] {0.25f, -0.5f}, stereo.samples());
    assertEquals(44100, stereo.sampleRate());
  }

  @Test
  void whatCannotBeReadIsNamed() {
    byte[] good = wav(1, 1, 8000, 16, samples16(1, 2, 3, 4), false, new byte[0]);
    assertRefused("x.wav: not a WAV file", "RIFX....WAVE".getBytes());
    assertRefused("data chunk claims 8 bytes, only 5 remain", java.util.Arrays.copyOf(good, good.length - 3));
    assertRefused("format 0x0011 is compressed", wav(0x11, 1, 8000, 16, samples16(1, 2), false, new byte[0]));
    assertRefused("an empty recording", wav(1, 1, 8000, 16, new byte[0], false, new byte[0]));
    byte[] zeroSize = good.clone();
    java.nio.ByteBuffer.wrap(zeroSize).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(good.length - 12, 0);
    assertRefused("data chunk claims 0 bytes, though 8 bytes follow it", zeroSize);
    assertRefused("12-bit PCM", wav(1, 1, 8000, 12, samples16(1, 2), false, new byte[0]));
    // A header's rate below or above what recordings have (1 Hz had overflowed the resampler's length).
    assertRefused("at 1 samples per second; jrnn reads", wav(1, 1, 1, 16, samples16(1, 2), false, new byte[0]));
    assertRefused("at 999 samples per second", wav(1, 1, 999, 16, samples16(1, 2), false, new byte[0]));
    assertRefused("at 1000000 samples per second", wav(1, 1, 1_000_000, 16, samples16(1, 2), false, new byte[0]));
    assertEquals(2, assertRead(wav(1, 1, 1000, 16, samples16(1, 2), false, new byte[0])).samples().length);
    byte[] lyingAlign = good.clone();
    lyingAlign[32] = 4; // block align 4 for one 16-bit channel
    assertRefused("4 bytes per frame", lyingAlign);
    byte[] noData = java.util.Arrays.copyOf(good, 36);
    assertRefused("no data chunk", noData);
    byte[] hugeChunk = wav(1, 1, 8000, 16, samples16(1), false, new byte[] {'J', 'U', 'N', 'K', -1, -1, -1, 0x7f});
    assertRefused("'JUNK' chunk claims", hugeChunk);
    // Float samples that are not numbers, or overflow a float when mixed down.
    ByteBuffer nan = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putFloat(0).putFloat(0.5f)
        .putFloat(Float.NaN).putFloat(0);
    assertRefused("the sample of frame 2 (0.000 s) is NaN", wav(3, 1, 8000, 32, nan.array(), false, new byte[0]));
    ByteBuffer huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putDouble(0).putDouble(1e300);
    assertRefused("the sample of frame 1 (0.000 s) is Infinity", wav(3, 1, 8000, 64, huge.array(), false, new byte[0]));
    // A streaming writer's "to the end" data size reads what is there.
    byte[] streaming = good.clone();
    ByteBuffer.wrap(streaming).order(ByteOrder.LITTLE_ENDIAN).putInt(40, -1);
    assertEquals(4, assertRead(streaming).samples().length);
  }

  static Wav.Audio assertRead(byte[] bytes) {
    try {
      return Wav.read(bytes, "x.wav");
    } catch (AudioFormatException e) {
      throw new AssertionError(e);
    }
  }

  static void assertRefused(String expected, byte[] bytes) {
    AudioFormatException e = assertThrows(AudioFormatException.class, () -> Wav.read(bytes, "x.wav"));
    assertTrue(e.getMessage().startsWith("x.wav: ") && e.getMessage().contains(expected), e.getMessage());
  }

  @Test
  void aMissingFileIsNamed() {
    AudioFormatException e = assertThrows(AudioFormatException.class, () -> Wav.read(dir.resolve("none.wav")));
    assertTrue(e.getMessage().contains("none.wav: no such file"), e.getMessage());
  }

  static float[] tone(double hz, int rate, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (0.5 * Math.sin(2 * Math.PI * hz * i / rate));
    }
    return x;
  }

  static double rms(float[] x, int from, int to) {
    double s = 0;
    for (int i = from; i < to; i++) {
      s += x[i] * x[i];
    }
    return Math.sqrt(s / (to - from));
  }

  @Test
  void tabulatedResamplingEqualsTheFilterComputedSampleBySample() {
    jrnn.util.Rng rng = new jrnn.util.Rng(9);
    float[] x = new float[3000];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rng.uniform(-1, 1);
    }
    for (int[] rates : new int[][] {{8000, 7200}, {8800, 8000}, {44100, 8000}, {8000, 16000}, {16000, 8000},
        {8000, 11025}}) {
      Wav.Audio tabulated = Resampler.resample(new Wav.Audio(x, rates[0]), rates[1]);
      double ratio = (double) rates[1] / rates[0];
      double cutoff = Math.min(1.0, ratio);
      int n = (int) Math.max(1, Math.round(x.length * ratio));
      Wav.Audio direct = Resampler.direct(x, n, ratio, cutoff, Resampler.ZEROS / cutoff, rates[1]);
      assertEquals(direct.samples().length, tabulated.samples().length);
      for (int j = 0; j < n; j++) {
        assertEquals(direct.samples()[j], tabulated.samples()[j], 1e-5, rates[0] + " to " + rates[1] + ", sample " + j);
      }
    }
  }

  @Test
  void resamplingKeepsWhatTheNewRateHoldsAndRemovesWhatItCannot() {
    Wav.Audio low = Resampler.resample(new Wav.Audio(tone(440, 16000, 16000), 16000), 8000);
    assertEquals(8000, low.samples().length);
    float[] expected = tone(440, 8000, 8000);
    // Away from the ends, where the filter runs out of input, the tone is the same tone.
    for (int i = 100; i < 7900; i++) {
      assertEquals(expected[i], low.samples()[i], 2e-3, "sample " + i);
    }
    Wav.Audio aliased = Resampler.resample(new Wav.Audio(tone(6000, 16000, 16000), 16000), 8000);
    assertTrue(rms(aliased.samples(), 100, 7900) < 0.01 * rms(tone(6000, 16000, 16000), 0, 16000),
        "6 kHz does not fit in 8 kHz sampling and must not fold back to 2 kHz: rms " + rms(aliased.samples(), 100, 7900));
    Wav.Audio up = Resampler.resample(new Wav.Audio(tone(440, 8000, 8000), 8000), 22050);
    assertEquals(22050, up.samples().length);
    float[] upExpected = tone(440, 22050, 22050);
    for (int i = 300; i < 21700; i++) {
      assertEquals(upExpected[i], up.samples()[i], 2e-3, "upsampled sample " + i);
    }
  }

  static void assertArrayClose(float[] expected, float[] actual) {
    assertArrayClose(expected, actual, "");
  }

  static void assertArrayClose(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], 1e-6, what + " sample " + i);
    }
  }
}
