package jrnn.interop;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An ONNX graph being built, and its serialisation as an ONNX ModelProto in protocol buffers'
 * wire format. jrnn only writes ONNX, and writes a small part of it (nodes, float and int64
 * initializers, typed inputs and outputs, int, float, string and list attributes), so the
 * encoder is the few lines below rather than generated classes and a protobuf runtime; the
 * field numbers are those of onnx.proto (ONNX 1.12, IR version 8), named at each use. Tests
 * load every graph it writes in ONNX Runtime, whose parser is the check.
 */
final class OnnxGraph {
  /** TensorProto.DataType values. */
  static final int FLOAT = 1;
  static final int INT32 = 6;
  static final int INT64 = 7;

  private final List<Proto> nodes = new ArrayList<>();
  private final List<Proto> initializers = new ArrayList<>();
  private final List<Proto> inputs = new ArrayList<>();
  private final List<Proto> outputs = new ArrayList<>();
  private int counter;

  /** A fresh name with {@code stem}, unique in this graph. */
  String fresh(String stem) {
    return stem + "_" + counter++;
  }

  /** A float32 initializer (a constant tensor) named {@code name}; returns the name. */
  String floats(String name, float[] values, long... dims) {
    Proto t = tensor(name, FLOAT, dims);
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    t.bytes(9, b.array()); // TensorProto.raw_data
    initializers.add(t);
    return name;
  }

  /** An int64 initializer; returns its name. */
  String int64s(String name, long[] values, long... dims) {
    Proto t = tensor(name, INT64, dims);
    ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (long v : values) {
      b.putLong(v);
    }
    t.bytes(9, b.array());
    initializers.add(t);
    return name;
  }

  private static Proto tensor(String name, int type, long[] dims) {
    Proto t = new Proto();
    for (long d : dims) {
      t.varint(1, d); // TensorProto.dims
    }
    t.varint(2, type); // TensorProto.data_type
    t.string(8, name); // TensorProto.name
    return t;
  }

  /**
   * A node of {@code op} reading {@code in} (an empty string for an optional input left out) and
   * writing {@code out}, with {@code attributes} (values: Long, Integer, Float, String, long[],
   * String[]).
   */
  void node(String op, List<String> in, List<String> out, Map<String, Object> attributes) {
    Proto n = new Proto();
    in.forEach(s -> n.string(1, s)); // NodeProto.input
    out.forEach(s -> n.string(2, s)); // NodeProto.output
    n.string(3, fresh(op)); // NodeProto.name
    n.string(4, op); // NodeProto.op_type
    attributes.forEach((k, v) -> n.message(5, attribute(k, v))); // NodeProto.attribute
    nodes.add(n);
  }

  /** A node with one output, named fresh; returns the output's name. */
  String node(String op, List<String> in, Map<String, Object> attributes) {
    String out = fresh(op.toLowerCase(java.util.Locale.ROOT));
    node(op, in, List.of(out), attributes);
    return out;
  }

  private static Proto attribute(String name, Object value) {
    Proto a = new Proto();
    a.string(1, name); // AttributeProto.name
    if (value instanceof Integer || value instanceof Long) {
      a.varint(3, ((Number) value).longValue()); // i
      a.varint(20, 2); // type INT
    } else if (value instanceof Float f) {
      a.fixed32(2, Float.floatToIntBits(f)); // f
      a.varint(20, 1); // type FLOAT
    } else if (value instanceof String s) {
      a.bytes(4, s.getBytes(StandardCharsets.UTF_8)); // s
      a.varint(20, 3); // type STRING
    } else if (value instanceof long[] ints) {
      for (long i : ints) {
        a.varint(8, i); // ints
      }
      a.varint(20, 7); // type INTS
    } else if (value instanceof String[] strings) {
      for (String s : strings) {
        a.bytes(9, s.getBytes(StandardCharsets.UTF_8)); // strings
      }
      a.varint(20, 8); // type STRINGS
    } else {
      throw new IllegalArgumentException("OnnxGraph: attribute " + name + " of type " + value.getClass());
    }
    return a;
  }

