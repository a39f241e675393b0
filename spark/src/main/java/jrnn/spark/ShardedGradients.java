package jrnn.spark;

import java.io.Serializable;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jrnn.data.Batch;
import jrnn.kernels.Kernels;
import jrnn.layers.RecurrentState;
import jrnn.models.LossNormalization;
import jrnn.models.LossStats;
import jrnn.models.ModelConfig;
import jrnn.models.SequenceModel;
import jrnn.optim.Optimizers;
import jrnn.params.Parameters;
import jrnn.training.ShardablePass;
import jrnn.training.Trainer;
import jrnn.training.TrainingConfig;
import jrnn.training.TrainingDivergedException;
import jrnn.util.Rng;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;

/**
 * Synchronous data-parallel gradients on Spark, for a {@link Trainer} on the driver
 * ({@link Trainer#computeGradientsWith}): each update's examples are cut into shards of
 * consecutive examples, one Spark task each; the parameters go out as a broadcast; each task
 * computes its shard's gradient with jrnn's engine and Spark's {@code treeReduce} sums them; the
 * driver's trainer then clips on the global norm, decays and steps its optimizer, as on one
 * machine. Two kinds of update go through: batches of sequences of a {@link SequenceModel}
 * (language models, sentiment, a speech word classifier; adversarial pass included, and of the
 * embedding table only the rows a shard reads travel, in its task, and only their gradients come
 * back: {@link ParameterSplit}), and the {@link ShardablePass}es of the applications that train
 * otherwise (translation, CTC speech recognition), which carry their network's configuration. The
 * shards' gradients are weighted by the divisor of their loss's normalization, so the sum is the
 * whole update's gradient: 1, 2 or 4 partitions give the parameters one machine gives, to float
 * rounding. Dropout masks are drawn per shard (from the update's seed and the shard's place), so
 * runs repeat for a given partitioning but differ in their masks between partitionings. A failed
 * task is Spark's to retry: a task computes from its inputs alone, so a retry gives the same part.
 */
public final class ShardedGradients implements Trainer.BatchGradients {
  private final JavaSparkContext spark;
  private final Parameters params;
  /** The model whose batches are sharded; null for a trainer of passes only. */
  private final SequenceModel model;
  private final LossNormalization normalization;
  private final double adversarialNorm;
  private final int partitions;
  private final ParameterSplit split;
  private final Function<Task, GradientPart> compute;

  /**
   * One shard of a batch with what its task needs: the parameters outside the embedding table (a
   * broadcast) and the table's rows that the shard reads ({@code rows}, their values one after
   * another in {@code rowValues}).
   */
  record Task(Shard shard, ModelConfig config, LossNormalization normalization, double adversarialNorm,
      Broadcast<float[]> dense, int[] rows, float[] rowValues) implements Serializable {}

  /** One shard of a pass: its examples, its dropout seed, and every parameter (a broadcast). */
  record PassTask(ShardablePass<?> pass, long seed, Broadcast<float[]> parameters) implements Serializable {}

  /** Each part's sums on its executor's threads, then the parts' in double on the driver. */
  @Override
  public String summedOn() {
    return partitions + " Spark parts";
  }

  /**
   * Gradients of {@code model}'s batches and of passes (trained as {@code training} says) over
   * {@code partitions} Spark tasks of {@code spark}.
   */
  public ShardedGradients(JavaSparkContext spark, SequenceModel model, TrainingConfig training, int partitions) {
    this(spark, model.parameters(), model, training, partitions, ShardedGradients::computePart);
  }

  /** Gradients of passes only, over {@code params} (a trainer made for parameters alone). */
  public ShardedGradients(JavaSparkContext spark, Parameters params, TrainingConfig training, int partitions) {
    this(spark, params, null, training, partitions, ShardedGradients::computePart);
  }

  /** As above, each batch shard's part computed by {@code compute} (a test injects failures through it). */
  ShardedGradients(JavaSparkContext spark, SequenceModel model, TrainingConfig training, int partitions,
      Function<Task, GradientPart> compute) {
    this(spark, model.parameters(), model, training, partitions, compute);
  }

