package jrnn.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import jrnn.data.Batch;
import jrnn.layers.Bidirectional;
import jrnn.models.LossStats;
import jrnn.models.Readout;
import jrnn.models.SequenceModel;
import jrnn.optim.Optimizers;
import jrnn.training.Trainer;
import jrnn.training.TrainingConfig;
import jrnn.util.Rng;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Synchronous data-parallel training in Spark's local mode against one machine: the same global
 * batches, seed and shard order give the same parameters with 1, 2 and 4 partitions (float
 * rounding: the gradients are summed in another order), adversarial training and clipping on the
 * global norm included; a task that fails once is retried by Spark and the update is unchanged.
 */
class ExactDataParallelTest {
  static SparkSession session;
  static JavaSparkContext spark;

  @BeforeAll
  static void start() {
    // Four task threads; a task may fail twice before its job does (the retry test needs one).
    session = SparkSession.builder().master("local[4,2]").appName("jrnn-spark-test")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1").getOrCreate();
    spark = JavaSparkContext.fromSparkContext(session.sparkContext());
  }

  @AfterAll
  static void stop() {
    session.stop();
  }

  static SequenceModel model() {
    return SequenceModel.builder().tokens(20, 8).cell("lstm").hidden(8).bidirectional(Bidirectional.CONCAT)
        .readout(Readout.MAX).softmax(2).seed(7).build();
  }

  /** {@link #model()} with a mean readout, whose gradient has no jumps. */
  static SequenceModel meanReadoutModel() {
    return SequenceModel.builder().tokens(20, 8).cell("lstm").hidden(8).bidirectional(Bidirectional.CONCAT)
        .readout(Readout.MEAN).softmax(2).seed(7).build();
  }

  static final TrainingConfig TRAINING = TrainingConfig.builder().optimizer(Optimizers.momentum(0.5, 0.9))
      .clipNorm(0.5).adversarialNorm(0.3).build();

  /** Batches of 13 sequences of 2 to 9 tokens; the label says whether token 3 occurs before token 4. */
  static List<Batch> batches(int count) {
    Rng rng = new Rng(11);
    List<Batch> out = new ArrayList<>();
    for (int k = 0; k < count; k++) {
      int size = 13;
      int steps = 9;
      int[] tokens = new int[steps * size];
      int[] lengths = new int[size];
      int[] labels = new int[size];
      for (int b = 0; b < size; b++) {
        lengths[b] = 2 + rng.nextInt(steps - 1);
        int first3 = steps;
        int first4 = steps;
        for (int t = 0; t < lengths[b]; t++) {
          int id = rng.nextInt(20);
          tokens[t * size + b] = id;
          first3 = id == 3 ? Math.min(first3, t) : first3;
          first4 = id == 4 ? Math.min(first4, t) : first4;
        }
        labels[b] = first3 < first4 ? 1 : 0;
      }
      out.add(Batch.ofTokens(steps, size, tokens, lengths, labels));
    }
    return out;
  }

  /** Trains a fresh model on the batches, its gradients from {@code source} (null: this JVM); returns the parameters. */
  static float[] train(List<Batch> batches, int partitions, Function<ShardedGradients.Task, GradientPart> compute,
      List<LossStats> losses) {
    SequenceModel m = model();
    Trainer trainer = new Trainer(m, TRAINING, new Rng(3));
    if (partitions > 0) {
      trainer.computeGradientsWith(new ShardedGradients(spark, m, TRAINING, partitions, compute));
    }
    for (Batch b : batches) {
      losses.add(trainer.step(b, null).loss());
    }
    return m.parameters().values().toArray();
  }

  static void assertNear(float[] expected, float[] actual, double tol, String what) {
    assertEquals(expected.length, actual.length);
    double worst = 0;
    for (int i = 0; i < expected.length; i++) {
      worst = Math.max(worst, Math.abs(expected[i] - actual[i]) / (1 + Math.abs(expected[i])));
    }
    assertTrue(worst < tol, what + ": largest difference " + worst);
  }

  /**
   * {@code trainWith(0)} (one machine) against {@code trainWith(k)} for each k of {@code partitions}:
   * the same parameters to 1e-5; returns one machine's.
   */
  static float[] assertSameForEach(int[] partitions, java.util.function.IntFunction<float[]> trainWith, String what) {
    float[] expected = trainWith.apply(0);
    for (int k : partitions) {
      assertNear(expected, trainWith.apply(k), 1e-5, what + ", " + k + " partition(s)");
    }
    return expected;
  }

