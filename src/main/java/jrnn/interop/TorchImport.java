package jrnn.interop;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import jrnn.cells.CellType;
import jrnn.kernels.Kernels;
import jrnn.layers.RecurrentConfig;
import jrnn.models.ModelConfig;
import jrnn.models.OutputKind;
import jrnn.models.Readout;
import jrnn.models.SequenceModel;
import jrnn.params.Parameters;

/**
 * Imports a PyTorch state dict saved as safetensors into a jrnn model file: a bare recurrent
 * stack (kind {@code stack}), or, with the embedding and output layer around it, a whole
 * sequence model (kind {@code network}). Sizes, layers and directions come from the tensors;
 * files that jrnn exported carry their configuration and import without options.
 */
public final class TorchImport {
  private TorchImport() {}

  /**
   * What to import.
   *
   * @param prefix the recurrent module's prefix, such as {@code rnn.}; null to take the file's one
   *     stack
   * @param cell the cell (PyTorch's GRU is {@code gru-reset-after}); null when the file names it
   * @param embedding the embedding module (its tensor is {@code embedding.weight}); null for
   *     {@code embedding} when the file has it, "none" for real-valued inputs
   * @param head the output layer module ({@code head.weight}, {@code head.bias}); null for {@code head}
   *     when the file has it, "none" for a bare stack
   * @param readout where the output layer reads the stack; null for the file's record, else every step
   * @param output softmax or linear output; null for the file's record, else softmax
   * @param twoBiases keep PyTorch's b_ih and b_hh apart rather than summed
   */
  public record Options(String prefix, CellType cell, String embedding, String head, Readout readout,
      OutputKind output, boolean twoBiases) {
    /** Everything from the file: its one stack, its embedding and head where it has them. */
    public static Options fromFile(CellType cell) {
      return new Options(null, cell, null, null, null, null, false);
    }
  }

  /** A stack or a network, as imported. */
  public sealed interface Imported permits ImportedStack, ImportedNetwork {
    /** One line saying what it is. */
    String describe();
  }

  /**
   * A bare stack.
   *
   * @param stack its configuration and parameters
   */
  public record ImportedStack(NetworkFiles.Stack stack) implements Imported {
    @Override
    public String describe() {
      RecurrentConfig c = stack.config();
      return "recurrent stack: " + c.layers() + " " + c.cell().name() + " layer(s), " + c.inputSize() + " inputs, "
          + c.hiddenSize() + " hidden units, directions " + c.bidirectional().label();
    }
  }

  /**
   * A whole network.
   *
   * @param model the sequence model
   */
  public record ImportedNetwork(SequenceModel model) implements Imported {
    @Override
    public String describe() {
      ModelConfig c = model.config();
      return "network: " + (c.tokenInput() ? "embedding " + c.vocabSize() + " x " + c.inputSize() : c.inputSize()
          + " inputs") + ", " + c.layers() + " " + c.cell().name() + " layer(s) of " + c.hiddenSize() + " units, directions "
          + c.bidirectional().label() + ", " + c.output().name().toLowerCase(java.util.Locale.ROOT) + " output of "
          + c.outputSize() + " read " + c.readout().label();
    }
  }

  /**
   * Reads the state dict {@code st} as {@code options} say; every error names the file, those of
   * the configuration its tensors or metadata describe included.
   */
  public static Imported read(Safetensors st, Options options) throws IOException {
    try {
      return readChecked(st, options);
    } catch (IllegalArgumentException e) {
      if (e.getMessage() != null && e.getMessage().contains(st.where())) {
        throw e;
      }
      throw new IllegalArgumentException(st.where() + ": " + e.getMessage(), e);
    }
  }

  /** Where the file's parts are, as the options and the file say: the stack's prefix, the embedding's and head's names (null: none). */
  private record Parts(String prefix, String embedding, String head) {}

