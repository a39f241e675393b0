package examples;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import jrnn.interop.ModelExport;
import jrnn.interop.NetworkFiles;
import jrnn.models.SequenceModel;

/**
 * Deployment: the model of {@link CustomModel} exported to ONNX and run in ONNX Runtime's Java
 * API, as a service without jrnn would run it.
 */
public final class OnnxExample {
  private OnnxExample() {}

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("jrnn-onnx");
    Path onnx = export(CustomModel.trained(300).model(), dir);
    float[][] p = run(onnx, new float[] {1, -1, 1, 1, -1}, 5);
    System.out.printf("P(more +1s) of +1 -1 +1 +1 -1: %.3f%n", p[0][1]);
  }

  /** Saves {@code model} as a jrnn model file and exports it to {@code dir}/majority.onnx. */
  public static Path export(SequenceModel model, Path dir) throws IOException {
    Path file = dir.resolve("majority.jrnn");
    Path onnx = dir.resolve("majority.onnx");
    // tag::onnx-export[]
    NetworkFiles.write(file, model);                          // or any model file jrnn trained
    ModelExport.export(file, ModelExport.Format.ONNX, onnx);  // as: bin/jrnn export --model FILE --format onnx --out OUT
    // end::onnx-export[]
    return onnx;
  }

  /** Runs one sequence of {@code steps} values of +1 and -1 through the exported graph; returns its probabilities [1, 2]. */
  public static float[][] run(Path onnx, float[] values, int steps) throws OrtException {
    // tag::onnx-runtime[]
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    int hidden = 16;
    try (OrtSession session = env.createSession(onnx.toString());
        OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(values), new long[] {steps, 1, 1});  // [T, B, X]
        OnnxTensor lengths = OnnxTensor.createTensor(env, IntBuffer.wrap(new int[] {steps}), new long[] {1});
        OnnxTensor h0 = OnnxTensor.createTensor(env, FloatBuffer.allocate(hidden), new long[] {1, 1, hidden});
        OnnxTensor c0 = OnnxTensor.createTensor(env, FloatBuffer.allocate(hidden), new long[] {1, 1, hidden});
        OrtSession.Result result = session.run(Map.of("x", x, "sequence_lens", lengths, "h0", h0, "c0", c0))) {
      return (float[][]) result.get("probabilities").orElseThrow().getValue();   // [B, classes]
    }
    // end::onnx-runtime[]
  }
}
