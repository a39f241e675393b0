package jrnn.apps.translate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jrnn.frame.Settings;
import jrnn.frame.TrainingRun;
import jrnn.util.Rng;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The translator end to end on a synthetic transduction small enough to learn in seconds:
 * reversing a sequence of symbols, which a network can only do by reading the whole source
 * before writing (and which attention makes easy). Then its file, and bad input.
 */
class TranslationTest {
  static final String SYMBOLS = "abcdefghij";
  static TranslationModel trained;
  static List<String> heldOutSources;
  static List<String> heldOutTargets;
  static String log;

  @TempDir
  Path dir;

  /** Lines of 3 to 7 random symbols, space-separated, and their reversals. */
  static List<String[]> reversals(Rng rng, int n) {
    List<String[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int len = 3 + rng.nextInt(5);
      String[] s = new String[len];
      for (int k = 0; k < len; k++) {
        s[k] = String.valueOf(SYMBOLS.charAt(rng.nextInt(SYMBOLS.length())));
      }
      String[] r = new String[len];
      for (int k = 0; k < len; k++) {
        r[k] = s[len - 1 - k];
      }
      out.add(new String[] {String.join(" ", s), String.join(" ", r)});
    }
    return out;
  }

  static Settings smallSettings(Map<String, String> more) {
    Map<String, String> m = new HashMap<>(Map.of("bpe_merges", "0", "embedding", "32", "hidden", "64",
        "decoder_hidden", "64", "dropout", "0", "batch", "32", "epochs", "10", "lr", "0.003", "label_smoothing", "0"));
    m.putAll(more);
    return TranslateSettings.SCHEMA.defaults().with(m);
  }

