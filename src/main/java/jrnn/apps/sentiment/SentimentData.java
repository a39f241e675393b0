package jrnn.apps.sentiment;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jrnn.data.TextFiles;

/**
 * Readers of the sentiment data sets: SST sentence files ("label sentence" per line), SST
 * trees (PTB brackets with a 0-4 label on every node; 0-1 negative, 3-4 positive, 2 dropped), and
 * MR's pos/neg files (one snippet per line, Windows-1252). Gzipped files are read as they are.
 * A malformed line is an error naming the file and the line.
 */
public final class SentimentData {
  private SentimentData() {}

  /** Sentences of a file, trees or "label sentence" lines, chosen by its first character. */
  public static List<Example> sentences(Path file) throws IOException {
    String text = TextFiles.read(file);
    return isTrees(text) ? treeRoots(file, text, false) : labelled(file, text);
  }

  /** Whether a file's text is SST trees (it starts with a bracket) rather than "label sentence" lines. */
  public static boolean isTrees(String text) {
    return text.stripLeading().startsWith("(");
  }

  /**
   * The sentences of SST trees with their five-way labels 0-4, neutral ones included (for
   * fine-grained training).
   */
  public static List<Example> fineGrainedSentences(Path file) throws IOException {
    return treeRoots(file, TextFiles.read(file), true);
  }

  /** "label sentence" lines. */
  static List<Example> labelled(Path file, String text) {
    List<Example> out = new ArrayList<>();
    List<String> lines = TextFiles.lines(text);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty()) {
        continue;
      }
      int space = line.indexOf(' ');
      String label = space < 0 ? line : line.substring(0, space);
      if (!label.equals("0") && !label.equals("1") || space < 0) {
        throw new IllegalArgumentException(file + " line " + (i + 1) + ": expected '<0 or 1> <sentence>', got '"
            + abbreviate(line) + "'");
      }
      out.add(new Example(Tokenizer.tokenize(line.substring(space + 1)), Integer.parseInt(label)));
    }
    return out;
  }

  /** The root of every non-neutral tree with its polarity, or of every tree with its label 0-4. */
  static List<Example> treeRoots(Path file, String text, boolean fineGrained) {
    List<Example> out = new ArrayList<>();
    List<String> lines = TextFiles.lines(text);
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).isBlank()) {
        continue;
      }
      SstTree t = SstTree.parse(lines.get(i), file + " line " + (i + 1));
      int label = fineGrained ? t.label() : t.polarity();
      if (label >= 0) {
        out.add(new Example(Tokenizer.tokenize(String.join(" ", t.leaves())), label));
      }
    }
    return out;
  }

  /**
   * Every distinct non-neutral phrase of the trees (whole sentences included) with its polarity:
   * the phrase-level training data the strongest published SST results use; or, fine-grained,
   * every distinct phrase with its label 0-4, the neutral ones too.
   */
  public static List<Example> phrases(Path file, boolean fineGrained) throws IOException {
    String text = TextFiles.read(file);
    Map<List<String>, Integer> seen = new LinkedHashMap<>();
    List<String> lines = TextFiles.lines(text);
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).isBlank()) {
        continue;
      }
      SstTree root = SstTree.parse(lines.get(i), file + " line " + (i + 1));
      root.visit(node -> {
        int label = fineGrained ? node.label() : node.polarity();
        if (label >= 0) {
          seen.putIfAbsent(Tokenizer.tokenize(String.join(" ", node.leaves())), label);
        }
      });
    }
    List<Example> out = new ArrayList<>();
    seen.forEach((tokens, label) -> out.add(new Example(tokens, label)));
    return out;
  }

  /** MR's two files: one snippet per line, split on '\n' only, Windows-1252 by default. */
  public static List<Example> positiveNegative(Path pos, Path neg, Charset charset) throws IOException {
    List<Example> out = new ArrayList<>();
    for (Path f : new Path[] {pos, neg}) {
      int label = f == pos ? 1 : 0;
      List<String> lines = TextFiles.lines(TextFiles.read(f, charset));
      for (int i = 0; i < lines.size(); i++) {
        List<String> tokens = Tokenizer.tokenize(lines.get(i));
        if (tokens.isEmpty()) {
          throw new IllegalArgumentException(f + " line " + (i + 1) + ": empty snippet");
        }
        out.add(new Example(tokens, label));
      }
    }
    return out;
  }

  /** Windows-1252, the encoding of MR's files. */
  public static Charset windows1252() {
    return Charset.forName("windows-1252");
  }

  static String abbreviate(String s) {
    return s.length() > 60 ? s.substring(0, 60) + "..." : s;
  }

  /** UTF-8, the charset for data files that are not in Windows-1252. */
  public static final Charset UTF8 = StandardCharsets.UTF_8;
}
