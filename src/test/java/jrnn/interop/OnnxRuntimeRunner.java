package jrnn.interop;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs an exported graph in ONNX Runtime's Java API: the runtime users deploy with, not jrnn's idea of it. */
final class OnnxRuntimeRunner implements AutoCloseable {
  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession session;

  OnnxRuntimeRunner(byte[] model) throws OrtException {
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1);
      options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
      session = env.createSession(model, options);
    }
  }

  /** Inputs by name: float[] (with shape), int[] (int32) or long[] (int64). */
  static final class Inputs {
    final Map<String, Object> values = new LinkedHashMap<>();
    final Map<String, long[]> shapes = new LinkedHashMap<>();

    Inputs put(String name, Object data, long... shape) {
      values.put(name, data);
      shapes.put(name, shape);
      return this;
    }
  }

  /** Every output, flat, by name. */
  Map<String, float[]> run(Inputs in) throws OrtException {
    List<OnnxTensor> tensors = new ArrayList<>();
    Map<String, OnnxTensor> feed = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, Object> e : in.values.entrySet()) {
        long[] shape = in.shapes.get(e.getKey());
        OnnxTensor t;
        if (e.getValue() instanceof float[] f) {
          t = OnnxTensor.createTensor(env, FloatBuffer.wrap(f), shape);
        } else if (e.getValue() instanceof int[] i) {
          t = OnnxTensor.createTensor(env, IntBuffer.wrap(i), shape);
        } else {
          t = OnnxTensor.createTensor(env, LongBuffer.wrap((long[]) e.getValue()), shape);
        }
        tensors.add(t);
        feed.put(e.getKey(), t);
      }
      Map<String, float[]> out = new LinkedHashMap<>();
      try (OrtSession.Result r = session.run(feed)) {
        for (Map.Entry<String, OnnxValue> e : r) {
          FloatBuffer b = ((OnnxTensor) e.getValue()).getFloatBuffer();
          float[] a = new float[b.remaining()];
          b.get(a);
          out.put(e.getKey(), a);
        }
      }
      return out;
    } finally {
      tensors.forEach(OnnxTensor::close);
    }
  }

  /** The graph's input names, in order. */
  List<String> inputNames() throws OrtException {
    return new ArrayList<>(session.getInputNames());
  }

  @Override
  public void close() throws OrtException {
    session.close();
  }
}
