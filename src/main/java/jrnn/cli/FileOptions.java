package jrnn.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * Checks a command's file arguments before it runs, so that a slip on the command line loses
 * nothing: no file it writes is one it reads (an export over its own model, a run whose model
 * would replace its validation text at the first check), and no input but a recordings folder
 * is a folder (which the readers would report without its name).
 */
final class FileOptions {
  private FileOptions() {}

  /** The options that name files a command writes. */
  static final Set<String> OUTPUTS = Set.of("--out", "--plot", "--attention-plot", "--cv-predictions");
  /** The inputs that may be folders. */
  static final Set<String> FOLDERS = Set.of("--audio");

  /** Refuses, as a command-line error naming both arguments, what the class comment says. */
  static void check(ParseResult parsed) {
    ParseResult leaf = parsed;
    while (leaf.hasSubcommand()) {
      leaf = leaf.subcommand();
    }
    CommandLine cl = leaf.commandSpec().commandLine();
    List<Map.Entry<String, Path>> inputs = new ArrayList<>();
    List<Map.Entry<String, Path>> outputs = new ArrayList<>();
    for (ArgSpec arg : leaf.commandSpec().args()) {
      String name = arg instanceof OptionSpec o ? o.longestName() : arg.paramLabel();
      for (Path p : paths(arg.getValue())) {
        (OUTPUTS.contains(name) ? outputs : inputs).add(Map.entry(name, p));
      }
    }
    for (Map.Entry<String, Path> in : inputs) {
      if (!FOLDERS.contains(in.getKey()) && Files.isDirectory(in.getValue())) {
        throw new CommandLine.ParameterException(cl, in.getKey() + " " + in.getValue()
            + " is a folder; it needs a file");
      }
    }
    for (Map.Entry<String, Path> out : outputs) {
      for (Map.Entry<String, Path> in : inputs) {
        if (sameFile(out.getValue(), in.getValue())) {
          throw new CommandLine.ParameterException(cl, out.getKey() + " " + out.getValue() + " is the file "
              + in.getKey() + " reads; writing it would destroy it: name another file");
        }
      }
    }
  }

  private static List<Path> paths(Object value) {
    if (value instanceof Path p) {
      return List.of(p);
    }
    List<Path> out = new ArrayList<>();
    if (value instanceof Iterable<?> many) {
      for (Object o : many) {
        if (o instanceof Path p) {
          out.add(p);
        }
      }
    }
    return out;
  }

  private static boolean sameFile(Path a, Path b) {
    try {
      return Files.exists(a) && Files.exists(b) ? Files.isSameFile(a, b)
          : a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    } catch (IOException e) {
      return false;
    }
  }
}
