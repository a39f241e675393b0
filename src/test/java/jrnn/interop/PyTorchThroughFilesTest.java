package jrnn.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import jrnn.TorchReference;
import jrnn.TorchReference.Case;
import jrnn.data.Batch;
import jrnn.kernels.Kernels;
import jrnn.layers.RecurrentConfig;
import jrnn.layers.RecurrentStack;
import jrnn.layers.RecurrentState;
import jrnn.reference.ReferenceAgreesWithPyTorchTest;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PyTorch reference cases (shared/data/reference) the way a PyTorch user brings weights over:
 * the state dict saved as safetensors (names and shapes as {@code module.state_dict()} has them),
 * {@code jrnn import}ed without options but the cell, run in jrnn forward and backward, then
 * {@code jrnn export}ed to ONNX and run in ONNX Runtime. jrnn's outputs, final states and
 * gradients equal PyTorch's to 1e-5 (float32); ONNX Runtime's outputs and states to 1e-4 relative.
 */
class PyTorchThroughFilesTest {
  @TempDir
  Path dir;

  @TestFactory
  Iterable<DynamicTest> everyCase() throws Exception {
    return TorchReference.tests(c -> true, Case::name, this::check);
  }

  static float[] flat(double[][][] a) {
    int n = 0;
    for (double[][] b : a) {
      for (double[] c : b) {
        n += c.length;
      }
    }
    float[] out = new float[n];
    int i = 0;
    for (double[][] b : a) {
      for (double[] c : b) {
        for (double v : c) {
          out[i++] = (float) v;
        }
      }
    }
    return out;
  }

  static void near(double[][][] expected, float[] actual, double tol, String what) {
    int i = 0;
    for (double[][] b : expected) {
      for (double[] c : b) {
        for (double v : c) {
          assertEquals(v, actual[i], tol * Math.max(1, Math.abs(v)), what + "[" + i + "]");
          i++;
        }
      }
    }
    assertEquals(i, actual.length, what + " size");
  }

  void check(Case c) throws Exception {
    RecurrentConfig ref = c.config();
    // The state dict as PyTorch saves it: bare names (an nn.LSTM of its own), float32.
    Map<String, Tensor> stateDict = new LinkedHashMap<>();
    c.weights().forEach((name, v) -> {
      int rows = ref.cell().gates() * ref.hiddenSize();
      int l = Integer.parseInt(name.replaceAll(".*_l(\\d+).*", "$1"));
      int[] shape = name.startsWith("weight_ih") ? new int[] {rows, ref.layerInputSize(l)}
          : name.startsWith("weight_hh") ? new int[] {rows, ref.hiddenSize()} : new int[] {rows};
      stateDict.put(name, Tensor.of(v, shape));
    });
    Path torchFile = dir.resolve(c.name() + ".safetensors");
    Safetensors.write(torchFile, stateDict, Map.of("format", "pt"));
    Path jrnnFile = dir.resolve(c.name() + ".jrnn");
    TorchImport.importFile(torchFile, TorchImport.Options.fromFile(ref.cell()), jrnnFile);
    NetworkFiles.Stack stack = NetworkFiles.readStack(jrnnFile);
    RecurrentConfig cfg = stack.config();
    assertEquals(ref, cfg, "configuration read from the tensors");

    int steps = c.steps();
    int batch = c.batch();
    Tensor x = Tensor.of(flat(c.x()), steps, batch, cfg.inputSize());
    RecurrentState init = new RecurrentState(Tensor.of(flat(c.h0()), cfg.stateSlots(), batch, cfg.hiddenSize()),
        c.c0() == null ? null : Tensor.of(flat(c.c0()), cfg.stateSlots(), batch, cfg.hiddenSize()));
    RecurrentStack rnn = new RecurrentStack(cfg, stack.parameters(), NetworkFiles.STACK_PREFIX, Kernels.best());
    Tensor y = rnn.forward(x, steps, batch, Batch.fullLengths(steps, batch), init, true, new Rng(1));
    near(c.y(), y.toArray(), 1e-5, "jrnn y");
    near(c.hn(), rnn.finalState().h().toArray(), 1e-5, "jrnn hn");
    if (c.cn() != null) {
      near(c.cn(), rnn.finalState().c().toArray(), 1e-5, "jrnn cn");
    }
    // One training step's gradients of the loss sum(y * R).
    Tensor dx = Tensor.zeros(steps, batch, cfg.inputSize());
    rnn.backward(Tensor.of(flat(c.r()), steps, batch, cfg.outputSize()), null, dx);
    near(c.gradX(), dx.toArray(), 1e-5, "jrnn grad x");
    ReferenceAgreesWithPyTorchTest.assertTorchGradients(c, cfg, stack.parameters().layout(),
        stack.parameters().grads().toDoubleArray(), 1e-5);

    Path onnxFile = dir.resolve(c.name() + ".onnx");
    ModelExport.export(jrnnFile, ModelExport.Format.ONNX, onnxFile);
    OnnxRuntimeRunner.Inputs in = new OnnxRuntimeRunner.Inputs()
        .put("x", flat(c.x()), steps, batch, cfg.inputSize())
        .put("sequence_lens", Batch.fullLengths(steps, batch), batch)
        .put("h0", flat(c.h0()), cfg.stateSlots(), batch, cfg.hiddenSize());
    if (c.c0() != null) {
      in.put("c0", flat(c.c0()), cfg.stateSlots(), batch, cfg.hiddenSize());
    }
    try (OnnxRuntimeRunner ort = new OnnxRuntimeRunner(Files.readAllBytes(onnxFile))) {
      Map<String, float[]> out = ort.run(in);
      near(c.y(), out.get("y"), 1e-4, "ONNX Runtime y");
      near(c.hn(), out.get("hn"), 1e-4, "ONNX Runtime hn");
      if (c.cn() != null) {
        near(c.cn(), out.get("cn"), 1e-4, "ONNX Runtime cn");
      }
    }

    // Back out as safetensors: PyTorch's names, shapes and values (bias_ih + bias_hh summed into bias_ih).
    Path back = dir.resolve(c.name() + ".back.safetensors");
    ModelExport.export(jrnnFile, ModelExport.Format.SAFETENSORS, back);
    Safetensors exported = Safetensors.read(back);
    assertEquals(stateDict.keySet(), exported.entries().keySet(), "exported names");
    for (String name : stateDict.keySet()) {
      assertArrayEquals(stateDict.get(name).shape(), exported.entry(name).shape(), name + " shape");
      if (name.startsWith("weight")) {
        assertArrayEquals(stateDict.get(name).toArray(), exported.floats(name), name);
      }
    }
    for (String name : stateDict.keySet()) {
      if (name.startsWith("bias_ih")) {
        float[] ih = stateDict.get(name).toArray();
        float[] hh = stateDict.get(name.replace("bias_ih", "bias_hh")).toArray();
        float[] eih = exported.floats(name);
        float[] ehh = exported.floats(name.replace("bias_ih", "bias_hh"));
        for (int k = 0; k < ih.length; k++) {
          assertEquals(ih[k] + hh[k], eih[k] + ehh[k], 1e-6, name + " + bias_hh at " + k);
        }
      }
    }
  }
}
