package jrnn.interop;

import java.io.IOException;
import java.nio.file.Path;
import jrnn.frame.AppFile;
import jrnn.frame.SettingsSchema;
import jrnn.io.ConfigProperties;
import jrnn.io.ModelFileException;
import jrnn.kernels.Kernels;
import jrnn.layers.RecurrentConfig;
import jrnn.models.ModelConfig;
import jrnn.models.SequenceModel;
import jrnn.params.ParamLayout;
import jrnn.params.Parameters;

/**
 * Model files of networks that belong to no application, such as weights imported from PyTorch:
 * kind {@code network}, a {@link SequenceModel} (embedding, stack, output layer), and kind
 * {@code stack}, a bare recurrent stack whose parameters are named under {@code rnn.}. Both are
 * jrnn's usual checksummed, atomically written container ({@link AppFile}); {@code jrnn info}
 * and {@code jrnn export} read them like any other.
 */
public final class NetworkFiles {
  /** The kind of a file holding a bare recurrent stack. */
  public static final String STACK = "stack";
  /** The kind of a file holding a sequence model of no application. */
  public static final String NETWORK = "network";
  /** The stack's parameter prefix in a {@code stack} file. */
  public static final String STACK_PREFIX = ModelConfig.RNN_PREFIX;

  private static final SettingsSchema STACK_SCHEMA = new SettingsSchema(STACK);
  private static final SettingsSchema NETWORK_SCHEMA = new SettingsSchema(NETWORK);

  private NetworkFiles() {}

  /**
   * A bare stack read from a file.
   *
   * @param config the stack's configuration
   * @param parameters its parameters, named under {@link #STACK_PREFIX}
   */
  public record Stack(RecurrentConfig config, Parameters parameters) {
    /** A parameter set of {@code config}'s layout, all zero. */
    public static Stack zeros(RecurrentConfig config) {
      return new Stack(config, new Parameters(layout(config)));
    }
  }

  /** The parameter layout of a bare stack of {@code config}, named under {@link #STACK_PREFIX}. */
  public static ParamLayout layout(RecurrentConfig config) {
    ParamLayout.Builder b = ParamLayout.builder();
    config.declareParameters(b, STACK_PREFIX);
    return b.build();
  }

  /** Writes a bare stack to {@code path}. */
  public static void write(Path path, Stack stack) throws IOException {
    AppFile.of(STACK_SCHEMA.defaults(), ConfigProperties.of(stack.config()), stack.parameters()).write(path);
  }

  /** Writes a sequence model of no application to {@code path}. */
  public static void write(Path path, SequenceModel model) throws IOException {
    AppFile.of(NETWORK_SCHEMA.defaults(), model).write(path);
  }

  /** Reads a {@code stack} file. */
  public static Stack readStack(Path path) throws IOException {
    return AppFile.loading(path, () -> {
      AppFile.Contents c = AppFile.read(path, STACK_SCHEMA, "recurrent stack");
      RecurrentConfig cfg = ConfigProperties.readRecurrent(c.file().getProperties("meta"));
      return new Stack(cfg, c.parameters(layout(cfg)));
    });
  }

  /** Reads a {@code network} file. */
  public static SequenceModel readNetwork(Path path) throws IOException {
    return AppFile.loading(path, () -> {
      AppFile.Contents c = AppFile.read(path, NETWORK_SCHEMA, "network");
      if (c.model() == null) {
        throw new ModelFileException("model file " + path + " names no model configuration");
      }
      return new SequenceModel(c.model().config(), c.model().parameters(), Kernels.best());
    });
  }
}
