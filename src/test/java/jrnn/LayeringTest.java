package jrnn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Dependencies flow one way: a package imports only from packages below it in this order, so
 * that the numeric core never depends on the models or the applications built on it.
 */
class LayeringTest {
  static final List<String> ORDER = List.of("util", "tensor", "params", "kernels", "cells", "layers",
      "optim", "data", "audio", "models", "decode", "io", "plot", "training", "device", "reference", "frame", "interop", "apps", "cli");

  static int level(String pkg) {
    String top = pkg.split("\\.")[0];
    int i = ORDER.indexOf(top);
    if (i < 0) {
      throw new AssertionError("package jrnn." + pkg + " is not in the layering order " + ORDER);
    }
    return i;
  }

  @Test
  void importsPointDownwards() throws IOException {
    Path root = Path.of("src/main/java/jrnn");
    Pattern imp = Pattern.compile("^import (?:static )?jrnn\\.([a-z.]+)\\.[A-Z]", Pattern.MULTILINE);
    List<String> violations = new ArrayList<>();
    int files = 0;
    try (Stream<Path> s = Files.walk(root)) {
      for (Path f : s.filter(p -> p.toString().endsWith(".java")).toList()) {
        files++;
        String pkg = root.relativize(f.getParent()).toString().replace('/', '.');
        Matcher m = imp.matcher(Files.readString(f));
        while (m.find()) {
          String target = m.group(1);
          boolean sameTop = target.split("\\.")[0].equals(pkg.split("\\.")[0]);
          if (!sameTop && level(target) >= level(pkg)) {
            violations.add(f.getFileName() + " (" + pkg + ") imports jrnn." + target);
          }
          // Applications stand on the frame and the engine, never on one another.
          if (pkg.startsWith("apps.") && target.startsWith("apps.") && !target.equals(pkg)) {
            violations.add(f.getFileName() + " (" + pkg + ") imports another application, jrnn." + target);
          }
        }
      }
    }
    assertTrue(files > 50, "read " + files + " source files");
    assertTrue(violations.isEmpty(), "imports against the layering: " + violations);
  }

  /** The train and eval commands read options and data and hand them to the frame and the applications. */
  @Test
  void commandLineClassesHoldNoTrainingLogic() throws IOException {
    Path cli = Path.of("src/main/java/jrnn/cli");
    Pattern training = Pattern.compile("^import jrnn\\.(training|optim)\\.|new Trainer\\(|\\.step\\(", Pattern.MULTILINE);
    List<String> violations = new ArrayList<>();
    int commands = 0;
    try (Stream<Path> s = Files.list(cli)) {
      for (Path f : s.filter(p -> p.getFileName().toString().matches("(Train|Eval).*Command\\.java")).toList()) {
        commands++;
        if (training.matcher(Files.readString(f)).find()) {
          violations.add(f.getFileName().toString());
        }
      }
    }
    assertTrue(commands >= 6, "read " + commands + " train and eval commands");
    assertTrue(violations.isEmpty(), "commands with training logic: " + violations);
  }
}
