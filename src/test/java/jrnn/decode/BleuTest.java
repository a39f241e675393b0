package jrnn.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** BLEU as SacreBLEU computes it, on the example its documentation gives and on cases worked by hand. */
class BleuTest {

  @Test
  void sacreBleusDocumentedExample() {
    List<String> sys = List.of("The dog bit the man.", "It wasn't surprising.", "The man had just bitten him.");
    List<List<String>> refs = List.of(
        List.of("The dog bit the man.", "It was not unexpected.", "The man bit him first."),
        List.of("The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."));
    Bleu.Score s = Bleu.corpusMultiple(sys, refs);
    assertEquals("BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)", s.toString());
  }

  @Test
  void theTokenizerFollowsMteval13a() {
    assertArrayEquals(new String[] {"The", "dog", "bit", "the", "man", "."}, Bleu.tokenize("The dog bit the man."));
    assertArrayEquals(new String[] {"It", "wasn't", "surprising", "."}, Bleu.tokenize("It wasn't surprising."));
    assertArrayEquals(new String[] {"3.14", ",", "1,000", "and", "5", "-", "4", "(", "ok", ")", "&", "\""},
        Bleu.tokenize("3.14, 1,000 and 5-4 (ok) &amp; &quot;"));
    assertArrayEquals(new String[] {"well-known", "e", ".", "g", ".", "x"}, Bleu.tokenize("well-known e.g. x"));
    assertArrayEquals(new String[0], Bleu.tokenize("   "));
    // Python's whitespace, as SacreBLEU splits: a no-break space, and the separators U+001C..U+001F.
    assertArrayEquals(new String[] {"Tab", "bed", "end"}, Bleu.tokenize("Tab\tbed\u001c end\u00a0\u001f"));
  }

  @Test
  void handWorkedCases() {
    List<String> refs = List.of("a b c d e f");
    assertEquals(100.0, Bleu.corpus(List.of("a b c d e f"), refs).bleu(), 1e-9);
    // "a b c d": precisions 4/4, 3/3, 2/2, 1/1; brevity penalty exp(1 - 6/4).
    assertEquals(100 * Math.exp(1 - 6.0 / 4), Bleu.corpus(List.of("a b c d"), refs).bleu(), 1e-9);
    // "a b x d e f": 1-grams 5/6, 2-grams 3/5, 3-grams 1/4, 4-grams 0/3 smoothed to 1/(2*3).
    double expected = 100 * Math.exp((Math.log(5.0 / 6) + Math.log(3.0 / 5) + Math.log(1.0 / 4) + Math.log(1.0 / 6)) / 4);
    assertEquals(expected, Bleu.corpus(List.of("a b x d e f"), refs).bleu(), 1e-9);
    assertEquals(0.0, Bleu.corpus(List.of("x y z w"), refs).bleu(), "no match at all");
    assertEquals(0.0, Bleu.corpus(List.of("a b c"), refs).bleu(), "no 4-gram in the whole corpus");
    // Two lines with punctuation, counted over the corpus: "The cat sat ." against "The cat sat on the
    // mat ." and "A dog !" against "A dog barked !": 1-grams 7/7, 2-grams 3/5, 3-grams 1/3, 4-grams
    // 0/1 smoothed to 1/(2*1); 7 words against 11, brevity penalty exp(1 - 11/7).
    double twoLines = 100 * Math.exp(1 - 11.0 / 7)
        * Math.exp((Math.log(1) + Math.log(3.0 / 5) + Math.log(1.0 / 3) + Math.log(1.0 / 2)) / 4);
    assertEquals(twoLines, Bleu.corpus(List.of("The cat sat.", "A dog!"),
        List.of("The cat sat on the mat.", "A dog barked!")).bleu(), 1e-9);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Bleu.corpus(List.of("a", "b"), refs));
    assertEquals("BLEU: 2 hypotheses but a reference stream of 1 sentences", e.getMessage());
  }
}
