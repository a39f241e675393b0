package jrnn.interop;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import jrnn.cells.CellType;
import jrnn.io.ConfigProperties;
import jrnn.io.ModelFileException;
import jrnn.io.PyTorchWeights;
import jrnn.layers.Bidirectional;
import jrnn.layers.RecurrentConfig;
import jrnn.models.ModelConfig;
import jrnn.models.OutputKind;
import jrnn.models.Readout;
import jrnn.params.ParamLayout;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;

/**
 * jrnn's parameters as a PyTorch state dict, and back: the names and layout of
 * {@code nn.RNN}/{@code nn.LSTM}/{@code nn.GRU} ({@code weight_ih_l{k}}, {@code weight_hh_l{k}},
 * {@code bias_ih_l{k}}, {@code bias_hh_l{k}}, {@code _reverse} for the backward direction), of
 * {@code nn.Embedding} ({@code embedding.weight}) and {@code nn.Linear} ({@code head.weight},
 * {@code head.bias}). {@link PyTorchWeights} converts the two conventions that differ (one bias
 * or two; the GRU's update gate, which PyTorch writes as 1 - z).
 *
 * <p>Cells PyTorch lacks (rnn-sigmoid, the peephole and coupled LSTMs, the GRU with the reset
 * before the product), and stacks that sum their directions ({@link #torchHasModule}), export
 * under jrnn's own names and layout (docs/parameters.md), marked
 * {@code jrnn.convention=jrnn} in the file's metadata. Every export also records the jrnn
 * configuration in the metadata ({@code jrnn.model.*} or {@code jrnn.rnn.*}), so that importing
 * an exported file gives back the same network without options.
 */
public final class TorchStateDict {
  /** Metadata key: {@code pytorch} when the names and layout are PyTorch's, {@code jrnn} when jrnn's own. */
  public static final String CONVENTION = "jrnn.convention";

  private TorchStateDict() {}

