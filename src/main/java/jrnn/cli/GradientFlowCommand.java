package jrnn.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import jrnn.apps.lm.LanguageModel;
import jrnn.cells.CellType;
import jrnn.data.Batch;
import jrnn.data.SyntheticTasks;
import jrnn.data.TextFiles;
import jrnn.data.TokenStream;
import jrnn.layers.Bidirectional;
import jrnn.models.ModelConfig;
import jrnn.models.OutputKind;
import jrnn.models.Readout;
import jrnn.models.SequenceModel;
import jrnn.plot.LineChart;
import jrnn.training.GradientFlow;
import jrnn.util.Rng;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jrnn gradient-flow}: ||dL_T/dh_k|| against the distance T - k, per cell type. */
@Command(name = "gradient-flow", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Measures how the gradient of the last step's loss flows back through time:"
        + " ||dL_T/dh_k|| for every step k, per cell, as a table and a log-scale plot.",
        "Without --model: freshly initialised models on the adding problem. With --model and --data:"
            + " a trained language model on the first batch of a text."})
final class GradientFlowCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  /** What makes the fresh models, which a trained model given with --model does not read. */
  private static final List<String> FRESH_MODEL_OPTIONS = List.of("--cell", "--hidden", "--layers", "--seed",
      "--recurrent-scale");

  @Option(names = "--cell", split = ",", defaultValue = "rnn-tanh,lstm,gru",
      description = "Cell types, comma-separated (default ${DEFAULT-VALUE}).")
  List<String> cells;

  @Option(names = "--steps", defaultValue = "100", description = "Steps T (default ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--hidden", defaultValue = "64", description = "Hidden units (default ${DEFAULT-VALUE}).")
  int hidden;

  @Option(names = "--layers", defaultValue = "1", description = "Stacked layers (default ${DEFAULT-VALUE}).")
  int layers;

  @Option(names = "--batch", defaultValue = "32", description = "Sequences (default ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--seed", defaultValue = "1", description = "Seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--recurrent-scale", defaultValue = "1",
      description = "Multiplies the recurrent weights U after initialisation, to push gamma above or below 1 (default ${DEFAULT-VALUE}).")
  double recurrentScale;

  @Option(names = "--plot", description = "PNG file to write.")
  Path plot;

  @Option(names = "--model", description = "A trained language model to probe instead.")
  Path model;

  @Option(names = "--data", description = "Text for --model.")
  Path data;

  @Override
  public Integer call() throws Exception {
    if (steps < 2) {
      throw new IllegalArgumentException("--steps must be 2 or more (a flow back through time needs a step to go"
          + " back to), got " + steps);
    }
    Map<String, GradientFlow.Result> results = new LinkedHashMap<>();
    if (model == null && data != null) {
      throw new IllegalArgumentException("--data is the text a model given with --model runs on; without --model"
          + " the fresh models run on the adding problem");
    }
    if (model != null) {
      if (data == null) {
        throw new IllegalArgumentException("--model needs --data, a text to run it on");
      }
      List<String> ignored = FRESH_MODEL_OPTIONS.stream()
          .filter(o -> spec.commandLine().getParseResult().hasMatchedOption(o)).toList();
      if (!ignored.isEmpty()) {
        throw new IllegalArgumentException(String.join(", ", ignored) + (ignored.size() == 1 ? " shapes" : " shape")
            + " the fresh models; with --model the"
            + " trained model is probed as it is: leave " + (ignored.size() == 1 ? "it" : "them") + " out");
      }
      LanguageModel lm = LanguageModel.load(model);
      int[] ids = lm.encode(lm.tokenize(TextFiles.read(data)));
      Batch first = new TokenStream(ids).batches(batch, steps).iterator().next();
      if (first.steps() < steps) {
        throw new IllegalArgumentException(data + " is too short for " + batch + " streams of " + steps + " steps");
      }
      results.put(lm.model().config().cell().name() + " (" + model.getFileName() + ")",
          GradientFlow.probe(lm.model(), first, null));
    } else {
      Batch b = SyntheticTasks.adding(new Rng(seed + 1), batch, steps);
      for (String name : cells) {
        CellType cell = CellType.parse(name);
        ModelConfig cfg = new ModelConfig(0, 2, cell, hidden, layers, Bidirectional.NONE, 0, Readout.LAST, 1,
            OutputKind.LINEAR);
        SequenceModel m = new SequenceModel(cfg);
        m.initialize(new Rng(seed), 0, 1.0);
        if (recurrentScale != 1) {
          for (int l = 0; l < layers; l++) {
            jrnn.tensor.Tensor u = m.parameters().value(
                jrnn.cells.ParamNames.recurrent(ModelConfig.RNN_PREFIX, "weight_hh", l, 0));
            jrnn.kernels.Blas.scale(u.size(), (float) recurrentScale, u, 0);
          }
        }
        results.put(cell.name(), GradientFlow.probe(m, b, null));
      }
    }
    System.out.printf(Locale.ROOT, "||dL_T/dh_k|| of the top layer, root mean square over %d sequences, T = %d%s%n",
        batch, steps, recurrentScale != 1 ? ", recurrent weights scaled by " + recurrentScale : "");
    List<String> names = new ArrayList<>(results.keySet());
    StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%9s", "T - k"));
    for (String n : names) {
      head.append(String.format(Locale.ROOT, "  %18s", n.length() > 18 ? n.substring(0, 18) : n));
    }
    System.out.println(head);
    List<Integer> distances = new ArrayList<>();
    for (int d = 0; d < steps; d = d < 4 ? d + 1 : d * 2) {
      distances.add(d);
    }
    if (distances.get(distances.size() - 1) != steps - 1) {
      distances.add(steps - 1);
    }
    for (int d : distances) {
      StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%9d", d));
      for (String n : names) {
        GradientFlow.LayerFlow f = results.get(n).top();
        row.append(f.measured(d) ? String.format(Locale.ROOT, "  %18.4e", f.atDistance(d))
            : String.format(Locale.ROOT, "  %18s", "underflow"));
      }
      System.out.println(row);
    }
    StringBuilder g = new StringBuilder(String.format(Locale.ROOT, "%9s", "gamma"));
    List<String> cut = new ArrayList<>();
    for (String n : names) {
      // Over the distances measured: an underflowed norm (0 or subnormal) would give gamma 0.
      int far = Math.min(steps - 1, results.get(n).top().lastMeasured());
      g.append(String.format(Locale.ROOT, "  %18s", far == 0 ? "n/a*" : String.format(Locale.ROOT, "%.4f",
          results.get(n).top().gamma(0, far)) + (far < steps - 1 ? "*" : "")));
      if (far < steps - 1) {
        cut.add(n + " to " + far);
      }
    }
    System.out.println(g + "   (per-step factor: (norm at T-1 / norm at 0)^(1/(T-1)))");
    if (!cut.isEmpty()) {
      System.out.println("* over the distances measured (" + String.join(", ", cut) + "): further back the float32"
          + " backward pass underflows, below 1.2e-38");
    }
    if (plot != null) {
      LineChart chart = new LineChart("Gradient flow: ||dL_T/dh_k|| against T - k", "distance T - k",
          "||dL_T / dh_k|| (log scale)").logY().withoutMarkers();
      for (String n : names) {
        GradientFlow.LayerFlow f = results.get(n).top();
        // The measured distances only: an underflow is no point on a log scale.
        int measured = f.lastMeasured() + 1;
        double[] x = new double[measured];
        double[] y = new double[measured];
        for (int d = 0; d < measured; d++) {
          x[d] = d;
          y[d] = f.atDistance(d);
        }
        chart.line(n, x, y);
      }
      chart.write(plot, 900, 550);
      System.out.println("plot: " + plot);
    }
    return 0;
  }
}