  /** The training moved the parameters: an equality is not that of two untouched models. */
  static void assertMoved(float[] untrained, float[] trained) {
    double moved = 0;
    for (int i = 0; i < untrained.length; i++) {
      moved = Math.max(moved, Math.abs(untrained[i] - trained[i]));
    }
    assertTrue(moved > 1e-2, "largest change " + moved);
  }

  @Test
  void onePartitionTwoAndFourGiveTheParametersOfOneMachine() {
    List<Batch> batches = batches(12);
    List<LossStats> alone = new ArrayList<>();
    float[] expected = train(batches, 0, null, alone);
    float[] untrained = model().parameters().values().toArray();
    for (int partitions : new int[] {1, 2, 4}) {
      List<LossStats> sharded = new ArrayList<>();
      float[] actual = train(batches, partitions, ShardedGradients::computePart, sharded);
      assertNear(expected, actual, 1e-5, partitions + " partition(s)");
      for (int i = 0; i < alone.size(); i++) {
        assertEquals(alone.get(i).sum(), sharded.get(i).sum(), 1e-5 * Math.abs(alone.get(i).sum()), "loss of update " + i);
        assertEquals(alone.get(i).count(), sharded.get(i).count());
      }
    }
    assertMoved(untrained, expected);
  }

  /**
   * An output at every step of sequences of different lengths, the loss averaged over the valid
   * steps (PER_OUTPUT): each shard's gradient is weighted by its own count of steps, not of
   * sequences, or the sum is not the global mean.
   */
  @Test
  void anOutputAtEveryStepIsWeightedByTheShardsSteps() {
    TrainingConfig training = TrainingConfig.builder().optimizer(Optimizers.sgd(0.5))
        .normalization(jrnn.models.LossNormalization.PER_OUTPUT).build();
    List<Batch> batches = new ArrayList<>();
    for (Batch b : batches(8)) {
      int[] perStep = new int[b.steps() * b.size()];
      for (int i = 0; i < perStep.length; i++) {
        perStep[i] = b.tokens()[i] == 3 || b.tokens()[i] == 4 ? 1 : 0;
      }
      batches.add(Batch.ofTokens(b.steps(), b.size(), b.tokens(), b.lengths(), perStep));
    }
    assertSameForEach(new int[] {2, 4}, partitions -> {
      SequenceModel m = SequenceModel.builder().tokens(20, 8).cell("rnn-tanh").hidden(8).softmax(2).seed(4).build();
      Trainer trainer = new Trainer(m, training, new Rng(3));
      if (partitions > 0) {
        trainer.computeGradientsWith(new ShardedGradients(spark, m, training, partitions));
      }
      for (Batch b : batches) {
        trainer.step(b, null);
      }
      return m.parameters().values().toArray();
    }, "every step");
  }

  /**
   * A language model trained by truncated BPTT over 6 parallel streams, each window starting from
   * the states the last one ended in: the shards hand theirs back, and the driver carries them.
   */
  @Test
  void aLanguageModelsCarriedStatesGoThroughTheShards() {
    Rng rng = new Rng(5);
    int[] ids = new int[600];
    for (int i = 0; i < ids.length; i++) {
      // A walk that a model can learn a little of: mostly the next id, sometimes a jump.
      ids[i] = i == 0 ? 0 : rng.nextDouble() < 0.7 ? (ids[i - 1] + 1) % 17 : rng.nextInt(17);
    }
    TrainingConfig training = TrainingConfig.builder().optimizer(Optimizers.sgd(0.5)).clipNorm(5)
        .normalization(jrnn.models.LossNormalization.PER_SEQUENCE).build();
    assertSameForEach(new int[] {1, 2, 4}, partitions -> {
      SequenceModel m = SequenceModel.builder().tokens(17, 6).cell("gru-reset-after").hidden(8).layers(2).softmax(17)
          .seed(2).build();
      Trainer trainer = new Trainer(m, training, new Rng(1));
      if (partitions > 0) {
        trainer.computeGradientsWith(new ShardedGradients(spark, m, training, partitions));
      }
      Trainer.StreamEpoch epoch = new Trainer.StreamEpoch(new jrnn.data.TokenStream(ids), 6, 7);
      while (epoch.hasNext()) {
        epoch.next(trainer);
      }
      return m.parameters().values().toArray();
    }, "language model");
  }

