package jrnn.interop;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jrnn.cells.CellType;
import jrnn.cells.ParamNames;
import jrnn.io.AtomicFiles;
import jrnn.io.ConfigProperties;
import jrnn.layers.Attention;
import jrnn.layers.Bidirectional;
import jrnn.layers.RecurrentConfig;
import jrnn.models.EncoderDecoderConfig;
import jrnn.models.ModelConfig;
import jrnn.models.OutputKind;
import jrnn.models.Readout;
import jrnn.params.Parameters;

/**
 * ONNX export of jrnn's recurrent networks, for inference in any ONNX runtime.
 *
 * <p>Each recurrent layer is one ONNX RNN, LSTM or GRU node (both directions in one node when
 * the stack is bidirectional), so runtimes run it with their fused recurrent kernels. The
 * weights change order and sign on the way, not meaning:
 *
 * <ul>
 *   <li>LSTM: jrnn's gate blocks i, f, g, o become ONNX's i, o, f, c; peepholes go to input
 *       {@code P} as [p_i, p_o, p_f]. Coupled gates (CIFG, SPEC 8-34), where jrnn computes
 *       i = 1 - f: ONNX's forget gate takes jrnn's forget-gate weights, bias and peephole, and its
 *       input gate the same negated, since 1 - sigmoid(a) = sigmoid(-a) ({@code input_forget=1},
 *       ONNX's own coupling, would need one gate, but TensorRT's LSTM refuses it).</li>
 *   <li>GRU: jrnn's r, z, n become ONNX's z, r, h. ONNX, like PyTorch, computes h = (1 - z) n
 *       + z h_{t-1}, and jrnn (SPEC 8-38) h = (1 - z) h_{t-1} + z n, so the z rows are negated.
 *       {@code linear_before_reset} is 1 for {@code gru-reset-after} and 0 for {@code gru}; the
 *       recurrent bias {@code bias_hn} goes to {@code Rb}'s h block.</li>
 *   <li>Simple RNN: the activation is the node's {@code activations} attribute (Tanh, Sigmoid,
 *       Relu).</li>
 *   <li>Bias: jrnn's {@code bias} is {@code Wb}; {@code Rb} is zero, or {@code bias_hh} with two
 *       biases.</li>
 * </ul>
 *
 * <p>ONNX's layer output is [T, D, B, H]; between layers it becomes [T, B, 2H] (concatenated
 * directions) or [T, B, H] (summed), as jrnn merges them. Every stack and network graph takes
 * {@code sequence_lens} [B] (int32) (a translator's graphs, {@code source_lens}): the reverse direction of each sequence starts at its last
 * valid step, and the final states are those at each sequence's end, as in jrnn.
 *
 * <p>Opset {@value #OPSET} (IR version {@value #IR_VERSION}): the recurrent operators as they
 * have been since opset 14, Softmax over one axis (opset 13 and later), and old enough that
 * runtimes from 2022 on (ONNX Runtime 1.12, TensorRT 8.5, onnxruntime-web) load it.
 */
public final class OnnxExport {
  /** The ONNX operator set the graphs use. */
  public static final int OPSET = 17;
  /** The ONNX IR version of opset 17. */
  public static final int IR_VERSION = 8;

  private OnnxExport() {}

  /**
   * A bare recurrent stack: inputs {@code x} [T, B, X], {@code sequence_lens} [B] (int32),
   * {@code h0} [L*D, B, H] and, for LSTMs, {@code c0}; outputs {@code y} [T, B, D*H] ([T, B, H]
   * when the directions are summed), {@code hn} and, for LSTMs, {@code cn}: PyTorch's layout,
   * time-major. Outputs past a sequence's length are zero. Parameters are named {@code prefix}
   * + PyTorch's names, as {@link jrnn.layers.RecurrentStack} reads them.
   */
  public static byte[] stack(RecurrentConfig cfg, Parameters params, String prefix) {
    OnnxGraph g = new OnnxGraph();
    g.input("x", OnnxGraph.FLOAT, "T", "B", cfg.inputSize());
    g.input("sequence_lens", OnnxGraph.INT32, "B");
    stateInputs(g, cfg);
    Stack s = recurrent(g, cfg, params, prefix, "x", "y", "sequence_lens", "h0", "c0");
    g.output("y", OnnxGraph.FLOAT, "T", "B", cfg.outputSize());
    stateOutputs(g, cfg, s);
    return g.model("jrnn_recurrent_stack", IR_VERSION, OPSET, "A jrnn recurrent stack of " + cfg.layers()
        + " " + cfg.cell().name() + " layer(s), " + cfg.hiddenSize() + " units, directions " + cfg.bidirectional().label()
        + ".", metadata(ConfigProperties.of(cfg)));
  }

