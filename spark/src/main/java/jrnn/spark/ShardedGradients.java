package jrnn.spark;

import java.io.Serializable;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jrnn.data.Batch;
import jrnn.io.ConfigProperties;
import jrnn.io.ModelFileException;
import jrnn.kernels.Kernels;
import jrnn.layers.RecurrentState;
import jrnn.models.LossNormalization;
import jrnn.models.LossStats;
import jrnn.models.ModelConfig;
import jrnn.models.SequenceModel;
import jrnn.params.Parameters;
import jrnn.optim.Optimizers;
import jrnn.training.Trainer;
import jrnn.training.TrainingDivergedException;
import jrnn.training.TrainingConfig;
import jrnn.util.Rng;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;

/**
 * Synchronous data-parallel gradients on Spark, for a {@link Trainer} on the driver
 * ({@link Trainer#computeGradientsWith}): each update's global batch is cut into shards of
 * consecutive sequences, one Spark task each; the parameters go out as a broadcast; each task
 * computes its shard's gradient with jrnn's engine (adversarial pass included) and Spark's
 * {@code treeReduce} sums them; of the embedding table, only the rows a shard reads travel, in its
 * task, and only their gradients come back ({@link ParameterSplit}); the driver's trainer then clips on the global norm, decays and
 * steps its optimizer, as on one machine. The shards' gradients are weighted by the divisor of
 * their loss's normalization, so the sum is the global batch's gradient: 1, 2 or 4 partitions
 * give the parameters one machine gives, to float rounding. Dropout masks are drawn per shard
 * (from the update's seed and the shard's place), so runs repeat for a given partitioning but
 * differ in their masks between partitionings. A failed task is Spark's to retry: a task
 * computes from its inputs alone, so a retry gives the same part.
 */
public final class ShardedGradients implements Trainer.BatchGradients {
  private final JavaSparkContext spark;
  private final SequenceModel model;
  private final Map<String, String> config;
  private final String normalization;
  private final double adversarialNorm;
  private final int partitions;
  private final ParameterSplit split;
  private final Function<Task, GradientPart> compute;

  /**
   * One shard with what its task needs: the parameters outside the embedding table (a broadcast)
   * and the table's rows that the shard reads ({@code rows}, their values one after another in
   * {@code rowValues}).
   */
  record Task(Shard shard, Map<String, String> config, String normalization, double adversarialNorm,
      Broadcast<float[]> dense, int[] rows, float[] rowValues) implements Serializable {}

  /**
   * Gradients of {@code model}'s batches (trained as {@code training} says) over {@code partitions}
   * Spark tasks of {@code spark}.
   */
  public ShardedGradients(JavaSparkContext spark, SequenceModel model, TrainingConfig training, int partitions) {
    this(spark, model, training, partitions, ShardedGradients::computePart);
  }

