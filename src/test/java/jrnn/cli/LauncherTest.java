package jrnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/jrnn} as a user runs it, in a child process on this build's classes: standard error
 * holds jrnn's own messages, the JVM's incubator notice only when JRNN_DEBUG asks for it, and
 * every other line the JVM prints.
 */
class LauncherTest {
  static final String NOTICE = "WARNING: Using incubator modules: jdk.incubator.vector";

  @TempDir
  Path dir;

  record Result(int exit, String out, List<String> err) {}

  /** bin/jrnn with {@code args}, on this build's classes, its output and errors to files in {@code dir}. */
  ProcessBuilder launcher(Map<String, String> env, String... args) {
    List<String> command = new java.util.ArrayList<>(List.of(Path.of("bin/jrnn").toAbsolutePath().toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
    pb.environment().remove("JRNN_DEBUG");
    pb.environment().remove("JAVA_TOOL_OPTIONS");
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().put("JRNN_CLASSPATH", System.getProperty("java.class.path"));
    pb.environment().put("JRNN_JAVA_OPTS", "-Xmx512m");
    pb.environment().putAll(env);
    pb.redirectOutput(dir.resolve("out.txt").toFile());
    pb.redirectError(dir.resolve("err.txt").toFile());
    return pb;
  }

  Result launch(Map<String, String> env, String... args) throws IOException, InterruptedException {
    Process p = launcher(env, args).start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "bin/jrnn did not finish");
    String err = java.nio.file.Files.readString(dir.resolve("err.txt"), StandardCharsets.UTF_8);
    return new Result(p.exitValue(), java.nio.file.Files.readString(dir.resolve("out.txt")),
        err.isEmpty() ? List.of() : List.of(err.split("\n")));
  }

  @Test
  void anErrorIsTheFirstLineOfStandardError() throws Exception {
    Result r = launch(Map.of(), "eval", "lm", "--model", "missing.jrnn", "--data", "missing.txt");
    assertEquals(2, r.exit(), r.err().toString());
    assertFalse(r.err().isEmpty(), "an error message");
    assertTrue(r.err().get(0).startsWith("jrnn: eval lm: ") && r.err().get(0).contains("missing.jrnn"), r.err().toString());
    assertFalse(r.err().contains(NOTICE), r.err().toString());
  }

  @Test
  void standardOutputAndTheExitCodeAreUntouched() throws Exception {
    Result r = launch(Map.of(), "--version");
    assertEquals(0, r.exit());
    assertEquals("jrnn 0.1.0\n", r.out());
    assertEquals(List.of(), r.err());
  }

  @Test
  void theNoticeShowsWithJrnnDebugAndOtherJvmLinesAlways() throws Exception {
    Result debug = launch(Map.of("JRNN_DEBUG", "1"), "--version");
    assertEquals(0, debug.exit());
    assertTrue(debug.err().contains(NOTICE), "JRNN_DEBUG shows the JVM's notice: " + debug.err());
    Result other = launch(Map.of("JAVA_TOOL_OPTIONS", "-Djrnn.launcher.test=1"), "--version");
    assertEquals(0, other.exit());
    assertTrue(other.err().contains("Picked up JAVA_TOOL_OPTIONS: -Djrnn.launcher.test=1"), other.err().toString());
    assertFalse(other.err().contains(NOTICE), other.err().toString());
  }

  @Test
  void aLauncherKilledWithSigkillLeavesNothingInTheTemporaryFolder() throws Exception {
    Path tmp = java.nio.file.Files.createDirectory(dir.resolve("tmp"));
    Process launcher = launcher(Map.of("TMPDIR", tmp.toString()), "demo", "--seconds", "600").start();
    List<ProcessHandle> jvms = List.of();
    for (int i = 0; i < 600 && jvms.isEmpty(); i++) {
      jvms = launcher.descendants().filter(h -> h.info().command().orElse("").endsWith("java")).toList();
      Thread.sleep(100);
    }
    assertFalse(jvms.isEmpty(), "the launcher started a JVM");
    launcher.destroyForcibly(); // SIGKILL: no trap of the launcher runs
    assertTrue(launcher.waitFor(120, TimeUnit.SECONDS), "the launcher ended");
    for (ProcessHandle jvm : jvms) {
      jvm.destroyForcibly();
      jvm.onExit().get(120, TimeUnit.SECONDS);
    }
    try (java.util.stream.Stream<Path> left = java.nio.file.Files.list(tmp)) {
      assertEquals(List.of(), left.map(p -> p.getFileName().toString()).toList(), "files the launcher left in TMPDIR");
    }
  }

  @Test
  void aSignalToTheLauncherStopsTheJvm() throws Exception {
    Process launcher = launcher(Map.of(), "demo", "--seconds", "600").start();
    List<ProcessHandle> jvms = List.of();
    for (int i = 0; i < 600 && jvms.isEmpty(); i++) {
      jvms = launcher.descendants().filter(h -> h.info().command().orElse("").endsWith("java")).toList();
      Thread.sleep(100);
    }
    assertFalse(jvms.isEmpty(), "the launcher started a JVM");
    launcher.destroy(); // SIGTERM, to the launcher alone, as a supervisor sends it
    assertTrue(launcher.waitFor(120, TimeUnit.SECONDS), "the launcher ended");
    for (ProcessHandle jvm : jvms) {
      jvm.onExit().get(120, TimeUnit.SECONDS);
      assertFalse(jvm.isAlive(), "the JVM ended with its launcher");
    }
    assertEquals(143, launcher.exitValue(), "the JVM's status after TERM");
  }
}