  /**
   * A whole sequence model: inputs {@code tokens} [T, B] (int64; token models) or {@code x}
   * [T, B, X], {@code sequence_lens} [B] (int32), {@code h0} and (LSTM) {@code c0}; outputs
   * {@code logits} and {@code probabilities} (softmax models) or {@code outputs} (linear), [T, B, K]
   * read at every step or [B, K] once per sequence, then {@code hn} and (LSTM) {@code cn}.
   */
  public static byte[] model(ModelConfig cfg, Parameters params) {
    OnnxGraph g = new OnnxGraph();
    String input;
    if (cfg.tokenInput()) {
      g.input("tokens", OnnxGraph.INT64, "T", "B");
      String table = g.floats(ModelConfig.EMBEDDING, params.value(ModelConfig.EMBEDDING).toArray(),
          cfg.vocabSize(), cfg.inputSize());
      input = g.node("Gather", List.of(table, "tokens"), Map.of());
    } else {
      g.input("x", OnnxGraph.FLOAT, "T", "B", cfg.inputSize());
      input = "x";
    }
    g.input("sequence_lens", OnnxGraph.INT32, "B");
    RecurrentConfig rc = cfg.recurrent();
    stateInputs(g, rc);
    Stack s = recurrent(g, rc, params, ModelConfig.RNN_PREFIX, input, g.fresh("top"), "sequence_lens", "h0", "c0");
    String features = readout(g, cfg, s);
    int width = cfg.headInputSize();
    int k = cfg.outputSize();
    float[] v = params.value(ModelConfig.HEAD_WEIGHT).toArray();
    String vt = g.floats(ModelConfig.HEAD_WEIGHT + "_transposed", transpose(v, k, width), width, k);
    String bias = g.floats(ModelConfig.HEAD_BIAS, params.value(ModelConfig.HEAD_BIAS).toArray(), k);
    String product = g.node("MatMul", List.of(features, vt), Map.of());
    Object[] outShape = cfg.readout().perSequence() ? new Object[] {"B", k} : new Object[] {"T", "B", k};
    if (cfg.output() == OutputKind.SOFTMAX) {
      g.node("Add", List.of(product, bias), List.of("logits"), Map.of());
      g.node("Softmax", List.of("logits"), List.of("probabilities"), Map.of("axis", -1L));
      g.output("logits", OnnxGraph.FLOAT, outShape);
      g.output("probabilities", OnnxGraph.FLOAT, outShape);
    } else {
      g.node("Add", List.of(product, bias), List.of("outputs"), Map.of());
      g.output("outputs", OnnxGraph.FLOAT, outShape);
    }
    stateOutputs(g, rc, s);
    return g.model("jrnn_sequence_model", IR_VERSION, OPSET, "A jrnn sequence model: " + rc.layers() + " "
        + rc.cell().name() + " layer(s) of " + rc.hiddenSize() + " units, readout " + cfg.readout().label()
        + ", " + cfg.output().name().toLowerCase(java.util.Locale.ROOT) + " output of " + k + ".",
        metadata(ConfigProperties.of(cfg)));
  }

