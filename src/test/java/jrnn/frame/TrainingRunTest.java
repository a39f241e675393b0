package jrnn.frame;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import jrnn.apps.sentiment.Example;
import jrnn.apps.sentiment.SentimentModel;
import jrnn.apps.sentiment.SentimentSettings;
import jrnn.apps.sentiment.SentimentTask;
import jrnn.io.ModelFile;
import jrnn.io.ModelFileException;
import jrnn.training.Telemetry;
import jrnn.util.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one training run, on a small sentiment task: resume, early stopping, the time budget, files. */
class TrainingRunTest {
  @TempDir
  Path dir;

  static final List<Example> TRAIN = jrnn.apps.sentiment.ToyPolarity.examples(new Rng(2), 300);
  static final List<Example> VALID = jrnn.apps.sentiment.ToyPolarity.examples(new Rng(3), 100);
  static final Settings SMALL = SentimentSettings.SCHEMA.preset("mr").with(Map.of("embedding", "12", "hidden", "8",
      "epochs", "3", "lr", "1e-2", "batch", "25", "word_dropout", "0.1", "adversarial", "0", "checks_per_epoch", "3"));

  static SentimentTask task(Settings s) {
    return new SentimentTask(SentimentModel.create(s, SentimentModel.vocabulary(TRAIN, 1)), TRAIN, VALID);
  }

  static PrintStream quiet() {
    return new PrintStream(new ByteArrayOutputStream());
  }

  @Test
  void aResumedRunEndsWhereAnUninterruptedOneDoesBitForBit() throws IOException {
    SentimentTask whole = task(SMALL);
    TrainingRun uninterrupted = new TrainingRun(whole, dir.resolve("a.jrnn"), quiet());
    uninterrupted.run();
    new TrainingRun(task(SMALL), dir.resolve("b.jrnn"), quiet()).run(2);
    SentimentTask fresh = task(SMALL);
    TrainingRun resumed = new TrainingRun(fresh, dir.resolve("b.jrnn"), quiet());
    resumed.resume();
    assertEquals(2, resumed.nextEpoch());
    resumed.run();
    assertArrayEquals(whole.trained().parameters().values().toArray(), fresh.trained().parameters().values().toArray());
    assertEquals(uninterrupted.history().checks(), resumed.history().checks());
    assertEquals(uninterrupted.history().epochs().size(), resumed.history().epochs().size());
    assertEquals(uninterrupted.best(), resumed.best(), 0.0);
    assertEquals("finished", resumed.history().stopped());
    // The gradient norms' table tells the whole run, the updates before the resume too.
    Path table = Telemetry.tablePath(TrainingRun.telemetryPath(dir.resolve("a.jrnn")));
    assertEquals(Files.readString(table), Files.readString(
        Telemetry.tablePath(TrainingRun.telemetryPath(dir.resolve("b.jrnn")))));
    assertTrue(Files.readAllLines(table).size() > 3);
    // Each keeps the best model of its run, and the same one.
    assertArrayEquals(SentimentModel.load(dir.resolve("a.jrnn")).model().parameters().values().toArray(),
        SentimentModel.load(dir.resolve("b.jrnn")).model().parameters().values().toArray());
  }

  @Test
  void aCleanFinishLeavesTheModelItsCheckpointAndPlotsAndNothingElse() throws IOException {
    new TrainingRun(task(SMALL), dir.resolve("m.jrnn"), quiet()).run();
    try (Stream<Path> files = Files.list(dir)) {
      Set<String> names = files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
      assertEquals(Set.of("m.jrnn", "m.jrnn.ckpt", "m.jrnn.loss.png", "m.jrnn.gradnorm.tsv", "m.jrnn.gradnorm.png"),
          names);
    }
    AppFile.Contents c = AppFile.read(dir.resolve("m.jrnn"), SentimentSettings.SCHEMA, "sentiment classifier");
    assertEquals(AppFile.VERSION, c.header().version());
    RunHistory h = c.history();
    assertNotNull(h, "the model file tells its run");
    assertEquals(3, h.epochs().size());
    assertEquals(9, h.checks().size());
    assertEquals("finished", h.stopped());
    assertEquals(SMALL, c.settings());
  }