  /** A NaN loss on an executor is the driver's trainer's to report, as on one machine (and to roll back). */
  @Test
  void aNanLossOnAnExecutorStopsTheUpdateOnTheDriver() {
    SequenceModel m = model();
    // A weight outside the embedding table, which every shard reads.
    m.parameters().values().set(m.parameters().layout().size() - 1, Float.NaN);
    Trainer trainer = new Trainer(m, TRAINING, new Rng(3));
    trainer.computeGradientsWith(new ShardedGradients(spark, m, TRAINING, 2));
    jrnn.training.TrainingDivergedException e = org.junit.jupiter.api.Assertions.assertThrows(
        jrnn.training.TrainingDivergedException.class, () -> trainer.step(batches(1).get(0), null));
    assertTrue(e.getMessage().startsWith("loss is NaN at update 1"), e.getMessage());
  }

  /**
   * A vocabulary of 400 words of which each batch reads a few dozen: a shard's task carries the
   * embedding rows its tokens read and no other, and the parameters still equal one machine's
   * (the rows no shard read get a zero gradient, and the optimizer's momentum still moves them).
   */
  @Test
  void onlyTheEmbeddingRowsAShardReadsTravelAndTheUpdateIsUnchanged() {
    List<Batch> batches = new ArrayList<>();
    Rng rng = new Rng(8);
    for (Batch b : batches(6)) {
      int[] tokens = b.tokens().clone();
      int offset = 20 * rng.nextInt(20);
      for (int i = 0; i < tokens.length; i++) {
        tokens[i] += offset;
      }
      batches.add(Batch.ofTokens(b.steps(), b.size(), tokens, b.lengths(), b.targets()));
    }
    java.util.function.Supplier<SequenceModel> fresh = () -> SequenceModel.builder().tokens(400, 8).cell("lstm")
        .hidden(8).bidirectional(Bidirectional.CONCAT).readout(Readout.MAX).softmax(2).seed(7).build();
    // Static: Spark hands the task a deserialized copy of the function and what it captures.
    MISFITS.clear();
    TASKS.set(0);
    Function<ShardedGradients.Task, GradientPart> checked = task -> {
      java.util.BitSet read = new java.util.BitSet();
      for (int t : task.shard().tokens()) {
        read.set(t);
      }
      java.util.BitSet carried = new java.util.BitSet();
      for (int r : task.rows()) {
        carried.set(r);
      }
      if (!read.equals(carried) || task.rows().length != read.cardinality()
          || task.rowValues().length != read.cardinality() * 8 || read.cardinality() > 60) {
        MISFITS.add("shard " + task.shard().index() + " carries rows " + java.util.Arrays.toString(task.rows()));
      }
      TASKS.incrementAndGet();
      return ShardedGradients.computePart(task);
    };
    assertSameForEach(new int[] {1, 3}, partitions -> {
      SequenceModel m = fresh.get();
      Trainer trainer = new Trainer(m, TRAINING, new Rng(3));
      if (partitions > 0) {
        trainer.computeGradientsWith(new ShardedGradients(spark, m, TRAINING, partitions, checked));
      }
      for (Batch b : batches) {
        trainer.step(b, null);
      }
      return m.parameters().values().toArray();
    }, "400 words");
    assertEquals(6 * (1 + 3), TASKS.get());
    assertTrue(MISFITS.isEmpty(), String.join("; ", MISFITS));
  }

  static final List<String> MISFITS = new java.util.concurrent.CopyOnWriteArrayList<>();
  static final java.util.concurrent.atomic.AtomicInteger TASKS = new java.util.concurrent.atomic.AtomicInteger();

  /** Passes of 13 sequences of the batches above, the labels theirs. */
  static List<ClassifierPass> passes(jrnn.models.ModelConfig config, int count, double poison) {
    List<ClassifierPass> out = new ArrayList<>();
    for (Batch b : batches(count)) {
      int[][] sequences = new int[b.size()][];
      for (int j = 0; j < b.size(); j++) {
        sequences[j] = new int[b.length(j)];
        for (int t = 0; t < b.length(j); t++) {
          sequences[j][t] = b.tokens()[t * b.size() + j];
        }
      }
      out.add(new ClassifierPass(config, sequences, b.targets().clone(), poison));
    }
    return out;
  }

