package jrnn.interop;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import jrnn.data.Vocabulary;
import jrnn.frame.AppFile;
import jrnn.io.AtomicFiles;
import jrnn.io.ConfigProperties;
import jrnn.io.ModelFile;
import jrnn.io.ModelFileException;
import jrnn.layers.RecurrentConfig;
import jrnn.models.ModelConfig;
import jrnn.models.OutputKind;
import jrnn.params.ParamLayout;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;

/**
 * Exports any jrnn model file: its weights as safetensors (PyTorch's names and layout where
 * PyTorch has the cell, {@link TorchStateDict}), or the network as an ONNX graph
 * ({@link OnnxExport}). Files of every application with a sequence model (language model,
 * sentiment, speech) and imported networks and stacks export both ways; a translation model's
 * weights export here, its network as two graphs through
 * {@code jrnn.apps.translate.TranslationModel.exportOnnx}.
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

  /**
   * Exports the model file {@code model} to {@code out}; returns one line saying what was written.
   * A language model or sentiment classifier, whose graph reads token ids, also gets its
   * vocabulary beside {@code out} ({@link #vocabularyPath}), which a runtime without jrnn needs to
   * make them.
   */
  public static String export(Path model, Format format, Path out) throws IOException {
    ModelFile f = ModelFile.read(model);
    // A network that reads tokens through a vocabulary of its own (a language model's, a sentiment classifier's).
    Vocabulary vocab = f.has("vocab") ? Vocabulary.fromText(f.getText("vocab")) : null;
    if (vocab != null) {
      // Before anything is written: a vocabulary that cannot go beside the graph leaves no graph.
      AtomicFiles.requireWritable(vocabularyPath(out));
    }
    String written = exportNetworkOf(f, model, format, out);
    if (vocab == null) {
      return written;
    }
    AtomicFiles.writeString(vocabularyPath(out), vocabularyText(vocab));
    return written + "; its vocabulary, " + vocab.size() + " tokens a line each, in " + vocabularyPath(out);
  }

  /** NAME.vocab.txt beside {@code out}, NAME being {@code out}'s name without {@link #baseName}'s extension. */
  public static Path vocabularyPath(Path out) {
    return out.resolveSibling(baseName(out) + ".vocab.txt");
  }

  /** {@code out}'s file name without the extension of an export format (.onnx, .safetensors). */
  public static String baseName(Path out) {
    return out.getFileName().toString().replaceFirst("\\.(onnx|safetensors)$", "");
  }

  /**
   * A vocabulary as a runtime reads it: a token a line, line k holding id k, each as it is; a
   * vocabulary that holds a line break (a character model's) escapes it as the model file does
   * ({@link Vocabulary#toText}: \n, \r, \t, \\), since no line could hold it.
   */
  public static String vocabularyText(Vocabulary vocab) {
    boolean lineBreaks = vocab.tokens().stream().anyMatch(t -> t.indexOf('\n') >= 0 || t.indexOf('\r') >= 0);
    return lineBreaks ? vocab.toText() : String.join("\n", vocab.tokens()) + "\n";
  }

  private static String exportNetworkOf(ModelFile f, Path model, Format format, Path out) throws IOException {
    if (f.has("templates") && (!f.has("layout") || f.getText("layout").isBlank())) {
      // A speech template matcher keeps recordings' features to compare with, no weights.
      throw new IllegalArgumentException("model file " + model + " (" + AppFile.header(f, model).kind() + ") holds no"
          + " network, only what it compares with (a template matcher's templates): there is nothing to export as"
          + " weights or a graph");
    }
    // What the file says about itself fails as the file's error, naming it; writing does not.
    Read read = AppFile.loading(model, () -> read(f, model));
    return switch (read.what) {
      case NETWORK -> exportNetwork(read, format, out);
      case STACK -> exportStack(read, format, out);
      case OTHER -> exportOther(read, format, model, out);
    };
  }

  private enum What { NETWORK, STACK, OTHER }

  /** A model file read: its kind, its configuration (one of the two, or neither) and its parameters. */
  private record Read(What what, String kind, ModelConfig network, RecurrentConfig stack, Parameters params) {}

  private static Read read(ModelFile f, Path model) throws IOException {
    AppFile.Header header = AppFile.header(f, model);
    Map<String, String> meta = f.getProperties("meta");
    if (meta.containsKey("model.cell")) {
      ModelConfig cfg = ConfigProperties.read(meta);
      return new Read(What.NETWORK, header.kind(), cfg, null, parameters(f, cfg.parameterLayout()));
    }
    if (header.kind().equals(NetworkFiles.STACK)) {
      RecurrentConfig cfg = ConfigProperties.readRecurrent(meta);
      return new Read(What.STACK, header.kind(), null, cfg, parameters(f, NetworkFiles.layout(cfg)));
    }
    return new Read(What.OTHER, header.kind(), null, null, parameters(f, f.storedLayout()));
  }

  private static String exportNetwork(Read r, Format format, Path out) throws IOException {
    ModelConfig cfg = r.network;
    if (format == Format.ONNX) {
      OnnxExport.write(out, OnnxExport.model(cfg, r.params));
      return "ONNX graph (opset " + OnnxExport.OPSET + ") of the " + r.kind + " model's network: "
          + (cfg.tokenInput() ? "tokens" : "x") + ", sequence_lens, h0" + (cfg.cell().hasCellState() ? ", c0" : "")
          + " -> " + (cfg.output() == OutputKind.SOFTMAX ? "logits, probabilities" : "outputs")
          + ", hn" + (cfg.cell().hasCellState() ? ", cn" : "");
    }
    Map<String, Tensor> tensors = TorchStateDict.of(cfg, r.params);
    Map<String, String> metadata = TorchStateDict.metadata(cfg, r.kind);
    Safetensors.write(out, tensors, metadata);
    return tensors.size() + " tensors of the " + r.kind + " model, " + convention(metadata);
  }

  private static String exportStack(Read r, Format format, Path out) throws IOException {
    RecurrentConfig cfg = r.stack;
    if (format == Format.ONNX) {
      OnnxExport.write(out, OnnxExport.stack(cfg, r.params, NetworkFiles.STACK_PREFIX));
      return "ONNX graph (opset " + OnnxExport.OPSET + ") of the recurrent stack: x, sequence_lens, h0"
          + (cfg.cell().hasCellState() ? ", c0 -> y, hn, cn" : " -> y, hn");
    }
    Map<String, Tensor> tensors = TorchStateDict.of(cfg, r.params, NetworkFiles.STACK_PREFIX, "");
    Map<String, String> metadata = TorchStateDict.metadata(cfg, r.kind);
    Safetensors.write(out, tensors, metadata);
    return tensors.size() + " tensors of the recurrent stack, " + convention(metadata);
  }

  private static String exportOther(Read r, Format format, Path model, Path out) throws IOException {
    if (format == Format.ONNX) {
      throw new IllegalArgumentException("model file " + model + " holds a " + r.kind + " model, whose network"
          + " is not one sequence model" + (r.kind.equals("translate") ? ": a translator exports as two graphs, its"
          + " encoder and one decoder step (TranslationModel.exportOnnx; jrnn export does it)"
          : ": it has no ONNX export; --format safetensors exports its weights"));
    }
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (ParamLayout.Entry e : r.params.layout().entries()) {
      tensors.put(e.name(), r.params.value(e.name()));
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("format", "pt");
    metadata.put(TorchStateDict.CONVENTION, "jrnn");
    metadata.put("jrnn.kind", r.kind);
    Safetensors.write(out, tensors, metadata);
    return tensors.size() + " tensors of the " + r.kind + " model, jrnn's names and layout";
  }

  private static String convention(Map<String, String> metadata) {
    if (metadata.get(TorchStateDict.CONVENTION).equals("pytorch")) {
      return "PyTorch's names and layout";
    }
    String cell = metadata.getOrDefault("jrnn.model.cell", metadata.get("jrnn.rnn.cell"));
    boolean torchCell = cell != null && jrnn.io.PyTorchWeights.hasCounterpart(jrnn.cells.CellType.parse(cell));
    return "jrnn's own names and layout (" + (torchCell ? "PyTorch's modules concatenate the two directions;"
        + " this one sums them" : "PyTorch has no such cell") + ")";
  }

  /** The stored parameters, their layout checked before memory is given to them. */
  private static Parameters parameters(ModelFile f, ParamLayout layout) throws ModelFileException {
    f.requireLayout(layout);
    Parameters params = new Parameters(layout);
    f.loadParameters(params);
    return params;
  }
}
