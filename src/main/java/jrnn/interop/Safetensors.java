package jrnn.interop;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.StringReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jrnn.io.AtomicFiles;
import jrnn.tensor.Tensor;
import jrnn.util.MemoryLimits;

/**
 * A safetensors file, the format PyTorch users save weights in
 * ({@code safetensors.torch.save_file(model.state_dict(), path)}): an 8-byte little-endian header
 * length N, N bytes of JSON naming each tensor's dtype, shape and byte range, then the raw
 * little-endian tensors, one after the other, with no gap and no overlap.
 *
 * <p>{@link #read} checks the whole layout first: a header longer than the file, a byte range
 * outside the data or overlapping another, a shape that does not match its byte count, a dtype
 * safetensors does not define; each error names the file and the tensor. Values convert on
 * access: F32 as it is, F64, F16 and BF16 rounded to float32 ({@link #floats}); integer and
 * boolean tensors are listed but not converted. {@link #write} writes float32 tensors and string
 * metadata, atomically.
 */
public final class Safetensors {
  /** The header key of the free-form string metadata. */
  public static final String METADATA = "__metadata__";
  /** Bytes per element of each dtype the format defines. */
  private static final Map<String, Integer> DTYPE_BYTES = Map.ofEntries(Map.entry("F64", 8),
      Map.entry("F32", 4), Map.entry("F16", 2), Map.entry("BF16", 2), Map.entry("I64", 8),
      Map.entry("I32", 4), Map.entry("I16", 2), Map.entry("I8", 1), Map.entry("U64", 8),
      Map.entry("U32", 4), Map.entry("U16", 2), Map.entry("U8", 1), Map.entry("BOOL", 1),
      Map.entry("F8_E4M3", 1), Map.entry("F8_E5M2", 1));
  private static final Set<String> FLOATS = Set.of("F64", "F32", "F16", "BF16");
  /** The largest file read or written: one Java array holds it. */
  private static final long MAX_BYTES = Integer.MAX_VALUE - 8;

  /**
   * One tensor of the file.
   *
   * @param name the tensor's name, e.g. {@code rnn.weight_ih_l0}
   * @param dtype its element type as the file gives it: F32, F64, F16, BF16, I64, ...
   * @param shape its dimensions (empty for a scalar)
   * @param begin first byte in the data, after the header
   * @param end one past its last byte
   */
  public record Entry(String name, String dtype, int[] shape, long begin, long end) {
    /** Number of elements: the product of the dimensions, 1 for a scalar. */
    public int elements() {
      long n = 1;
      for (int d : shape) {
        n *= d;
      }
      return (int) n;
    }

    @Override
    public String toString() {
      return name + " " + dtype + Arrays.toString(shape);
    }
  }

  private final Path path;
  private final Map<String, Entry> entries;
  private final Map<String, String> metadata;
  private final ByteBuffer data;

  private Safetensors(Path path, Map<String, Entry> entries, Map<String, String> metadata, ByteBuffer data) {
    this.path = path;
    this.entries = Collections.unmodifiableMap(entries);
    this.metadata = Collections.unmodifiableMap(metadata);
    this.data = data;
  }

  /** "safetensors file PATH", for messages. */
  public String where() {
    return "safetensors file " + path;
  }

  /** The tensors, in the header's order. */
  public Map<String, Entry> entries() {
    return entries;
  }

  /** The header's {@code __metadata__} strings (empty when it has none). */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** Whether the file holds a tensor of that name. */
  public boolean has(String name) {
    return entries.containsKey(name);
  }

  /** The entry of {@code name}; an error that lists the names when there is none. */
  public Entry entry(String name) {
    Entry e = entries.get(name);
    if (e == null) {
      throw new IllegalArgumentException(where() + " has no tensor '" + name + "'; it has "
          + (entries.size() <= 40 ? entries.keySet() : entries.size() + " tensors"));
    }
    return e;
  }

