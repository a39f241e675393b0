package jrnn.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import jrnn.apps.sentiment.SentimentClassifier;
import jrnn.cli.Main;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Spark ML transformer: a column of P(positive) equal to the classifier's own, the other columns kept. */
class JrnnScorerTest {
  @TempDir
  Path dir;

  @Test
  void addsTheClassifiersProbabilityAsAColumn() throws Exception {
    Random random = new Random(6);
    Path pos = dir.resolve("pos.txt");
    Path neg = dir.resolve("neg.txt");
    Files.write(pos, SparkCommandsTest.reviews(random, 100, 1));
    Files.write(neg, SparkCommandsTest.reviews(random, 100, 0));
    Path model = dir.resolve("m.jrnn");
    assertEquals(0, Main.execute("train", "sentiment", "--pos", pos.toString(), "--neg", neg.toString(),
        "--embedding", "8", "--hidden", "8", "--epochs", "1", "--min-count", "1", "--adversarial", "0",
        "--encoding", "UTF-8", "--out", model.toString()));
    List<String> texts = SparkCommandsTest.reviews(random, 600, 0);
    SparkSession spark = SparkSession.builder().master("local[2]").appName("jrnn-scorer-test")
        .config("spark.ui.enabled", "false").getOrCreate();
    try {
      List<Row> rows = new ArrayList<>();
      for (int i = 0; i < texts.size(); i++) {
        rows.add(RowFactory.create(i, texts.get(i)));
      }
      StructType schema = new StructType().add("id", DataTypes.IntegerType).add("review", DataTypes.StringType);
      Dataset<Row> df = spark.createDataFrame(rows, schema).repartition(3);
      int loadsBefore = RowScorer.loads();
      JrnnScorer scorer = new JrnnScorer(spark, model).setInputCol("review").setOutputCol("positive");
      Dataset<Row> scored = scorer.transform(df);
      assertEquals(List.of("id", "review", "positive"), List.of(scored.schema().fieldNames()));
      double[] expected = SentimentClassifier.load(model).positives(texts);
      List<Row> out = scored.collectAsList();
      assertEquals(texts.size(), out.size());
      for (Row r : out) {
        int id = r.getInt(0);
        assertEquals(texts.get(id), r.getString(1));
        assertEquals(expected[id], r.getDouble(2), 1e-6, "row " + id);
      }
      assertEquals(1, RowScorer.loads() - loadsBefore, "loaded once for three partitions");
      // Saved with a pipeline and loaded back (the model's bytes travel with it; the file is deleted
      // first): the same stage, the same columns, the same scores.
      org.apache.spark.ml.PipelineModel pipeline = new org.apache.spark.ml.Pipeline()
          .setStages(new org.apache.spark.ml.PipelineStage[] {scorer}).fit(df);
      Path saved = dir.resolve("pipeline");
      pipeline.save(saved.toString());
      Files.delete(model);
      org.apache.spark.ml.PipelineModel loaded = org.apache.spark.ml.PipelineModel.load(saved.toString());
      JrnnScorer stage = (JrnnScorer) loaded.stages()[0];
      assertEquals(scorer.uid(), stage.uid());
      assertEquals("review", stage.getOrDefault(stage.inputCol()));
      assertEquals("positive", stage.getOrDefault(stage.outputCol()));
      for (Row r : loaded.transform(df).collectAsList()) {
        assertEquals(expected[r.getInt(0)], r.getDouble(2), 1e-6, "row " + r.getInt(0) + " after loading");
      }
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> scorer.setInputCol("text").transform(df));
      assertTrue(e.getMessage().contains("no column 'text'") && e.getMessage().contains("review"), e.getMessage());
    } finally {
      spark.stop();
    }
  }

  /** A translation model's column is a string: each row's translation, as the model gives it in one process. */
  @Test
  void addsATranslationModelsTranslationsAsATextColumn() throws Exception {
    List<String> sentences = List.of("a b c", "c d", "e f g a", "b", "d d e", "g f e d c", "a c e", "f");
    jrnn.frame.Settings ts = jrnn.apps.translate.TranslateSettings.SCHEMA.defaults().with(java.util.Map.of(
        "bpe_merges", "4", "embedding", "8", "hidden", "8", "decoder_hidden", "8"));
    Path model = dir.resolve("t.jrnn");
    jrnn.apps.translate.TranslationModel.create(ts, sentences, sentences).save(model);
    SparkSession spark = SparkSession.builder().master("local[2]").appName("jrnn-scorer-test")
        .config("spark.ui.enabled", "false").getOrCreate();
    try {
      List<Row> rows = new ArrayList<>();
      for (int i = 0; i < sentences.size(); i++) {
        rows.add(RowFactory.create(i, sentences.get(i)));
      }
      rows.add(RowFactory.create(sentences.size(), null));
      StructType schema = new StructType().add("id", DataTypes.IntegerType).add("de", DataTypes.StringType);
      Dataset<Row> df = spark.createDataFrame(rows, schema).repartition(2);
      Dataset<Row> out = new JrnnScorer(spark, model).setInputCol("de").setOutputCol("en").transform(df);
      assertEquals(DataTypes.StringType, out.schema().apply("en").dataType());
      List<String> expected = jrnn.apps.translate.TranslationModel.load(model).translate(sentences);
      List<Row> got = out.collectAsList();
      assertEquals(sentences.size() + 1, got.size());
      for (Row r : got) {
        if (r.getInt(0) == sentences.size()) {
          assertTrue(r.isNullAt(2), "a null text gets a null translation");
        } else {
          assertEquals(expected.get(r.getInt(0)), r.getString(2), "row " + r.getInt(0));
        }
      }
    } finally {
      spark.stop();
    }
  }
}
