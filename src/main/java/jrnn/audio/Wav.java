package jrnn.audio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import jrnn.util.MemoryLimits;

/**
 * WAV recordings read as mono samples in [-1, 1]: PCM of 8 (unsigned), 16, 24 or 32 bits, or
 * IEEE floats of 32 or 64 bits, plain or in the extensible format, any number of channels
 * (mixed down by their mean), any sample rate. Anything else is refused with an error that names
 * the file and the problem: not a RIFF/WAVE file, a compressed format, a header whose sizes do not
 * fit the file, no samples.
 */
public final class Wav {
  /** The fewest samples per second a recording may have: below it no speech is left (and lengths overflow). */
  public static final int MIN_RATE = 1_000;
  /** The most samples per second a recording may have (studio audio goes to 384,000). */
  public static final int MAX_RATE = 768_000;
  /** The range, for messages. */
  public static final String RATES = String.format(Locale.ROOT, "%,d to %,d samples per second", MIN_RATE, MAX_RATE);

  private Wav() {}

  /**
   * Mono samples in [-1, 1] at {@code sampleRate} per second.
   *
   * @param samples the mono samples, in [-1, 1]
   * @param sampleRate samples per second
   */
  public record Audio(float[] samples, int sampleRate) {
    /** The duration, in seconds. */
    public double seconds() {
      return (double) samples.length / sampleRate;
    }
  }

  private static final int PCM = 1;
  private static final int IEEE_FLOAT = 3;
  private static final int EXTENSIBLE = 0xFFFE;
  /** The data size a writer that could not seek back puts in: "to the end of the file". */
  private static final long STREAMING = 0xFFFFFFFFL;

  /**
   * The recording in {@code file}, mixed down to mono; an {@link AudioFormatException} naming the
   * file and the problem when it cannot be read.
   */
  public static Audio read(Path file) throws IOException {
    byte[] bytes;
    try {
      // Its bytes, then its samples as floats (twice the bytes of 16-bit PCM): refused before reading if too large.
      MemoryLimits.require(file.toString(), 3 * Files.size(file));
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new AudioFormatException(file + ": no such file");
    }
    return read(bytes, file.toString());
  }

  /** Reads a WAV file's bytes; {@code name} names it in errors. */
  public static Audio read(byte[] bytes, String name) throws AudioFormatException {
    ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (bytes.length < 12 || !ascii(bytes, 0, "RIFF") || !ascii(bytes, 8, "WAVE")) {
      throw new AudioFormatException(name + ": not a WAV file (no RIFF/WAVE header)");
    }
    in.position(12);
    int format = -1;
    int channels = 0;
    int rate = 0;
    int blockAlign = 0;
    int bits = 0;
    while (in.remaining() >= 8) {
      String id = new String(bytes, in.position(), 4, java.nio.charset.StandardCharsets.US_ASCII);
      in.position(in.position() + 4);
      long size = Integer.toUnsignedLong(in.getInt());
      int start = in.position();
      if (id.equals("fmt ")) {
        if (size < 16 || size > in.remaining()) {
          throw new AudioFormatException(name + ": its fmt chunk claims " + size + " bytes, " + in.remaining()
              + " remain and at least 16 are needed");
        }
        format = Short.toUnsignedInt(in.getShort());
        channels = Short.toUnsignedInt(in.getShort());
        rate = in.getInt();
        in.getInt(); // bytes per second: derived, not trusted
        blockAlign = Short.toUnsignedInt(in.getShort());
        bits = Short.toUnsignedInt(in.getShort());
        if (format == EXTENSIBLE) {
          if (size < 40) {
            throw new AudioFormatException(name + ": an extensible fmt chunk of " + size + " bytes, 40 are needed");
          }
          in.position(start + 24); // the sub-format's first two bytes are its format code
          format = Short.toUnsignedInt(in.getShort());
        }
      } else if (id.equals("data")) {
        if (format < 0) {
          throw new AudioFormatException(name + ": its data chunk comes before any fmt chunk");
        }
        long available = in.remaining();
        if (size == STREAMING) {
          size = available - available % Math.max(1, blockAlign);
        } else if (size > available) {
          throw new AudioFormatException(name + ": its data chunk claims " + size + " bytes, only " + available
              + " remain (a truncated file?)");
        } else if (size == 0 && available > 0) {
          // Some writers that stream leave 0 there; bytes after it may as well be another chunk.
          throw new AudioFormatException(name + ": its data chunk claims 0 bytes, though " + available + " bytes"
              + " follow it: a writer that streamed it may have left the size at 0 (rewrite the file, for example"
              + " with sox IN OUT.wav)");
        }
        return decode(in, (int) size, format, channels, rate, blockAlign, bits, name);
      }
      long next = start + size + (size & 1); // chunks are padded to an even size
      if (next > bytes.length) {
        throw new AudioFormatException(name + ": its '" + printable(id) + "' chunk claims " + size + " bytes, only "
            + (bytes.length - start) + " remain");
      }
      in.position((int) next);
    }
    throw new AudioFormatException(name + ": " + (format < 0 ? "no fmt chunk" : "no data chunk") + " (a truncated file?)");
  }

