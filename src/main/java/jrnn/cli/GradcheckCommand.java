package jrnn.cli;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import jrnn.cells.CellType;
import jrnn.kernels.Kernels;
import jrnn.layers.Bidirectional;
import jrnn.models.LossNormalization;
import jrnn.models.ModelConfig;
import jrnn.models.OutputKind;
import jrnn.models.Readout;
import jrnn.reference.EngineComparison;
import jrnn.reference.GradientCheck;
import jrnn.reference.ModelGradientCheck;
import jrnn.reference.ReferenceModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Finite-difference gradient check in double precision of a model, on a batch of sequences of
 * lengths 5, 2 and 4 (so masking is exercised), for every parameter, the inputs and the initial
 * states; then the fast float32 engine against that checked reference.
 */
@Command(name = "gradcheck", mixinStandardHelpOptions = true,
    description = {"Checks the gradients of a model by finite differences in double precision.",
        "Prints the worst relative error per parameter and, last, 'max relative error: <number>';"
            + " exits 1 when it is above the threshold, or when the float32 engine disagrees with"
            + " the checked reference by more than 1e-4."})
final class GradcheckCommand implements Callable<Integer> {

  @Option(names = "--cell", required = true, description = "Cell type: ${COMPLETION-CANDIDATES}",
      completionCandidates = CellNames.class)
  String cell;

  @Option(names = "--layers", defaultValue = "1", description = "Number of stacked layers (default ${DEFAULT-VALUE}).")
  int layers;

  @Option(names = "--bidirectional", defaultValue = "none", description = "none, concat or sum (default ${DEFAULT-VALUE}).")
  String bidirectional;

  @Option(names = "--readout", defaultValue = "every_step",
      description = "every_step, last, mean or max (default ${DEFAULT-VALUE}).")
  String readout;

  @Option(names = "--output", defaultValue = "softmax",
      description = "softmax (cross-entropy) or linear (mean squared error) (default ${DEFAULT-VALUE}).")
  String output;

  @Option(names = "--hidden", defaultValue = "4", description = "Hidden units (default ${DEFAULT-VALUE}).")
  int hidden;

  @Option(names = "--seed", defaultValue = "42", description = "Seed of the random model and batch (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--threshold", defaultValue = "1e-5", description = "Largest accepted relative error (default ${DEFAULT-VALUE}).")
  double threshold;

  static final class CellNames implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return CellType.all().stream().map(CellType::name).iterator();
    }
  }

  @Override
  public Integer call() {
    OutputKind out = OutputKind.parse(output);
    ModelConfig cfg = new ModelConfig(0, 3, CellType.parse(cell), hidden, layers,
        Bidirectional.parse(bidirectional), 0, Readout.parse(readout), 3, out);
    System.out.printf(Locale.ROOT, "gradient check: %s, %d layer(s), bidirectional %s, readout %s, %s output%n",
        cfg.cell().name(), layers, cfg.bidirectional().label(), cfg.readout().label(),
        out.name().toLowerCase(Locale.ROOT));
    System.out.printf(Locale.ROOT, "batch of %d sequences of lengths %s, input width 3, hidden %d;"
        + " double precision, central differences of 4th order%n",
        ModelGradientCheck.LENGTHS.length, java.util.Arrays.toString(ModelGradientCheck.LENGTHS), hidden);
    ModelGradientCheck.Report report = ModelGradientCheck.run(cfg, seed,
        LossNormalization.PER_OUTPUT, ReferenceModel.STANDARD_CELLS);
    List<GradientCheck.Result> results = report.results();
    int nameWidth = results.stream().mapToInt(r -> r.name().length()).max().orElse(10);
    System.out.printf(Locale.ROOT, "%-" + nameWidth + "s  %8s  %s%n", "gradient of", "elements", "max relative error");
    for (GradientCheck.Result r : results) {
      System.out.printf(Locale.ROOT, "%-" + nameWidth + "s  %8d  %.3e%s%n", r.name(), r.checked(),
          r.maxRelativeError(), r.skippedAtKinks() > 0 ? "  (" + r.skippedAtKinks() + " at kinks skipped)" : "");
    }
    EngineComparison.Report fast = EngineComparison.compare(cfg, seed, LossNormalization.PER_OUTPUT,
        Kernels.best());
    EngineComparison.Difference worst = fast.worstDifference();
    EngineComparison.Difference relative = fast.worstRelative();
    System.out.printf(Locale.ROOT, "float32 engine (%s) against this reference: largest difference %.2e"
        + " of (0.2 + |value|), in %s; largest of a group beside its norm %.2e, in %s%n",
        Kernels.best().getClass().getSimpleName(), worst.worstScaled(), worst.name(), relative.relativeNorm(),
        relative.name());
    double max = report.maxRelativeError();
    System.out.printf(Locale.ROOT, "max relative error: %.3e%n", max);
    return max <= threshold && fast.agrees(1e-4) ? 0 : 1;
  }
}
