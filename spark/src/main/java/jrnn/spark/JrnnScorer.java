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
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsReader$;
import org.apache.spark.ml.util.DefaultParamsWriter$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
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
 * adds a column: a double, P(positive) for a sentiment model (NaN for a text with no words) or
 * perplexity for a language model (NaN for a text too short to have one); a string, the translation of a translation model or, for
 * a speech model whose input column holds paths of WAV files, what each says; null for a null
 * input. The model file's bytes travel once, as a broadcast, and each executor loads the model
 * once ({@link RowScorer}); each partition is scored as it is read, {@link RowScorer#CHUNK_ROWS}
 * rows at a time, a chunk in the model's own batches (a language model's rows one at a time: each
 * row's perplexity is its own stream).
 * A pipeline holding it saves and loads it ({@link MLWritable}): the model file's bytes are saved
 * with the pipeline, beside Spark's metadata of the stage.
 */
public final class JrnnScorer extends Transformer implements MLWritable {
  private static final long serialVersionUID = 2L;

  private final String uid;
  private final RowScorer scorer;
  private final Broadcast<byte[]> model;
  /** The model file, for toString (a String: a transformer is Serializable, a Path is not). */
  private final String file;
  private final Param<String> inputCol;
  private final Param<String> outputCol;
  /** The model file's name inside a saved stage's folder. */
  private static final String MODEL = "model.jrnn";

  /** A scorer of the model file {@code file}, its bytes broadcast over {@code spark}'s context. */
  public JrnnScorer(SparkSession spark, Path file) throws IOException {
    this(spark, Files.readAllBytes(file), file.toString());
  }

  /** The file's bytes read once: those checked and hashed are those broadcast. */
  private JrnnScorer(SparkSession spark, byte[] bytes, String file) throws IOException {
    this(Identifiable$.MODULE$.randomUID("jrnnScorer"), RowScorer.of(bytes, file), JavaSparkContext
        .fromSparkContext(spark.sparkContext()).broadcast(bytes), file);
  }

  private JrnnScorer(String uid, RowScorer scorer, Broadcast<byte[]> model, String file) {
    this.uid = uid;
    this.scorer = scorer;
    this.model = model;
    this.file = file;
    // Made here, not where declared: a Param takes its parent's uid, which must be set first.
    this.inputCol = new Param<>(this, "inputCol", "the column of texts (or WAV paths) to score");
    this.outputCol = new Param<>(this, "outputCol", "the column the results go to");
    setDefault(inputCol, "text");
    setDefault(outputCol, "score");
  }

  /** The column of texts (or, for a speech model, WAV paths) to score; default "text". */
  public Param<String> inputCol() {
    return inputCol;
  }

  /** The column the results go to; default "score". */
  public Param<String> outputCol() {
    return outputCol;
  }

  /** Sets {@link #inputCol()}. */
  public JrnnScorer setInputCol(String column) {
    set(inputCol, column);
    return this;
  }

  /** Sets {@link #outputCol()}. */
  public JrnnScorer setOutputCol(String column) {
    set(outputCol, column);
    return this;
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    String inputCol = $(this.inputCol);
    String outputCol = $(this.outputCol);
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
    return schema.add(new StructField(outputCol, scorer.numeric() ? DataTypes.DoubleType : DataTypes.StringType, true,
        org.apache.spark.sql.types.Metadata.empty()));
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType out = transformSchema(dataset.schema());
    int column = dataset.schema().fieldIndex($(inputCol));
    RowScorer s = scorer;
    Broadcast<byte[]> bytes = model;
    MapPartitionsFunction<Row, Row> score = rows -> RowScorer.inChunks(rows, all -> {
      // A null input gets a null result (Spark's way), and is not scored.
      List<String> texts = new ArrayList<>(all.size());
      for (Row r : all) {
        if (!r.isNullAt(column)) {
          texts.add(r.getString(column));
        }
      }
      java.util.Iterator<?> results = s.results(texts, bytes.value()).iterator();
      List<Row> result = new ArrayList<>(all.size());
      for (Row r : all) {
        Object[] values = new Object[r.length() + 1];
        for (int k = 0; k < values.length - 1; k++) {
          values[k] = r.get(k);
        }
        values[values.length - 1] = r.isNullAt(column) ? null : results.next();
        result.add(RowFactory.create(values));
      }
      return result;
    });
    return dataset.toDF().mapPartitions(score, Encoders.row(out));
  }

  @Override
  public JrnnScorer copy(ParamMap extra) {
    return copyValues(new JrnnScorer(uid, scorer, model, file), extra);
  }

  @Override
  public String toString() {
    return "JrnnScorer(" + file + ": " + $(inputCol) + " -> " + $(outputCol) + ", " + scorer.scoreName() + ")";
  }

  /** Saves the stage: Spark's metadata (class, uid, columns) and the model file's bytes. */
  @Override
  public MLWriter write() {
    return new MLWriter() {
      @Override
      public void saveImpl(String path) {
        DefaultParamsWriter$.MODULE$.saveMetadata(JrnnScorer.this, path, sparkSession());
        org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(path, MODEL);
        try (FSDataOutputStream out = target.getFileSystem(sc().hadoopConfiguration()).create(target, true)) {
          out.write(model.value());
        } catch (IOException e) {
          throw new java.io.UncheckedIOException("JrnnScorer: could not save the model to " + target, e);
        }
      }
    };
  }

  @Override
  public void save(String path) throws IOException {
    write().save(path);
  }

  /** Reads a stage that {@link #write()} saved (what a saved pipeline's loader calls). */
  public static MLReader<JrnnScorer> read() {
    return new MLReader<>() {
      @Override
      public JrnnScorer load(String path) {
        DefaultParamsReader.Metadata metadata = DefaultParamsReader$.MODULE$.loadMetadata(path, sparkSession(),
            JrnnScorer.class.getName());
        org.apache.hadoop.fs.Path source = new org.apache.hadoop.fs.Path(path, MODEL);
        try {
          byte[] bytes;
          try (FSDataInputStream in = source.getFileSystem(sc().hadoopConfiguration()).open(source)) {
            bytes = in.readAllBytes();
          }
          RowScorer scorer = RowScorer.of(bytes, source.toString());
          JrnnScorer stage = new JrnnScorer(metadata.uid(), scorer,
              JavaSparkContext.fromSparkContext(sc()).broadcast(bytes), source.toString());
          metadata.getAndSetParams(stage, scala.Option.empty());
          return stage;
        } catch (IOException e) {
          throw new java.io.UncheckedIOException("JrnnScorer: could not load the stage saved in " + path + ": "
              + e.getMessage(), e);
        }
      }
    };
  }

  /** As {@code read().load(path)}. */
  public static JrnnScorer load(String path) {
    return read().load(path);
  }
}