  private static Audio decode(ByteBuffer in, int size, int format, int channels, int rate, int blockAlign, int bits,
      String name) throws AudioFormatException {
    if (format != PCM && format != IEEE_FLOAT) {
      throw new AudioFormatException(String.format(Locale.ROOT, "%s: format 0x%04x is compressed or unknown;"
          + " jrnn reads PCM and IEEE float (convert it, for example: sox IN -e signed -b 16 OUT.wav)", name, format));
    }
    boolean ok = format == PCM ? bits == 8 || bits == 16 || bits == 24 || bits == 32 : bits == 32 || bits == 64;
    if (!ok) {
      throw new AudioFormatException(name + ": " + bits + "-bit " + (format == PCM ? "PCM" : "float")
          + " samples are not read (PCM: 8, 16, 24, 32 bits; float: 32, 64)");
    }
    if (channels < 1 || rate < MIN_RATE || rate > MAX_RATE) {
      throw new AudioFormatException(name + ": " + channels + " channel(s) at " + Integer.toUnsignedString(rate)
          + " samples per second; jrnn reads recordings of one channel or more at " + RATES);
    }
    int bytesPerSample = bits / 8;
    if (blockAlign != channels * bytesPerSample) {
      throw new AudioFormatException(name + ": its header says " + blockAlign + " bytes per frame, while "
          + channels + " channel(s) of " + bits + " bits make " + channels * bytesPerSample);
    }
    int frames = size / blockAlign;
    if (frames == 0) {
      throw new AudioFormatException(name + ": an empty recording (no samples)");
    }
    float[] out = new float[frames];
    for (int f = 0; f < frames; f++) {
      double sum = 0;
      for (int c = 0; c < channels; c++) {
        sum += sample(in, format, bits);
      }
      out[f] = (float) (sum / channels);
      if (!Float.isFinite(out[f])) {
        // Only float samples can be: every distance and feature downstream would be NaN, far from here.
        throw new AudioFormatException(String.format(Locale.ROOT, "%s: the sample of frame %d (%.3f s) is %s; a"
            + " recording's samples must be finite", name, f, f / (double) rate, out[f]));
      }
    }
    return new Audio(out, rate);
  }

  private static double sample(ByteBuffer in, int format, int bits) {
    if (format == IEEE_FLOAT) {
      return bits == 32 ? in.getFloat() : in.getDouble();
    }
    switch (bits) {
      case 8:
        return (Byte.toUnsignedInt(in.get()) - 128) / 128.0;
      case 16:
        return in.getShort() / 32768.0;
      case 24: {
        int lo = Byte.toUnsignedInt(in.get());
        int mid = Byte.toUnsignedInt(in.get());
        int hi = in.get(); // signed: carries the sign
        return ((hi << 16) | (mid << 8) | lo) / 8388608.0;
      }
      default:
        return in.getInt() / 2147483648.0;
    }
  }

  private static boolean ascii(byte[] b, int at, String s) {
    for (int i = 0; i < 4; i++) {
      if (b[at + i] != s.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static String printable(String id) {
    return id.replaceAll("[^\\x20-\\x7e]", "?");
  }
}
