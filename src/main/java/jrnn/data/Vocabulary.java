package jrnn.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Token strings to ids and back. Built from training text: the most frequent tokens first (ties
 * in order of first appearance), up to a size cap, with an unknown-word token for the rest.
 */
public final class Vocabulary {
  /** The unknown-word token, {@value}. */
  public static final String UNKNOWN = "<unk>";

  private final List<String> tokens;
  private final Map<String, Integer> ids;
  private final int unknown;

  /** A vocabulary whose ids are the positions in {@code tokens}, which must be distinct. */
  public Vocabulary(List<String> tokens) {
    this.tokens = List.copyOf(tokens);
    this.ids = new HashMap<>();
    for (int i = 0; i < this.tokens.size(); i++) {
      if (ids.put(this.tokens.get(i), i) != null) {
        throw new IllegalArgumentException("Vocabulary: token '" + this.tokens.get(i) + "' appears twice");
      }
    }
    this.unknown = ids.getOrDefault(UNKNOWN, -1);
  }

  /**
   * The vocabulary of {@code corpus}: at most {@code maxSize} tokens (0 = no cap), always with
   * {@code <unk>}, which text read later maps its unseen tokens to (a name, an accent, an emoji
   * the training text lacks). {@code <unk>} keeps its place by frequency when the corpus has it;
   * otherwise it comes last, and takes the place of the rarest token when the cap is reached.
   */
  public static Vocabulary build(List<String> corpus, int maxSize) {
    Map<String, int[]> counts = new HashMap<>();
    List<String> order = new ArrayList<>();
    for (String t : corpus) {
      int[] c = counts.get(t);
      if (c == null) {
        counts.put(t, new int[] {1, order.size()});
        order.add(t);
      } else {
        c[0]++;
      }
    }
    List<String> sorted = new ArrayList<>(order);
    sorted.sort((a, b) -> {
      int[] ca = counts.get(a);
      int[] cb = counts.get(b);
      return ca[0] != cb[0] ? Integer.compare(cb[0], ca[0]) : Integer.compare(ca[1], cb[1]);
    });
    boolean hasUnknown = counts.containsKey(UNKNOWN);
    if (maxSize > 0 && sorted.size() + (hasUnknown ? 0 : 1) > maxSize) {
      boolean unknownKept = sorted.subList(0, maxSize).contains(UNKNOWN);
      sorted = new ArrayList<>(sorted.subList(0, unknownKept ? maxSize : maxSize - 1));
      if (!unknownKept) {
        sorted.add(UNKNOWN);
      }
    } else if (!hasUnknown) {
      sorted.add(UNKNOWN);
    }
    return new Vocabulary(sorted);
  }

  /** How many of {@code text}'s tokens this vocabulary lacks (they read as {@code <unk>}). */
  public int unseen(List<String> text) {
    int n = 0;
    for (String t : text) {
      if (!ids.containsKey(t)) {
        n++;
      }
    }
    return n;
  }

  /**
   * "validation: 12 of 20,000 characters unseen in training, read as {@code <unk>}" for {@code what}
   * "validation" and {@code unit} "characters"; nothing when every token is known.
   */
  public Optional<String> unseenNote(String what, List<String> text, String unit) {
    int n = unseen(text);
    return n == 0 ? Optional.empty() : Optional.of(String.format(java.util.Locale.ROOT,
        "%s: %,d of %,d %s unseen in training, read as %s", what, n, text.size(), unit, UNKNOWN));
  }

  /** Token {@code id} as the text of a character model: {@code <unk>} as U+FFFD, the replacement character. */
  public String characterText(int id) {
    return id == unknown ? "\uFFFD" : tokens.get(id);
  }

  /** The number of tokens; ids run from 0 to size() - 1. */
  public int size() {
    return tokens.size();
  }

  /** The tokens in id order (unmodifiable). */
  public List<String> tokens() {
    return Collections.unmodifiableList(tokens);
  }

  /** The token of {@code id}. */
  public String token(int id) {
    return tokens.get(id);
  }

  /** Whether {@code token} has an id of its own. */
  public boolean contains(String token) {
    return ids.containsKey(token);
  }

  /** The id of {@code token}, or of {@code <unk>}; an error when there is neither. */
  public int id(String token) {
    Integer id = ids.get(token);
    if (id != null) {
      return id;
    }
    if (unknown < 0) {
      throw new IllegalArgumentException("token '" + token + "' is not in the vocabulary of "
          + size() + " tokens, which has no " + UNKNOWN + " (a model file written before every vocabulary"
          + " had one: retrain it to read unseen tokens)");
    }
    return unknown;
  }

  /** The ids of {@code text}'s tokens, unseen ones as {@code <unk>} (see {@link #id}). */
  public int[] encode(List<String> text) {
    int[] out = new int[text.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = id(text.get(i));
    }
    return out;
  }

  /**
   * One token per line, with backslash escapes for the characters that would break that
   * (newline as \\n, carriage return as \\r, tab as \\t, backslash as \\\\), so that a
   * character vocabulary, which holds the newline, survives a round trip.
   */
  public String toText() {
    StringBuilder sb = new StringBuilder();
    for (String t : tokens) {
      for (int i = 0; i < t.length(); i++) {
        char ch = t.charAt(i);
        switch (ch) {
          case '\\':
            sb.append("\\\\");
            break;
          case '\n':
            sb.append("\\n");
            break;
          case '\r':
            sb.append("\\r");
            break;
          case '\t':
            sb.append("\\t");
            break;
          default:
            sb.append(ch);
        }
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  /** Reads {@link #toText}. */
  public static Vocabulary fromText(String text) {
    List<String> out = new ArrayList<>();
    for (String line : TextFiles.lines(text)) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < line.length(); i++) {
        char ch = line.charAt(i);
        if (ch == '\\' && i + 1 < line.length()) {
          char e = line.charAt(++i);
          sb.append(e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e);
        } else {
          sb.append(ch);
        }
      }
      out.add(sb.toString());
    }
    return new Vocabulary(out);
  }

  /** The characters of {@code text} as one-character tokens. */
  public static List<String> characters(String text) {
    List<String> out = new ArrayList<>(text.length());
    text.codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
    return out;
  }
}
