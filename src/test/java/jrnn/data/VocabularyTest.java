package jrnn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Vocabularies built from training text always read unseen tokens, and count them. */
class VocabularyTest {

  @Test
  void everyBuiltVocabularyHasAnUnknownEntryAndReadsUnseenTokensAsIt() {
    Vocabulary chars = Vocabulary.build(Vocabulary.characters("abcab"), 0);
    assertEquals(List.of("a", "b", "c", Vocabulary.UNKNOWN), chars.tokens(), "by frequency, <unk> last");
    assertEquals(chars.id(Vocabulary.UNKNOWN), chars.id("Z"));
    assertEquals(2, chars.unseen(Vocabulary.characters("aZbé")));
    assertEquals("validation: 2 of 4 characters unseen in training, read as <unk>",
        chars.unseenNote("validation", Vocabulary.characters("aZbé"), "characters").orElseThrow());
    assertTrue(chars.unseenNote("validation", Vocabulary.characters("abba"), "characters").isEmpty());
    assertEquals("\uFFFD", chars.characterText(chars.id("Z")), "a character model writes <unk> as U+FFFD");
    assertEquals("b", chars.characterText(chars.id("b")));
    // A corpus that holds <unk> keeps it where its frequency puts it.
    Vocabulary words = Vocabulary.build(List.of("the", "<unk>", "the", "<unk>", "<unk>", "cat"), 0);
    assertEquals(List.of("<unk>", "the", "cat"), words.tokens());
  }

  @Test
  void theCapCountsTheUnknownEntry() {
    List<String> corpus = List.of("a", "a", "a", "b", "b", "c");
    assertEquals(List.of("a", "b", Vocabulary.UNKNOWN), Vocabulary.build(corpus, 3).tokens(),
        "three distinct tokens and <unk> do not fit in 3: the rarest gives way");
    assertEquals(List.of("a", "b", "c", Vocabulary.UNKNOWN), Vocabulary.build(corpus, 4).tokens());
    List<String> withUnknown = List.of("a", "a", "<unk>", "<unk>", "<unk>", "b", "c");
    assertEquals(List.of("<unk>", "a", "b"), Vocabulary.build(withUnknown, 3).tokens(),
        "a frequent <unk> keeps its place and the cap is filled");
  }

  @Test
  void aVocabularyWithoutUnknownNamesTheTokenAndTheRemedy() {
    Vocabulary old = new Vocabulary(List.of("a", "b"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> old.id("Z"));
    assertTrue(e.getMessage().contains("'Z'") && e.getMessage().contains("retrain"), e.getMessage());
  }
}