  /**
   * A translation model's encoder ({@link jrnn.models.EncoderDecoder#encode}): inputs
   * {@code source} [S, N] (int64 subword ids) and {@code source_lens} [N] (int32); outputs
   * {@code memory} [S, N, E], the encoder's states that attention reads, and the decoder's first
   * state from the bridge, {@code h0} and (LSTM) {@code c0} [decoder layers, N, H_d]. The first
   * attentional vector is zero.
   */
  public static byte[] translationEncoder(EncoderDecoderConfig cfg, Parameters params) {
    OnnxGraph g = new OnnxGraph();
    g.input("source", OnnxGraph.INT64, "S", "N");
    g.input("source_lens", OnnxGraph.INT32, "N");
    String table = g.floats(EncoderDecoderConfig.SOURCE_EMBEDDING,
        params.value(EncoderDecoderConfig.SOURCE_EMBEDDING).toArray(), cfg.sourceVocab(), cfg.embedding());
    String embedded = g.node("Gather", List.of(table, "source"), Map.of());
    RecurrentConfig ec = cfg.encoder();
    Stack s = recurrent(g, ec, params, EncoderDecoderConfig.ENCODER, embedded, "memory", "source_lens", null, null);
    g.output("memory", OnnxGraph.FLOAT, "S", "N", cfg.encoderOutputSize());
    // The bridge reads the top layer's final states side by side, forward first: [N, D*H_e].
    String ndh = g.node("Transpose", List.of(s.lastYh), Map.of("perm", new long[] {1, 0, 2}));
    String z = g.node("Reshape", List.of(ndh, g.int64s(g.fresh("shape"), new long[] {0, -1}, 2)), Map.of());
    bridge(g, cfg, params, z, EncoderDecoderConfig.BRIDGE_H_WEIGHT, EncoderDecoderConfig.BRIDGE_H_BIAS, "h0");
    int layers = cfg.decoderLayers();
    g.output("h0", OnnxGraph.FLOAT, layers, "N", cfg.decoderHidden());
    if (cfg.cell().hasCellState()) {
      bridge(g, cfg, params, z, EncoderDecoderConfig.BRIDGE_C_WEIGHT, EncoderDecoderConfig.BRIDGE_C_BIAS, "c0");
      g.output("c0", OnnxGraph.FLOAT, layers, "N", cfg.decoderHidden());
    }
    return g.model("jrnn_translation_encoder", IR_VERSION, OPSET, "The encoder and bridge of a jrnn translation"
        + " model: " + ec.layers() + " " + ec.cell().name() + " layer(s), directions " + ec.bidirectional().label()
        + ".", translationMetadata(cfg));
  }

  /** tanh(W z + b) [N, L*H] laid out as a state [L, N, H], named {@code name}. */
  private static void bridge(OnnxGraph g, EncoderDecoderConfig cfg, Parameters params, String z, String weight,
      String bias, String name) {
    int width = cfg.decoderLayers() * cfg.decoderHidden();
    String w = g.floats(weight, params.value(weight).toArray(), width, cfg.bridgeInputSize());
    String b = g.floats(bias, params.value(bias).toArray(), width);
    String pre = g.node("Gemm", List.of(z, w, b), Map.of("transB", 1L));
    String out = g.node("Tanh", List.of(pre), Map.of());
    String nlh = g.node("Reshape", List.of(out, g.int64s(g.fresh("shape"),
        new long[] {0, cfg.decoderLayers(), cfg.decoderHidden()}, 3)), Map.of());
    g.node("Transpose", List.of(nlh), List.of(name), Map.of("perm", new long[] {1, 0, 2}));
  }

