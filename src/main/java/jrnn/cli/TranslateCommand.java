package jrnn.cli;

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import jrnn.apps.translate.TranslationModel;
import jrnn.data.TextFiles;
import jrnn.plot.HeatMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jrnn translate}: sentences in, translations out, one a line, in order. */
@Command(name = "translate", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Translates sentences, one a line, from standard input or --input (gzipped or not), and writes"
        + " the translations, one a line, in the same order, to standard output. An empty line gives an empty line.",
        "With --attention-plot, translates the one sentence given and draws its attention weights."})
final class TranslateCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, description = "Translator model file.")
  Path model;

  @Mixin
  DecodeOptions decoding;

  @Option(names = "--input", description = "Sentences to translate (default: standard input).")
  Path input;

  @Option(names = "--attention-plot", paramLabel = "FILE.png",
      description = "Draws the attention weights of the one input sentence as a heat map, subwords on the axes"
          + " (on the CPU).")
  Path plot;

  @Mixin
  InferenceDevice device;

  @Override
  public Integer call() throws Exception {
    TranslationModel m = TranslationModel.load(model);
    int k = decoding.beam(m);
    String text = input == null ? TextFiles.read(System.in, "standard input") : TextFiles.read(input);
    List<String> lines = TextFiles.lines(text);
    // On standard error: standard output holds the translations, line for line.
    m.unseenNote(input == null ? "the input" : input.toString(), lines).ifPresent(System.err::println);
    BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
    if (plot != null) {
      if (lines.size() != 1 || lines.get(0).isBlank()) {
        throw new IllegalArgumentException("--attention-plot draws one sentence: the input has " + lines.size()
            + " line(s)" + (lines.size() == 1 ? ", and it is blank" : ""));
      }
      if (device.gpu()) {
        System.err.println("note: the attention plot's translation runs on the CPU, which reads each step's weights");
      }
      TranslationModel.Alignment a = m.align(lines.get(0), k, decoding.lengthPenalty(m));
      HeatMap.write(plot, a.weights(), a.target(), a.source(), "attention weights",
          "source subwords", "target subwords", "weight");
      out.write(a.text());
      out.newLine();
      out.flush();
      System.err.printf(Locale.ROOT, "attention plot: %s%n", plot);
      return 0;
    }
    double alpha = decoding.lengthPenalty(m);
    for (String t : device.run(m.network(), () -> m.translate(lines, k, alpha),
        passes -> m.translate(lines, k, alpha, passes))) {
      out.write(t);
      out.newLine();
    }
    out.flush();
    return 0;
  }
}
