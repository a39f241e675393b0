package jrnn.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import jrnn.cells.CellType;
import jrnn.interop.TorchImport;
import jrnn.io.AtomicFiles;
import jrnn.models.OutputKind;
import jrnn.models.Readout;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jrnn import}: PyTorch weights saved as safetensors, as a jrnn model file. */
@Command(name = "import", mixinStandardHelpOptions = true,
    description = {"Makes a jrnn model file of PyTorch weights saved as safetensors"
        + " (safetensors.torch.save_file(module.state_dict(), FILE)).",
        "Layers, directions, input and hidden sizes are read from the tensors (weight_ih_l0, weight_hh_l0,"
            + " ..._reverse). With an embedding (embedding.weight) and an output layer (head.weight, head.bias) the"
            + " file is a whole network (kind 'network'); without, a recurrent stack (kind 'stack').",
        "Networks and stacks written by 'jrnn export --format safetensors' carry their configuration and need no"
            + " options."})
final class ImportCommand implements Callable<Integer> {
  @Option(names = "--from", required = true, description = "The safetensors file.")
  Path from;

  @Option(names = "--out", required = true, description = "The jrnn model file to write.")
  Path out;

  @Option(names = "--cell", description = "The cell: rnn-tanh, rnn-relu, lstm, or gru-reset-after for nn.GRU"
      + " (needed unless the file names it).")
  String cell;

  @Option(names = "--prefix", description = "The recurrent module's prefix, such as 'rnn.' (default: the file's one"
      + " stack).")
  String prefix;

  @Option(names = "--embedding", description = "The embedding module (default 'embedding' when the file has"
      + " embedding.weight; 'none' for real-valued inputs).")
  String embedding;

  @Option(names = "--head", description = "The output layer module (default 'head' when the file has head.weight;"
      + " 'none' for a bare stack).")
  String head;

  @Option(names = "--readout", description = "Where the output layer reads: every_step, last, mean or max"
      + " (default: the file's record, else every_step).")
  String readout;

  @Option(names = "--output", description = "softmax or linear output (default: the file's record, else softmax).")
  String output;

  @Option(names = "--two-biases", description = "Keep PyTorch's bias_ih and bias_hh apart (for further training as"
      + " PyTorch trains); by default they are summed, the same network.")
  boolean twoBiases;

  @Override
  public Integer call() throws Exception {
    TorchImport.Options options = new TorchImport.Options(prefix, cell == null ? null : CellType.parse(cell),
        embedding, head, readout == null ? null : Readout.parse(readout), output == null ? null : OutputKind.parse(output),
        twoBiases);
    AtomicFiles.requireWritable(out);
    System.out.println("wrote " + out + ": " + TorchImport.importFile(from, options, out));
    return 0;
  }
}
