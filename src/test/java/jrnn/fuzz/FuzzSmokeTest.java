package jrnn.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The normal test run fuzzes too, briefly: every target of {@link ReadersFuzzTest} under Jazzer
 * for {@code jrnn.fuzz.seconds} (default 3) in a JVM of its own, instrumented, from its seed
 * corpus. A finding fails the test and lands in the target's corpus folder
 * (src/test/resources/jrnn/fuzz/ReadersFuzzTestInputs/TARGET/), where it stays a regression test.
 */
class FuzzSmokeTest {
  static final int SECONDS = Integer.getInteger("jrnn.fuzz.seconds", 3);

  @TempDir
  Path dir;

  @Test
  void everyReaderSurvivesAFewSecondsOfFuzzing() throws Exception {
    List<String> failures = new ArrayList<>();
    int targets = 0;
    for (Method m : ReadersFuzzTest.class.getDeclaredMethods()) {
      if (!m.isAnnotationPresent(FuzzTest.class)) {
        continue;
      }
      targets++;
      Path log = dir.resolve(m.getName() + ".log");
      Process p = fuzz(m.getName(), log);
      boolean ended = p.waitFor(SECONDS + 120L, TimeUnit.SECONDS);
      if (!ended) {
        p.destroyForcibly();
      }
      String out = Files.readString(log);
      Matcher done = Pattern.compile("(?m)^Done (\\d+) runs").matcher(out);
      // "Done N runs": the fuzzer itself ran, past the seeds, and found nothing.
      if (!ended || p.exitValue() != 0 || !done.find() || Long.parseLong(done.group(1)) == 0) {
        failures.add(m.getName() + (ended ? ": exit " + p.exitValue() : ": did not end") + "\n" + tail(out));
      }
    }
    assertTrue(failures.isEmpty(), String.join("\n\n", failures));
    assertEquals(17, targets, "the fuzz targets");
  }

  private static Process fuzz(String target, Path log) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--add-modules=jdk.incubator.vector", "-Xmx1g", "-cp", System.getProperty("java.class.path"),
        FuzzOne.class.getName(), target);
    pb.environment().put("JAZZER_FUZZ", "1");
    pb.environment().put("JAZZER_INSTRUMENT", "jrnn.**");
    pb.environment().put("JAZZER_MAX_DURATION", SECONDS + "s");
    pb.directory(Path.of("").toAbsolutePath().toFile());
    pb.redirectErrorStream(true);
    pb.redirectOutput(log.toFile());
    return pb.start();
  }

  private static String tail(String s) {
    String[] lines = s.split("\n");
    return String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 25), lines.length));
  }
}