  /** The values of tensor {@code name}, flat and row-major, rounded to float32. */
  public float[] floats(String name) {
    Entry e = entry(name);
    if (!FLOATS.contains(e.dtype())) {
      throw new IllegalArgumentException(where() + ": tensor '" + name + "' is " + e.dtype()
          + "; weights must be floating point (F32, F64, F16 or BF16)");
    }
    int n = e.elements();
    float[] out = new float[n];
    ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    int at = (int) e.begin();
    for (int i = 0; i < n; i++) {
      switch (e.dtype()) {
        case "F32" -> out[i] = b.getFloat(at + 4 * i);
        case "F64" -> out[i] = (float) b.getDouble(at + 8 * i);
        case "F16" -> out[i] = halfToFloat(b.getShort(at + 2 * i));
        // bfloat16 is the upper half of a float32.
        default -> out[i] = Float.intBitsToFloat((b.getShort(at + 2 * i) & 0xffff) << 16);
      }
    }
    return out;
  }

  /** IEEE 754 binary16 to float32, subnormals, infinities and NaN included. */
  static float halfToFloat(short bits) {
    int sign = (bits & 0x8000) << 16;
    int exponent = (bits >>> 10) & 0x1f;
    int mantissa = bits & 0x3ff;
    if (exponent == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
    }
    if (exponent == 0) {
      float m = mantissa * 0x1p-24f;
      return sign == 0 ? m : -m;
    }
    return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
  }

  /** Reads and checks the file at {@code path}. */
  public static Safetensors read(Path path) throws IOException {
    if (Files.isDirectory(path)) {
      throw new SafetensorsException("safetensors file " + path + " is a folder, not a file");
    }
    long size = Files.size(path);
    MemoryLimits.require("safetensors file " + path, size);
    if (size > MAX_BYTES) {
      throw new SafetensorsException("safetensors file " + path + " has " + MemoryLimits.size(size)
          + "; jrnn reads files of up to " + MemoryLimits.size(MAX_BYTES) + " (split larger checkpoints)");
    }
    byte[] bytes = Files.readAllBytes(path);
    return parse(bytes, path);
  }

