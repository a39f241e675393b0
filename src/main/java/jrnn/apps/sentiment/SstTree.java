package jrnn.apps.sentiment;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** A node of a Stanford Sentiment Treebank tree: a 0-4 label and either a word or two children. */
public final class SstTree {
  private final int label;
  private final String word;
  private final List<SstTree> children;

  private SstTree(int label, String word, List<SstTree> children) {
    this.label = label;
    this.word = word;
    this.children = children;
  }

  /** 1 for labels 3-4, 0 for 0-1, -1 for the neutral 2. */
  public int polarity() {
    return label > 2 ? 1 : label < 2 ? 0 : -1;
  }

  /** The node's SST label, 0 (very negative) to 4 (very positive). */
  public int label() {
    return label;
  }

  /** The words under this node, left to right. */
  public List<String> leaves() {
    List<String> out = new ArrayList<>();
    collect(out);
    return out;
  }

  private void collect(List<String> out) {
    if (word != null) {
      out.add(word);
    } else {
      for (SstTree c : children) {
        c.collect(out);
      }
    }
  }

  /** Calls {@code f} on this node and every node below it. */
  public void visit(Consumer<SstTree> f) {
    f.accept(this);
    for (SstTree c : children) {
      c.visit(f);
    }
  }

  /** Parses "(3 (2 It) (4 ...))"; {@code where} names the file and line in errors. */
  public static SstTree parse(String s, String where) {
    int[] pos = {0};
    SstTree t = node(s, pos, where, 0);
    skipSpace(s, pos);
    if (pos[0] != s.length()) {
      throw new IllegalArgumentException(where + ": unexpected text after the tree at column " + (pos[0] + 1));
    }
    return t;
  }

  /** Deeper than any sentence's tree (SST's binarized trees are at most as deep as the sentence is long). */
  static final int MAX_DEPTH = 1000;

  private static SstTree node(String s, int[] pos, String where, int depth) {
    if (depth > MAX_DEPTH) {
      throw new IllegalArgumentException(where + ": the tree nests deeper than " + MAX_DEPTH + " at column "
          + (pos[0] + 1));
    }
    skipSpace(s, pos);
    expect(s, pos, '(', where);
    int start = pos[0];
    while (pos[0] < s.length() && s.charAt(pos[0]) >= '0' && s.charAt(pos[0]) <= '9') {
      pos[0]++;
    }
    if (start == pos[0]) {
      throw new IllegalArgumentException(where + ": expected a 0-4 label at column " + (start + 1));
    }
    String digits = s.substring(start, pos[0]);
    if (digits.length() > 1 || digits.charAt(0) > '4') {
      throw new IllegalArgumentException(where + ": label " + digits + " at column " + (start + 1) + " is not in 0-4");
    }
    int label = digits.charAt(0) - '0';
    skipSpace(s, pos);
    if (pos[0] < s.length() && s.charAt(pos[0]) == '(') {
      List<SstTree> kids = new ArrayList<>();
      while (true) {
        skipSpace(s, pos);
        if (pos[0] < s.length() && s.charAt(pos[0]) == ')') {
          pos[0]++;
          return new SstTree(label, null, kids);
        }
        kids.add(node(s, pos, where, depth + 1));
      }
    }
    int w = pos[0];
    while (pos[0] < s.length() && s.charAt(pos[0]) != ')') {
      pos[0]++;
    }
    expect(s, pos, ')', where);
    String word = s.substring(w, pos[0] - 1).strip();
    if (word.isEmpty()) {
      throw new IllegalArgumentException(where + ": empty leaf at column " + (w + 1));
    }
    return new SstTree(label, word, List.of());
  }

  private static void skipSpace(String s, int[] pos) {
    while (pos[0] < s.length() && Character.isWhitespace(s.charAt(pos[0]))) {
      pos[0]++;
    }
  }

  private static void expect(String s, int[] pos, char c, String where) {
    if (pos[0] >= s.length() || s.charAt(pos[0]) != c) {
      throw new IllegalArgumentException(where + ": expected '" + c + "' at column " + (pos[0] + 1)
          + (pos[0] >= s.length() ? " (the line ends)" : ", found '" + s.charAt(pos[0]) + "'"));
    }
    pos[0]++;
  }
}
