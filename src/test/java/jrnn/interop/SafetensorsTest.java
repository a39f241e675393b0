package jrnn.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jrnn.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The safetensors reader and writer: values, dtypes, and every way a file can lie about itself. */
class SafetensorsTest {
  @TempDir
  Path dir;

  /** A file of {@code header} (JSON) and {@code data}, as the format lays them out. */
  static byte[] file(String header, byte[] data) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h).put(data);
    return b.array();
  }

  static byte[] littleEndian(int bytesPerValue, long... values) {
    ByteBuffer b = ByteBuffer.allocate(bytesPerValue * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (long v : values) {
      switch (bytesPerValue) {
        case 2 -> b.putShort((short) v);
        case 4 -> b.putInt((int) v);
        default -> b.putLong(v);
      }
    }
    return b.array();
  }

  @Test
  void writesAndReadsBackNamesShapesValuesAndMetadata() throws Exception {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    tensors.put("rnn.weight_ih_l0", Tensor.of(new float[] {1, -2, 3.5f, 4, 5, 6}, 3, 2));
    tensors.put("head.bias", Tensor.of(new float[] {0.25f, Float.MIN_VALUE}, 2));
    Path p = dir.resolve("w.safetensors");
    Safetensors.write(p, tensors, Map.of("format", "pt"));
    byte[] bytes = Files.readAllBytes(p);
    long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(0, headerLength % 8, "header padded to 8 bytes");
    assertEquals(8 + headerLength + 4 * 8, bytes.length);
    Safetensors st = Safetensors.read(p);
    assertEquals(List.of("rnn.weight_ih_l0", "head.bias"), List.copyOf(st.entries().keySet()));
    assertArrayEquals(new int[] {3, 2}, st.entry("rnn.weight_ih_l0").shape());
    assertArrayEquals(new float[] {1, -2, 3.5f, 4, 5, 6}, st.floats("rnn.weight_ih_l0"));
    assertArrayEquals(new float[] {0.25f, Float.MIN_VALUE}, st.floats("head.bias"));
    assertEquals(Map.of("format", "pt"), st.metadata());
  }

  @Test
  void convertsF64F16AndBf16ToFloat32() throws Exception {
    byte[] f64 = littleEndian(8, Double.doubleToLongBits(0.1), Double.doubleToLongBits(-3));
    // binary16: 1.0, -2.0, 65504 (largest), 2^-24 (smallest subnormal), infinity
    byte[] f16 = littleEndian(2, 0x3C00, 0xC000, 0x7BFF, 0x0001, 0x7C00);
    // bfloat16: the upper halves of 1.5f and -0.15625f
    byte[] bf16 = littleEndian(2, Float.floatToIntBits(1.5f) >>> 16, Float.floatToIntBits(-0.15625f) >>> 16);
    byte[] i64 = littleEndian(8, 7);
    ByteBuffer data = ByteBuffer.allocate(16 + 10 + 4 + 8);
    data.put(f64).put(f16).put(bf16).put(i64);
    String header = "{\"a\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]},"
        + "\"b\":{\"dtype\":\"F16\",\"shape\":[5],\"data_offsets\":[16,26]},"
        + "\"c\":{\"dtype\":\"BF16\",\"shape\":[1,2],\"data_offsets\":[26,30]},"
        + "\"steps\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[30,38]}}";
    Safetensors st = Safetensors.parse(file(header, data.array()), Path.of("mixed.safetensors"));
    assertArrayEquals(new float[] {0.1f, -3}, st.floats("a"));
    assertArrayEquals(new float[] {1, -2, 65504, 0x1p-24f, Float.POSITIVE_INFINITY}, st.floats("b"));
    assertArrayEquals(new float[] {1.5f, -0.15625f}, st.floats("c"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> st.floats("steps"));
    assertTrue(e.getMessage().contains("'steps' is I64"), e.getMessage());
    assertTrue(Float.isNaN(Safetensors.halfToFloat((short) 0x7E00)));
    assertEquals(-0.0f, Safetensors.halfToFloat((short) 0x8000));
    assertEquals(6.1035156e-5f, Safetensors.halfToFloat((short) 0x0400), "smallest normal");
  }

  static String lie(byte[] bytes) {
    return assertThrows(Safetensors.SafetensorsException.class,
        () -> Safetensors.parse(bytes, Path.of("lie.safetensors"))).getMessage();
  }

  static void says(String message, String... parts) {
    assertTrue(message.startsWith("safetensors file lie.safetensors"), message);
    for (String p : parts) {
      assertTrue(message.contains(p), "'" + message + "' should say '" + p + "'");
    }
  }

  @Test
  void aFolderIsRefusedWithItsName() throws java.io.IOException {
    Path folder = Files.createDirectories(dir.resolve("weights.safetensors"));
    Safetensors.SafetensorsException e = assertThrows(Safetensors.SafetensorsException.class,
        () -> Safetensors.read(folder));
    assertTrue(e.getMessage().contains(folder.toString()) && e.getMessage().contains("folder"), e.getMessage());
  }

  @Test
  void aFileThatLiesIsRefusedWithTheTensorNamed() {
    byte[] eight = new byte[8];
    String good = "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
    says(lie(new byte[5]), "5 bytes");
    byte[] tooLong = file("{" + good + "}", eight);
    ByteBuffer.wrap(tooLong).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 10_000);
    says(lie(tooLong), "header of 10000 bytes");
    says(lie(file("{" + good, eight)), "not valid JSON");
    says(lie(file("[1,2]", eight)), "not a JSON object");
    says(lie(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,16]}}", eight)),
        "'w'", "outside the 8 data bytes");
    says(lie(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", eight)),
        "'w'", "12 bytes", "hold 8");
    says(lie(file("{\"w\":{\"dtype\":\"F33\",\"shape\":[2],\"data_offsets\":[0,8]}}", eight)), "'w'", "F33");
    says(lie(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", eight)), "'w'", "-2");
    says(lie(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", eight)), "'w'", "shape");
    says(lie(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", eight)), "'w'", "data_offsets");
    says(lie(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,8]}}", eight)), "'w'");
    says(lie(file("{" + good + ",\"v\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", eight)),
        "'v'", "overlaps", "'w'");
    says(lie(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", eight)),
        "bytes 0 to 4", "belong to no tensor");
    says(lie(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", eight)),
        "end at byte 4", "8 data bytes");
    says(lie(file("{" + good + ",\"__metadata__\":{\"epoch\":3}}", eight)), "metadata 'epoch'", "not a string");
    says(lie(file("{" + good + "," + good + "}", eight)), "names 'w' twice");
    // Inside a tensor's entry or the metadata too: the last would have won in silence.
    says(lie(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"shape\":[1],\"data_offsets\":[0,8]}}", eight)),
        "'w' names 'shape' twice");
    says(lie(file("{" + good + ",\"__metadata__\":{\"a\":\"1\",\"a\":\"2\"}}", eight)),
        "'__metadata__' names 'a' twice");
    byte[] notOne = "ONNX-ish bytes, not a safetensors file".getBytes(StandardCharsets.UTF_8);
    says(lie(notOne), "more than the", "is it a safetensors file?");
    byte[] tiny = file("{" + good + "}", eight);
    ByteBuffer.wrap(tiny).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1);
    says(lie(tiny), "header of 1 bytes, fewer than the 2");
    ByteBuffer.wrap(tiny).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -2);
    says(lie(tiny), "header of 18446744073709551614 bytes, more than the");
    says(lie(file("{" + good.replace("\"w\"", "w") + "}", eight)), "not valid JSON");
    says(lie(file("{" + good + "} /* more */", eight)), "not valid JSON");
    String twoObjects = lie(file("{" + good + "}{}", eight));
    says(twoObjects, "not valid JSON");
    assertTrue(!twoObjects.contains("http"), twoObjects);
  }

  @Test
  void aMissingTensorIsNamedWithThoseThereAre() throws Exception {
    Path p = dir.resolve("one.safetensors");
    Safetensors.write(p, Map.of("weight_ih_l0", Tensor.zeros(4, 2)), Map.of());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Safetensors.read(p).floats("weight_hh_l0"));
    assertTrue(e.getMessage().contains("no tensor 'weight_hh_l0'") && e.getMessage().contains("[weight_ih_l0]"),
        e.getMessage());
  }
}