  /**
   * A graph input of element {@code type} and shape {@code dims}: each an Integer (a fixed size)
   * or a String (a symbolic one, such as "T").
   */
  void input(String name, int type, Object... dims) {
    inputs.add(valueInfo(name, type, dims));
  }

  /** A graph output, as {@link #input}. */
  void output(String name, int type, Object... dims) {
    outputs.add(valueInfo(name, type, dims));
  }

  private static Proto valueInfo(String name, int type, Object[] dims) {
    Proto shape = new Proto();
    for (Object d : dims) {
      Proto dim = new Proto();
      if (d instanceof Integer i) {
        dim.varint(1, i); // Dimension.dim_value
      } else {
        dim.string(2, (String) d); // Dimension.dim_param
      }
      shape.message(1, dim); // TensorShapeProto.dim
    }
    Proto tensorType = new Proto();
    tensorType.varint(1, type); // TypeProto.Tensor.elem_type
    tensorType.message(2, shape); // TypeProto.Tensor.shape
    Proto typeProto = new Proto();
    typeProto.message(1, tensorType); // TypeProto.tensor_type
    Proto v = new Proto();
    v.string(1, name); // ValueInfoProto.name
    v.message(2, typeProto); // ValueInfoProto.type
    return v;
  }

  /**
   * The serialised ModelProto: this graph named {@code name}, of IR version {@code irVersion},
   * importing the default domain at {@code opset}, with {@code doc} and string metadata.
   */
  byte[] model(String name, long irVersion, long opset, String doc, Map<String, String> metadata) {
    Proto g = new Proto();
    nodes.forEach(n -> g.message(1, n)); // GraphProto.node
    g.string(2, name); // GraphProto.name
    initializers.forEach(t -> g.message(5, t)); // GraphProto.initializer
    inputs.forEach(v -> g.message(11, v)); // GraphProto.input
    outputs.forEach(v -> g.message(12, v)); // GraphProto.output
    Proto opsetId = new Proto();
    opsetId.string(1, ""); // OperatorSetIdProto.domain: the default one
    opsetId.varint(2, opset); // OperatorSetIdProto.version
    Proto m = new Proto();
    m.varint(1, irVersion); // ModelProto.ir_version
    m.string(2, "jrnn"); // ModelProto.producer_name
    m.string(3, "0.1.0"); // ModelProto.producer_version
    m.string(6, doc); // ModelProto.doc_string
    m.message(7, g); // ModelProto.graph
    m.message(8, opsetId); // ModelProto.opset_import
    metadata.forEach((k, v) -> {
      Proto e = new Proto();
      e.string(1, k); // StringStringEntryProto.key
      e.string(2, v); // StringStringEntryProto.value
      m.message(14, e); // ModelProto.metadata_props
    });
    return m.toByteArray();
  }

  /** One protocol-buffer message being written: fields in the order they are added. */
  static final class Proto {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** A varint field (int32, int64, enum): wire type 0. */
    void varint(int field, long value) {
      tag(field, 0);
      raw(value);
    }

    /** A 32-bit field (float): wire type 5. */
    void fixed32(int field, int bits) {
      tag(field, 5);
      for (int i = 0; i < 4; i++) {
        out.write(bits >>> (8 * i));
      }
    }

    /** A length-delimited field: wire type 2. */
    void bytes(int field, byte[] value) {
      tag(field, 2);
      raw(value.length);
      out.writeBytes(value);
    }

    void string(int field, String value) {
      bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    void message(int field, Proto value) {
      bytes(field, value.toByteArray());
    }

    byte[] toByteArray() {
      return out.toByteArray();
    }

    private void tag(int field, int wireType) {
      raw((long) field << 3 | wireType);
    }

    /** Base-128 varint, low groups first; a negative value takes ten bytes, as protobuf writes it. */
    private void raw(long v) {
      while ((v & ~0x7fL) != 0) {
        out.write((int) (v & 0x7f) | 0x80);
        v >>>= 7;
      }
      out.write((int) v);
    }
  }
}