  @Test
  void patienceStopsARunThatNoLongerImproves() throws IOException {
    // A rate of 1e-12 changes no prediction: the first check is the best there will be.
    Settings still = SMALL.with(Map.of("lr", "1e-12", "patience", "2"));
    TrainingRun run = new TrainingRun(task(still), dir.resolve("p.jrnn"), quiet());
    RunHistory h = run.run();
    assertEquals("patience", h.stopped());
    assertEquals(3, h.checks().size(), "the first check and two without a new best");
    assertEquals(1, h.epochs().size());
    assertTrue(Files.exists(dir.resolve("p.jrnn")), "the best model is kept");
  }

  @Test
  void theTimeBudgetStopsAtTheNextCheckAndKeepsTheBestModel() throws IOException {
    Settings hurried = SMALL.with(Map.of("max_minutes", "1e-6"));
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    TrainingRun run = new TrainingRun(task(hurried), dir.resolve("t.jrnn"), new PrintStream(log, true,
        StandardCharsets.UTF_8));
    RunHistory h = run.run();
    assertEquals("time budget", h.stopped());
    assertEquals(1, h.checks().size(), "stopped at the first check");
    assertEquals(false, h.epochs().get(0).whole());
    assertTrue(log.toString(StandardCharsets.UTF_8).contains("time budget"), log.toString(StandardCharsets.UTF_8));
    SentimentModel kept = SentimentModel.load(dir.resolve("t.jrnn"));
    assertEquals(h.checks().get(0).figure(), kept.evaluate(VALID, 200).accuracy(), 0.0, "the file holds the checked model");
    assertTrue(!Files.exists(TrainingRun.checkpointPath(dir.resolve("t.jrnn"))), "no checkpoint of a partial epoch");
  }

  /**
   * A fresh run over an earlier one's files: the earlier checkpoint goes when the new model is
   * written, so that --resume cannot write that run's best figure and history into this run's
   * model (a run stopped in its first epoch had left both, and the resumed run claimed the
   * earlier run's best for weights that did not give it).
   */
  @Test
  void aFreshRunOverAnEarlierOnesFilesRemovesItsCheckpointWhenItWritesItsModel() throws IOException {
    Path m = dir.resolve("m.jrnn");
    new TrainingRun(task(SMALL), m, quiet()).run();
    assertTrue(Files.exists(TrainingRun.checkpointPath(m)));
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    TrainingRun stopped = new TrainingRun(task(SMALL.with(Map.of("max_minutes", "1e-6"))), m,
        new PrintStream(log, true, StandardCharsets.UTF_8));
    stopped.execute(false);
    String said = log.toString(StandardCharsets.UTF_8);
    assertTrue(said.contains("exists; starting afresh") && said.contains("removed " + TrainingRun.checkpointPath(m)),
        said);
    assertTrue(!Files.exists(TrainingRun.checkpointPath(m)), "the earlier run's checkpoint is gone");
    ModelFileException e = assertThrows(ModelFileException.class,
        () -> new TrainingRun(task(SMALL), m, quiet()).resume());
    assertTrue(e.getMessage().contains("there is no checkpoint"), e.getMessage());
    assertEquals(stopped.best(), SentimentModel.load(m).evaluate(VALID, 200).accuracy(), 0.0);
  }

  /** Another validation set of the same vocabulary had been taken in silence, its figures set beside the old best. */
  @Test
  void aRunIsResumedOnlyOnTheDataItWasMadeWith() throws IOException {
    Path m = dir.resolve("m.jrnn");
    new TrainingRun(task(SMALL), m, quiet()).run(1);
    SentimentTask otherValidation = new SentimentTask(SentimentModel.create(SMALL, SentimentModel.vocabulary(TRAIN,
        1)), TRAIN, VALID.subList(0, 50));
    ModelFileException e = assertThrows(ModelFileException.class,
        () -> new TrainingRun(otherValidation, m, quiet()).resume());
    assertTrue(e.getMessage().contains("other training or validation data"), e.getMessage());
    TrainingRun same = new TrainingRun(task(SMALL), m, quiet());
    same.resume();
    assertEquals(1, same.nextEpoch());
  }