  /**
   * One decoding step of a translation model ({@link jrnn.models.EncoderDecoder#step}), for R
   * rows (sentences, or beams): inputs {@code previous} [R] (int64, the previous subword, &lt;s&gt;
   * first), {@code h} and (LSTM) {@code c} [decoder layers, R, H_d], {@code attentional} [R, H_d]
   * (the previous step's attentional vector, zero first), {@code memory} [S, R, E] and
   * {@code source_lens} [R] from the encoder (rows repeated per beam); outputs
   * {@code log_probs} [R, V], {@code h_next}, (LSTM) {@code c_next}, {@code attentional_next}
   * and the attention weights {@code attention} [S, R]. The search (greedy or beam) is the
   * caller's.
   */
  public static byte[] translationDecoderStep(EncoderDecoderConfig cfg, Parameters params) {
    OnnxGraph g = new OnnxGraph();
    int hd = cfg.decoderHidden();
    int e = cfg.encoderOutputSize();
    int layers = cfg.decoderLayers();
    boolean lstm = cfg.cell().hasCellState();
    g.input("previous", OnnxGraph.INT64, "R");
    g.input("h", OnnxGraph.FLOAT, layers, "R", hd);
    if (lstm) {
      g.input("c", OnnxGraph.FLOAT, layers, "R", hd);
    }
    g.input("attentional", OnnxGraph.FLOAT, "R", hd);
    g.input("memory", OnnxGraph.FLOAT, "S", "R", e);
    g.input("source_lens", OnnxGraph.INT32, "R");
    String table = g.floats(EncoderDecoderConfig.TARGET_EMBEDDING,
        params.value(EncoderDecoderConfig.TARGET_EMBEDDING).toArray(), cfg.targetVocab(), cfg.embedding());
    String x = g.node("Gather", List.of(table, "previous"), Map.of());
    if (cfg.inputFeeding()) {
      x = g.node("Concat", List.of(x, "attentional"), Map.of("axis", 1L));
    }
    String step = g.node("Unsqueeze", List.of(x, g.int64s(g.fresh("axis"), new long[] {0}, 1)), Map.of());
    RecurrentConfig dc = cfg.decoder();
    Stack s = recurrent(g, dc, params, EncoderDecoderConfig.DECODER, step, g.fresh("top"), null, "h",
        lstm ? "c" : null);
    concatStates(g, s.hn, "h_next");
    if (lstm) {
      concatStates(g, s.cn, "c_next");
    }
    String query = g.node("Squeeze", List.of(s.top, g.int64s(g.fresh("axis"), new long[] {0}, 1)), Map.of());
    // Scores e [S, R] (jrnn.layers.Attention), weights over the valid source steps, context [R, E].
    String scores;
    if (cfg.attention() == Attention.Score.ADDITIVE) {
      int a = cfg.attentionSize();
      String wk = g.floats(EncoderDecoderConfig.ATTENTION_KEY, params.value(EncoderDecoderConfig.ATTENTION_KEY).toArray(),
          a, e);
      String keys = g.node("MatMul", List.of("memory", g.node("Transpose", List.of(wk), Map.of("perm",
          new long[] {1, 0}))), Map.of());
      String wq = g.floats(EncoderDecoderConfig.ATTENTION_QUERY,
          params.value(EncoderDecoderConfig.ATTENTION_QUERY).toArray(), a, hd);
      String b = g.floats(EncoderDecoderConfig.ATTENTION_BIAS, params.value(EncoderDecoderConfig.ATTENTION_BIAS).toArray(),
          a);
      String projected = g.node("Gemm", List.of(query, wq, b), Map.of("transB", 1L));
      String u = g.node("Tanh", List.of(g.node("Add", List.of(keys, projected), Map.of())), Map.of());
      String v = g.floats(EncoderDecoderConfig.ATTENTION_VECTOR,
          params.value(EncoderDecoderConfig.ATTENTION_VECTOR).toArray(), a, 1);
      scores = g.node("Squeeze", List.of(g.node("MatMul", List.of(u, v), Map.of()),
          g.int64s(g.fresh("axis"), new long[] {2}, 1)), Map.of());
    } else {
      String w = g.floats(EncoderDecoderConfig.ATTENTION_KEY, params.value(EncoderDecoderConfig.ATTENTION_KEY).toArray(),
          hd, e);
      String qw = g.node("MatMul", List.of(query, w), Map.of());
      scores = g.node("ReduceSum", List.of(g.node("Mul", List.of("memory", qw), Map.of()),
          g.int64s(g.fresh("axis"), new long[] {2}, 1)), Map.of("keepdims", 0L));
    }
    String valid = validSteps(g, scores, "source_lens");
    String lowest = g.floats(g.fresh("lowest"), new float[] {Float.NEGATIVE_INFINITY}, new long[0]);
    String masked = g.node("Where", List.of(valid, scores, lowest), Map.of());
    g.node("Softmax", List.of(masked), List.of("attention"), Map.of("axis", 0L));
    String weighted = g.node("Mul", List.of("memory", g.node("Unsqueeze", List.of("attention",
        g.int64s(g.fresh("axis"), new long[] {2}, 1)), Map.of())), Map.of());
    String context = g.node("ReduceSum", List.of(weighted, g.int64s(g.fresh("axis"), new long[] {0}, 1)),
        Map.of("keepdims", 0L));
    // The attentional vector tanh(W_c [c; s] + b_c), then log p(next subword).
    String combined = g.node("Concat", List.of(context, query), Map.of("axis", 1L));
    String wc = g.floats(EncoderDecoderConfig.COMBINE_WEIGHT, params.value(EncoderDecoderConfig.COMBINE_WEIGHT).toArray(),
        hd, e + hd);
    String bc = g.floats(EncoderDecoderConfig.COMBINE_BIAS, params.value(EncoderDecoderConfig.COMBINE_BIAS).toArray(), hd);
    g.node("Tanh", List.of(g.node("Gemm", List.of(combined, wc, bc), Map.of("transB", 1L))),
        List.of("attentional_next"), Map.of());
    String wo = cfg.tied() ? table : g.floats(EncoderDecoderConfig.OUTPUT_WEIGHT,
        params.value(EncoderDecoderConfig.OUTPUT_WEIGHT).toArray(), cfg.targetVocab(), hd);
    String bo = g.floats(EncoderDecoderConfig.OUTPUT_BIAS, params.value(EncoderDecoderConfig.OUTPUT_BIAS).toArray(),
        cfg.targetVocab());
    String logits = g.node("Gemm", List.of("attentional_next", wo, bo), Map.of("transB", 1L));
    g.node("LogSoftmax", List.of(logits), List.of("log_probs"), Map.of("axis", 1L));
    g.output("log_probs", OnnxGraph.FLOAT, "R", cfg.targetVocab());
    g.output("h_next", OnnxGraph.FLOAT, layers, "R", hd);
    if (lstm) {
      g.output("c_next", OnnxGraph.FLOAT, layers, "R", hd);
    }
    g.output("attentional_next", OnnxGraph.FLOAT, "R", hd);
    g.output("attention", OnnxGraph.FLOAT, "S", "R");
    return g.model("jrnn_translation_decoder_step", IR_VERSION, OPSET, "One decoding step of a jrnn translation"
        + " model: " + dc.layers() + " " + dc.cell().name() + " layer(s), " + cfg.attention().name()
        .toLowerCase(java.util.Locale.ROOT) + " attention" + (cfg.inputFeeding() ? ", input feeding" : "") + ".",
        translationMetadata(cfg));
  }

