package jrnn.io;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import jrnn.params.ParamLayout;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;
import jrnn.util.MemoryLimits;

/**
 * jrnn's model and checkpoint files: named sections in a versioned container, sealed by a
 * SHA-256 checksum, written so that a crash mid-write leaves the previous file intact.
 *
 * <pre>
 *   "JRNNMODL"                 8 bytes magic
 *   format version             int32, big-endian
 *   section count              int32
 *   per section: name          UTF (2-byte length + modified UTF-8)
 *                length        int64
 *                bytes
 *   SHA-256 of all the above   32 bytes
 * </pre>
 *
 * <p>Sections used by jrnn: {@code meta} (key=value lines: the configuration and what an
 * application adds), {@code layout} (one "name dims..." line per parameter), {@code params}
 * (float32 little-endian, in layout order), {@code vocab} (one token per line, UTF-8), and in
 * checkpoints {@code optimizer} (float32) and {@code history}.
 */
public final class ModelFile {
  /** The format version this class writes. */
  public static final int VERSION = 1;
  private static final byte[] MAGIC = "JRNNMODL".getBytes(StandardCharsets.US_ASCII);

  private final Map<String, byte[]> sections = new LinkedHashMap<>();
  /** Where the file was read from, for messages; null for a file made in memory. */
  private String source;

  /** "model file PATH", or "model file" for one made in memory: how errors name it. */
  public String where() {
    return source == null ? "model file" : "model file " + source;
  }

  /** Sets section {@code name} to {@code bytes}, replacing any section of that name; returns this file. */
  public ModelFile put(String name, byte[] bytes) {
    sections.put(name, bytes);
    return this;
  }

  /** Whether there is a section named {@code name}. */
  public boolean has(String name) {
    return sections.containsKey(name);
  }

  /** The names of the sections, in the order they were put. */
  public java.util.List<String> names() {
    return java.util.List.copyOf(sections.keySet());
  }

  /** The bytes of a section; an error naming the file's sections when it is missing. */
  public byte[] get(String name) throws ModelFileException {
    byte[] b = sections.get(name);
    if (b == null) {
      throw new ModelFileException(where() + " has no section '" + name + "'; it has " + sections.keySet());
    }
    return b;
  }

  // ---- typed sections ----