  @BeforeAll
  static void trainOnReversal() throws Exception {
    Rng rng = new Rng(7);
    List<String[]> train = reversals(rng, 3000);
    List<String[]> valid = reversals(rng, 100);
    heldOutSources = valid.stream().map(p -> p[0]).toList();
    heldOutTargets = valid.stream().map(p -> p[1]).toList();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, "UTF-8");
    TranslationTask task = TranslationTask.fromTexts(smallSettings(Map.of()), train.stream().map(p -> p[0]).toList(),
        train.stream().map(p -> p[1]).toList(), heldOutSources, heldOutTargets, out);
    new TrainingRun(task, null, out).run();
    trained = task.trained();
    log = bytes.toString("UTF-8");
  }

  static double exactMatches(List<String> hyps, List<String> refs) {
    int n = 0;
    for (int i = 0; i < refs.size(); i++) {
      n += hyps.get(i).equals(refs.get(i)) ? 1 : 0;
    }
    return (double) n / refs.size();
  }

  @Test
  void aSmokeRunLearnsToReverseSequencesNearPerfectly() {
    double greedy = exactMatches(trained.translate(heldOutSources, 1), heldOutTargets);
    double beam = exactMatches(trained.translate(heldOutSources, 4), heldOutTargets);
    assertTrue(greedy >= 0.9, "greedy exact matches " + greedy + "\n" + log);
    assertTrue(beam >= 0.9, "beam exact matches " + beam);
  }

  @Test
  void aModelFileRoundTripsToIdenticalTranslations() throws Exception {
    Path file = dir.resolve("reverse.jrnn");
    trained.save(file);
    TranslationModel loaded = TranslationModel.load(file);
    assertEquals(trained.translate(heldOutSources, 1), loaded.translate(heldOutSources, 1));
    assertEquals(trained.translate(heldOutSources, 3), loaded.translate(heldOutSources, 3));
  }

  @Test
  void badInputGetsAClearAnswer() {
    // An empty or blank line translates to an empty line, in its place.
    List<String> out = trained.translate(List.of("a b c", "", "   ", "c b a"), 2);
    assertEquals(4, out.size());
    assertEquals("", out.get(1));
    assertEquals("", out.get(2));
    // The other lines keep their places: they are the translations of the same batch without the
    // blank lines (whatever the model makes of them), and differ, so that a swap would show.
    assertEquals(trained.translate(List.of("a b c", "c b a"), 2), List.of(out.get(0), out.get(3)));
    assertNotEquals(out.get(0), out.get(3), "two different sentences, so that a swap would show: " + out);
    // Characters training never saw are read as <unk>, counted, and do not crash.
    assertEquals(List.of("validation: 2 of 10 subwords unseen in training, read as <unk>"),
        trained.unseenNote("validation", List.of("a Z ☃ b c")).stream().toList());
    assertEquals(1, trained.translate(List.of("a Z ☃ b c"), 3).size());
    // A line too long to translate at once is refused before anything is translated, by its number.
    String longLine = String.join(" ", java.util.Collections.nCopies(TranslationModel.MAX_SOURCE_LENGTH + 1, "a"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> trained.translate(List.of("a b", longLine), 1));
    assertTrue(e.getMessage().startsWith("line 2 has 802 subwords; at most 400") && e.getMessage().contains("split it"),
        e.getMessage());
    // Source and target files of different lengths.
    e = assertThrows(IllegalArgumentException.class, () -> TranslationTask.fromTexts(smallSettings(Map.of()),
        List.of("a b", "c"), List.of("b a"), List.of(), List.of(), new PrintStream(new ByteArrayOutputStream())));
    assertEquals("the training source has 2 lines and its target 1; line i of one must translate line i of the other",
        e.getMessage());
    // A validation source too long to translate is refused when the task is made, not at the first check.
    e = assertThrows(IllegalArgumentException.class, () -> TranslationTask.fromTexts(smallSettings(Map.of()),
        List.of("a b", "b c"), List.of("b a", "c b"), List.of("a b", longLine), List.of("b a", "a"),
        new PrintStream(new ByteArrayOutputStream())));
    assertTrue(e.getMessage().startsWith("the validation source's line 2 has 802 subwords; at most 400"),
        e.getMessage());
  }

  /**
   * The attention plot's translation is the one translate gives with the same beam and length
   * penalty; on an untrained model, whose finished hypotheses differ in length, the penalty
   * changes some translations, so a plot that ignored it would show another sentence.
   */
  @Test
  void anAlignmentTranslatesAsTranslateDoesWithTheSameLengthPenalty() {
    // A seed whose untrained outputs end (the others' run to the length limit, cut off, in both).
    TranslationModel untrained = TranslationModel.create(smallSettings(Map.of("embedding", "8", "hidden", "8",
        "decoder_hidden", "8", "seed", "6")), List.of("a b c d e", "e d c b a"), List.of("a b c d e", "e d c b a"));
    List<String> lines = List.of("a b", "c d e", "e a", "b b c", "d", "a c e b");
    List<String> plain = untrained.translate(lines, 4, 0);
    List<String> penalised = untrained.translate(lines, 4, 3);
    assertTrue(!plain.equals(penalised), "the penalty changes a translation: " + plain + " / " + penalised);
    for (int i = 0; i < lines.size(); i++) {
      assertEquals(plain.get(i), untrained.align(lines.get(i), 4, 0).text(), lines.get(i) + ", penalty 0");
      assertEquals(penalised.get(i), untrained.align(lines.get(i), 4, 3).text(), lines.get(i) + ", penalty 3");
    }
  }

  /**
   * Joint merges learned from the target make a source symbol the source vocabulary lacks: it is
   * split into the known pieces it was merged from, so it is no unseen subword, and the attention
   * plot labels the pieces the weights are over (it had labelled the unsplit symbol, one short).
   */
  @Test
  void aSourceSymbolOnlyTheTargetMadeIsReadAsItsKnownPieces() {
    // Merges, joint: "▁x", then "yz", then "▁xyz" (from the target); the source holds ▁x, ▁, y, z.
    TranslationModel m = TranslationModel.create(smallSettings(Map.of("bpe_merges", "3", "embedding", "4",
        "hidden", "4", "decoder_hidden", "4")), List.of("x y z"), List.of("xyz xyz xyz"));
    String w = jrnn.data.BytePairEncoding.WORD_START;
    assertEquals(List.of(w + "x", "y", "z"), m.sourceSubwords("xyz"));
    assertTrue(m.unseenNote("test", List.of("xyz")).isEmpty(), m.unseenNote("test", List.of("xyz")).toString());
    assertTrue(m.unseenNote("test", List.of("q")).isPresent(), "a character training never saw is unseen");
    TranslationModel.Alignment a = m.align("xyz", 1, 0);
    assertEquals(List.of(w + "x", "y", "z"), a.source());
    assertEquals(a.source().size(), a.weights()[0].length);
  }

  /** A length ratio meant as "no limit" bounds a translation at 4,010 subwords, not at a wrapped negative int. */
  @Test
  void aHugeLengthRatioIsBoundedNotWrapped() {
    assertEquals(2 * 7 + 10, TranslateSettings.maxOutputLength(smallSettings(Map.of()), 7));
    assertEquals(TranslateSettings.MAX_OUTPUT_LENGTH, TranslateSettings.maxOutputLength(smallSettings(Map.of(
        "max_length_ratio", "1e9")), 7));
    assertEquals(4010, TranslateSettings.MAX_OUTPUT_LENGTH);
  }

  /** The exported vocabularies are the tokens a line each, as a runtime reads them: a backslash is one. */
  @Test
  void exportedVocabulariesHoldTheTokensAsTheyAre(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    TranslationModel m = TranslationModel.create(smallSettings(Map.of("embedding", "4", "hidden", "4",
        "decoder_hidden", "4")), List.of("C:\\dir a b", "b a"), List.of("a b", "b"));
    List<java.nio.file.Path> files = m.exportOnnx(dir.resolve("m.onnx"));
    List<String> source = java.nio.file.Files.readAllLines(files.get(2));
    assertEquals(m.sourceVocabulary().tokens(), source);
    assertTrue(source.stream().anyMatch(t -> t.contains("\\") && !t.contains("\\\\")), "one backslash: " + source);
  }

  @Test
  void eachLetterOfAReversalAttendsWhereThatLetterIsInTheSource() {
    TranslationModel.Alignment a = trained.align("a b c d e", 1);
    assertEquals("e d c b a", a.text());
    // Without merges the subwords are letters and word-start marks; each letter written should
    // attend to the same letter read (or a symbol beside it, whose bidirectional state holds it
    // too), which in a reversal runs against the diagonal.
    int letters = 0;
    int previous = Integer.MAX_VALUE;
    for (int t = 0; t < a.target().size(); t++) {
      double[] w = a.weights()[t];
      assertEquals(1.0, java.util.Arrays.stream(w).sum(), 1e-5, "weights of step " + t + " sum to 1");
      String written = a.target().get(t);
      if (written.length() != 1 || !Character.isLetter(written.charAt(0))) {
        continue;
      }
      int best = 0;
      for (int s = 1; s < w.length; s++) {
        best = w[s] > w[best] ? s : best;
      }
      int at = a.source().indexOf(written);
      assertTrue(Math.abs(best - at) <= 1, "'" + written + "' (source symbol " + at + ") attends to "
          + java.util.Arrays.toString(w));
      assertTrue(best < previous, "the attention runs backwards through the source: " + best + " after " + previous);
      previous = best;
      letters++;
    }
    assertEquals(5, letters);
  }
}
