package jrnn.frame;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import jrnn.apps.sentiment.SentimentModel;
import jrnn.apps.sentiment.SentimentTask;
import jrnn.io.ModelFileException;
import jrnn.models.LossStats;
import jrnn.training.Trainer;
import jrnn.training.TrainingConfig;
import jrnn.training.TrainingDivergedException;
import jrnn.util.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A NaN or infinite loss or gradient, planted at a chosen update: the update is never made, the
 * error names the update (and the parameter), and with {@code on_divergence=rollback} the run
 * goes back to its last checkpoint (or its start) with a lower learning rate and finishes.
 */
class DivergenceTest {
  @TempDir
  Path dir;

  /** The element of the flat parameter vector whose gradient a gradient fault makes NaN. */
  static final int PLANTED_AT = 7;

  /** What to plant at update {@code update} (from 1) of epoch {@code epoch} (from 0), {@code times} times. */
  record Fault(int epoch, int update, boolean inGradient, int times) {}

  /** The sentiment task of TrainingRunTest, with {@code fault} planted; {@code before} gets the parameters before it. */
  static TrainingTask faulty(Settings s, Fault fault, float[][] before) {
    return faulty(s, fault, before, 0, null);
  }

  /**
   * As {@link #faulty(Settings, Fault, float[][])}, and check {@code bestCheck} (from 1; 0: none)
   * reports a figure of 0.99, better than any the toy task reaches, with the parameters it judged
   * into {@code atBest}.
   */
  static TrainingTask faulty(Settings s, Fault fault, float[][] before, int bestCheck, float[][] atBest) {
    SentimentTask task = TrainingRunTest.task(s);
    int[] planted = {0};
    int[] checks = {0};
    return new TrainingTask() {
      @Override
      public TrainedModel trained() {
        return task.trained();
      }

      @Override
      public TrainingConfig trainingConfig() {
        return task.trainingConfig();
      }

      @Override
      public Metric metric() {
        return task.metric();
      }

      @Override
      public String unit() {
        return task.unit();
      }

      @Override
      public long unitsPerEpoch() {
        return task.unitsPerEpoch();
      }

      @Override
      public Epoch epoch(int epoch, Rng rng) {
        Epoch inner = task.epoch(epoch, rng);
        int[] done = {0};
        return new Epoch() {
          @Override
          public int updates() {
            return inner.updates();
          }

          @Override
          public LossStats next(Trainer trainer) {
            done[0]++;
            if (epoch == fault.epoch() && done[0] == fault.update() && planted[0] < fault.times()) {
              planted[0]++;
              before[0] = task.trained().parameters().values().toArray();
              return trainer.update(r -> {
                if (fault.inGradient()) {
                  task.trained().parameters().grads().set(PLANTED_AT, Float.NaN);
                  return new LossStats(0.5, 1, 0, 1);
                }
                return new LossStats(Double.NaN, 1, 0, 1);
              }).loss();
            }
            return inner.next(trainer);
          }
        };
      }

      @Override
      public boolean hasValidation() {
        return task.hasValidation();
      }

      @Override
      public Validation validate() {
        Validation v = task.validate();
        if (++checks[0] == bestCheck) {
          atBest[0] = task.trained().parameters().values().toArray();
          return new Validation(0.99, v.loss());
        }
        return v;
      }

      @Override
      public void checkResumable(AppFile.Contents checkpoint) throws ModelFileException {
        task.checkResumable(checkpoint);
      }
    };
  }

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream log = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  @Test
  void aNanGradientStopsTheRunBeforeTheUpdateNamingTheStepAndTheParameter() throws IOException {
    float[][] before = new float[1][];
    TrainingTask task = faulty(TrainingRunTest.SMALL, new Fault(1, 3, true, 1), before);
    TrainingRun run = new TrainingRun(task, dir.resolve("m.jrnn"), log);
    TrainingDivergedException e = assertThrows(TrainingDivergedException.class, run::run);
    String name = task.trained().parameters().layout().entries().get(0).name();
    long updatesBefore = 12 + 2;   // a whole first epoch of 12 updates, then two of the second
    assertTrue(e.getMessage().contains("gradient norm is NaN at update " + (updatesBefore + 1))
        && e.getMessage().contains("the gradient of " + name + "[" + PLANTED_AT + "] = NaN"), e.getMessage());
    assertArrayEquals(before[0], task.trained().parameters().values().toArray(), "the update was not made");
    assertTrue(TrainingRun.hasCheckpoint(dir.resolve("m.jrnn")), "the first epoch's checkpoint is kept");
  }

