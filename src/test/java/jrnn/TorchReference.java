package jrnn;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import jrnn.kernels.Activation;
import jrnn.cells.CellType;
import jrnn.layers.Bidirectional;
import jrnn.io.PyTorchWeights;
import jrnn.layers.RecurrentConfig;
import jrnn.params.ParamLayout;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.function.ThrowingConsumer;

/** The PyTorch reference cases of shared/data/reference, parsed. */
public final class TorchReference {
  private TorchReference() {}

  /** One case: a layer's weights, input, initial state, and PyTorch's outputs and gradients. */
  public record Case(String name, RecurrentConfig config, int steps, int batch,
      Map<String, double[]> weights, double[][][] x, double[][][] h0, double[][][] c0,
      double[][][] r, double[][][] y, double[][][] hn, double[][][] cn, double loss,
      double[][][] gradX, double[][][] gradH0, double[][][] gradC0, Map<String, double[]> gradWeights) {

    /**
     * jrnn's parameters of {@code cfg} (the case's {@link #config}, or a variant of it that reads
     * the same PyTorch weights, such as two biases), named with {@code prefix}, holding this case's
     * weights.
     */
    public Parameters parameters(RecurrentConfig cfg, String prefix) {
      ParamLayout.Builder lb = ParamLayout.builder();
      cfg.declareParameters(lb, prefix);
      Parameters params = new Parameters(lb.build());
      PyTorchWeights.toJrnn(cfg, prefix, weights).forEach((name, v) -> {
        Tensor t = params.value(name);
        for (int i = 0; i < v.length; i++) {
          t.set(i, (float) v[i]);
        }
      });
      return params;
    }
  }

  /** The reference cases, under the shared data root. */
  public static final String FILE = "reference/torch_rnn_reference.json";

  /**
   * A test named {@code name.apply(case)} for every case that {@code which} takes. Without the
   * shared data, one test that reports itself skipped with the missing path, so that a fresh
   * clone's test run says so rather than running nothing in silence.
   */
  public static List<DynamicTest> tests(Predicate<Case> which, Function<Case, String> name,
      ThrowingConsumer<Case> check) throws IOException {
    if (!Files.exists(SharedData.root().resolve(FILE))) {
      return List.of(DynamicTest.dynamicTest("PyTorch reference cases", () -> SharedData.require(FILE)));
    }
    List<Case> cases = load().stream().filter(which).toList();
    // A file of no cases, or a filter that takes none, must not pass as a factory of no tests.
    org.junit.jupiter.api.Assertions.assertFalse(cases.isEmpty(), "no case of " + FILE + " is one this test takes");
    return cases.stream().map(c -> DynamicTest.dynamicTest(name.apply(c), () -> check.accept(c))).toList();
  }

  public static List<Case> load() throws IOException {
    Path f = SharedData.require(FILE);
    JsonObject root = JsonParser.parseString(Files.readString(f)).getAsJsonObject();
    List<Case> cases = new ArrayList<>();
    for (JsonElement e : root.getAsJsonArray("cases")) {
      JsonObject c = e.getAsJsonObject();
      String kind = c.get("kind").getAsString();
      CellType cell;
      switch (kind) {
        case "rnn":
          cell = new CellType.Simple(c.get("nonlinearity").getAsString().equals("relu")
              ? Activation.RELU : Activation.TANH);
          break;
        case "lstm":
          cell = new CellType.Lstm(false, false);
          break;
        case "gru":
          cell = new CellType.Gru(true);
          break;
        default:
          throw new IllegalStateException("unknown kind " + kind);
      }
      RecurrentConfig cfg = new RecurrentConfig(cell, c.get("X").getAsInt(), c.get("H").getAsInt(),
          c.get("layers").getAsInt(),
          c.get("bidirectional").getAsBoolean() ? Bidirectional.CONCAT : Bidirectional.NONE, 0);
      cases.add(new Case(c.get("name").getAsString(), cfg, c.get("T").getAsInt(), c.get("B").getAsInt(),
          flatMap(c.getAsJsonObject("weights")), cube(c.get("x")), cube(c.get("h0")),
          c.has("c0") ? cube(c.get("c0")) : null, cube(c.get("R")), cube(c.get("y")),
          cube(c.get("hn")), c.has("cn") ? cube(c.get("cn")) : null, c.get("loss").getAsDouble(),
          cube(c.get("grad_x")), cube(c.get("grad_h0")),
          c.has("grad_c0") ? cube(c.get("grad_c0")) : null, flatMap(c.getAsJsonObject("grad_weights"))));
    }
    return cases;
  }

  private static Map<String, double[]> flatMap(JsonObject o) {
    Map<String, double[]> m = new LinkedHashMap<>();
    for (String k : o.keySet()) {
      List<Double> vals = new ArrayList<>();
      flatten(o.get(k), vals);
      m.put(k, vals.stream().mapToDouble(Double::doubleValue).toArray());
    }
    return m;
  }

  private static void flatten(JsonElement e, List<Double> out) {
    if (e.isJsonArray()) {
      for (JsonElement x : e.getAsJsonArray()) {
        flatten(x, out);
      }
    } else {
      out.add(e.getAsDouble());
    }
  }

  private static double[][][] cube(JsonElement e) {
    JsonArray a = e.getAsJsonArray();
    double[][][] out = new double[a.size()][][];
    for (int i = 0; i < a.size(); i++) {
      JsonArray b = a.get(i).getAsJsonArray();
      out[i] = new double[b.size()][];
      for (int j = 0; j < b.size(); j++) {
        JsonArray c = b.get(j).getAsJsonArray();
        out[i][j] = new double[c.size()];
        for (int k = 0; k < c.size(); k++) {
          out[i][j][k] = c.get(k).getAsDouble();
        }
      }
    }
    return out;
  }
}
