package jrnn.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import jrnn.apps.lm.LanguageModel;
import jrnn.apps.lm.LmSettings;
import jrnn.frame.AppFile;
import jrnn.frame.TrainingRun;
import jrnn.io.ModelFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash-safe training: real training runs ({@code bin/jrnn train lm}, a child JVM on this build's
 * classes) are killed with SIGKILL at random moments, many of them during the writes of the model
 * and the checkpoint that close each of the run's many short epochs. After every kill the files
 * that exist load; {@code --resume} then takes the run on, and the run that finally finishes has
 * parameters equal, bit for bit, to those of a run never interrupted, and leaves no temporary file.
 *
 * <p>The suite kills 6 times; {@code mvn test -Dtest=KillTest -Djrnn.kills=50} kills 50 times.
 */
class KillTest {
  static final int KILLS = Integer.getInteger("jrnn.kills", 6);

  @TempDir
  Path dir;

  @Test
  void killedRunsLoseNothingAndResumeToTheSameBits() throws Exception {
    String text;
    try (InputStream in = KillTest.class.getResourceAsStream("/jrnn/demo/shakespeare.txt")) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8).substring(0, 12_000);
    }
    Files.writeString(dir.resolve("train.txt"), text.substring(0, 10_000));
    Files.writeString(dir.resolve("valid.txt"), text.substring(10_000));

    Path reference = dir.resolve("reference.jrnn");
    long t0 = System.nanoTime();
    assertEquals(0, train(reference, false).waitFor(), "the uninterrupted run");
    // Kills land anywhere in a run's life, whatever this machine's speed: JVM start, epochs, writes.
    int runMillis = (int) Math.max(200, (System.nanoTime() - t0) / 1_000_000);

    Path out = dir.resolve("killed.jrnn");
    Random random = new Random(KILLS);
    int kills = 0;
    int finishedEarly = 0;
    int midWrite = 0;
    while (kills < KILLS) {
      Process p = train(out, TrainingRun.hasCheckpoint(out));
      long wait = runMillis / 10 + random.nextInt(runMillis * 8 / 10);
      if (p.waitFor(wait, TimeUnit.MILLISECONDS)) {
        // The run finished before the kill: start again from scratch for the next one.
        finishedEarly++;
        assertTrue(finishedEarly < 3 * KILLS, "the runs finish before they can be killed");
        deleteRun(out);
        continue;
      }
      kill(p);
      kills++;
      if (names("killed.jrnn").stream().anyMatch(n -> n.endsWith(".tmp"))) {
        midWrite++;
      }
      if (Files.exists(out)) {
        LanguageModel.load(out);
      }
      if (TrainingRun.hasCheckpoint(out)) {
        AppFile.read(TrainingRun.checkpointPath(out), LmSettings.SCHEMA, "language model checkpoint");
      }
    }
    // How many kills landed inside a file's write (its temporary file there), for docs/reliability.md.
    System.out.printf("KillTest: %d kills, %d of them during a write%n", kills, midWrite);
    Process last = train(out, TrainingRun.hasCheckpoint(out));
    assertTrue(last.waitFor(300, TimeUnit.SECONDS), "the resumed run finishes");
    assertEquals(0, last.exitValue(), Files.readString(dir.resolve("err.txt")));

    assertArrayEquals(parameters(reference), parameters(out), "the best model");
    assertArrayEquals(parameters(TrainingRun.checkpointPath(reference)), parameters(TrainingRun.checkpointPath(out)),
        "the last checkpoint");
    Set<String> left = names("killed.jrnn");
    Set<String> expected = names("reference.jrnn").stream().map(n -> n.replace("reference.jrnn", "killed.jrnn"))
        .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(expected, left, "no temporary file is left after a clean finish");
    try (Stream<Path> inTmp = Files.list(dir.resolve("tmp"))) {
      // JavaCPP keeps its native libraries there when the home folder is not writable: a cache meant to stay.
      assertEquals(List.of(), inTmp.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".javacpp"))
          .toList(), "the killed runs left nothing in the temporary folder");
    }
  }

  private Process train(Path out, boolean resume) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of("bin/jrnn").toAbsolutePath().toString(),
        "train", "lm", "--train", dir.resolve("train.txt").toString(), "--valid", dir.resolve("valid.txt").toString(),
        "--level", "char", "--hidden", "24", "--embedding", "8", "--layers", "1", "--dropout", "0.2",
        "--steps", "16", "--batch", "8", "--epochs", "30", "--seed", "5", "--out", out.toString()));
    if (resume) {
      command.add("--resume");
    }
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
    pb.environment().remove("JRNN_DEBUG");
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().put("JRNN_CLASSPATH", System.getProperty("java.class.path"));
    // The launcher's and the JVM's temporary files go to a folder of the test's, to be checked.
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    pb.environment().put("TMPDIR", tmp.toString());
    pb.environment().put("JRNN_JAVA_OPTS", "-Xmx256m -Djava.io.tmpdir=" + tmp);
    pb.environment().put("JRNN_THREADS", "2");
    pb.redirectOutput(dir.resolve("out.txt").toFile());
    pb.redirectError(dir.resolve("err.txt").toFile());
    return pb.start();
  }

  /** SIGKILL to the JVM (the launcher's child) and to the launcher, as a crash or the OOM killer would. */
  private static void kill(Process launcher) throws InterruptedException {
    List<ProcessHandle> jvms = launcher.descendants().toList();
    for (ProcessHandle jvm : jvms) {
      jvm.destroyForcibly();
    }
    launcher.destroyForcibly();
    for (ProcessHandle jvm : jvms) {
      jvm.onExit().join();
    }
    launcher.waitFor();
  }

  private static float[] parameters(Path file) throws IOException {
    return ModelFile.read(file).getFloats("params");
  }

  private void deleteRun(Path out) throws IOException {
    for (String name : names(out.getFileName().toString())) {
      Files.delete(dir.resolve(name));
    }
  }

  private Set<String> names(String prefix) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix))
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }
}