  @Test
  void aNanLossStopsTheRunNamingTheStep() {
    float[][] before = new float[1][];
    TrainingTask task = faulty(TrainingRunTest.SMALL, new Fault(0, 5, false, 1), before);
    TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
        () -> new TrainingRun(task, null, log).run());
    assertTrue(e.getMessage().startsWith("loss is NaN at update 5"), e.getMessage());
    assertArrayEquals(before[0], task.trained().parameters().values().toArray());
  }

  @Test
  void rollbackReloadsTheLastCheckpointLowersTheRateAndFinishes() throws IOException {
    Settings s = TrainingRunTest.SMALL.with(Map.of("on_divergence", "rollback", "divergence_lr_factor", "0.25"));
    TrainingTask task = faulty(s, new Fault(1, 3, true, 1), new float[1][]);
    TrainingRun run = new TrainingRun(task, dir.resolve("m.jrnn"), log);
    RunHistory h = run.run();
    String said = bytes.toString(StandardCharsets.UTF_8);
    assertTrue(said.contains("rollback 1 of 3: back to the checkpoint after epoch 1, learning rate scaled by 0.25"), said);
    assertEquals("finished", h.stopped());
    assertEquals(3, h.epochs().size(), "epochs 1, 2 (again) and 3");
    jrnn.optim.LearningRateSchedule schedule = task.trainingConfig().schedule();
    assertEquals(schedule.rate(0), h.epochs().get(0).lr(), 1e-12, "epoch 1, before the divergence");
    for (int e = 1; e < 3; e++) {
      assertEquals(0.25 * schedule.rate(e), h.epochs().get(e).lr(), 1e-12, "epoch " + (e + 1));
    }
    assertEquals("0.25", jrnn.io.ModelFile.read(TrainingRun.checkpointPath(dir.resolve("m.jrnn")))
        .getProperties("state").get("lr_scale"), "the checkpoint keeps the lowered rate for --resume");
  }

  @Test
  void aRolledBackRunEndsWhereARunResumedFromThatCheckpointAtTheLowerRateDoesBitForBit() throws IOException {
    Settings s = TrainingRunTest.SMALL.with(Map.of("on_divergence", "rollback", "divergence_lr_factor", "0.25"));
    TrainingTask faulty = faulty(s, new Fault(1, 3, false, 1), new float[1][]);
    new TrainingRun(faulty, dir.resolve("rolled.jrnn"), log).run();
    float[] rolled = faulty.trained().parameters().values().toArray();

    // The same run stopped after its first epoch; its checkpoint given the lowered rate; resumed.
    Path out = dir.resolve("resumed.jrnn");
    new TrainingRun(TrainingRunTest.task(s), out, log).run(1);
    Path ckpt = TrainingRun.checkpointPath(out);
    jrnn.io.ModelFile f = jrnn.io.ModelFile.read(ckpt);
    Map<String, String> state = new java.util.TreeMap<>(f.getProperties("state"));
    state.put("lr_scale", "0.25");
    f.putProperties("state", state).write(ckpt);
    SentimentTask fresh = TrainingRunTest.task(s);
    TrainingRun resumed = new TrainingRun(fresh, out, log);
    resumed.resume();
    resumed.run();
    assertArrayEquals(fresh.trained().parameters().values().toArray(), rolled,
        "parameters, optimizer state, update count and generators all came back");
  }

  @Test
  void theBestModelOfAnAbandonedEpochStaysTheOneToBeatAndInTheHistory() throws IOException {
    // Checks 3 times an epoch: the first check of epoch 2 (the run's 4th, after its 4th update) is
    // made before the fault at its 5th, and is planted as the run's best; with a rate of 1e-12
    // after the rollback nothing improves on it.
    Settings s = TrainingRunTest.SMALL.with(Map.of("on_divergence", "rollback", "divergence_lr_factor", "1e-12"));
    float[][] atBest = new float[1][];
    TrainingTask task = faulty(s, new Fault(1, 5, false, 1), new float[1][], 4, atBest);
    TrainingRun run = new TrainingRun(task, dir.resolve("m.jrnn"), log);
    RunHistory h = run.run();
    RunHistory.Check first = h.checks().stream().filter(c -> c.epoch() == 2).findFirst().orElseThrow();
    assertEquals(4, first.update(), h.checks().toString());
    assertEquals(0.99, first.figure(), 0.0, "the abandoned epoch's check is the planted best: " + h.checks());
    assertEquals(0.99, run.best(), 0.0, "the best figure is still the abandoned epoch's");
    assertTrue(h.checks().stream().filter(c -> c.epoch() == 2).count() > 3,
        "the abandoned epoch's check is kept beside the epoch run again: " + h.checks());
    // And the model file holds the model that check judged, not one of the epoch run again.
    SentimentModel kept = SentimentModel.load(dir.resolve("m.jrnn"));
    assertArrayEquals(atBest[0], kept.model().parameters().values().toArray(), "the file's model is the best check's");
  }

  @Test
  void beforeTheFirstCheckpointARollbackGoesBackToTheStartAndTheLimitHolds() throws IOException {
    Settings s = TrainingRunTest.SMALL.with(Map.of("on_divergence", "rollback", "max_rollbacks", "2"));
    TrainingRun once = new TrainingRun(faulty(s, new Fault(0, 4, false, 1), new float[1][]), null, log);
    assertEquals("finished", once.run().stopped());
    assertTrue(bytes.toString(StandardCharsets.UTF_8).contains("rollback 1 of 2: back to the run's start,"),
        bytes.toString(StandardCharsets.UTF_8));
    TrainingRun always = new TrainingRun(faulty(s, new Fault(0, 4, false, 5), new float[1][]), null, log);
    TrainingDivergedException e = assertThrows(TrainingDivergedException.class, always::run);
    assertTrue(e.getMessage().contains("(after 2 rollbacks, --max-rollbacks 2)"), e.getMessage());
  }
}