  /** Sums split over another number of threads round otherwise: a resume says it will not be bit for bit. */
  @Test
  void aResumeOnOtherThreadsThanTheCheckpointsRunSaysSo() throws IOException {
    Path m = dir.resolve("m.jrnn");
    new TrainingRun(task(SMALL), m, quiet()).run(1);
    ByteArrayOutputStream same = new ByteArrayOutputStream();
    new TrainingRun(task(SMALL), m, new PrintStream(same, true, StandardCharsets.UTF_8)).resume();
    assertTrue(!same.toString(StandardCharsets.UTF_8).contains("summed on"), same.toString(StandardCharsets.UTF_8));
    ModelFile ckpt = ModelFile.read(TrainingRun.checkpointPath(m));
    Map<String, String> state = new java.util.LinkedHashMap<>(ckpt.getProperties("state"));
    assertEquals(jrnn.kernels.Parallel.threads() + " threads", state.get("summed_on"));
    state.put("summed_on", "7 threads");
    ckpt.putProperties("state", state).write(TrainingRun.checkpointPath(m));
    ByteArrayOutputStream other = new ByteArrayOutputStream();
    new TrainingRun(task(SMALL), m, new PrintStream(other, true, StandardCharsets.UTF_8)).resume();
    String said = other.toString(StandardCharsets.UTF_8);
    assertTrue(said.contains("summed on 7 threads, this one on " + jrnn.kernels.Parallel.threads() + " threads"), said);
  }

  @Test
  void aCheckpointOfOtherSettingsOrAnOlderFormatIsRefusedSayingWhy() throws IOException {
    Path out = dir.resolve("c.jrnn");
    new TrainingRun(task(SMALL), out, quiet()).run(1);
    TrainingRun other = new TrainingRun(task(SMALL.with(Map.of("hidden", "9"))), out, quiet());
    ModelFileException e = assertThrows(ModelFileException.class, other::resume);
    assertTrue(e.getMessage().contains("hidden 8 -> 9"), e.getMessage());
    // A time budget and the number of epochs are controls of the run: a resumed run may have others.
    new TrainingRun(task(SMALL.with(Map.of("max_minutes", "30", "epochs", "5"))), out, quiet()).resume();
    // An optimizer state of another size (its checksum intact) is refused, not restarted in silence.
    ModelFile shortened = ModelFile.read(TrainingRun.checkpointPath(out));
    float[] state = shortened.getFloats("optimizer");
    byte[] kept = shortened.get("optimizer");
    shortened.putFloats("optimizer", java.util.Arrays.copyOf(state, state.length - 2));
    shortened.write(TrainingRun.checkpointPath(out));
    e = assertThrows(ModelFileException.class, () -> new TrainingRun(task(SMALL), out, quiet()).resume());
    assertTrue(e.getMessage().contains("optimizer state of " + (state.length - 2) + " values")
        && e.getMessage().contains("keeps " + state.length), e.getMessage());
    shortened.put("optimizer", kept);
    shortened.write(TrainingRun.checkpointPath(out));
    new TrainingRun(task(SMALL), out, quiet()).resume();

    ModelFile older = new ModelFile();
    ModelFile current = ModelFile.read(TrainingRun.checkpointPath(out));
    for (String section : List.of("meta", "layout", "params", "vocab", "optimizer")) {
      older.put(section, current.get(section));
    }
    older.putText("history", "1 0.01 0.69 0.5 3.0\n");
    older.write(TrainingRun.checkpointPath(out));
    e = assertThrows(ModelFileException.class, () -> new TrainingRun(task(SMALL), out, quiet()).resume());
    assertTrue(e.getMessage().contains("earlier jrnn") && e.getMessage().contains("without --resume"), e.getMessage());
  }

  @Test
  void anOutputThatCannotBeWrittenStopsTheRunBeforeItsFirstUpdate() throws IOException {
    Files.writeString(dir.resolve("plain.txt"), "a file, not a folder");
    TrainingRun run = new TrainingRun(task(SMALL), dir.resolve("plain.txt").resolve("m.jrnn"), quiet());
    assertThrows(IOException.class, run::run);
    assertEquals(0, run.history().epochs().size(), "no epoch ran");
    TrainingRun onFolder = new TrainingRun(task(SMALL), dir, quiet());
    IOException e = assertThrows(IOException.class, onFolder::run);
    assertTrue(e.getMessage().contains("is a folder"), e.getMessage());
    // The files written beside the model too: each had been met after the first epoch's updates.
    for (String beside : List.of("w.jrnn.ckpt", "w.jrnn.loss.png", "w.jrnn.gradnorm.tsv", "w.jrnn.gradnorm.png")) {
      Path folder = Files.createDirectories(dir.resolve(beside));
      TrainingRun blocked = new TrainingRun(task(SMALL), dir.resolve("w.jrnn"), quiet());
      e = assertThrows(IOException.class, blocked::run, beside);
      assertTrue(e.getMessage().contains(beside + " is a folder"), e.getMessage());
      assertEquals(0, blocked.history().epochs().size(), "no epoch ran with " + beside + " a folder");
      Files.delete(folder);
    }
  }

