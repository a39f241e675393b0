package jrnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import jrnn.SharedData;
import org.junit.jupiter.api.Test;

/** Byte-pair encoding: the merges of Sennrich et al.'s example, raw text back out, unseen characters. */
class BytePairEncodingTest {
  static final String W = BytePairEncoding.WORD_START;

  static List<String> repeat(String word, int times) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < times; i++) {
      out.add(word);
    }
    return out;
  }

  /**
   * Text as other systems write it reads as the text training saw: a decomposed "ä" (a and a
   * combining mark) as the composed one, a no-break or ideographic space as a space, and a
   * script's vowel signs (combining marks) with the letters they follow rather than cut apart.
   */
  @Test
  void decomposedLettersUnicodeSpacesAndCombiningMarksReadAsTrainingSawThem() {
    BytePairEncoding bpe = BytePairEncoding.learn(repeat("ein Mädchen läuft", 5), 30);
    List<String> composed = bpe.encode("ein M\u00e4dchen l\u00e4uft");
    assertEquals(composed, bpe.encode("ein Ma\u0308dchen la\u0308uft"), "NFD as NFC");
    assertEquals(composed, bpe.encode("ein\u00a0M\u00e4dchen\u3000l\u00e4uft"), "no-break and ideographic spaces");
    // Devanagari: the vowel signs ि (U+093F) and ा (U+093E) are combining marks of the word.
    assertEquals(List.of(W + "\u0915\u093f\u0924\u093e\u092c"), BytePairEncoding.pretokenize("\u0915\u093f\u0924\u093e\u092c"),
        "one chunk, not cut at each sign");
    assertEquals(List.of(W + "a", ",", W + "b"), BytePairEncoding.pretokenize("a, b"), "punctuation still apart");
    assertEquals(List.of(W + "x"), BytePairEncoding.pretokenize("\u0000x\u001a"), "control characters at the ends dropped");
  }

  /** Sennrich et al. 2016's example: low x5, lower x2, newest x6, widest x3. */
  static List<String> sennrichExample() {
    List<String> lines = new ArrayList<>();
    lines.addAll(repeat("low", 5));
    lines.addAll(repeat("lower", 2));
    lines.addAll(repeat("newest", 6));
    lines.addAll(repeat("widest", 3));
    return lines;
  }

  @Test
  void theMostFrequentPairIsMergedFirstAndTiesGoToThePairThatSortsFirst() {
    List<String> lines = sennrichExample();
    BytePairEncoding bpe = BytePairEncoding.learn(lines, 4);
    // (e, s) and (s, t) occur 9 times; then (es, t) 9; then (l, o), (o, w) and (start, l) 7.
    List<String[]> merges = bpe.merges();
    assertEquals(4, merges.size());
    assertArrayEquals(new String[] {"e", "s"}, merges.get(0));
    assertArrayEquals(new String[] {"es", "t"}, merges.get(1));
    assertArrayEquals(new String[] {"l", "o"}, merges.get(2));
    assertArrayEquals(new String[] {"lo", "w"}, merges.get(3));
    assertEquals(List.of(W, "n", "e", "w", "est"), bpe.encode("newest"));
    assertEquals(List.of(W, "low", "est"), bpe.encode("lowest"), "a word never seen, from learned pieces");
    assertEquals(List.of(W, "l", "o"), BytePairEncoding.learn(lines, 2).encode("lo"));
  }

  /** A symbol a vocabulary lacks goes back to the pieces it was merged from, down to characters. */
  @Test
  void aSymbolTheVocabularyLacksIsSplitIntoThePiecesItWasMergedFrom() {
    BytePairEncoding bpe = BytePairEncoding.learn(sennrichExample(), 4);
    assertEquals(List.of(W, "low", "est"), bpe.encode("lowest"));
    java.util.Set<String> known = java.util.Set.of(W, "lo", "w", "es", "t");
    assertEquals(List.of(W, "lo", "w", "es", "t"), bpe.encode("lowest", known::contains));
    assertEquals(List.of(W, "l", "o"), bpe.encode("lo", java.util.Set.of(W)::contains), "down to characters");
    assertEquals(List.of(W, "lo", "z"), bpe.encode("loz", known::contains), "an unseen character stays");
    assertEquals(bpe.encode("lowest"), bpe.encode("lowest", x -> true), "nothing split that is known");
  }

  @Test
  void rawTextComesBackOutWhateverItHolds() {
    List<String> train = List.of("Ein Mann fährt Fahrrad.", "Zwei Hunde spielen im Schnee.", "A man rides a bike.",
        "Two dogs play in the snow, 3 of them!");
    BytePairEncoding bpe = BytePairEncoding.learn(train, 50);
    for (String line : List.of("Ein Mann fährt Fahrrad.", "Ünseen: ß, 東京, 😀 and \"quotes\" (brackets)...",
        "numbers 3.14 and 1,000", "")) {
      assertEquals(line, BytePairEncoding.decode(bpe.encode(line)), "round trip of '" + line + "'");
    }
    assertEquals("runs of spaces read as one", BytePairEncoding.decode(bpe.encode("  runs  of\tspaces read as one ")));
    List<String> emoji = bpe.encode("😀");
    assertEquals(List.of(W, "😀"), emoji, "a character outside the BMP stays one symbol");
    assertTrue(bpe.encode("Fahrrad.").contains("."), "punctuation is cut from the word before it: " + bpe.encode("Fahrrad."));
  }

  @Test
  void mergesRoundTripThroughTextAndMalformedLinesAreNamed() {
    BytePairEncoding bpe = BytePairEncoding.learn(List.of("the cat sat on the mat", "the hat"), 10);
    BytePairEncoding back = BytePairEncoding.fromText(bpe.toText());
    assertEquals(bpe.toText(), back.toText());
    assertEquals(bpe.encode("the matter"), back.encode("the matter"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BytePairEncoding.fromText("a b\nabc\n"));
    assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("'abc'"), e.getMessage());
    assertEquals(0, BytePairEncoding.learn(List.of("x y"), 0).merges().size());
    assertThrows(IllegalArgumentException.class, () -> BytePairEncoding.learn(List.of("x"), -1));
  }

  @Test
  void onMulti30kFrequentWordsAreOneSymbolAndEveryValidationLineComesBack() throws IOException {
    List<String> train = new ArrayList<>();
    for (String lang : List.of("de", "en")) {
      train.addAll(TextFiles.lines(TextFiles.read(SharedData.require("multi30k/raw/train." + lang + ".gz"))));
    }
    BytePairEncoding bpe = BytePairEncoding.learn(train, 8000);
    assertEquals(8000, bpe.merges().size());
    long symbols = 0;
    long words = 0;
    for (String lang : List.of("de", "en")) {
      for (String line : TextFiles.lines(TextFiles.read(SharedData.require("multi30k/raw/val." + lang + ".gz")))) {
        List<String> pieces = bpe.encode(line);
        // The words come back in NFC, joined by single spaces (a no-break space among them: a few lines hold one).
        String[] lineWords = java.util.regex.Pattern.compile("\\s+", java.util.regex.Pattern.UNICODE_CHARACTER_CLASS)
            .split(java.text.Normalizer.normalize(line, java.text.Normalizer.Form.NFC).strip());
        assertEquals(String.join(" ", lineWords), BytePairEncoding.decode(pieces));
        symbols += pieces.size();
        words += lineWords.length;
      }
    }
    double perWord = (double) symbols / words;
    assertTrue(perWord < 1.6, "symbols per whitespace word on validation: " + perWord);
    // With the merges of both languages, German validation words make symbols German training
    // never held; split, only characters training never saw are missing.
    java.util.Set<String> german = new java.util.HashSet<>();
    for (String line : TextFiles.lines(TextFiles.read(SharedData.require("multi30k/raw/train.de.gz")))) {
      german.addAll(bpe.encode(line));
    }
    int lacking = 0;
    List<String> missing = new ArrayList<>();
    for (String line : TextFiles.lines(TextFiles.read(SharedData.require("multi30k/raw/val.de.gz")))) {
      lacking += (int) bpe.encode(line).stream().filter(x -> !german.contains(x)).count();
      List<String> split = bpe.encode(line, german::contains);
      assertEquals(BytePairEncoding.decode(bpe.encode(line)), BytePairEncoding.decode(split));
      split.stream().filter(x -> !german.contains(x) && x.codePointCount(0, x.length()) > 1).forEach(missing::add);
    }
    assertTrue(lacking > 0, "joint merges make German symbols German training never held");
    assertEquals(List.of(), missing, "after the split only single characters are missing");
    assertEquals(List.of(W + "Ein", W + "Mann"), bpe.encode("Ein Mann"));
  }
}