  /** Parses a whole file's bytes; {@code path} names it in errors. */
  public static Safetensors parse(byte[] bytes, Path path) throws SafetensorsException {
    String where = "safetensors file " + path;
    if (bytes.length < 8) {
      throw new SafetensorsException(where + " has " + bytes.length + " bytes, fewer than the 8 of its header length");
    }
    long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (headerLength < 2 || headerLength > bytes.length - 8L) {
      boolean text = bytes.length > 8 && bytes[8] == '{';
      throw new SafetensorsException(where + " gives a header of " + Long.toUnsignedString(headerLength)
          + " bytes, " + (headerLength >= 0 && headerLength < 2 ? "fewer than the 2 of the smallest JSON object, {}"
          : "more than the " + (bytes.length - 8) + " the file has after the length field")
          + (text ? "" : "; is it a safetensors file? (its first 8 bytes are the header's length, little-endian,"
          + " and a '{' follows)"));
    }
    String json;
    try {
      json = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, 8, (int) headerLength)).toString();
    } catch (CharacterCodingException e) {
      throw new SafetensorsException(where + ": the header is not UTF-8");
    }
    Map<String, JsonElement> header = header(json, where);
    long dataSize = bytes.length - 8 - headerLength;
    Map<String, Entry> entries = new LinkedHashMap<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> kv : header.entrySet()) {
      if (kv.getKey().equals(METADATA)) {
        readMetadata(kv.getValue(), metadata, where);
      } else {
        entries.put(kv.getKey(), entry(kv.getKey(), kv.getValue(), dataSize, where));
      }
    }
    requireTiled(entries, dataSize, where);
    ByteBuffer data = ByteBuffer.wrap(bytes, (int) (8 + headerLength), (int) dataSize).slice();
    return new Safetensors(path, entries, metadata, data);
  }

  /**
   * The header's members, parsed as strict JSON (no comments, unquoted names or single quotes,
   * nothing after the object) and refused when a name comes twice, which would hide a tensor.
   */
  private static Map<String, JsonElement> header(String json, String where) throws SafetensorsException {
    Map<String, JsonElement> members = new LinkedHashMap<>();
    try (JsonReader r = new JsonReader(new StringReader(json))) {
      r.setStrictness(Strictness.STRICT);
      if (r.peek() != JsonToken.BEGIN_OBJECT) {
        throw new SafetensorsException(where + ": the header is not a JSON object");
      }
      r.beginObject();
      while (r.hasNext()) {
        String name = r.nextName();
        if (members.containsKey(name)) {
          throw new SafetensorsException(where + ": the header names '" + name + "' twice");
        }
        members.put(name, value(r, where, name));
      }
      r.endObject();
      if (r.peek() != JsonToken.END_DOCUMENT) {
        throw new SafetensorsException(where + ": the header has more after its JSON object");
      }
    } catch (IOException | JsonParseException | IllegalStateException e) {
      if (e instanceof SafetensorsException se) {
        throw se;
      }
      // Gson's messages end with a link to its troubleshooting page, which says nothing about this file.
      String why = String.valueOf(e.getMessage()).replaceAll("\\s*See https?://\\S+", "");
      throw new SafetensorsException(where + ": the header is not valid JSON (" + why + ")");
    }
    return members;
  }

  /**
   * A JSON value, refused where an object names a member twice (the last would win in silence:
   * a tensor's shape or a metadata value other than the one a strict reader takes).
   */
  private static JsonElement value(JsonReader r, String where, String path) throws IOException {
    switch (r.peek()) {
      case BEGIN_OBJECT: {
        JsonObject o = new JsonObject();
        r.beginObject();
        while (r.hasNext()) {
          String name = r.nextName();
          if (o.has(name)) {
            throw new SafetensorsException(where + ": the header's '" + path + "' names '" + name + "' twice");
          }
          o.add(name, value(r, where, path + "." + name));
        }
        r.endObject();
        return o;
      }
      case BEGIN_ARRAY: {
        JsonArray a = new JsonArray();
        r.beginArray();
        while (r.hasNext()) {
          a.add(value(r, where, path + "[" + a.size() + "]"));
        }
        r.endArray();
        return a;
      }
      default:
        return JsonParser.parseReader(r);
    }
  }

  private static void readMetadata(JsonElement value, Map<String, String> metadata, String where)
      throws SafetensorsException {
    if (!value.isJsonObject()) {
      throw new SafetensorsException(where + ": " + METADATA + " is not an object of strings");
    }
    for (Map.Entry<String, JsonElement> m : value.getAsJsonObject().entrySet()) {
      if (!m.getValue().isJsonPrimitive() || !m.getValue().getAsJsonPrimitive().isString()) {
        throw new SafetensorsException(where + ": metadata '" + m.getKey() + "' is " + m.getValue() + ", not a string");
      }
      metadata.put(m.getKey(), m.getValue().getAsString());
    }
  }

  private static Entry entry(String name, JsonElement value, long dataSize, String where)
      throws SafetensorsException {
    String t = where + ": tensor '" + name + "'";
    if (!value.isJsonObject()) {
      throw new SafetensorsException(t + " is described by " + value + ", not an object");
    }
    JsonObject o = value.getAsJsonObject();
    JsonElement dtype = o.get("dtype");
    if (dtype == null || !dtype.isJsonPrimitive() || !DTYPE_BYTES.containsKey(dtype.getAsString())) {
      throw new SafetensorsException(t + " has dtype " + dtype + "; safetensors defines " + DTYPE_BYTES.keySet());
    }
    long[] shape = integers(o.get("shape"), t + " shape");
    long[] offsets = integers(o.get("data_offsets"), t + " data_offsets");
    if (offsets.length != 2) {
      throw new SafetensorsException(t + " has data_offsets " + o.get("data_offsets") + "; expected [begin, end]");
    }
    long elements = 1;
    int[] dims = new int[shape.length];
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] < 0 || shape[i] > Integer.MAX_VALUE) {
        throw new SafetensorsException(t + " has dimension " + shape[i] + " in shape " + o.get("shape"));
      }
      dims[i] = (int) shape[i];
      // Capped just past an array's reach, so that the product cannot overflow.
      elements = Math.min(elements * shape[i], Integer.MAX_VALUE + 1L);
    }
    if (elements > Integer.MAX_VALUE) {
      throw new SafetensorsException(t + " has shape " + o.get("shape") + ", more elements than one array holds");
    }
    long begin = offsets[0];
    long end = offsets[1];
    if (begin < 0 || end < begin || end > dataSize) {
      throw new SafetensorsException(t + " has data_offsets [" + begin + ", " + end + "], outside the "
          + dataSize + " data bytes after the header");
    }
    long expected = elements * DTYPE_BYTES.get(dtype.getAsString());
    if (end - begin != expected) {
      throw new SafetensorsException(t + " has shape " + o.get("shape") + " of " + dtype.getAsString() + ", "
          + expected + " bytes, but data_offsets [" + begin + ", " + end + "] hold " + (end - begin));
    }
    return new Entry(name, dtype.getAsString(), dims, begin, end);
  }

  private static long[] integers(JsonElement e, String what) throws SafetensorsException {
    if (e == null || !e.isJsonArray()) {
      throw new SafetensorsException(what + " is " + e + ", not a list of whole numbers");
    }
    JsonArray a = e.getAsJsonArray();
    long[] out = new long[a.size()];
    for (int i = 0; i < out.length; i++) {
      JsonElement x = a.get(i);
      try {
        if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isNumber()) {
          throw new NumberFormatException();
        }
        out[i] = x.getAsJsonPrimitive().getAsBigDecimal().longValueExact();
      } catch (NumberFormatException | ArithmeticException ex) {
        throw new SafetensorsException(what + " is " + e + ", not a list of whole numbers");
      }
    }
    return out;
  }

  /** The byte ranges must cover the data exactly once, as the format requires. */
  private static void requireTiled(Map<String, Entry> entries, long dataSize, String where)
      throws SafetensorsException {
    List<Entry> sorted = new ArrayList<>(entries.values());
    sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    long at = 0;
    Entry previous = null;
    for (Entry e : sorted) {
      if (e.begin() < at) {
        throw new SafetensorsException(where + ": tensor '" + e.name() + "' (bytes " + e.begin() + " to " + e.end()
            + ") overlaps tensor '" + previous.name() + "' (bytes " + previous.begin() + " to " + previous.end() + ")");
      }
      if (e.begin() > at) {
        throw new SafetensorsException(where + ": bytes " + at + " to " + e.begin() + " of the data belong to no"
            + " tensor (before '" + e.name() + "')");
      }
      at = e.end();
      previous = e;
    }
    if (at != dataSize) {
      throw new SafetensorsException(where + ": the tensors end at byte " + at + " of the data, the file has "
          + dataSize + " data bytes");
    }
  }

  /**
   * Writes {@code tensors} as float32, in the map's order, with string {@code metadata}, to
   * {@code path}; the previous file stays intact until the new one is complete.
   */
  public static void write(Path path, Map<String, Tensor> tensors, Map<String, String> metadata)
      throws IOException {
    JsonObject header = new JsonObject();
    if (!metadata.isEmpty()) {
      JsonObject m = new JsonObject();
      metadata.forEach(m::addProperty);
      header.add(METADATA, m);
    }
    long offset = 0;
    for (Map.Entry<String, Tensor> kv : tensors.entrySet()) {
      if (kv.getKey().equals(METADATA)) {
        throw new IllegalArgumentException("Safetensors.write: '" + METADATA + "' is the metadata's key, not a tensor name");
      }
      JsonObject o = new JsonObject();
      o.addProperty("dtype", "F32");
      JsonArray shape = new JsonArray();
      for (int d : kv.getValue().shape()) {
        shape.add(d);
      }
      o.add("shape", shape);
      JsonArray offsets = new JsonArray();
      offsets.add(offset);
      offset += 4L * kv.getValue().size();
      offsets.add(offset);
      o.add("data_offsets", offsets);
      header.add(kv.getKey(), o);
    }
    MemoryLimits.require("safetensors file " + path, offset);
    if (offset > MAX_BYTES - 1024) {
      throw new IllegalArgumentException("Safetensors.write: " + MemoryLimits.size(offset) + " of tensors for " + path
          + "; jrnn writes files of up to " + MemoryLimits.size(MAX_BYTES));
    }
    byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
    // Padded with spaces to a multiple of 8, so that the data of a mapped file is aligned.
    int padded = (json.length + 7) / 8 * 8;
    ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(padded).put(json);
    while (head.hasRemaining()) {
      head.put((byte) ' ');
    }
    ByteBuffer body = ByteBuffer.allocate((int) offset).order(ByteOrder.LITTLE_ENDIAN);
    for (Tensor t : tensors.values()) {
      for (int i = 0; i < t.size(); i++) {
        body.putFloat(t.get(i));
      }
    }
    AtomicFiles.write(path, head.array(), body.array());
  }

  /** A safetensors file whose layout is wrong; the message names the file and the tensor. */
  public static final class SafetensorsException extends IOException {
    private static final long serialVersionUID = 1L;

    /** An error with its message. */
    public SafetensorsException(String message) {
      super(message);
    }
  }
}
