package jrnn.apps.sentiment;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One tokenizer for the training data (SST sentences and trees, MR snippets) and for text a user
 * types, so that all of them meet the same vocabulary: lower case; Penn Treebank clitics split
 * ("don't" -> "do n't", "film's" -> "film 's"); punctuation split from words; brackets and
 * quotes in the SST spelling ("-lrb-", "-rrb-", and " for `` and '').
 */
public final class Tokenizer {
  private Tokenizer() {}

  private static final Pattern CLITIC = Pattern.compile("(?i)([a-z])(n't|'s|'re|'ve|'ll|'d|'m)\\b");
  private static final Pattern CANT = Pattern.compile("(?i)\\b(ca|wo|ai|do|does|did|is|are|was|were|have|has|had|could|would|should|must|need)(n't)\\b");
  private static final Pattern PUNCT = Pattern.compile("([,!?;:\"()]|\\.\\.\\.|(?<![a-z0-9])\\.|\\.(?![a-z0-9]))");

  /** The tokens of {@code text}, by the rules above. */
  public static List<String> tokenize(String text) {
    String s = text.toLowerCase(Locale.ROOT)
        .replace("``", "\"").replace("''", "\"")
        .replace("\u201c", "\"").replace("\u201d", "\"").replace("\u2019", "'").replace("\u2018", "'")
        .replace("\\/", "/").replace("\\*", "*")
        .replace("-lrb-", " ( ").replace("-rrb-", " ) ");
    s = CANT.matcher(s).replaceAll("$1 $2");
    s = CLITIC.matcher(s).replaceAll("$1 $2");
    Matcher m = PUNCT.matcher(s);
    s = m.replaceAll(" $1 ");
    List<String> out = new ArrayList<>();
    for (String t : s.trim().split("\\s+")) {
      if (t.isEmpty()) {
        continue;
      }
      out.add(t.equals("(") ? "-lrb-" : t.equals(")") ? "-rrb-" : t);
    }
    return out;
  }
}
