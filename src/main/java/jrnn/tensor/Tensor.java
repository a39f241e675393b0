package jrnn.tensor;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.bytedeco.javacpp.Pointer;

/**
 * A dense float32 array with a shape, stored row-major off the Java heap so that BLAS reads it
 * in place (JavaCPP copies Java arrays on every native call, which costs more than the product
 * itself for the matrices of a recurrent step). Memory is 64-byte aligned and freed by the
 * garbage collector once the tensor and all its views are unreachable.
 *
 * <p>Element access from Java goes through {@link #data()} (a {@link FloatBuffer}) or
 * {@link #bytes()} (the same memory as bytes, for the vector kernels) or, on JDK 22 and later,
 * {@link #segment()} (the same memory as a {@code MemorySegment}, for the vector kernels built
 * for those JDKs); {@link #address()} is for native calls only.
 */
public final class Tensor {
  private static final int ALIGN = 64;

  private final int[] shape;
  private final int size;
  private final ByteBuffer bytes;
  private final FloatBuffer data;
  private final long address;
  private final Object segment;

  /**
   * {@code MemorySegment.ofBuffer}, looked up by name because this class is compiled for JDK 17,
   * where the foreign-memory API does not exist (and on 19 to 21 it is a preview that does not
   * link); null there.
   */
  private static final MethodHandle SEGMENT_OF_BUFFER = segmentOfBuffer();

  private static MethodHandle segmentOfBuffer() {
    if (Runtime.version().feature() < 22) {
      return null;
    }
    try {
      Class<?> segment = Class.forName("java.lang.foreign.MemorySegment");
      return MethodHandles.publicLookup().findStatic(segment, "ofBuffer", MethodType.methodType(segment, Buffer.class));
    } catch (ReflectiveOperationException e) {
      return null;
    }
  }

  private Tensor(int[] shape, ByteBuffer bytes) {
    this.shape = shape;
    this.size = bytes.capacity() / Float.BYTES;
    this.bytes = bytes;
    this.data = bytes.asFloatBuffer();
    this.address = new Pointer(bytes).address();
    try {
      this.segment = SEGMENT_OF_BUFFER == null ? null : SEGMENT_OF_BUFFER.invoke((Buffer) bytes);
    } catch (Throwable e) {
      throw new IllegalStateException("MemorySegment.ofBuffer failed on a direct buffer", e);
    }
  }

  /** A new tensor filled with zeros. */
  public static Tensor zeros(int... shape) {
    int[] s = shape.clone();
    long n = checkedSize(s);
    ByteBuffer raw = ByteBuffer.allocateDirect((int) (n * Float.BYTES) + 2 * ALIGN);
    ByteBuffer aligned = raw.alignedSlice(ALIGN).limit((int) (n * Float.BYTES)).slice();
    return new Tensor(s, aligned.order(ByteOrder.nativeOrder()));
  }

  /** A new tensor holding a copy of {@code values}, which must match the shape. */
  public static Tensor of(float[] values, int... shape) {
    Tensor t = zeros(shape);
    ShapeMismatchException.check("Tensor.of: number of values for shape " + Arrays.toString(shape),
        t.size, values.length);
    t.data.put(0, values);
    return t;
  }

  /** A new tensor holding {@code values} rounded to float32. */
  public static Tensor of(double[] values, int... shape) {
    Tensor t = zeros(shape);
    ShapeMismatchException.check("Tensor.of: number of values for shape " + Arrays.toString(shape),
        t.size, values.length);
    for (int i = 0; i < values.length; i++) {
      t.data.put(i, (float) values[i]);
    }
    return t;
  }