  private ShardedGradients(JavaSparkContext spark, Parameters params, SequenceModel model, TrainingConfig training,
      int partitions, Function<Task, GradientPart> compute) {
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
    }
    this.spark = spark;
    this.params = params;
    this.model = model;
    this.normalization = training.normalization();
    this.adversarialNorm = training.adversarialNorm();
    this.partitions = partitions;
    this.split = ParameterSplit.of(params.layout());
    this.compute = compute;
  }

  private RecurrentState finalState;

  @Override
  public LossStats compute(Batch batch, RecurrentState initial, Rng rng) {
    if (model == null) {
      throw new IllegalStateException("ShardedGradients: made for parameters alone, it has no model to run batches on");
    }
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
        tasks.add(new Task(s, model.config(), normalization, adversarialNorm, values, rows, split.rowValues(rows, all)));
      }
      GradientPart total = sum(spark.parallelize(tasks, tasks.size()).map(compute));
      if (Double.isFinite(total.lossSum)) {
        finalState = assemble(total.finalStates, shards, batch.size());
      }
      return apply(total, split);
    } finally {
      values.destroy();
    }
  }

  @Override
  public LossStats compute(ShardablePass<?> pass, Rng rng) {
    long seed = pass.usesRandomness() ? rng.nextLong() : 0;
    Broadcast<float[]> values = spark.broadcast(params.values().toArray());
    try {
      List<PassTask> tasks = new ArrayList<>();
      int first = 0;
      int[] sizes = Shard.sizes(pass.examples(), partitions);
      for (int k = 0; k < sizes.length; k++) {
        tasks.add(new PassTask(pass.slice(first, first + sizes[k]), Shard.seedOf(seed, k), values));
        first += sizes[k];
      }
      GradientPart total = sum(spark.parallelize(tasks, tasks.size()).map(ShardedGradients::computePassPart));
      return apply(total, ParameterSplit.of(params.layout().size()));
    } finally {
      values.destroy();
    }
  }

  /** The parts of one Spark job, summed. */
  private static GradientPart sum(JavaRDD<GradientPart> parts) {
    try {
      // treeReduce, not treeAggregate: a zero value would travel to every task, as large as a gradient.
      return parts.treeReduce(GradientPart::add);
    } catch (Exception e) {
      // Scala's checked exceptions are undeclared.
      if (!(e instanceof SparkException)) {
        throw e;
      }
      throw new IllegalStateException("the Spark job of this update's gradients failed: " + SparkFailures.reason(e), e);
    }
  }

  /**
   * Puts the summed parts' gradient, divided by the summed divisors, into the parameters' gradient
   * buffer (which the trainer zeroed: rows no shard read keep a zero gradient); returns the loss.
   */
  private LossStats apply(GradientPart total, ParameterSplit layout) {
    LossStats loss = new LossStats(total.lossSum, (int) total.count, (int) total.correct, (int) total.sequences);
    if (!Double.isFinite(total.lossSum)) {
      // The driver's trainer stops (or rolls back) on it, before any gradient is used.
      return loss;
    }
    float[] dense = new float[total.dense.length];
    for (int i = 0; i < dense.length; i++) {
      dense[i] = (float) (total.dense[i] / total.divisor);
    }
    FloatBuffer g = params.grads().data();
    layout.putDense(dense, g);
    int[] rows = new int[total.rows.size()];
    float[] rowValues = new float[rows.length * layout.width()];
    int k = 0;
    for (Map.Entry<Integer, double[]> row : total.rows.entrySet()) {
      rows[k] = row.getKey();
      double[] v = row.getValue();
      for (int j = 0; j < v.length; j++) {
        rowValues[k * v.length + j] = (float) (v[j] / total.divisor);
      }
      k++;
    }
    layout.putRows(rows, rowValues, g);
    return loss;
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

  /** Each executor thread's networks for passes, by the pass's class and {@link ShardablePass#networkKey}. */
  private static final ThreadLocal<Map<String, Object>> NETWORKS = ThreadLocal.withInitial(HashMap::new);

  /** One batch shard's part, on an executor: the gradient of its loss, weighted by its normalization's divisor. */
  static GradientPart computePart(Task task) {
    PARTS.incrementAndGet();
    String key = task.config() + " " + task.normalization() + " " + task.adversarialNorm();
    LossNormalization normalization = task.normalization();
    Worker w = WORKERS.get().get(key);
    if (w == null) {
      ModelConfig cfg = task.config();
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
    LossStats loss;
    try {
      loss = w.trainer().gradients(shard.batch(), shard.initialState());
    } catch (TrainingDivergedException e) {
      // A NaN or infinite loss is the driver's to judge (stop, or roll back and lower the rate),
      // with the run's own update number; a Spark retry would only meet it again.
      return GradientPart.diverged(e.loss());
    }
    double divisor = normalization == LossNormalization.PER_SEQUENCE ? shard.size() : loss.count();
    GradientPart part = GradientPart.of(m.parameters(), split, task.rows(), divisor, loss);
    RecurrentState fin = m.finalState();
    part.finalStates.put(shard.index(), new float[][] {fin.h().toArray(), fin.c() == null ? null : fin.c().toArray()});
    return part;
  }

  /** One pass shard's part, on an executor. */
  static GradientPart computePassPart(PassTask task) {
    PARTS.incrementAndGet();
    return runPass(task.pass(), task.parameters().value(), task.seed());
  }

  private static <N> GradientPart runPass(ShardablePass<N> pass, float[] values, long seed) {
    @SuppressWarnings("unchecked")
    N network = (N) NETWORKS.get().computeIfAbsent(pass.getClass().getName() + " " + pass.networkKey(),
        k -> pass.newNetwork());
    Parameters p = pass.parameters(network);
    p.values().data().put(0, values);
    p.zeroGrads();
    LossStats loss = pass.run(network, new Rng(seed));
    if (!Double.isFinite(loss.sum())) {
      return GradientPart.diverged(loss.sum());
    }
    return GradientPart.of(p, ParameterSplit.of(p.layout().size()), new int[0], pass.divisor(loss), loss);
  }
}
