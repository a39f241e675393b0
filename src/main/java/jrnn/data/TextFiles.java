package jrnn.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import jrnn.util.MemoryLimits;

/** Reads text files, gzipped or not (by their first bytes, not their name), strictly decoded. */
public final class TextFiles {
  private TextFiles() {}

  /**
   * The bytes of a file, decompressed when it is gzip; a file (or its decompressed bytes) larger
   * than {@link MemoryLimits#maxInputBytes()} is refused with its size before it is read whole.
   */
  public static byte[] readBytes(Path path) throws IOException {
    return readBytes(path, MemoryLimits.maxInputBytes());
  }

  /** As {@link #readBytes(Path)}, with at most {@code limit} bytes (the file's and its decompressed). */
  static byte[] readBytes(Path path, long limit) throws IOException {
    limit = Math.min(limit, Integer.MAX_VALUE - 8);   // the most one byte array holds
    byte[] raw;
    try {
      MemoryLimits.require(path.toString(), Files.size(path), limit);
      raw = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(path.toString(), null, "file does not exist");
    }
    return decompressed(raw, path.toString(), limit);
  }

  /** {@code raw}, decompressed when it is gzip, at most {@code limit} bytes decompressed. */
  private static byte[] decompressed(byte[] raw, String name, long limit) throws IOException {
    if (raw.length >= 2 && (raw[0] & 0xff) == 0x1f && (raw[1] & 0xff) == 0x8b) {
      try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(raw))) {
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(limit, raw.length * 4L));
        byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) > 0; ) {
          MemoryLimits.require(name + " decompressed", out.size() + (long) n, limit);
          out.write(buf, 0, n);
        }
        return out.toByteArray();
      } catch (MemoryLimits.InputTooLargeException e) {
        throw e;
      } catch (IOException e) {
        throw new IOException(name + " is a damaged gzip file: " + e.getMessage(), e);
      }
    }
    return raw;
  }

  /**
   * The text of a stream named {@code name} (standard input, say), read as a file is: decompressed
   * when gzip, strictly UTF-8, at most {@link MemoryLimits#maxInputBytes()} bytes. Unlike a file,
   * a stream may be empty (a pipe with nothing in it): its text is then "".
   */
  public static String read(InputStream in, String name) throws IOException {
    return read(in, name, MemoryLimits.maxInputBytes());
  }

  /** As {@link #read(InputStream, String)}, with at most {@code limit} bytes. */
  static String read(InputStream in, String name, long limit) throws IOException {
    limit = Math.min(limit, Integer.MAX_VALUE - 8);   // the most one byte array holds
    byte[] raw = in.readNBytes((int) limit);
    if (raw.length == limit && in.read() >= 0) {
      MemoryLimits.require(name, limit + 1, limit);   // more than the limit: refused, not cut short
    }
    return raw.length == 0 ? "" : decoded(decompressed(raw, name, limit), name, StandardCharsets.UTF_8);
  }

  /**
   * The text of a file in {@code charset}; an empty file, or a byte sequence that is not valid in
   * it, is an error naming the file (and the line).
   */
  public static String read(Path path, Charset charset) throws IOException {
    return decoded(readBytes(path), path.toString(), charset);
  }

  private static String decoded(byte[] bytes, String name, Charset charset) throws IOException {
    if (bytes.length == 0) {
      throw new IOException(name + " is empty");
    }
    try {
      String text = charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
      // A byte-order mark, which some editors write first, is not text: it would read as a word.
      return text.startsWith("\uFEFF") ? text.substring(1) : text;
    } catch (CharacterCodingException e) {
      int line = 1;
      int bad = firstInvalid(bytes, charset);
      for (int i = 0; i < bad && i < bytes.length; i++) {
        if (bytes[i] == '\n') {
          line++;
        }
      }
      throw new IOException(name + " line " + line + ": not valid " + charset.name()
          + " text (byte offset " + bad + ")");
    }
  }

  /** The text of a file in UTF-8, strictly decoded (see {@link #read(Path, java.nio.charset.Charset)}). */
  public static String read(Path path) throws IOException {
    return read(path, StandardCharsets.UTF_8);
  }

  private static int firstInvalid(byte[] bytes, Charset charset) {
    var dec = charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    java.nio.CharBuffer out = java.nio.CharBuffer.allocate(bytes.length + 1);
    var r = dec.decode(in, out, true);
    return r.isError() ? in.position() : bytes.length;
  }

  /**
   * The lines of a table (a manifest, a predictions file): as {@link #lines}, and a carriage return
   * at a line's end, which Windows and spreadsheets write, dropped, as no name or value holds one.
   */
  public static List<String> tableLines(String text) {
    return lines(text).stream().map(l -> l.endsWith("\r") ? l.substring(0, l.length() - 1) : l).toList();
  }

  /** Lines split on '\n' only (a trailing empty line is dropped), as the data sets require. */
  public static List<String> lines(String text) {
    List<String> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) == '\n') {
        out.add(text.substring(start, i));
        start = i + 1;
      }
    }
    if (start < text.length()) {
      out.add(text.substring(start));
    }
    return out;
  }

  /**
   * Word tokens as in the PTB convention: whitespace-separated words of each line, then
   * {@code <eos>} at the end of every line.
   */
  public static List<String> words(String text) {
    List<String> out = new ArrayList<>();
    for (String line : lines(text)) {
      for (String w : line.trim().split("\\s+")) {
        if (!w.isEmpty()) {
          out.add(w);
        }
      }
      out.add("<eos>");
    }
    return out;
  }
}