  static long checkedSize(int[] shape) {
    long n = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException(
            "Tensor: dimensions must not be negative, got shape " + Arrays.toString(shape));
      }
      n *= d;
    }
    if (n * Float.BYTES > Integer.MAX_VALUE - 2 * ALIGN) {
      throw new IllegalArgumentException(
          "Tensor: at most " + (Integer.MAX_VALUE - 2 * ALIGN) / Float.BYTES
              + " elements in one tensor, got shape " + Arrays.toString(shape) + " = " + n);
    }
    return n;
  }

  /**
   * A tensor of shape {@code shape} that shares this tensor's memory from element
   * {@code offset} on; writes through either are seen by both.
   */
  public Tensor view(int offset, int... shape) {
    int[] s = shape.clone();
    long n = checkedSize(s);
    if (offset < 0 || offset + n > size) {
      throw new ShapeMismatchException("Tensor.view: elements [" + offset + ", " + (offset + n)
          + ") of a tensor of " + size + " (shape " + Arrays.toString(this.shape) + ")");
    }
    ByteBuffer slice = bytes.slice(offset * Float.BYTES, (int) n * Float.BYTES)
        .order(ByteOrder.nativeOrder());
    return new Tensor(s, slice);
  }

  /** The same memory with another shape of the same size. */
  public Tensor reshape(int... shape) {
    ShapeMismatchException.check("Tensor.reshape " + Arrays.toString(this.shape) + " to "
        + Arrays.toString(shape) + ": element count", size, checkedSize(shape));
    return new Tensor(shape.clone(), bytes);
  }

  /** A copy of the shape. */
  public int[] shape() {
    return shape.clone();
  }

  /** The extent of dimension {@code i}. */
  public int dim(int i) {
    return shape[i];
  }

  /** The number of dimensions. */
  public int rank() {
    return shape.length;
  }

  /** The number of elements (the product of the shape). */
  public int size() {
    return size;
  }

  /**
   * The elements, row-major, as a native-order buffer over this tensor's memory; use absolute get
   * and put.
   */
  public FloatBuffer data() {
    return data;
  }

  /** The same memory as native-order bytes, {@code 4 * size()} of them. */
  public ByteBuffer bytes() {
    return bytes;
  }

  /**
   * The same memory as a {@code java.lang.foreign.MemorySegment} on JDK 22 and later, made once
   * with the tensor so that the kernels' loads and stores find it in a field; null on older JDKs.
   */
  public Object segment() {
    return segment;
  }

  /** Native address of element 0; valid only while this tensor is reachable. */
  public long address() {
    return address;
  }

  /** Element {@code i} in row-major order. */
  public float get(int i) {
    return data.get(i);
  }

  /** Sets element {@code i} to {@code v}. */
  public void set(int i, float v) {
    data.put(i, v);
  }

  /** Adds {@code v} to element {@code i}. */
  public void add(int i, float v) {
    data.put(i, data.get(i) + v);
  }

  /** Sets every element to {@code v}; returns this tensor. */
  public Tensor fill(float v) {
    for (int i = 0; i < size; i++) {
      data.put(i, v);
    }
    return this;
  }

  /** Sets every element to 0 (a native memset). */
  public Tensor zero() {
    Pointer.memset(new Pointer(bytes), 0, (long) size * Float.BYTES);
    return this;
  }

  /** Copies all of {@code src} (same size) into this tensor. */
  public Tensor copyFrom(Tensor src) {
    ShapeMismatchException.check("Tensor.copyFrom: size", size, src.size);
    data.put(0, src.data, 0, size);
    return this;
  }

  /** A copy of the elements in a new array. */
  public float[] toArray() {
    float[] out = new float[size];
    data.get(0, out);
    return out;
  }

  /** A copy of the elements widened to double. */
  public double[] toDoubleArray() {
    double[] out = new double[size];
    for (int i = 0; i < size; i++) {
      out[i] = data.get(i);
    }
    return out;
  }

  /** Throws {@link ShapeMismatchException} naming {@code component} unless the shape is {@code expected}. */
  public Tensor requireShape(String component, int... expected) {
    if (!Arrays.equals(shape, expected)) {
      throw new ShapeMismatchException(component + ": expected shape " + Arrays.toString(expected)
          + ", got " + Arrays.toString(shape));
    }
    return this;
  }

  @Override
  public String toString() {
    return "Tensor" + Arrays.toString(shape);
  }
}
