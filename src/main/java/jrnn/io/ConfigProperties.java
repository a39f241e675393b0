package jrnn.io;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import jrnn.cells.CellType;
import jrnn.layers.Bidirectional;
import jrnn.layers.RecurrentConfig;
import jrnn.models.ModelConfig;
import jrnn.models.OutputKind;
import jrnn.models.Readout;

/** A {@link ModelConfig} (or a bare {@link RecurrentConfig}) as key=value properties, the form it takes in a model file. */
public final class ConfigProperties {
  private ConfigProperties() {}

  /** The {@code model.*} properties of {@code c}, in a fixed order. */
  public static Map<String, String> of(ModelConfig c) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("model.vocab_size", Integer.toString(c.vocabSize()));
    m.put("model.input_size", Integer.toString(c.inputSize()));
    m.put("model.cell", c.cell().name());
    m.put("model.hidden_size", Integer.toString(c.hiddenSize()));
    m.put("model.layers", Integer.toString(c.layers()));
    m.put("model.bidirectional", c.bidirectional().label());
    m.put("model.dropout", Double.toString(c.dropout()));
    m.put("model.readout", c.readout().label());
    m.put("model.output_size", Integer.toString(c.outputSize()));
    m.put("model.output", c.output().label());
    m.put("model.two_biases", Boolean.toString(c.twoBiases()));
    return m;
  }

  /**
   * The configuration the {@code model.*} properties of {@code m} describe; a {@link
   * ModelFileException} when one is missing or invalid.
   */
  public static ModelConfig read(Map<String, String> m) throws ModelFileException {
    try {
      return new ModelConfig(integer(m, "model.vocab_size"), integer(m, "model.input_size"),
          CellType.parse(text(m, "model.cell")), integer(m, "model.hidden_size"),
          integer(m, "model.layers"), Bidirectional.parse(text(m, "model.bidirectional")),
          Double.parseDouble(text(m, "model.dropout")), Readout.parse(text(m, "model.readout")),
          integer(m, "model.output_size"),
          OutputKind.parse(text(m, "model.output")),
          twoBiases(m));
    } catch (IllegalArgumentException e) {
      throw new ModelFileException("model file has an invalid configuration: " + e.getMessage());
    }
  }

  /**
   * The {@code rnn.*} properties of a bare recurrent stack (a {@code stack} file: weights
   * imported from a PyTorch nn.RNN, nn.LSTM or nn.GRU), in a fixed order.
   */
  public static Map<String, String> of(RecurrentConfig c) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("rnn.cell", c.cell().name());
    m.put("rnn.input_size", Integer.toString(c.inputSize()));
    m.put("rnn.hidden_size", Integer.toString(c.hiddenSize()));
    m.put("rnn.layers", Integer.toString(c.layers()));
    m.put("rnn.bidirectional", c.bidirectional().label());
    m.put("rnn.two_biases", Boolean.toString(c.twoBiases()));
    return m;
  }

  /** The stack the {@code rnn.*} properties of {@code m} describe. */
  public static RecurrentConfig readRecurrent(Map<String, String> m) throws ModelFileException {
    try {
      return new RecurrentConfig(CellType.parse(text(m, "rnn.cell")), integer(m, "rnn.input_size"),
          integer(m, "rnn.hidden_size"), integer(m, "rnn.layers"), Bidirectional.parse(text(m, "rnn.bidirectional")),
          0, bool(m, "rnn.two_biases", false));
    } catch (IllegalArgumentException e) {
      throw new ModelFileException("model file has an invalid stack configuration: " + e.getMessage());
    }
  }

  /** Files written before the option existed have one bias per layer. */
  static boolean twoBiases(Map<String, String> m) throws ModelFileException {
    try {
      return bool(m, "model.two_biases", false);
    } catch (IllegalArgumentException e) {
      throw new ModelFileException("model file's configuration: " + e.getMessage());
    }
  }

  /**
   * The setting {@code key} of {@code m}, which must be "true" or "false" (a typo must not read as
   * false), or {@code absent} where files written before the setting existed lack it.
   */
  public static boolean bool(Map<String, String> m, String key, boolean absent) {
    String v = m.get(key);
    if (v == null) {
      return absent;
    }
    if (!v.equals("true") && !v.equals("false")) {
      throw new IllegalArgumentException(key + " must be true or false, got '" + v + "'");
    }
    return v.equals("true");
  }

  static String text(Map<String, String> m, String key) throws ModelFileException {
    String v = m.get(key);
    if (v == null) {
      throw new ModelFileException("model file's configuration lacks '" + key + "'");
    }
    return v;
  }

  static int integer(Map<String, String> m, String key) throws ModelFileException {
    String v = text(m, key);
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new ModelFileException("model file's configuration has '" + key + "=" + v + "', not a whole number");
    }
  }
}
