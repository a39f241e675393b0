package jrnn.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A Spark ML {@link Transformer} that scores a text column with a jrnn model, for pipelines:
 * {@code new JrnnScorer(spark, model).setInputCol("text").setOutputCol("positive").transform(df)}
 * adds a column: a double, P(positive) for a sentiment model or perplexity for a language model
 * (NaN for a text too short to have one); a string, the translation of a translation model or, for
 * a speech model whose input column holds paths of WAV files, what each says. The model file's
 * bytes travel once, as a broadcast, and
 * each executor loads the model once ({@link RowScorer}); each partition's rows are scored
 * together, in the classifier's own batches.
 */
public final class JrnnScorer extends Transformer {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final RowScorer scorer;
  private final Broadcast<byte[]> model;
  /** The model file, for toString (a String: a transformer is Serializable, a Path is not). */
  private final String file;
  private String inputCol = "text";
  private String outputCol = "score";

  /** A scorer of the model file {@code file}, its bytes broadcast over {@code spark}'s context. */
  public JrnnScorer(SparkSession spark, Path file) throws IOException {
    this(Identifiable$.MODULE$.randomUID("jrnnScorer"), RowScorer.of(file), JavaSparkContext
        .fromSparkContext(spark.sparkContext()).broadcast(Files.readAllBytes(file)), file.toString());
  }

  private JrnnScorer(String uid, RowScorer scorer, Broadcast<byte[]> model, String file) {
    this.uid = uid;
    this.scorer = scorer;
    this.model = model;
    this.file = file;
  }

  /** The column of texts to score (default "text"). */
  public JrnnScorer setInputCol(String column) {
    this.inputCol = column;
    return this;
  }

  /** The column the scores go to (default "score"). */
  public JrnnScorer setOutputCol(String column) {
    this.outputCol = column;
    return this;
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    List<String> names = Arrays.asList(schema.fieldNames());
    if (!names.contains(inputCol)) {
      throw new IllegalArgumentException("JrnnScorer: no column '" + inputCol + "' to score; the columns are " + names);
    }
    if (!schema.apply(inputCol).dataType().equals(DataTypes.StringType)) {
      throw new IllegalArgumentException("JrnnScorer: column '" + inputCol + "' is " + schema.apply(inputCol).dataType()
          + ", not text");
    }
    if (names.contains(outputCol)) {
      throw new IllegalArgumentException("JrnnScorer: column '" + outputCol + "' exists already");
    }
    return schema.add(new StructField(outputCol, scorer.numeric() ? DataTypes.DoubleType : DataTypes.StringType, false,
        org.apache.spark.sql.types.Metadata.empty()));
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType out = transformSchema(dataset.schema());
    int column = dataset.schema().fieldIndex(inputCol);
    RowScorer s = scorer;
    Broadcast<byte[]> bytes = model;
    MapPartitionsFunction<Row, Row> score = rows -> {
      List<Row> all = new ArrayList<>();
      rows.forEachRemaining(all::add);
      List<String> texts = new ArrayList<>(all.size());
      for (Row r : all) {
        texts.add(r.isNullAt(column) ? "" : r.getString(column));
      }
      List<?> results = s.results(texts, bytes.value());
      List<Row> result = new ArrayList<>(all.size());
      for (int i = 0; i < all.size(); i++) {
        Object[] values = new Object[all.get(i).length() + 1];
        for (int k = 0; k < values.length - 1; k++) {
          values[k] = all.get(i).get(k);
        }
        values[values.length - 1] = results.get(i);
        result.add(RowFactory.create(values));
      }
      return result.iterator();
    };
    return dataset.toDF().mapPartitions(score, Encoders.row(out));
  }

  @Override
  public JrnnScorer copy(ParamMap extra) {
    return new JrnnScorer(uid, scorer, model, file).setInputCol(inputCol).setOutputCol(outputCol);
  }

  @Override
  public String toString() {
    return "JrnnScorer(" + file + ": " + inputCol + " -> " + outputCol + ", " + scorer.scoreName() + ")";
  }
}