  /** A fine-grained classifier's training figure is of five labels, its checks' of two: its curve's line says so. */
  @Test
  void theTrainingCurveNamesWhatItsFigureIsOf() {
    assertEquals("training", task(SMALL).trainingCurveName());
    assertEquals("training (five labels)", task(SMALL.with(Map.of("fine_grained", "true"))).trainingCurveName());
  }

  @Test
  void aTaskWithNothingToTrainOnIsRefusedBeforeItWritesAModel() {
    SentimentTask empty = new SentimentTask(task(SMALL).trained(), List.of(), VALID);
    TrainingRun run = new TrainingRun(empty, dir.resolve("empty.jrnn"), quiet());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, run::run);
    assertTrue(e.getMessage().contains("nothing to train on"), e.getMessage());
    assertTrue(!Files.exists(dir.resolve("empty.jrnn")), "no model written");
  }

  @Test
  void resumingWithoutACheckpointSaysWhy() throws IOException {
    ModelFileException e = assertThrows(ModelFileException.class,
        () -> new TrainingRun(task(SMALL), dir.resolve("none.jrnn"), quiet()).resume());
    assertTrue(e.getMessage().contains("none.jrnn.ckpt") && e.getMessage().contains("without --resume"), e.getMessage());
    IllegalArgumentException noFiles = assertThrows(IllegalArgumentException.class,
        () -> new TrainingRun(task(SMALL), null, quiet()).resume());
    assertTrue(noFiles.getMessage().contains("no checkpoint"), noFiles.getMessage());
  }

  @Test
  void aHistoryRoundTripsAndAMalformedOneIsNamedByLine() throws IOException {
    Path out = dir.resolve("h.jrnn");
    RunHistory h = new TrainingRun(task(SMALL.with(Map.of("epochs", "1"))), out, quiet()).run();
    RunHistory back = RunHistory.parse(h.toText(), out);
    assertEquals(h.checks(), back.checks());
    assertEquals(h.epochs(), back.epochs());
    assertEquals(h.summary(), back.summary());
    assertEquals(Metric.ACCURACY, back.metric());
    RunHistory own = RunHistory.parse("metric bleu higher\nupdates 3\nstopped finished\ncheck 1 3 3 21.5 NaN\n"
        + "check 1 3 3 20.0 NaN\n", out);
    assertEquals(21.5, own.best().figure(), "an application's own metric keeps its direction");
    for (String bad : List.of("epoch 1 0.1\n", "metric accuracy higher\nepoch 1 1 1 1 1 1 1 maybe\n",
        "metric accuracy sideways\n", "metric accuracy higher\ncheck 1 x 3 0.5 0.1\n")) {
      ModelFileException e = assertThrows(ModelFileException.class, () -> RunHistory.parse(bad, out), bad);
      assertTrue(e.getMessage().contains("h.jrnn") && e.getMessage().contains("line "), e.getMessage());
    }
  }

  @Test
  void aFileWrittenBeforeTheFrameStillLoads() throws IOException {
    Path out = dir.resolve("v1.jrnn");
    SentimentTask t = task(SMALL);
    t.file().write(out);
    ModelFile current = ModelFile.read(out);
    ModelFile older = new ModelFile();
    for (String section : List.of("meta", "layout", "params", "vocab")) {
      older.put(section, current.get(section));
    }
    Map<String, String> meta = older.getProperties("meta");
    meta.put("sentiment.decay", meta.remove("sentiment.decay_factor"));
    meta.put("sentiment.evals_per_epoch", meta.remove("sentiment.checks_per_epoch"));
    meta.remove("sentiment.decay_start");
    meta.remove("sentiment.patience");
    meta.remove("sentiment.max_minutes");
    older.putProperties("meta", meta);
    older.write(out);
    AppFile.Contents c = AppFile.read(out, SentimentSettings.SCHEMA, "sentiment classifier");
    assertEquals(1, c.header().version());
    assertEquals(SMALL, c.settings(), "the old names and absent keys read as they meant");
    assertEquals(null, c.history());
    assertArrayEquals(t.trained().parameters().values().toArray(), c.model().parameters().values().toArray());
  }
}
