package jrnn.interop;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import jrnn.frame.AppFile;
import jrnn.io.ConfigProperties;
import jrnn.io.ModelFile;
import jrnn.io.ModelFileException;
import jrnn.layers.RecurrentConfig;
import jrnn.models.ModelConfig;
import jrnn.params.ParamLayout;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;

/**
 * Exports any jrnn model file: its weights as safetensors (PyTorch's names and layout where
 * PyTorch has the cell, {@link TorchStateDict}), or the network as an ONNX graph
 * ({@link OnnxExport}). Files of every application with a sequence model (language model,
 * sentiment, speech) and imported networks and stacks export both ways; a translation model
 * (an encoder-decoder with attention and beam search) exports its weights only.
 */
public final class ModelExport {
  private ModelExport() {}

  /** The formats {@link #export} writes. */
  public enum Format {
    /** Weights, as {@code safetensors.torch.load_file} reads them. */
    SAFETENSORS,
    /** The network as an ONNX graph, for inference in any ONNX runtime. */
    ONNX;

    /** {@code safetensors} or {@code onnx}. */
    public static Format parse(String s) {
      String n = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
      return switch (n) {
        case "safetensors" -> SAFETENSORS;
        case "onnx" -> ONNX;
        default -> throw new IllegalArgumentException("unknown export format '" + s + "'; expected safetensors or onnx");
      };
    }
  }

  /** Exports the model file {@code model} to {@code out}; returns one line saying what was written. */
  public static String export(Path model, Format format, Path out) throws IOException {
    ModelFile f = ModelFile.read(model);
    AppFile.Header header = AppFile.header(f, model);
    Map<String, String> meta = f.getProperties("meta");
    if (meta.containsKey("model.cell")) {
      ModelConfig cfg = ConfigProperties.read(meta);
      Parameters params = parameters(f, cfg.parameterLayout());
      if (format == Format.ONNX) {
        OnnxExport.write(out, OnnxExport.model(cfg, params));
        return "ONNX graph (opset " + OnnxExport.OPSET + ") of the " + header.kind() + " model's network: "
            + (cfg.tokenInput() ? "tokens" : "x") + ", sequence_lens, h0" + (cfg.cell().hasCellState() ? ", c0" : "")
            + " -> " + (cfg.output() == jrnn.models.OutputKind.SOFTMAX ? "logits, probabilities" : "outputs")
            + ", hn" + (cfg.cell().hasCellState() ? ", cn" : "");
      }
      Map<String, Tensor> tensors = TorchStateDict.of(cfg, params);
      Map<String, String> metadata = TorchStateDict.metadata(cfg);
      metadata.put("jrnn.kind", header.kind());
      Safetensors.write(out, tensors, metadata);
      return tensors.size() + " tensors of the " + header.kind() + " model, " + metadata.get(TorchStateDict.CONVENTION)
          + " names and layout";
    }
    if (header.kind().equals(NetworkFiles.STACK)) {
      RecurrentConfig cfg = ConfigProperties.readRecurrent(meta);
      NetworkFiles.Stack stack = NetworkFiles.Stack.zeros(cfg);
      Parameters params = parameters(f, stack.parameters().layout());
      if (format == Format.ONNX) {
        OnnxExport.write(out, OnnxExport.stack(cfg, params, NetworkFiles.STACK_PREFIX));
        return "ONNX graph (opset " + OnnxExport.OPSET + ") of the recurrent stack: x, sequence_lens, h0"
            + (cfg.cell().hasCellState() ? ", c0 -> y, hn, cn" : " -> y, hn");
      }
      Map<String, Tensor> tensors = TorchStateDict.of(cfg, params, NetworkFiles.STACK_PREFIX, "");
      Safetensors.write(out, tensors, TorchStateDict.metadata(cfg));
      return tensors.size() + " tensors of the recurrent stack, " + TorchStateDict.metadata(cfg).get(TorchStateDict.CONVENTION)
          + " names and layout";
    }
    if (format == Format.ONNX) {
      throw new IllegalArgumentException("model file " + model + " holds a " + header.kind() + " model, whose network"
          + " is not one sequence model (an encoder-decoder with attention): it has no ONNX export yet;"
          + " --format safetensors exports its weights");
    }
    ParamLayout layout = f.storedLayout();
    Parameters params = parameters(f, layout);
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (ParamLayout.Entry e : layout.entries()) {
      tensors.put(e.name(), params.value(e.name()));
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("format", "pt");
    metadata.put(TorchStateDict.CONVENTION, "jrnn");
    metadata.put("jrnn.kind", header.kind());
    Safetensors.write(out, tensors, metadata);
    return tensors.size() + " tensors of the " + header.kind() + " model, jrnn's names and layout";
  }

  private static Parameters parameters(ModelFile f, ParamLayout layout) throws ModelFileException {
    Parameters params = new Parameters(layout);
    f.loadParameters(params);
    return params;
  }
}
