package jrnn.data;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Subwords by byte-pair encoding (Sennrich et al. 2016): starting from characters, the most
 * frequent adjacent pair of symbols in the training text is merged into one symbol, again and
 * again, for a set number of merges; a word is then split by applying the merges in the order
 * they were learned. Frequent words become one symbol, rare ones a few, and no word is out of
 * reach: a symbol a vocabulary lacks (a merge learned from the other language of a joint
 * encoding, or one that later merges absorbed in training) is split back into the symbols it was
 * merged from until the vocabulary has them ({@link #encode(String, Predicate)}, as subword-nmt's
 * vocabulary filter does), so that only a character never seen in training is read as
 * {@code <unk>}.
 *
 * <p>Raw text in, raw text out: text is read in NFC, cut at whitespace (any Unicode space) and
 * where letters or digits meet punctuation (merges never cross those cuts; a combining mark stays
 * with what it follows), and the first piece of each whitespace-separated chunk is marked with
 * {@value #WORD_START} (as SentencePiece does), so that {@link #decode} puts back the spaces there
 * were, up to runs of whitespace, which read as one space (and that mark itself, which reads as a
 * space too). One instance may encode from several threads.
 */
public final class BytePairEncoding {
  /** Marks a symbol that starts a whitespace-separated chunk of the text (U+2581). */
  public static final String WORD_START = "\u2581";

  private final List<String[]> merges;
  private final Map<String, Integer> rank = new HashMap<>();
  /** The parts of the first merge that makes each merged symbol. */
  private final Map<String, String[]> madeOf = new HashMap<>();
  private final Map<String, List<String>> cache = new ConcurrentHashMap<>();
  /** Chunks kept encoded: a corpus's distinct words, about, and a bound on what a service's input adds. */
  static final int CACHE_LIMIT = 200_000;

  private BytePairEncoding(List<String[]> merges) {
    this.merges = List.copyOf(merges);
    for (int i = 0; i < this.merges.size(); i++) {
      String[] m = this.merges.get(i);
      rank.putIfAbsent(key(m[0], m[1]), i);
      madeOf.putIfAbsent(m[0] + m[1], m);
    }
  }

  /** The merges, in the order they apply: each pair of symbols becomes their concatenation. */
  public List<String[]> merges() {
    return merges;
  }

  /**
   * Learns up to {@code count} merges from {@code lines} (fewer when every chunk has become one
   * symbol). Ties between equally frequent pairs go to the pair that sorts first, so that the
   * same text always gives the same merges.
   */
  public static BytePairEncoding learn(Iterable<String> lines, int count) {
    if (count < 0) {
      throw new IllegalArgumentException("the number of merges must not be negative, got " + count);
    }
    Map<String, Integer> chunkCounts = new LinkedHashMap<>();
    for (String line : lines) {
      for (String chunk : pretokenize(line)) {
        chunkCounts.merge(chunk, 1, Integer::sum);
      }
    }
    List<List<String>> words = new ArrayList<>();
    int[] freq = new int[chunkCounts.size()];
    for (Map.Entry<String, Integer> e : chunkCounts.entrySet()) {
      freq[words.size()] = e.getValue();
      words.add(new ArrayList<>(codePoints(e.getKey())));
    }
    // Pair counts and, for each pair, the words it occurs in, kept up to date merge by merge; the
    // queue holds a (count, pair) entry for every count a pair has had, and an entry whose count
    // is no longer the pair's is passed over.
    Map<String, Long> pairCount = new HashMap<>();
    Map<String, Set<Integer>> where = new HashMap<>();
    PriorityQueue<Candidate> queue = new PriorityQueue<>();
    for (int w = 0; w < words.size(); w++) {
      countPairs(words.get(w), freq[w], w, pairCount, where, +1, null);
    }
    pairCount.forEach((k, c) -> queue.add(new Candidate(c, k)));
    List<String[]> merges = new ArrayList<>();
    while (merges.size() < count && !queue.isEmpty()) {
      Candidate best = queue.poll();
      if (!Long.valueOf(best.count()).equals(pairCount.get(best.pair()))) {
        continue;
      }
      String[] pair = split(best.pair());
      merges.add(pair);
      Set<String> changed = new HashSet<>();
      for (int w : new ArrayList<>(where.getOrDefault(best.pair(), Set.of()))) {
        List<String> symbols = words.get(w);
        if (!holds(symbols, pair[0], pair[1])) {
          continue; // the word lost the pair to an earlier merge (the index keeps words it once held)
        }
        countPairs(symbols, freq[w], w, pairCount, where, -1, changed);
        words.set(w, apply(symbols, pair[0], pair[1]));
        countPairs(words.get(w), freq[w], w, pairCount, where, +1, changed);
      }
      for (String k : changed) {
        Long c = pairCount.get(k);
        if (c != null) {
          queue.add(new Candidate(c, k));
        }
      }
    }
    return new BytePairEncoding(merges);
  }

  /** A pair with a count it had: the most frequent first, ties to the pair that sorts first. */
  private record Candidate(long count, String pair) implements Comparable<Candidate> {
    @Override
    public int compareTo(Candidate o) {
      return count != o.count ? Long.compare(o.count, count) : pair.compareTo(o.pair);
    }
  }

  private static void countPairs(List<String> symbols, int freq, int word, Map<String, Long> pairCount,
      Map<String, Set<Integer>> where, int sign, Set<String> changed) {
    for (int i = 0; i + 1 < symbols.size(); i++) {
      String k = key(symbols.get(i), symbols.get(i + 1));
      long c = pairCount.merge(k, (long) sign * freq, Long::sum);
      if (c == 0) {
        pairCount.remove(k);
        where.remove(k);
      }
      if (changed != null) {
        changed.add(k);
      }
      if (sign > 0) {
        where.computeIfAbsent(k, x -> new HashSet<>()).add(word);
      }
    }
  }

  private static boolean holds(List<String> symbols, String a, String b) {
    for (int i = 0; i + 1 < symbols.size(); i++) {
      if (symbols.get(i).equals(a) && symbols.get(i + 1).equals(b)) {
        return true;
      }
    }
    return false;
  }

  /** {@code symbols} with every non-overlapping occurrence of (a, b), left to right, merged. */
  private static List<String> apply(List<String> symbols, String a, String b) {
    List<String> out = new ArrayList<>(symbols.size());
    for (int i = 0; i < symbols.size(); i++) {
      if (i + 1 < symbols.size() && symbols.get(i).equals(a) && symbols.get(i + 1).equals(b)) {
        out.add(a + b);
        i++;
      } else {
        out.add(symbols.get(i));
      }
    }
    return out;
  }

  /** The subword symbols of a line of raw text. */
  public List<String> encode(String line) {
    List<String> out = new ArrayList<>();
    for (String chunk : pretokenize(line)) {
      if (cache.size() > CACHE_LIMIT) {
        cache.clear();   // a long-running translator meets names and numbers without end
      }
      out.addAll(cache.computeIfAbsent(chunk, this::encodeChunk));
    }
    return out;
  }

  /**
   * The subword symbols of a line of raw text that {@code known} knows: each symbol it does not is
   * split into the two it was merged from, again until they are known or are characters.
   */
  public List<String> encode(String line, Predicate<String> known) {
    List<String> symbols = encode(line);
    if (symbols.stream().allMatch(known)) {
      return symbols;
    }
    List<String> out = new ArrayList<>(symbols.size() + 4);
    for (String symbol : symbols) {
      splitUntilKnown(symbol, known, out);
    }
    return out;
  }

  private void splitUntilKnown(String symbol, Predicate<String> known, List<String> out) {
    String[] parts = known.test(symbol) ? null : madeOf.get(symbol);
    if (parts == null) {
      out.add(symbol);
      return;
    }
    splitUntilKnown(parts[0], known, out);
    splitUntilKnown(parts[1], known, out);
  }

  private List<String> encodeChunk(String chunk) {
    List<String> symbols = codePoints(chunk);
    while (symbols.size() > 1) {
      int bestRank = Integer.MAX_VALUE;
      int at = -1;
      for (int i = 0; i + 1 < symbols.size(); i++) {
        Integer r = rank.get(key(symbols.get(i), symbols.get(i + 1)));
        if (r != null && r < bestRank) {
          bestRank = r;
          at = i;
        }
      }
      if (at < 0) {
        break;
      }
      String[] m = merges.get(bestRank);
      symbols = apply(symbols, m[0], m[1]);
    }
    return List.copyOf(symbols);
  }

  /** The raw text of subword symbols: concatenated, each word-start mark read as a space. */
  public static String decode(List<String> symbols) {
    StringBuilder sb = new StringBuilder();
    for (String s : symbols) {
      sb.append(s);
    }
    String text = sb.toString().replace(WORD_START, " ");
    return text.startsWith(" ") ? text.substring(1) : text;
  }

  /** Any Unicode space (a no-break or ideographic one too) separates words. */
  private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);

  /**
   * The chunks merges stay within: whitespace-separated parts of the line in NFC, cut again where
   * a letter or digit meets anything else (a combining mark goes with what it follows); the first
   * chunk of each part carries {@value #WORD_START}. NFC, because text typed or saved on some
   * systems spells "ä" as "a" and a combining mark, which would otherwise be other subwords.
   */
  static List<String> pretokenize(String line) {
    List<String> out = new ArrayList<>();
    // trim() first, as before Unicode spaces counted: it also drops control characters at the ends (a DOS ^Z).
    for (String part : WHITESPACE.split(Normalizer.normalize(line.trim(), Normalizer.Form.NFC))) {
      if (part.isEmpty()) {
        continue;
      }
      StringBuilder chunk = new StringBuilder(WORD_START);
      boolean previousWordy = false;
      boolean first = true;
      for (int i = 0; i < part.length(); ) {
        int cp = part.codePointAt(i);
        boolean mark = isMark(cp);
        boolean wordy = mark ? previousWordy : Character.isLetterOrDigit(cp);
        if (!first && !mark && wordy != previousWordy) {
          out.add(chunk.toString());
          chunk.setLength(0);
        }
        chunk.appendCodePoint(cp);
        previousWordy = wordy;
        first = false;
        i += Character.charCount(cp);
      }
      out.add(chunk.toString());
    }
    return out;
  }

  /** A combining mark: a vowel sign, an accent written apart; it belongs to the letter before it. */
  private static boolean isMark(int cp) {
    int type = Character.getType(cp);
    return type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
        || type == Character.ENCLOSING_MARK;
  }

  private static List<String> codePoints(String s) {
    List<String> out = new ArrayList<>();
    s.codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
    return out;
  }

  /** One merge a line, its two symbols separated by a space (symbols hold no whitespace). */
  public String toText() {
    StringBuilder sb = new StringBuilder();
    for (String[] m : merges) {
      sb.append(m[0]).append(' ').append(m[1]).append('\n');
    }
    return sb.toString();
  }

  /** Reads {@link #toText}; a malformed line is an error naming it. */
  public static BytePairEncoding fromText(String text) {
    List<String[]> merges = new ArrayList<>();
    int n = 0;
    for (String line : text.split("\n", -1)) {
      n++;
      if (line.isEmpty()) {
        continue;
      }
      String[] p = line.split(" ", -1);
      if (p.length != 2 || p[0].isEmpty() || p[1].isEmpty()) {
        throw new IllegalArgumentException("byte-pair merges: line " + n + " is not two symbols separated by one space: '"
            + line + "'");
      }
      merges.add(p);
    }
    return new BytePairEncoding(merges);
  }

  // A pair as one map key: the symbols joined by a space, which no symbol holds.
  private static String key(String a, String b) {
    return a + ' ' + b;
  }

  private static String[] split(String key) {
    int sp = key.indexOf(' ');
    return new String[] {key.substring(0, sp), key.substring(sp + 1)};
  }
}