  /**
   * A whole model's state dict: {@code embedding.weight} (token models), the stack under
   * {@code rnn.}, {@code head.weight} and {@code head.bias}, as a PyTorch module with members
   * {@code embedding}, {@code rnn} and {@code head} names them.
   */
  public static Map<String, Tensor> of(ModelConfig cfg, Parameters params) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    if (cfg.tokenInput()) {
      out.put(ModelConfig.EMBEDDING, params.value(ModelConfig.EMBEDDING));
    }
    out.putAll(of(cfg.recurrent(), params, ModelConfig.RNN_PREFIX, ModelConfig.RNN_PREFIX));
    out.put(ModelConfig.HEAD_WEIGHT, params.value(ModelConfig.HEAD_WEIGHT));
    out.put(ModelConfig.HEAD_BIAS, params.value(ModelConfig.HEAD_BIAS));
    return out;
  }

  /**
   * A recurrent stack's state dict, its parameters read under {@code prefix} and named under
   * {@code torchPrefix} (empty: a bare {@code nn.LSTM}'s names).
   */
  public static Map<String, Tensor> of(RecurrentConfig cfg, Parameters params, String prefix, String torchPrefix) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    if (!torchHasModule(cfg)) {
      for (ParamLayout.Entry e : params.layout().entries()) {
        if (e.name().startsWith(prefix)) {
          out.put(torchPrefix + e.name().substring(prefix.length()), params.value(e.name()));
        }
      }
      return out;
    }
    Map<String, double[]> jrnn = new LinkedHashMap<>();
    for (ParamLayout.Entry e : params.layout().entries()) {
      if (e.name().startsWith(prefix)) {
        jrnn.put(e.name(), params.value(e.name()).toDoubleArray());
      }
    }
    int rows = cfg.cell().gates() * cfg.hiddenSize();
    PyTorchWeights.toTorch(cfg, prefix, jrnn).forEach((name, v) -> {
      // The weights keep jrnn's shapes (and names); the biases are vectors of the gate rows.
      int[] shape = name.startsWith("weight") ? params.layout().get(prefix + name).shape() : new int[] {rows};
      out.put(torchPrefix + name, Tensor.of(v, shape));
    });
    return out;
  }

  /**
   * Whether a PyTorch module computes this stack: one of PyTorch's cells, and the directions (if
   * two) concatenated, as nn.RNN, nn.LSTM and nn.GRU pass them on. Other stacks export under
   * jrnn's own names and layout (a summed stack's weights would load into no module: from the
   * second layer on their shapes differ, and one layer would compute another network).
   */
  public static boolean torchHasModule(RecurrentConfig cfg) {
    return PyTorchWeights.hasCounterpart(cfg.cell()) && cfg.bidirectional() != Bidirectional.SUM;
  }

  /** A recurrent layer's tensor name without its prefix: kind, layer, reverse or not (weight_hh_l1_reverse). */
  private static final java.util.regex.Pattern RECURRENT_TENSOR =
      java.util.regex.Pattern.compile("(?:weight|bias)(?:_[a-z]+)?_l([0-9]{1,9})(_reverse)?");

  /** Whether {@code name} (without the stack's prefix) names a recurrent layer's tensor. */
  static boolean isRecurrentTensor(String name) {
    return RECURRENT_TENSOR.matcher(name).matches();
  }

  /** The metadata of a whole model's export, of application {@code kind}: the convention and the configuration. */
  public static Map<String, String> metadata(ModelConfig cfg, String kind) {
    return metadata(torchHasModule(cfg.recurrent()), ConfigProperties.of(cfg), kind);
  }

  /** The metadata of a stack's export. */
  public static Map<String, String> metadata(RecurrentConfig cfg, String kind) {
    return metadata(torchHasModule(cfg), ConfigProperties.of(cfg), kind);
  }

  private static Map<String, String> metadata(boolean torchModule, Map<String, String> config, String kind) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("format", "pt");
    m.put(CONVENTION, torchModule ? "pytorch" : "jrnn");
    m.put("jrnn.kind", kind);
    config.forEach((k, v) -> m.put("jrnn." + k, v));
    return m;
  }

  /**
   * The recurrent stack under {@code prefix} in a state dict: layers, directions, input and hidden
   * sizes read from the tensors. {@code cell} may be null when the file's metadata names it (a
   * file jrnn exported); PyTorch's GRU is {@code gru-reset-after}. With {@code twoBiases},
   * PyTorch's b_ih and b_hh stay apart ({@link RecurrentConfig#twoBiases}).
   */
  public static RecurrentConfig stackConfig(Safetensors st, String prefix, CellType cell, boolean twoBiases) {
    String where = st.where() + ": ";
    Map<String, String> meta = st.metadata();
    if (meta.containsKey("jrnn.rnn.cell") || meta.containsKey("jrnn.model.cell")) {
      String key = meta.containsKey("jrnn.rnn.cell") ? "jrnn.rnn." : "jrnn.model.";
      CellType recorded = CellType.parse(meta.get(key + "cell"));
      if (cell != null && !cell.equals(recorded)) {
        throw new IllegalArgumentException(where + "its metadata says the cell is " + recorded.name()
            + ", not " + cell.name());
      }
      cell = recorded;
    }
    if (cell == null) {
      throw new IllegalArgumentException(where + "the cell type is not recorded in the file: give it"
          + " (rnn-tanh, rnn-relu, lstm or gru-reset-after for PyTorch's modules)");
    }
    if (!st.has(prefix + "weight_ih_l0")) {
      throw new IllegalArgumentException(where + "no tensor '" + prefix + "weight_ih_l0'; recurrent stacks in"
          + " this file are under the prefixes " + stackPrefixes(st).stream().map(p -> "'" + p + "'").toList()
          + " (choose one with --prefix)");
    }
    if (st.has(prefix + "weight_hr_l0")) {
      throw new IllegalArgumentException(where + "'" + prefix + "weight_hr_l0' is an LSTM projection"
          + " (PyTorch's proj_size), which jrnn's cells do not have");
    }
    int layers = 0;
    while (st.has(prefix + "weight_ih_l" + layers)) {
      layers++;
    }
    int directions = st.has(prefix + "weight_ih_l0_reverse") ? 2 : 1;
    // A layer's tensor past the layers counted, or a reverse direction's in a one-direction stack,
    // would be left out in silence: the stack read would not be the file's.
    for (String name : st.entries().keySet()) {
      java.util.regex.Matcher m = RECURRENT_TENSOR.matcher(name.startsWith(prefix) ? name.substring(prefix.length()) : "");
      if (m.matches() && (Integer.parseInt(m.group(1)) >= layers || m.group(2) != null && directions == 1)) {
        throw new IllegalArgumentException(where + "'" + name + "' belongs to no layer of the stack under '" + prefix
            + "': it has " + layers + " layer(s) ('" + prefix + "weight_ih_l0' .. '" + prefix + "weight_ih_l"
            + (layers - 1) + "') and " + (directions == 2 ? "two directions" : "one direction (no '" + prefix
            + "weight_ih_l0_reverse')"));
      }
    }
    Safetensors.Entry hh = st.entry(prefix + "weight_hh_l0");
    Safetensors.Entry ih = st.entry(prefix + "weight_ih_l0");
    if (hh.shape().length != 2 || ih.shape().length != 2) {
      throw new IllegalArgumentException(where + "'" + hh.name() + "' and '" + ih.name() + "' must be matrices, are "
          + hh + " and " + ih);
    }
    int hidden = hh.shape()[1];
    int gates = hh.shape()[0] / Math.max(1, hidden);
    int expectedGates = jrnnConvention(st) ? cell.gates() : torchGates(cell);
    if (gates * hidden != hh.shape()[0] || gates != expectedGates) {
      throw new IllegalArgumentException(where + "'" + hh.name() + "' is " + hh + ": " + hh.shape()[0]
          + " rows for " + hidden + " hidden units, where a " + cell.name() + " cell has " + expectedGates + " x "
          + hidden + "; is the cell right?");
    }
    Bidirectional merge = directions == 2 ? Bidirectional.CONCAT : Bidirectional.NONE;
    String mergeKey = meta.containsKey("jrnn.rnn.bidirectional") ? "jrnn.rnn.bidirectional" : "jrnn.model.bidirectional";
    if (meta.containsKey(mergeKey)) {
      Bidirectional recorded = Bidirectional.parse(meta.get(mergeKey));
      if (recorded.directions() != directions) {
        throw new IllegalArgumentException(where + "its metadata says " + mergeKey + "=" + meta.get(mergeKey)
            + ", its tensors have " + directions + " direction(s)");
      }
      merge = recorded;
    }
    String twoKey = meta.containsKey("jrnn.rnn.two_biases") ? "jrnn.rnn.two_biases" : "jrnn.model.two_biases";
    boolean recordedTwo = ConfigProperties.bool(meta, twoKey, false);
    if (jrnnConvention(st) && twoBiases && !recordedTwo) {
      throw new IllegalArgumentException(where + "its weights are in jrnn's convention with one bias per layer;"
          + " two biases cannot be made of them");
    }
    RecurrentConfig cfg = new RecurrentConfig(cell, ih.shape()[1], hidden, layers, merge, 0,
        recordedTwo || !jrnnConvention(st) && twoBiases);
    for (int l = 0; l < layers; l++) {
      for (int d = 0; d < directions; d++) {
        String name = prefix + PyTorchWeights.torchName("weight_ih", l, d);
        int[] shape = st.entry(name).shape();
        if (shape.length != 2 || shape[1] != cfg.layerInputSize(l)) {
          throw new IllegalArgumentException(where + "'" + name + "' is " + st.entry(name) + "; layer " + l
              + " reads " + cfg.layerInputSize(l) + " values per step");
        }
      }
    }
    return cfg;
  }

  private static int torchGates(CellType cell) {
    return cell instanceof CellType.Lstm ? 4 : cell.gates();
  }

  private static boolean jrnnConvention(Safetensors st) {
    return "jrnn".equals(st.metadata().get(CONVENTION));
  }

  /** The prefixes under which the file holds recurrent stacks ("" for a bare module's names). */
  public static List<String> stackPrefixes(Safetensors st) {
    TreeSet<String> p = new TreeSet<>();
    for (String name : st.entries().keySet()) {
      if (name.endsWith("weight_ih_l0")) {
        p.add(name.substring(0, name.length() - "weight_ih_l0".length()));
      }
    }
    return new ArrayList<>(p);
  }

  /**
   * The stack's parameters from the state dict (PyTorch's names under {@code prefix}), named as
   * jrnn names them under {@code jrnnPrefix}, into {@code params}.
   */
  public static void loadStack(Safetensors st, String prefix, RecurrentConfig cfg, Parameters params,
      String jrnnPrefix) throws ModelFileException {
    if (jrnnConvention(st)) {
      for (ParamLayout.Entry e : params.layout().entries()) {
        if (e.name().startsWith(jrnnPrefix)) {
          load(st, prefix + e.name().substring(jrnnPrefix.length()), params, e);
        }
      }
      return;
    }
    if (!PyTorchWeights.hasCounterpart(cfg.cell())) {
      throw new IllegalArgumentException(st.where() + ": PyTorch has no " + cfg.cell().name() + " cell; its"
          + " weights are PyTorch's rnn-tanh, rnn-relu, lstm or gru-reset-after");
    }
    Map<String, double[]> torch = new LinkedHashMap<>();
    int rows = cfg.cell().gates() * cfg.hiddenSize();
    // A module built with bias=False has no bias tensors (its biases are zero); bias=True, all of
    // them: one missing is a damaged or hand-edited file, not a zero bias.
    String firstBias = prefix + PyTorchWeights.torchName("bias_ih", 0, 0);
    boolean biased = st.has(firstBias);
    for (int l = 0; l < cfg.layers(); l++) {
      for (int d = 0; d < cfg.directions(); d++) {
        for (String kind : List.of("weight_ih", "weight_hh", "bias_ih", "bias_hh")) {
          String name = PyTorchWeights.torchName(kind, l, d);
          int[] shape = kind.startsWith("weight") ? new int[] {rows, kind.equals("weight_ih")
              ? cfg.layerInputSize(l) : cfg.hiddenSize()} : new int[] {rows};
          if (kind.startsWith("bias") && st.has(prefix + name) != biased) {
            throw new ModelFileException(st.where() + ": " + (biased ? "no tensor '" + prefix + name + "', though '"
                + firstBias + "' is there" : "'" + prefix + name + "' is there, but no '" + firstBias + "'")
                + ": a module's recurrent layers have all their biases (bias=True) or none (bias=False)");
          }
          torch.put(name, kind.startsWith("bias") && !biased ? new double[rows] : values(st, prefix + name, shape));
        }
      }
    }
    PyTorchWeights.toJrnn(cfg, jrnnPrefix, torch).forEach((name, v) -> {
      Tensor t = params.value(name);
      for (int i = 0; i < v.length; i++) {
        t.set(i, (float) v[i]);
      }
    });
  }

  /** A whole model read from a state dict into a new parameter set of {@code cfg}'s layout. */
  public static Parameters loadModel(Safetensors st, String rnnPrefix, String embedding, String head,
      ModelConfig cfg) throws ModelFileException {
    Parameters params = new Parameters(cfg.parameterLayout());
    if (cfg.tokenInput()) {
      load(st, embedding + ".weight", params, params.layout().get(ModelConfig.EMBEDDING));
    }
    loadStack(st, rnnPrefix, cfg.recurrent(), params, ModelConfig.RNN_PREFIX);
    load(st, head + ".weight", params, params.layout().get(ModelConfig.HEAD_WEIGHT));
    if (st.has(head + ".bias")) {
      load(st, head + ".bias", params, params.layout().get(ModelConfig.HEAD_BIAS));
    }
    return params;
  }

  /**
   * The configuration of a model whose stack is {@code rnn}, with an embedding (the tensor
   * {@code embedding}.weight; null for real-valued inputs) and an output layer {@code head}.weight.
   * The readout and output kind are those given, or the file's metadata's, or every step and
   * softmax; given ones that contradict the metadata are an error.
   */
  public static ModelConfig modelConfig(Safetensors st, RecurrentConfig rnn, String embedding, String head,
      Readout readout, OutputKind output) {
    int vocab = 0;
    if (embedding != null) {
      Safetensors.Entry e = st.entry(embedding + ".weight");
      if (e.shape().length != 2 || e.shape()[1] != rnn.inputSize()) {
        throw new IllegalArgumentException(st.where() + ": '" + e.name() + "' is " + e + "; the stack reads "
            + rnn.inputSize() + " values per step, so the embedding must be [vocabulary, " + rnn.inputSize() + "]");
      }
      vocab = e.shape()[0];
    }
    Safetensors.Entry w = st.entry(head + ".weight");
    if (w.shape().length != 2 || w.shape()[1] != rnn.outputSize()) {
      throw new IllegalArgumentException(st.where() + ": '" + w.name() + "' is " + w + "; the stack's output has "
          + rnn.outputSize() + " values, so the output layer must be [outputs, " + rnn.outputSize() + "]");
    }
    Map<String, String> meta = st.metadata();
    Readout recordedReadout = meta.containsKey("jrnn.model.readout") ? Readout.parse(meta.get("jrnn.model.readout")) : null;
    OutputKind recordedOutput = meta.containsKey("jrnn.model.output") ? OutputKind.parse(meta.get("jrnn.model.output")) : null;
    if (readout != null && recordedReadout != null && readout != recordedReadout) {
      throw new IllegalArgumentException(st.where() + ": its metadata says the readout is " + recordedReadout.label()
          + ", not " + readout.label());
    }
    if (output != null && recordedOutput != null && output != recordedOutput) {
      throw new IllegalArgumentException(st.where() + ": its metadata says the output is " + recordedOutput.label()
          + ", not " + output.label());
    }
    readout = readout != null ? readout : recordedReadout != null ? recordedReadout : Readout.EVERY_STEP;
    output = output != null ? output : recordedOutput != null ? recordedOutput : OutputKind.SOFTMAX;
    // Inference drops nothing either way; a model trained on from the import keeps its dropout.
    double dropout = 0;
    if (meta.containsKey("jrnn.model.dropout")) {
      try {
        dropout = Double.parseDouble(meta.get("jrnn.model.dropout"));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(st.where() + ": its metadata's jrnn.model.dropout '"
            + meta.get("jrnn.model.dropout") + "' is not a number");
      }
    }
    return new ModelConfig(vocab, rnn.inputSize(), rnn.cell(), rnn.hiddenSize(), rnn.layers(), rnn.bidirectional(),
        dropout, readout, w.shape()[0], output, rnn.twoBiases());
  }

  private static double[] values(Safetensors st, String name, int[] shape) {
    Safetensors.Entry e = st.entry(name);
    if (!java.util.Arrays.equals(e.shape(), shape)) {
      throw new IllegalArgumentException(st.where() + ": '" + name + "' is " + e + ", expected shape "
          + java.util.Arrays.toString(shape));
    }
    float[] f = st.floats(name);
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      if (!Float.isFinite(f[i])) {
        throw new IllegalArgumentException(st.where() + ": '" + name + "' holds " + f[i] + " at " + i);
      }
      d[i] = f[i];
    }
    return d;
  }

  private static void load(Safetensors st, String name, Parameters params, ParamLayout.Entry into) {
    double[] v = values(st, name, into.shape());
    Tensor t = params.value(into.name());
    for (int i = 0; i < v.length; i++) {
      t.set(i, (float) v[i]);
    }
  }
}
