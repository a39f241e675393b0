package jrnn.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import jrnn.apps.translate.TranslationModel;
import jrnn.data.TextFiles;
import jrnn.decode.Bleu;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jrnn eval translate}: translates a file and scores it against references with BLEU. */
@Command(name = "translate", mixinStandardHelpOptions = true,
    description = {"Translates --src and scores the translations against --ref (line for line; gzipped or not)"
        + " with corpus BLEU as SacreBLEU computes it (13a tokens, cased).",
        "Prints, last, 'BLEU: <number>' (0 to 100)."})
final class EvalTranslateCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, description = "Translator model file.")
  Path model;

  @Option(names = "--src", required = true, description = "Sentences to translate.")
  Path src;

  @Option(names = "--ref", required = true, description = "Their reference translations.")
  Path ref;

  @Mixin
  DecodeOptions decoding;

  @Mixin
  InferenceDevice device;

  @Override
  public Integer call() throws Exception {
    TranslationModel m = TranslationModel.load(model);
    int k = decoding.beam(m);
    List<String> sources = TextFiles.lines(TextFiles.read(src));
    List<String> refs = TextFiles.lines(TextFiles.read(ref));
    BleuCommand.requireSameCount(src, sources.size(), ref, refs.size());
    m.unseenNote(src.toString(), sources).ifPresent(System.out::println);
    double alpha = decoding.lengthPenalty(m);
    long t0 = System.nanoTime();
    List<String> hyps = device.run(m.network(), () -> m.translate(sources, k, alpha),
        passes -> m.translate(sources, k, alpha, passes));
    double seconds = (System.nanoTime() - t0) / 1e9;
    Bleu.Score score = Bleu.corpus(hyps, refs);
    System.out.printf(Locale.ROOT, "%,d sentences, %s, %.1f s (%.1f sentences/s)%n", sources.size(),
        k == 1 ? "greedy" : String.format(Locale.ROOT, "beam %d, length penalty %.2f", k, alpha), seconds,
        sources.size() / seconds);
    System.out.println(score);
    System.out.printf(Locale.ROOT, "BLEU: %.2f%n", score.bleu());
    return 0;
  }
}