  /**
   * An application's own passes (as translation and CTC speech recognition hand them) go through
   * the shards too: eight updates of a classifier's passes over 1, 2 and 4 partitions give the
   * parameters of the same passes run on one machine.
   */
  @Test
  void passesGiveTheParametersOfOneMachine() {
    TrainingConfig training = TrainingConfig.builder().optimizer(Optimizers.momentum(0.5, 0.9)).clipNorm(0.5).build();
    float[] trained = assertSameForEach(new int[] {1, 2, 4}, partitions -> {
      // A mean readout: the max's gradient jumps where two steps nearly tie. With OpenBLAS's AVX2
      // kernels one machine's and the shards' gradient sums differ in the last bit, and at the
      // eighth update that changed which step the max picked (parameters 8e-5 apart there, 2.4e-7
      // the update before). The shards' path does not depend on the readout.
      SequenceModel m = meanReadoutModel();
      Trainer trainer = new Trainer(m.parameters(), training, new Rng(3));
      if (partitions > 0) {
        trainer.computeGradientsWith(new ShardedGradients(spark, m.parameters(), training, partitions));
      }
      for (ClassifierPass pass : passes(m.config(), 8, 0)) {
        trainer.update(pass, m);
      }
      return m.parameters().values().toArray();
    }, "passes");
    assertMoved(meanReadoutModel().parameters().values().toArray(), trained);
  }

  /**
   * A pass whose loss is infinite on an executor stops the update on the driver, which names the
   * value; a pass of the caller's own (a lambda) is refused once the gradients come from Spark,
   * since it would quietly run on the driver.
   */
  @Test
  void aDivergedPassStopsTheUpdateAndAnUnshardablePassIsRefused() {
    SequenceModel m = model();
    Trainer trainer = new Trainer(m.parameters(), TRAINING, new Rng(3));
    trainer.computeGradientsWith(new ShardedGradients(spark, m.parameters(), TRAINING, 2));
    jrnn.training.TrainingDivergedException e = org.junit.jupiter.api.Assertions.assertThrows(
        jrnn.training.TrainingDivergedException.class,
        () -> trainer.update(passes(m.config(), 1, Double.POSITIVE_INFINITY).get(0), m));
    assertTrue(e.getMessage().startsWith("loss is Infinity at update 1"), e.getMessage());
    IllegalStateException refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
        () -> trainer.update(r -> jrnn.models.LossStats.NONE));
    assertTrue(refused.getMessage().contains("ShardablePass"), refused.getMessage());
  }

  /** A task that fails every time fails the update with the task's own error, in one line. */
  @Test
  void aTaskThatAlwaysFailsFailsTheUpdateWithItsOwnError() {
    SequenceModel m = model();
    Trainer trainer = new Trainer(m, TRAINING, new Rng(3));
    trainer.computeGradientsWith(new ShardedGradients(spark, m, TRAINING, 2, task -> {
      throw new IllegalArgumentException("shard " + task.shard().index() + " cannot be computed");
    }));
    IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
        () -> trainer.step(batches(1).get(0), null));
    assertTrue(e.getMessage().matches("the Spark job of this update's gradients failed: shard \\d cannot be computed"),
        e.getMessage());
  }

  static final AtomicBoolean FAILED = new AtomicBoolean();

  @Test
  void aTaskThatFailsOnceIsRetriedAndTheUpdateIsUnchanged() {
    List<Batch> batches = batches(3);
    float[] expected = train(batches, 4, ShardedGradients::computePart, new ArrayList<>());
    FAILED.set(false);
    Function<ShardedGradients.Task, GradientPart> failingOnce = task -> {
      if (task.shard().index() == 2 && FAILED.compareAndSet(false, true)) {
        throw new IllegalStateException("injected failure of shard 2");
      }
      return ShardedGradients.computePart(task);
    };
    float[] actual = train(batches, 4, failingOnce, new ArrayList<>());
    assertTrue(FAILED.get(), "the failure was injected");
    assertNear(expected, actual, 1e-6, "after a retried task");
  }
}
