package jrnn.apps.sentiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeldOutPredictionsTest {
  @TempDir
  Path dir;

  static final HeldOutPredictions A = new HeldOutPredictions(new int[] {0, 0, 1, 1}, new int[] {1, 0, 1, 0},
      new double[] {0.9, 0.6, 0.4, 0.2});
  static final HeldOutPredictions B = new HeldOutPredictions(new int[] {0, 0, 1, 1}, new int[] {1, 0, 1, 0},
      new double[] {0.9, 0.2, 0.8, 0.3});

  @Test
  void foldAccuraciesCountEachFoldApart() {
    // Fold 0: 0.9 for a positive is right, 0.6 for a negative wrong; fold 1: 0.4 for a positive wrong, 0.2 right.
    assertArrayEquals(new double[] {0.5, 0.5}, A.foldAccuracies(2), 1e-12);
    assertArrayEquals(new double[] {1, 1}, B.foldAccuracies(2), 1e-12);
    assertThrows(IllegalArgumentException.class, () -> A.foldAccuracies(1), "fold 1 is outside one fold");
    IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> A.foldAccuracies(3));
    assertTrue(empty.getMessage().contains("fold 2 of 3 holds no example"), empty.getMessage());
  }

  @Test
  void theEnsembleAveragesProbabilities() {
    HeldOutPredictions m = HeldOutPredictions.mean(List.of(A, B), List.of("a", "b"));
    assertArrayEquals(new double[] {0.9, 0.4, 0.6, 0.25}, m.positive(), 1e-12);
    assertArrayEquals(new double[] {1, 1}, m.foldAccuracies(2), 1e-12);
    assertArrayEquals(new int[] {0, 0, 1, 1}, m.fold());
  }

  @Test
  void theEnsembleRefusesPredictionsForOtherDataNamingTheFile() {
    HeldOutPredictions otherFolds = new HeldOutPredictions(new int[] {0, 1, 0, 1}, A.label(), A.positive());
    HeldOutPredictions otherLabels = new HeldOutPredictions(A.fold(), new int[] {1, 1, 1, 0}, A.positive());
    HeldOutPredictions fewer = new HeldOutPredictions(new int[] {0}, new int[] {1}, new double[] {0.5});
    for (HeldOutPredictions other : List.of(otherFolds, otherLabels, fewer)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> HeldOutPredictions.mean(List.of(A, other), List.of("a.tsv", "b.tsv")));
      assertTrue(e.getMessage().contains("b.tsv") && e.getMessage().contains("not predictions for the same data"),
          e.getMessage());
    }
  }

  /** Files of other snippets with the same folds and labels are refused by the words' hash; files without it still read. */
  @Test
  void predictionsForOtherSnippetsAreRefusedByTheirWords() throws IOException {
    List<Example> data = List.of(new Example(List.of("a", "fine", "film"), 1), new Example(List.of("dull"), 0));
    List<Example> other = List.of(new Example(List.of("a", "fine", "film"), 1), new Example(List.of("awful"), 0));
    int[] folds = {0, 1};
    HeldOutPredictions mine = new HeldOutPredictions(folds, data, new double[] {0.8, 0.3});
    Path theirs = dir.resolve("theirs.tsv");
    new HeldOutPredictions(folds, other, new double[] {0.7, 0.4}).write(theirs);
    HeldOutPredictions read = HeldOutPredictions.read(theirs);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> HeldOutPredictions.requireSameExamples(List.of(mine, read), List.of("this data", "theirs.tsv")));
    assertTrue(e.getMessage().startsWith("theirs.tsv: example 1 is another snippet"), e.getMessage());
    Path same = dir.resolve("same.tsv");
    new HeldOutPredictions(folds, data, new double[] {0.6, 0.1}).write(same);
    HeldOutPredictions.requireSameExamples(List.of(mine, HeldOutPredictions.read(same)), List.of("a", "b"));
    assertEquals(HeldOutPredictions.fingerprint(data.get(1)), HeldOutPredictions.read(same).wordsHash()[1]);
    // A file of the four columns written before the hash: read, checked by folds and labels alone.
    Path older = dir.resolve("older.tsv");
    Files.writeString(older, "example\tfold\tlabel\tpositive\n0\t0\t1\t0.5\n1\t1\t0\t0.25\n");
    HeldOutPredictions old = HeldOutPredictions.read(older);
    assertEquals(null, old.wordsHash());
    HeldOutPredictions.requireSameExamples(List.of(mine, old), List.of("this data", "older.tsv"));
  }

  @Test
  void aWrittenFileReadsBackAndReplacesTheOldOne() throws IOException {
    Path f = dir.resolve("p.tsv");
    B.write(f);
    A.write(f);
    HeldOutPredictions back = HeldOutPredictions.read(f);
    assertArrayEquals(A.fold(), back.fold());
    assertArrayEquals(A.label(), back.label());
    assertArrayEquals(A.positive(), back.positive(), 1e-9);
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of("p.tsv"), files.map(x -> x.getFileName().toString()).toList(), "no temporary file is left");
    }
  }

  @Test
  void malformedFilesAreRefusedWithFileAndLine() throws IOException {
    String header = HeldOutPredictions.HEADER_WITHOUT_HASH + "\n";
    Path empty = dir.resolve("empty.tsv");
    Files.writeString(empty, "");
    IOException none = assertThrows(IOException.class, () -> HeldOutPredictions.read(empty));
    assertTrue(none.getMessage().contains("empty.tsv is empty"), none.getMessage());
    String[][] cases = {
        {"fold\tlabel\n0\t1\n", ":1:"},
        {"example fold label positive\n0 0 1 0.5\n", ":1:"},
        {header + "0\t0\t1\t0.5\n1\t0\t1\n", ":3:"},
        {header + "0\t0\t1\tmany\n", ":2:"},
        {header + "0\t0\t2\t0.5\n", ":2:"},
        {header + "0\t0\t1\t1.5\n", ":2:"},
        {header + "0\t-1\t1\t0.5\n", ":2:"},
        {header + "0\t0\t1\t0.5\n5\t0\t1\t0.5\n", ":3:"},
        {HeldOutPredictions.HEADER + "\n0\t0\t1\t0.5\tabcd\n", ":2:"},
        {HeldOutPredictions.HEADER + "\n0\t0\t1\t0.5\t0000abcd\n1\t0\t1\t0.5\n", ":3:"},
    };
    for (String[] c : cases) {
      Path f = dir.resolve("bad.tsv");
      Files.writeString(f, c[0]);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HeldOutPredictions.read(f),
          "should refuse: " + c[0]);
      assertTrue(e.getMessage().contains(f + c[1]), "'" + e.getMessage() + "' should name " + f + c[1]);
    }
  }

  @Test
  void windowsLineEndingsReadAndSpacesForTabsAreShown() throws IOException {
    Path f = dir.resolve("crlf.tsv");
    Files.writeString(f, HeldOutPredictions.HEADER + "\r\n0\t0\t1\t0.75\t0000abcd\r\n");
    assertArrayEquals(new double[] {0.75}, HeldOutPredictions.read(f).positive(), 1e-12);
    Files.writeString(f, "example fold label positive\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HeldOutPredictions.read(f));
    assertTrue(e.getMessage().contains("expected the header 'example\\tfold") && e.getMessage().contains(
        "got 'example fold"), e.getMessage());
  }

  @Test
  void numbersOfExamplesMustAgree() {
    assertThrows(IllegalArgumentException.class,
        () -> new HeldOutPredictions(new int[] {0, 1}, new int[] {1}, new double[] {0.5, 0.5}));
    assertEquals(4, A.size());
  }
}
