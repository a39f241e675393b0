package jrnn.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Word error rate: each kind of error counted, the cheapest alignment chosen, a corpus summed. */
class WordErrorRateTest {
  static List<String> w(String s) {
    return s.isEmpty() ? List.of() : Arrays.asList(s.split(" "));
  }

  @Test
  void eachKindOfErrorIsCounted() {
    assertEquals(new WordErrorRate.Tally(0, 0, 0, 3, 1, 0), WordErrorRate.of(w("a b c"), w("a b c")));
    assertEquals(new WordErrorRate.Tally(1, 0, 0, 3, 1, 1), WordErrorRate.of(w("a x c"), w("a b c")));
    assertEquals(new WordErrorRate.Tally(0, 1, 0, 3, 1, 1), WordErrorRate.of(w("a c"), w("a b c")));
    assertEquals(new WordErrorRate.Tally(0, 0, 1, 3, 1, 1), WordErrorRate.of(w("a b b c"), w("a b c")));
    assertEquals(new WordErrorRate.Tally(0, 3, 0, 3, 1, 1), WordErrorRate.of(w(""), w("a b c")));
    assertEquals(new WordErrorRate.Tally(0, 0, 2, 0, 1, 1), WordErrorRate.of(w("a b"), w("")));
    assertEquals(Double.POSITIVE_INFINITY, WordErrorRate.of(w("a b"), w("")).rate());
  }

  @Test
  void theCheapestAlignmentIsTaken() {
    // "yes no yes" against "no yes no yes": one deletion, not three substitutions.
    WordErrorRate.Tally t = WordErrorRate.of(w("yes no yes"), w("no yes no yes"));
    assertEquals(1, t.errors());
    assertEquals(1, t.deletions());
    assertEquals(0.25, t.rate(), 1e-12);
  }

  @Test
  void aCorpusSumsItsSentencesOverAllReferenceWords() {
    WordErrorRate.Tally t = WordErrorRate.corpus(List.of(w("a b"), w("c d e f")), List.of(w("a b"), w("c d")));
    assertEquals(2, t.insertions());
    assertEquals(4, t.referenceWords());
    assertEquals(0.5, t.rate(), 1e-12);
    assertEquals(1, t.sentencesWrong());
    assertThrows(IllegalArgumentException.class, () -> WordErrorRate.corpus(List.of(w("a")), List.of()));
  }
}
