package jrnn.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jrnn.apps.sentiment.Example;
import jrnn.apps.sentiment.SentimentClassifier;
import jrnn.apps.sentiment.SentimentModel;
import jrnn.apps.sentiment.SentimentSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An executor's models: the same bytes load once, and only the models used last stay loaded. */
class RowScorerTest {
  @TempDir
  Path dir;

  @Test
  void anExecutorKeepsTheModelsUsedLastAndLoadsAgainOneDroppedLongAgo() throws Exception {
    List<Example> said = List.of(new Example(List.of("good", "film"), 1), new Example(List.of("bad", "film"), 0));
    List<String> rows = List.of("good film", "bad film");
    List<byte[]> files = new ArrayList<>();
    List<double[]> expected = new ArrayList<>();
    for (int i = 0; i <= RowScorer.KEPT_MODELS; i++) {
      SentimentModel m = SentimentModel.create(SentimentSettings.SCHEMA.defaults().with(Map.of("seed", "" + (i + 1),
          "embedding", "4", "hidden", "4")), SentimentModel.vocabulary(said, 1));
      Path f = dir.resolve("m" + i + ".jrnn");
      m.save(f);
      files.add(Files.readAllBytes(f));
      expected.add(SentimentClassifier.load(f).positives(rows));
    }
    int before = RowScorer.loads();
    for (int i = 0; i <= RowScorer.KEPT_MODELS; i++) {
      RowScorer scorer = RowScorer.of(files.get(i), "m" + i + ".jrnn");
      assertArrayEquals(expected.get(i), scorer.score(rows, files.get(i)), 0);
      assertArrayEquals(expected.get(i), scorer.score(rows, files.get(i)), 0);
    }
    assertEquals(RowScorer.KEPT_MODELS + 1, RowScorer.loads() - before, "each model loaded once while kept");
    // The last KEPT_MODELS are kept; the first, used longest ago, was dropped and loads again.
    RowScorer last = RowScorer.of(files.get(RowScorer.KEPT_MODELS), "last.jrnn");
    last.score(rows, files.get(RowScorer.KEPT_MODELS));
    assertEquals(RowScorer.KEPT_MODELS + 1, RowScorer.loads() - before, "a kept model is not loaded again");
    RowScorer first = RowScorer.of(files.get(0), "m0.jrnn");
    assertArrayEquals(expected.get(0), first.score(rows, files.get(0)), 0);
    assertEquals(RowScorer.KEPT_MODELS + 2, RowScorer.loads() - before, "the dropped model loads again");
  }

  /** A partition goes through in chunks, as it is read, its results in its order. */
  @Test
  void aPartitionIsScoredInChunksInItsOrder() {
    List<Integer> sizes = new ArrayList<>();
    java.util.Iterator<Integer> rows = java.util.stream.IntStream.range(0, 2 * RowScorer.CHUNK_ROWS + 5).boxed()
        .iterator();
    java.util.Iterator<Integer> out = RowScorer.inChunks(rows, part -> {
      sizes.add(part.size());
      return part.stream().map(x -> -x).toList();
    });
    assertEquals(List.of(), sizes, "nothing read before a result is asked for");
    int i = 0;
    while (out.hasNext()) {
      assertEquals(-i, out.next());
      i++;
    }
    assertEquals(2 * RowScorer.CHUNK_ROWS + 5, i);
    assertEquals(List.of(RowScorer.CHUNK_ROWS, RowScorer.CHUNK_ROWS, 5), sizes);
    org.junit.jupiter.api.Assertions.assertFalse(RowScorer.inChunks(java.util.Collections.<Integer>emptyIterator(),
        part -> part).hasNext());
  }
}