  /** As above, each task's part computed by {@code compute} (a test injects failures through it). */
  ShardedGradients(JavaSparkContext spark, SequenceModel model, TrainingConfig training, int partitions,
      Function<Task, GradientPart> compute) {
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
    }
    this.spark = spark;
    this.model = model;
    this.config = new HashMap<>(ConfigProperties.of(model.config()));
    this.normalization = training.normalization().name();
    this.adversarialNorm = training.adversarialNorm();
    this.partitions = partitions;
    this.split = ParameterSplit.of(model.parameters().layout());
    this.compute = compute;
  }

  private RecurrentState finalState;

  @Override
  public LossStats compute(Batch batch, RecurrentState initial, Rng rng) {
    Parameters params = model.parameters();
    // The generator is the run's (its batches and word dropout draw from it too): a model without
    // dropout takes nothing from it, so that the run's draws are those of one machine.
    long seed = model.config().dropout() > 0 ? rng.nextLong() : 0;
    List<Shard> shards = Shard.split(batch, initial, partitions, seed);
    FloatBuffer all = params.values().data();
    Broadcast<float[]> values = spark.broadcast(split.dense(all));
    try {
      List<Task> tasks = new ArrayList<>();
      for (Shard s : shards) {
        int[] rows = split.rowsRead(s.tokens());
        tasks.add(new Task(s, config, normalization, adversarialNorm, values, rows, split.rowValues(rows, all)));
      }
      GradientPart total;
      try {
        // treeReduce, not treeAggregate: a zero value would travel to every task, as large as a gradient.
        total = spark.parallelize(tasks, tasks.size()).map(compute).treeReduce(GradientPart::add);
      } catch (Exception e) {
        // Scala's checked exceptions are undeclared; a failed job's message carries the failed
        // task's remote stack trace, whose first line says what failed.
        if (!(e instanceof SparkException)) {
          throw e;
        }
        String what = String.valueOf(e.getMessage()).lines().findFirst().orElse(e.toString());
        throw new IllegalStateException("the Spark job of this update's gradients failed: " + what, e);
      }
      if (!Double.isFinite(total.lossSum)) {
        // The driver's trainer stops (or rolls back) on it, before any gradient is used.
        return new LossStats(total.lossSum, (int) total.count, (int) total.correct, (int) total.sequences);
      }
      float[] dense = new float[total.dense.length];
      for (int i = 0; i < dense.length; i++) {
        dense[i] = (float) (total.dense[i] / total.divisor);
      }
      // The trainer zeroed the buffer: the rows no shard read keep a zero gradient.
      FloatBuffer g = params.grads().data();
      split.putDense(dense, g);
      int[] rows = new int[total.rows.size()];
      float[] rowValues = new float[rows.length * split.width()];
      int k = 0;
      for (Map.Entry<Integer, double[]> row : total.rows.entrySet()) {
        rows[k] = row.getKey();
        double[] v = row.getValue();
        for (int j = 0; j < v.length; j++) {
          rowValues[k * v.length + j] = (float) (v[j] / total.divisor);
        }
        k++;
      }
      split.putRows(rows, rowValues, g);
      finalState = assemble(total.finalStates, shards, batch.size());
      return new LossStats(total.lossSum, (int) total.count, (int) total.correct, (int) total.sequences);
    } finally {
      values.destroy();
    }
  }

  @Override
  public RecurrentState finalState() {
    if (finalState == null) {
      throw new IllegalStateException("ShardedGradients: no batch computed yet");
    }
    return finalState;
  }

  /** The shards' final states side by side, in the global batch's order: [slots, B, H]. */
  private RecurrentState assemble(Map<Integer, float[][]> parts, List<Shard> shards, int batch) {
    RecurrentState out = RecurrentState.zeros(model.config().recurrent(), batch);
    int slots = out.h().dim(0);
    int hidden = out.h().dim(2);
    int column = 0;
    for (Shard shard : shards) {
      float[][] p = parts.get(shard.index());
      int width = shard.size() * hidden;
      for (int s = 0; s < slots; s++) {
        out.h().data().put((s * batch + column) * hidden, p[0], s * width, width);
        if (out.c() != null) {
          out.c().data().put((s * batch + column) * hidden, p[1], s * width, width);
        }
      }
      column += shard.size();
    }
    return out;
  }

  /** Parts computed in this JVM (tests check that the work went through Spark's tasks). */
  static final java.util.concurrent.atomic.AtomicLong PARTS = new java.util.concurrent.atomic.AtomicLong();

  /** An executor thread's model of one configuration and the trainer whose gradient pass it runs. */
  private record Worker(SequenceModel model, Trainer trainer) {}

  /** Each executor thread's workers, by configuration and training: made once, their parameters overwritten by every task. */
  private static final ThreadLocal<Map<String, Worker>> WORKERS = ThreadLocal.withInitial(HashMap::new);

  /** One shard's part, on an executor: the gradient of its loss, weighted by its normalization's divisor. */
  static GradientPart computePart(Task task) throws ModelFileException {
    PARTS.incrementAndGet();
    String key = new java.util.TreeMap<>(task.config()) + " " + task.normalization() + " " + task.adversarialNorm();
    LossNormalization normalization = LossNormalization.valueOf(task.normalization());
    Worker w = WORKERS.get().get(key);
    if (w == null) {
      ModelConfig cfg = ConfigProperties.read(task.config());
      SequenceModel m = new SequenceModel(cfg, new Parameters(cfg.parameterLayout()), Kernels.best());
      // The optimizer is never stepped here: the driver's trainer updates; this one takes gradients.
      TrainingConfig training = TrainingConfig.builder().optimizer(Optimizers.sgd(1)).normalization(normalization)
          .adversarialNorm(task.adversarialNorm()).build();
      w = new Worker(m, new Trainer(m, training, new Rng(0)));
      WORKERS.get().put(key, w);
    }
    SequenceModel m = w.model();
    ParameterSplit split = ParameterSplit.of(m.parameters().layout());
    // Rows of the table that the shard does not read keep stale values: nothing reads them.
    FloatBuffer values = m.parameters().values().data();
    split.putDense(task.dense().value(), values);
    split.putRows(task.rows(), task.rowValues(), values);
    Shard shard = task.shard();
    w.trainer().useRng(new Rng(shard.seed()));
    GradientPart part = new GradientPart(split.denseSize());
    LossStats loss;
    try {
      loss = w.trainer().gradients(shard.batch(), shard.initialState());
    } catch (TrainingDivergedException e) {
      // A NaN or infinite loss is the driver's to judge (stop, or roll back and lower the rate),
      // with the run's own update number; a Spark retry would only meet it again.
      part.lossSum = Double.NaN;
      part.divisor = 1;
      return part;
    }
    RecurrentState fin = m.finalState();
    part.finalStates.put(shard.index(), new float[][] {fin.h().toArray(), fin.c() == null ? null : fin.c().toArray()});
    double divisor = normalization == LossNormalization.PER_SEQUENCE ? shard.size() : loss.count();
    FloatBuffer g = m.parameters().grads().data();
    float[] dense = split.dense(g);
    for (int i = 0; i < dense.length; i++) {
      part.dense[i] = dense[i] * divisor;
    }
    float[] rowGradients = split.rowValues(task.rows(), g);
    int width = split.width();
    for (int k = 0; k < task.rows().length; k++) {
      double[] row = new double[width];
      for (int j = 0; j < width; j++) {
        row[j] = rowGradients[k * width + j] * divisor;
      }
      part.rows.put(task.rows()[k], row);
    }
    part.divisor = divisor;
    part.lossSum = loss.sum();
    part.count = loss.count();
    part.correct = loss.correct();
    part.sequences = loss.sequences();
    return part;
  }
}