  private static Map<String, String> translationMetadata(EncoderDecoderConfig cfg) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("jrnn.translate.cell", cfg.cell().name());
    m.put("jrnn.translate.source_vocabulary", Integer.toString(cfg.sourceVocab()));
    m.put("jrnn.translate.target_vocabulary", Integer.toString(cfg.targetVocab()));
    m.put("jrnn.layout", "time-major: source [S, N], memory [S, R, E], states [layers, R, H]");
    return m;
  }

  /** A [T, B] mask of the valid steps, t &lt; lengths[b], for values [T, B, ...]. */
  private static String validSteps(OnnxGraph g, String values, String lengths) {
    String shape = g.node("Shape", List.of(values), Map.of());
    String steps = g.node("Gather", List.of(shape, g.int64s(g.fresh("index"), new long[] {0}, new long[0])),
        Map.of());
    String range = g.node("Range", List.of(g.int64s(g.fresh("start"), new long[] {0}, new long[0]), steps,
        g.int64s(g.fresh("delta"), new long[] {1}, new long[0])), Map.of());
    String column = g.node("Unsqueeze", List.of(range, g.int64s(g.fresh("axis"), new long[] {1}, 1)), Map.of());
    String cast = g.node("Cast", List.of(lengths), Map.of("to", (long) OnnxGraph.INT64));
    return g.node("Less", List.of(column, cast), Map.of());
  }

  /** Writes an exported graph to {@code path}, replacing it only once the new file is complete. */
  public static void write(Path path, byte[] model) throws IOException {
    AtomicFiles.write(path, model);
  }

  private static Map<String, String> metadata(Map<String, String> config) {
    Map<String, String> m = new LinkedHashMap<>();
    config.forEach((key, value) -> m.put("jrnn." + key, value));
    m.put("jrnn.layout", "time-major: inputs [T, B, ...], states [layers*directions, B, H]");
    return m;
  }

  private static void stateInputs(OnnxGraph g, RecurrentConfig cfg) {
    g.input("h0", OnnxGraph.FLOAT, cfg.stateSlots(), "B", cfg.hiddenSize());
    if (cfg.cell().hasCellState()) {
      g.input("c0", OnnxGraph.FLOAT, cfg.stateSlots(), "B", cfg.hiddenSize());
    }
  }

  private static void stateOutputs(OnnxGraph g, RecurrentConfig cfg, Stack s) {
    concatStates(g, s.hn, "hn");
    g.output("hn", OnnxGraph.FLOAT, cfg.stateSlots(), "B", cfg.hiddenSize());
    if (cfg.cell().hasCellState()) {
      concatStates(g, s.cn, "cn");
      g.output("cn", OnnxGraph.FLOAT, cfg.stateSlots(), "B", cfg.hiddenSize());
    }
  }

  private static void concatStates(OnnxGraph g, List<String> perLayer, String name) {
    g.node(perLayer.size() == 1 ? "Identity" : "Concat", perLayer, List.of(name),
        perLayer.size() == 1 ? Map.of() : Map.of("axis", 0L));
  }

  /** The stack's nodes: the merged top output (named {@code top}), each layer's final states, the last layer's Y_h. */
  private record Stack(String top, List<String> hn, List<String> cn, String lastYh) {}

  /**
   * The stack's nodes reading {@code input} [T, B, X]; the merged top output is named {@code top}.
   * {@code lengths} ([B] int32), {@code h0} and {@code c0} ([L*D, B, H]) name graph values, or
   * are null: every sequence is T long, the states start at zero.
   */
  private static Stack recurrent(OnnxGraph g, RecurrentConfig cfg, Parameters params, String prefix,
      String input, String top, String lengths, String h0State, String c0State) {
    int dirs = cfg.directions();
    int h = cfg.hiddenSize();
    CellType cell = cfg.cell();
    List<String> hn = new ArrayList<>();
    List<String> cn = new ArrayList<>();
    String x = input;
    String lastYh = null;
    for (int l = 0; l < cfg.layers(); l++) {
      LayerWeights w = LayerWeights.of(cfg, params, prefix, l);
      int onnxGates = cell instanceof CellType.Lstm ? 4 : cell.gates();
      String wName = g.floats(prefix + "W_l" + l, w.w, dirs, (long) onnxGates * h, cfg.layerInputSize(l));
      String rName = g.floats(prefix + "R_l" + l, w.r, dirs, (long) onnxGates * h, h);
      String bName = g.floats(prefix + "B_l" + l, w.b, dirs, 2L * onnxGates * h);
      String h0 = h0State == null ? "" : slice(g, h0State, cfg, l);
      List<String> in = new ArrayList<>(List.of(x, wName, rName, bName, lengths == null ? "" : lengths, h0));
      String y = g.fresh("Y_l" + l);
      String yh = g.fresh("Y_h_l" + l);
      List<String> out = new ArrayList<>(List.of(y, yh));
      Map<String, Object> attrs = new LinkedHashMap<>();
      attrs.put("hidden_size", (long) h);
      attrs.put("direction", dirs == 2 ? "bidirectional" : "forward");
      String op;
      if (cell instanceof CellType.Lstm lstm) {
        op = "LSTM";
        in.add(c0State == null ? "" : slice(g, c0State, cfg, l));
        in.add(lstm.peephole() ? g.floats(prefix + "P_l" + l, w.p, dirs, 3L * h) : "");
        String yc = g.fresh("Y_c_l" + l);
        out.add(yc);
        cn.add(yc);
      } else if (cell instanceof CellType.Gru gru) {
        op = "GRU";
        attrs.put("linear_before_reset", gru.resetAfter() ? 1L : 0L);
      } else {
        op = "RNN";
        String f = switch (((CellType.Simple) cell).activation()) {
          case TANH -> "Tanh";
          case SIGMOID -> "Sigmoid";
          case RELU -> "Relu";
        };
        attrs.put("activations", dirs == 2 ? new String[] {f, f} : new String[] {f});
      }
      g.node(op, in, out, attrs);
      hn.add(yh);
      lastYh = yh;
      x = mergeDirections(g, cfg, y, l == cfg.layers() - 1 ? top : g.fresh("layer" + l));
    }
    return new Stack(top, hn, cn, lastYh);
  }

  /** Slots [l*D, (l+1)*D) of a state input [L*D, B, H]: layer l's initial state. */
  private static String slice(OnnxGraph g, String state, RecurrentConfig cfg, int layer) {
    if (cfg.layers() == 1) {
      return state;
    }
    int d = cfg.directions();
    String starts = g.int64s(g.fresh("starts"), new long[] {(long) layer * d}, 1);
    String ends = g.int64s(g.fresh("ends"), new long[] {(long) (layer + 1) * d}, 1);
    String axes = g.int64s(g.fresh("axes"), new long[] {0}, 1);
    return g.node("Slice", List.of(state, starts, ends, axes), Map.of());
  }

  /** ONNX's [T, D, B, H] as jrnn's merged layer output [T, B, D*H] or [T, B, H], named {@code name}. */
  private static String mergeDirections(OnnxGraph g, RecurrentConfig cfg, String y, String name) {
    Bidirectional merge = cfg.bidirectional();
    if (merge == Bidirectional.NONE) {
      g.node("Squeeze", List.of(y, g.int64s(g.fresh("axis"), new long[] {1}, 1)), List.of(name), Map.of());
    } else if (merge == Bidirectional.SUM) {
      g.node("ReduceSum", List.of(y, g.int64s(g.fresh("axis"), new long[] {1}, 1)), List.of(name),
          Map.of("keepdims", 0L));
    } else {
      String tbdh = g.node("Transpose", List.of(y), Map.of("perm", new long[] {0, 2, 1, 3}));
      g.node("Reshape", List.of(tbdh, g.int64s(g.fresh("shape"), new long[] {0, 0, -1}, 3)), List.of(name),
          Map.of());
    }
    return name;
  }

  /** What the output layer reads: every step's top output, or one vector per sequence (SPEC 8-3). */
  private static String readout(OnnxGraph g, ModelConfig cfg, Stack s) {
    Readout r = cfg.readout();
    if (r == Readout.EVERY_STEP) {
      return s.top;
    }
    if (r == Readout.LAST) {
      // The top layer's final states [D, B, H]: forward at each sequence's end, backward at step 0.
      Bidirectional merge = cfg.bidirectional();
      if (merge == Bidirectional.NONE) {
        return g.node("Squeeze", List.of(s.lastYh, g.int64s(g.fresh("axis"), new long[] {0}, 1)), Map.of());
      }
      if (merge == Bidirectional.SUM) {
        return g.node("ReduceSum", List.of(s.lastYh, g.int64s(g.fresh("axis"), new long[] {0}, 1)),
            Map.of("keepdims", 0L));
      }
      String bdh = g.node("Transpose", List.of(s.lastYh), Map.of("perm", new long[] {1, 0, 2}));
      return g.node("Reshape", List.of(bdh, g.int64s(g.fresh("shape"), new long[] {0, -1}, 2)), Map.of());
    }
    // Valid steps: t < sequence_lens[b], as a [T, B, 1] mask over the top output [T, B, W].
    String valid = validSteps(g, s.top, "sequence_lens");
    String mask = g.node("Unsqueeze", List.of(valid, g.int64s(g.fresh("axis"), new long[] {2}, 1)), Map.of());
    if (r == Readout.MEAN) {
      String zeros = g.floats(g.fresh("zero"), new float[] {0}, new long[0]);
      String kept = g.node("Where", List.of(mask, s.top, zeros), Map.of());
      String sum = g.node("ReduceSum", List.of(kept, g.int64s(g.fresh("axis"), new long[] {0}, 1)),
          Map.of("keepdims", 0L));
      String count = g.node("Cast", List.of("sequence_lens"), Map.of("to", (long) OnnxGraph.FLOAT));
      String countColumn = g.node("Unsqueeze", List.of(count, g.int64s(g.fresh("axis"), new long[] {1}, 1)),
          Map.of());
      return g.node("Div", List.of(sum, countColumn), Map.of());
    }
    String lowest = g.floats(g.fresh("lowest"), new float[] {Float.NEGATIVE_INFINITY}, new long[0]);
    String kept = g.node("Where", List.of(mask, s.top, lowest), Map.of());
    return g.node("ReduceMax", List.of(kept), Map.of("axes", new long[] {0}, "keepdims", 0L));
  }

  private static float[] transpose(float[] a, int rows, int cols) {
    float[] t = new float[a.length];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        t[j * rows + i] = a[i * cols + j];
      }
    }
    return t;
  }

  /** One layer's weights in ONNX's layout, both directions: W [D, G*H, X], R [D, G*H, H], B [D, 2*G*H], P [D, 3H]. */
  private record LayerWeights(float[] w, float[] r, float[] b, float[] p) {

    static LayerWeights of(RecurrentConfig cfg, Parameters params, String prefix, int layer) {
      int dirs = cfg.directions();
      int h = cfg.hiddenSize();
      int in = cfg.layerInputSize(layer);
      CellType cell = cfg.cell();
      int gates = cell instanceof CellType.Lstm ? 4 : cell.gates();
      float[] w = new float[dirs * gates * h * in];
      float[] r = new float[dirs * gates * h * h];
      float[] b = new float[dirs * 2 * gates * h];
      float[] p = new float[dirs * 3 * h];
      for (int d = 0; d < dirs; d++) {
        float[] wIh = value(params, prefix, "weight_ih", layer, d);
        float[] wHh = value(params, prefix, "weight_hh", layer, d);
        float[] bias = value(params, prefix, "bias", layer, d);
        float[] biasHh = cfg.twoBiases() ? value(params, prefix, "bias_hh", layer, d) : new float[bias.length];
        // For each ONNX gate block: which jrnn block it takes (-1: none) and with which sign.
        int[] from;
        float[] sign;
        if (cell instanceof CellType.Lstm lstm) {
          // ONNX i, o, f, c from jrnn i, f, g, o; coupled, jrnn has f, g, o: ONNX's f is f and its
          // i is -f, as sigmoid(-a) = 1 - sigmoid(a), rather than input_forget=1 (TensorRT lacks it).
          from = lstm.coupled() ? new int[] {0, 2, 0, 1} : new int[] {0, 3, 1, 2};
          sign = lstm.coupled() ? new float[] {-1, 1, 1, 1} : new float[] {1, 1, 1, 1};
          if (lstm.peephole()) {
            float[] pf = value(params, prefix, "weight_cf", layer, d);
            float[] po = value(params, prefix, "weight_co", layer, d);
            float[] pi = lstm.coupled() ? negated(pf) : value(params, prefix, "weight_ci", layer, d);
            System.arraycopy(pi, 0, p, d * 3 * h, h);
            System.arraycopy(po, 0, p, d * 3 * h + h, h);
            System.arraycopy(pf, 0, p, d * 3 * h + 2 * h, h);
          }
        } else if (cell instanceof CellType.Gru gru) {
          // ONNX z, r, h from jrnn r, z, n; ONNX's z is jrnn's 1 - z.
          from = new int[] {1, 0, 2};
          sign = new float[] {-1, 1, 1};
          if (gru.resetAfter()) {
            float[] hn = value(params, prefix, "bias_hn", layer, d);
            System.arraycopy(hn, 0, biasHh, 2 * h, h);
          }
        } else {
          from = new int[] {0};
          sign = new float[] {1};
        }
        for (int gate = 0; gate < gates; gate++) {
          if (from[gate] < 0) {
            continue;
          }
          copyRows(wIh, from[gate] * h, w, (d * gates + gate) * h, h, in, sign[gate]);
          copyRows(wHh, from[gate] * h, r, (d * gates + gate) * h, h, h, sign[gate]);
          copyRows(bias, from[gate] * h, b, d * 2 * gates * h + gate * h, h, 1, sign[gate]);
          copyRows(biasHh, from[gate] * h, b, d * 2 * gates * h + (gates + gate) * h, h, 1, sign[gate]);
        }
      }
      return new LayerWeights(w, r, b, p);
    }

    private static float[] value(Parameters params, String prefix, String kind, int layer, int direction) {
      return params.value(ParamNames.recurrent(prefix, kind, layer, direction)).toArray();
    }

    private static float[] negated(float[] a) {
      float[] n = a.clone();
      for (int i = 0; i < n.length; i++) {
        n[i] = -n[i];
      }
      return n;
    }

    private static void copyRows(float[] src, int srcRow, float[] dst, int dstRow, int rows, int cols, float sign) {
      for (int i = 0; i < rows * cols; i++) {
        dst[dstRow * cols + i] = sign * src[srcRow * cols + i];
      }
    }
  }
}
