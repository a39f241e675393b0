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
      "optim", "data", "models", "decode", "io", "plot", "training", "reference", "apps", "cli");

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
        }
      }
    }
    assertTrue(files > 50, "read " + files + " source files");
    assertTrue(violations.isEmpty(), "imports against the layering: " + violations);
  }
}
