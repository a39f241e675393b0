package jrnn.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import jrnn.data.TextFiles;
import jrnn.decode.Bleu;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jrnn bleu}: corpus BLEU of a file of translations against references. */
@Command(name = "bleu", mixinStandardHelpOptions = true,
    description = {"Scores translations (--hyp) against references (--ref), line for line, with corpus BLEU as"
        + " SacreBLEU computes it: 13a tokens, cased, n-grams up to 4, brevity penalty, exp smoothing. Files may"
        + " be gzipped.", "Prints SacreBLEU's line, then, last, 'BLEU: <number>' (0 to 100)."})
final class BleuCommand implements Callable<Integer> {
  @Option(names = "--hyp", required = true, description = "Translations, one a line.")
  Path hyp;

  @Option(names = "--ref", required = true, description = "References, one a line.")
  Path ref;

  @Override
  public Integer call() throws Exception {
    List<String> hyps = TextFiles.lines(TextFiles.read(hyp));
    List<String> refs = TextFiles.lines(TextFiles.read(ref));
    requireSameCount(hyp, hyps.size(), ref, refs.size());
    Bleu.Score score = Bleu.corpus(hyps, refs);
    System.out.println(score);
    System.out.printf(Locale.ROOT, "BLEU: %.2f%n", score.bleu());
    return 0;
  }

  static void requireSameCount(Path a, int na, Path b, int nb) {
    if (na != nb) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "%s has %,d lines and %s has %,d; they must pair"
          + " line for line", a, na, b, nb));
    }
  }
}
