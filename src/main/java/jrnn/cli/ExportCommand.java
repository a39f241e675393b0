package jrnn.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import jrnn.apps.translate.TranslationModel;
import jrnn.frame.AppFile;
import jrnn.interop.ModelExport;
import jrnn.io.ModelFile;
import jrnn.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jrnn export}: a jrnn model's weights as safetensors, or its network as ONNX. */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = {"Exports a jrnn model file: --format safetensors writes its weights with PyTorch's names and"
        + " layout (jrnn's own for cells PyTorch lacks); --format onnx writes its network as an ONNX graph"
        + " (opset 17) for any ONNX runtime.",
        "The ONNX graph is time-major: tokens [T, B] (int64) or x [T, B, X], sequence_lens [B] (int32), h0 and (LSTM)"
            + " c0 [layers*directions, B, H] in; logits and probabilities (or outputs), hn and cn out.",
        "A translation model exports as two graphs, NAME.encoder.onnx and NAME.decoder.onnx (one decoding step; NAME is"
            + " OUT without .onnx), with"
            + " its subword vocabularies and BPE merges as text files beside them.",
        "A language model or sentiment classifier writes its vocabulary beside OUT, as NAME.vocab.txt (NAME is OUT"
            + " without .onnx or .safetensors): a token a line as it is, line k holding id k (a character model's,"
            + " which holds the newline, escaped: \\n, \\r, \\t, \\\\)."})
final class ExportCommand implements Callable<Integer> {

  @Option(names = "--model", required = true, description = "The jrnn model file.")
  Path model;

  @Option(names = "--format", required = true, description = "safetensors or onnx.")
  String format;

  @Option(names = "--out", required = true, description = "The file to write.")
  Path out;

  @Override
  public Integer call() throws Exception {
    ModelExport.Format f = ModelExport.Format.parse(format);
    AtomicFiles.requireWritable(out);
    if (f == ModelExport.Format.ONNX
        && AppFile.header(ModelFile.read(model), model).kind().equals(TranslationModel.APP)) {
      // An encoder-decoder is two graphs; the translator knows its vocabularies and subwords.
      for (Path p : TranslationModel.load(model).exportOnnx(out)) {
        System.out.println("wrote " + p);
      }
      return 0;
    }
    System.out.println("wrote " + out + ": " + ModelExport.export(model, f, out));
    return 0;
  }
}