  /** Stores {@code text} as UTF-8 in section {@code name}. */
  public ModelFile putText(String name, String text) {
    return put(name, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Section {@code name} read as UTF-8 text. */
  public String getText(String name) throws ModelFileException {
    return new String(get(name), StandardCharsets.UTF_8);
  }

  /** Writes key=value lines, sorted by key. */
  public ModelFile putProperties(String name, Map<String, String> props) {
    StringBuilder sb = new StringBuilder();
    new TreeMap<>(props).forEach((k, v) -> {
      if (k.contains("=") || k.contains("\n") || v.contains("\n")) {
        throw new IllegalArgumentException("model file property '" + k + "' cannot hold '=' or line breaks");
      }
      sb.append(k).append('=').append(v).append('\n');
    });
    return putText(name, sb.toString());
  }

  /** The key=value lines of section {@code name}, in file order; an error on a line without {@code =}. */
  public Map<String, String> getProperties(String name) throws ModelFileException {
    Map<String, String> m = new LinkedHashMap<>();
    for (String line : getText(name).split("\n")) {
      if (line.isEmpty()) {
        continue;
      }
      int eq = line.indexOf('=');
      if (eq < 0) {
        throw new ModelFileException(where() + ": section '" + name + "' has a malformed line: '" + line + "'");
      }
      m.put(line.substring(0, eq), line.substring(eq + 1));
    }
    return m;
  }

  /** Stores {@code values} as float32 little-endian in section {@code name}. */
  public ModelFile putFloats(String name, float[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return put(name, b.array());
  }

  /** Section {@code name} read as float32 little-endian values. */
  public float[] getFloats(String name) throws ModelFileException {
    byte[] bytes = get(name);
    if (bytes.length % 4 != 0) {
      throw new ModelFileException(where() + ": section '" + name + "' has " + bytes.length
          + " bytes, not a whole number of float32 values");
    }
    float[] out = new float[bytes.length / 4];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }

  /** Stores the parameter values with their layout. */
  public ModelFile putParameters(Parameters params) {
    StringBuilder sb = new StringBuilder();
    for (ParamLayout.Entry e : params.layout().entries()) {
      sb.append(e.name());
      for (int d : e.shape()) {
        sb.append(' ').append(d);
      }
      sb.append('\n');
    }
    putText("layout", sb.toString());
    return putFloats("params", params.values().toArray());
  }

  /**
   * Refuses a file whose stored layout (names and shapes) or number of stored values is not
   * {@code layout}'s: checked before any memory is given to the parameters, so that a
   * configuration that lies about the sizes costs nothing.
   */
  public void requireLayout(ParamLayout layout) throws ModelFileException {
    StringBuilder expected = new StringBuilder();
    for (ParamLayout.Entry e : layout.entries()) {
      expected.append(e.name());
      for (int d : e.shape()) {
        expected.append(' ').append(d);
      }
      expected.append('\n');
    }
    String stored = getText("layout");
    if (!stored.equals(expected.toString())) {
      throw new ModelFileException(where() + ": the parameter layout does not match the configuration: stored "
          + oneLine(stored) + "; expected " + oneLine(expected.toString()));
    }
    long values = get("params").length / Float.BYTES;
    if (values != layout.size()) {
      throw new ModelFileException(where() + " holds " + values + " parameter values, the layout needs "
          + layout.size());
    }
  }

  /**
   * The parameter layout the file stores ("name dims..." per line), read without knowing the
   * model: for tools that handle the parameters of any kind of model by name.
   */
  public ParamLayout storedLayout() throws ModelFileException {
    ParamLayout.Builder b = ParamLayout.builder();
    int line = 0;
    for (String l : getText("layout").split("\n")) {
      line++;
      // Written as putParameters writes it: single spaces, nothing around; requireLayout compares the text.
      String[] f = l.split(" ", -1);
      int[] dims = new int[f.length - 1];
      try {
        for (int i = 1; i < f.length; i++) {
          dims[i - 1] = Integer.parseInt(f[i]);
        }
        b.add(f[0], dims);
      } catch (IllegalArgumentException e) {
        throw new ModelFileException(where() + ": layout line " + line + " '" + l + "' is not 'name dims...': "
            + e.getMessage());
      }
    }
    return b.build();
  }

  private static String oneLine(String layout) {
    String s = layout.strip().replace('\n', ',');
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }

  /**
   * Loads stored parameter values into {@code params}, whose layout (from the stored
   * configuration) must be the stored one, name by name and shape by shape.
   */
  public void loadParameters(Parameters params) throws ModelFileException {
    params.requireUnfrozen("ModelFile.loadParameters");
    requireLayout(params.layout());
    float[] v = getFloats("params");
    for (int i = 0; i < v.length; i++) {
      if (!Float.isFinite(v[i])) {
        throw new ModelFileException(where() + ": parameter value " + i + " is " + v[i]);
      }
    }
    Tensor t = params.values();
    t.data().put(0, v);
  }

  // ---- file ----

  /** Writes the file atomically: to a temporary file beside it, forced to disk, then renamed. */
  public void write(Path path) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(buf);
    out.write(MAGIC);
    out.writeInt(VERSION);
    out.writeInt(sections.size());
    for (Map.Entry<String, byte[]> e : sections.entrySet()) {
      out.writeUTF(e.getKey());
      out.writeLong(e.getValue().length);
      out.write(e.getValue());
    }
    out.flush();
    byte[] body = buf.toByteArray();
    byte[] digest = sha256(body, body.length);
    AtomicFiles.write(path, body, digest);
  }

  /** Reads and verifies a file; every problem is a {@link ModelFileException} naming the file. */
  public static ModelFile read(Path path) throws IOException {
    if (Files.isDirectory(path)) {
      throw new ModelFileException("model file " + path + " is a folder, not a file");
    }
    byte[] all;
    try {
      // Read whole, then its sections copied out: twice the file's size.
      MemoryLimits.require("model file " + path, 2 * Files.size(path));
      all = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      throw new ModelFileException("model file " + path + " does not exist");
    }
    return parse(all, path.toString());
  }

  /**
   * Verifies and reads a whole file's bytes, read elsewhere (a cluster's copy); {@code file} names
   * it in errors, as a path does for {@link #read}.
   */
  public static ModelFile parse(byte[] all, String file) throws ModelFileException {
    String where = "model file " + file;
    if (all.length < MAGIC.length + 8 + 32 || !java.util.Arrays.equals(all, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw new ModelFileException(where + " is not a jrnn model file (no JRNNMODL header)");
    }
    int bodyLength = all.length - 32;
    byte[] stored = java.util.Arrays.copyOfRange(all, bodyLength, all.length);
    byte[] actual = sha256(all, bodyLength);
    ByteBuffer in = ByteBuffer.wrap(all, 0, bodyLength);
    in.position(MAGIC.length);
    int version = in.getInt();
    boolean intact = MessageDigest.isEqual(stored, actual);
    if (version > VERSION || version < 1) {
      // A damaged version field reads as a format from the future: the checksum tells the two apart.
      throw new ModelFileException(where + (intact ? " has format version " + version
          : " is corrupt or truncated: its SHA-256 checksum does not match, and its format version reads " + version)
          + "; this jrnn reads versions 1 to " + VERSION);
    }
    if (!intact) {
      throw new ModelFileException(where + " is corrupt or truncated: its SHA-256 checksum is "
          + HexFormat.of().formatHex(actual) + ", the file says " + HexFormat.of().formatHex(stored));
    }
    ModelFile f = new ModelFile();
    f.source = file;
    if (in.remaining() < 4) {
      throw new ModelFileException(where + " is malformed: it ends before its section count");
    }
    int count = in.getInt();
    if (count < 0 || count > in.remaining() / 10) {
      throw new ModelFileException(where + " is malformed: it claims " + count + " sections in " + in.remaining()
          + " bytes");
    }
    for (int i = 0; i < count; i++) {
      if (in.remaining() < 2) {
        throw new ModelFileException(where + " is malformed: it ends inside the header of section " + i);
      }
      int nameLength = in.getShort() & 0xffff;
      if (nameLength + 8 > in.remaining()) {
        throw new ModelFileException(where + " is malformed: section " + i + "'s name of " + nameLength
            + " bytes runs past the end");
      }
      byte[] name = new byte[nameLength];
      in.get(name);
      long length = in.getLong();
      if (length < 0 || length > in.remaining()) {
        throw new ModelFileException(where + ": section " + i + " claims " + length
            + " bytes, only " + in.remaining() + " remain");
      }
      byte[] bytes = new byte[(int) length];
      in.get(bytes);
      f.sections.put(new String(name, StandardCharsets.UTF_8), bytes);
    }
    return f;
  }

  private static byte[] sha256(byte[] data, int length) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(data, 0, length);
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
