package jrnn.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import jrnn.cli.Main;
import jrnn.frame.TrainingRun;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * {@code bin/jrnn spark-train} and {@code bin/jrnn spark-score}, locally ({@code --master
 * local[N]}, the default {@code local[*]}) or on a cluster (through {@code spark-submit}, which
 * sets the master).
 *
 * <ul>
 *   <li>{@code spark-train APP [--partitions K] OPTIONS...}: {@code jrnn train APP OPTIONS...}, the
 *       application's own options and presets, checks, checkpoints, {@code --resume} and model
 *       file, with every update's gradients computed over K Spark tasks
 *       ({@link ShardedGradients}; K defaults to Spark's default parallelism); APP is {@code lm},
 *       {@code sentiment}, {@code translate} or {@code speech}.</li>
 *   <li>{@code spark-score --model MODEL --input TEXT --output DIR}: each line of TEXT given its
 *       result (P(positive) of a sentiment model, perplexity of a language model, the translation
 *       of a translation model, the words a speech model hears in the WAV file the line names),
 *       written as tab-separated {@code result, line} rows to the folder DIR (one part per
 *       partition); the model loaded once per executor ({@link RowScorer}).</li>
 * </ul>
 */
public final class SparkMain {
  private SparkMain() {}

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the command line; returns the exit status (errors as {@code jrnn}'s: one line, status 2). */
  public static int execute(String... args) {
    List<String> rest = new ArrayList<>(List.of(args));
    String command = rest.isEmpty() ? "" : rest.remove(0);
    try {
      String master = option(rest, "--master");
      Integer partitions = partitions(option(rest, "--partitions"));
      return switch (command) {
        case "spark-train" -> train(rest, master, partitions);
        case "spark-score" -> score(rest, master, partitions);
        default -> {
          System.err.println("jrnn: expected spark-train APP ... or spark-score --model M --input F --output D, got '"
              + command + "'");
          yield Main.ERROR;
        }
      };
    } catch (Exception e) {
      // One line: a failed Spark job's message goes on with the remote task's stack trace.
      System.err.println("jrnn: " + command + ": " + SparkFailures.reason(e));
      if (System.getenv("JRNN_DEBUG") != null) {
        e.printStackTrace();
      }
      return Main.ERROR;
    }
  }

  /** Removes {@code name VALUE} (or {@code name=VALUE}) from {@code args}; returns VALUE, or null. */
  static String option(List<String> args, String name) {
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals(name)) {
        if (i + 1 >= args.size()) {
          throw new IllegalArgumentException(name + " needs a value");
        }
        args.remove(i);
        return args.remove(i);
      }
      if (a.startsWith(name + "=")) {
        args.remove(i);
        return a.substring(name.length() + 1);
      }
    }
    return null;
  }

  private static SparkSession session(String master, String what) {
    SparkSession.Builder b = SparkSession.builder().appName("jrnn " + what).config("spark.ui.showConsoleProgress", "false");
    // spark-submit sets the master; locally it is --master, or every core.
    if (master != null || System.getProperty("spark.master") == null) {
      b.master(master == null ? "local[*]" : master);
    }
    if (System.getProperty("spark.task.maxDirectResultSize") == null) {
      // A shard's gradient (megabytes) goes back with the task's status rather than through the
      // block manager (Spark's default is 1 MB): 10% less time per update for SST-2's model.
      b.config("spark.task.maxDirectResultSize", "64m");
    }
    return b.getOrCreate();
  }

  /** --partitions, checked before Spark starts; null when not given. */
  private static Integer partitions(String given) {
    if (given == null) {
      return null;
    }
    int k;
    try {
      k = Integer.parseInt(given.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--partitions must be a whole number, got '" + given + "'");
    }
    if (k < 1) {
      throw new IllegalArgumentException("--partitions must be at least 1, got " + given);
    }
    return k;
  }

  private static int train(List<String> rest, String master, Integer partitions) {
    List<String> apps = List.of("lm", "sentiment", "translate", "speech");
    if (rest.isEmpty() || !apps.contains(rest.get(0))) {
      throw new IllegalArgumentException("spark-train trains " + String.join(", ", apps) + "; got "
          + (rest.isEmpty() ? "nothing" : "'" + rest.get(0) + "'"));
    }
    SparkSession spark = session(master, "spark-train " + rest.get(0));
    try {
      JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      int k = partitions == null ? sc.defaultParallelism() : partitions;
      System.out.printf(Locale.ROOT, "spark: master %s, %d partition(s) per update%n", sc.master(), k);
      // Trainers of a SequenceModel shard its batches; the others (translation) shard their passes.
      TrainingRun.distributeGradients(trainer -> trainer.model() != null
          ? new ShardedGradients(sc, trainer.model(), trainer.config(), k)
          : new ShardedGradients(sc, trainer.parameters(), trainer.config(), k));
      List<String> train = new ArrayList<>(List.of("train"));
      train.addAll(rest);
      return Main.execute(train.toArray(String[]::new));
    } finally {
      TrainingRun.distributeGradients(null);
      spark.stop();
    }
  }

  private static int score(List<String> rest, String master, Integer partitions) throws Exception {
    String model = option(rest, "--model");
    String input = option(rest, "--input");
    String output = option(rest, "--output");
    if (model == null || input == null || output == null || !rest.isEmpty()) {
      throw new IllegalArgumentException("spark-score needs --model MODEL --input TEXT --output DIR"
          + (rest.isEmpty() ? "" : "; did not understand " + rest));
    }
    Path modelFile = Path.of(model);
    byte[] bytes = Files.readAllBytes(modelFile);
    RowScorer scorer = RowScorer.of(bytes, modelFile.toString());
    SparkSession spark = session(master, "spark-score");
    try {
      JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      Broadcast<byte[]> modelBytes = sc.broadcast(bytes);
      JavaRDD<String> lines = partitions == null ? sc.textFile(input) : sc.textFile(input, partitions);
      long t0 = System.nanoTime();
      JavaRDD<String> scored = lines.mapPartitions(rows -> scorePartition(rows, scorer, modelBytes.value()));
      scored.saveAsTextFile(output);
      double seconds = (System.nanoTime() - t0) / 1e9;
      long n = sc.textFile(output).count();
      System.out.printf(Locale.ROOT, "scored %,d rows (%s) in %.1f s: %,.0f rows/s; written to %s%n", n,
          scorer.scoreName(), seconds, n / seconds, output);
      return 0;
    } finally {
      spark.stop();
    }
  }

  private static Iterator<String> scorePartition(Iterator<String> rows, RowScorer scorer, byte[] model) {
    return RowScorer.inChunks(rows, all -> {
      // The model reads a chunk's rows in batches of its own.
      List<?> results = scorer.results(all, model);
      List<String> out = new ArrayList<>(all.size());
      for (int i = 0; i < all.size(); i++) {
        out.add(RowScorer.format(results.get(i)) + "\t" + all.get(i));
      }
      return out;
    });
  }
}