  private static Parts parts(Safetensors st, Options options) {
    String prefix = options.prefix();
    if (prefix == null) {
      List<String> found = TorchStateDict.stackPrefixes(st);
      if (found.size() != 1) {
        throw new IllegalArgumentException(st.where() + " holds " + (found.isEmpty() ? "no recurrent stack"
            + " (no tensor named ...weight_ih_l0)" : "recurrent stacks under the prefixes "
            + found.stream().map(p -> "'" + p + "'").toList() + ": choose one with --prefix"));
      }
      prefix = found.get(0);
    } else if (!prefix.isEmpty() && !prefix.endsWith(".")) {
      prefix = prefix + ".";
    }
    return new Parts(prefix, module(st, options.embedding(), "embedding"), module(st, options.head(), "head"));
  }

  /**
   * The file's tensors that an import with {@code options} leaves out: outside the stack's prefix,
   * the embedding and the output layer (a module the options did not name, which the user should hear of).
   */
  public static List<String> leftOut(Safetensors st, Options options) {
    Parts p = parts(st, options);
    List<String> out = new java.util.ArrayList<>();
    for (String name : st.entries().keySet()) {
      // Under the stack's prefix only its layers' tensors (a bare module's prefix "" holds the rest too).
      boolean taken = name.startsWith(p.prefix()) && TorchStateDict.isRecurrentTensor(name.substring(p.prefix().length()))
          || p.embedding() != null && name.startsWith(p.embedding() + ".")
          || p.head() != null && name.startsWith(p.head() + ".");
      if (!taken) {
        out.add(name);
      }
    }
    return out;
  }

  private static Imported readChecked(Safetensors st, Options options) throws IOException {
    Parts parts = parts(st, options);
    String prefix = parts.prefix();
    RecurrentConfig rnn = TorchStateDict.stackConfig(st, prefix, options.cell(), options.twoBiases());
    String embedding = parts.embedding();
    String head = parts.head();
    if (head == null) {
      if (embedding != null) {
        throw new IllegalArgumentException(st.where() + ": an embedding (" + embedding + ".weight) without an output layer is not a"
            + " jrnn network: name the output layer with --head, or leave out the embedding with --embedding none");
      }
      NetworkFiles.Stack stack = NetworkFiles.Stack.zeros(rnn);
      TorchStateDict.loadStack(st, prefix, rnn, stack.parameters(), NetworkFiles.STACK_PREFIX);
      return new ImportedStack(stack);
    }
    ModelConfig cfg = TorchStateDict.modelConfig(st, rnn, embedding, head, options.readout(), options.output());
    Parameters params = TorchStateDict.loadModel(st, prefix, embedding, head, cfg);
    return new ImportedNetwork(new SequenceModel(cfg, params, Kernels.best()));
  }

  /** The module's name: the one given, or {@code standard} when the file has it; null for none. */
  private static String module(Safetensors st, String given, String standard) {
    if ("none".equals(given)) {
      return null;
    }
    if (given != null) {
      String name = given.endsWith(".") ? given.substring(0, given.length() - 1) : given;
      st.entry(name + ".weight");
      return name;
    }
    return st.has(standard + ".weight") ? standard : null;
  }

  /**
   * Imports {@code from} into the model file {@code out}; returns one line saying what it holds,
   * and which of the file's tensors it left out, when any.
   */
  public static String importFile(Path from, Options options, Path out) throws IOException {
    Safetensors st = Safetensors.read(from);
    Imported imported = read(st, options);
    if (imported instanceof ImportedStack s) {
      NetworkFiles.write(out, s.stack());
    } else {
      NetworkFiles.write(out, ((ImportedNetwork) imported).model());
    }
    List<String> left = leftOut(st, options);
    // The hint only where the options left the modules to the file's standard names.
    boolean named = options.embedding() != null || options.head() != null;
    return imported.describe() + (left.isEmpty() ? "" : "; left out of it: " + (left.size() <= 8 ? left
        : left.subList(0, 8) + " and " + (left.size() - 8) + " more") + (named ? "" : " (name an embedding with"
        + " --embedding and an output layer with --head to take them)"));
  }
}
