package jrnn.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import jrnn.kernels.ThreadCount;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code jrnn} command. */
@Command(name = "jrnn", mixinStandardHelpOptions = true, version = "jrnn 0.1.0",
    description = {"Recurrent neural networks: simple RNN, LSTM (peephole, CIFG), GRU; stacked and"
        + " bidirectional; trained by backpropagation through time.",
        "An error is one line on standard error, 'jrnn: <command>: <problem>', and exit status 2;"
            + " --debug (anywhere on the line) or JRNN_DEBUG adds the stack trace."},
    footer = {"", "bin/jrnn also runs spark-train and spark-score (jrnn on Apache Spark) once the spark module is"
        + " built: docs/spark.md."},
    subcommands = {DemoCommand.class, TrainCommand.class, EvalCommand.class, GenerateCommand.class,
        NextCommand.class, ClassifyCommand.class, TranslateCommand.class, BleuCommand.class, TranscribeCommand.class,
        FeaturesCommand.class, GradientFlowCommand.class, LongRangeCommand.class, InfoCommand.class,
        ImportCommand.class, ExportCommand.class,
        GradcheckCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  /** The exit status of every error: bad input, a file that cannot be read or written, a failed run. */
  public static final int ERROR = 2;

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** The names of {@code command}'s subcommands, but help, comma-separated: what a user can name there. */
  static String commandNames(CommandLine command) {
    return String.join(", ", command.getSubcommands().keySet().stream().filter(n -> !n.equals("help")).toList());
  }

  /** Every command's -V, which the standard help options give each, prints jrnn's version, not an empty line. */
  private static void giveVersion(CommandLine command, String[] version) {
    for (CommandLine sub : command.getSubcommands().values()) {
      sub.getCommandSpec().version(version);
      giveVersion(sub, version);
    }
  }

  /**
   * Runs the command line and returns the exit code. An error, whatever raised it, is one line on
   * standard error, {@code jrnn: <command>: <problem>} (with the stack trace under {@code --debug}
   * or JRNN_DEBUG), and exit status {@link #ERROR}.
   */
  public static int execute(String... args) {
    boolean debug = System.getenv("JRNN_DEBUG") != null;
    List<String> rest = new ArrayList<>();
    boolean operands = false;
    for (String a : args) {
      operands |= a.equals("--");
      if (!operands && a.equals("--debug")) {
        debug = true;
      } else {
        rest.add(a);
      }
    }
    boolean withTrace = debug;
    try {
      // Read once, when the thread team starts: a bad value would otherwise surface as a class
      // that failed to initialise, its own words lost.
      ThreadCount.configured();
    } catch (IllegalArgumentException e) {
      System.err.println("jrnn: " + e.getMessage());
      return ERROR;
    }
    CommandLine cl = new CommandLine(new Main());
    giveVersion(cl, cl.getCommandSpec().version());
    SettingOptions.addAll(cl);
    cl.setExecutionExceptionHandler((ex, cmd, parsed) -> report(cmd, ex, withTrace));
    cl.setParameterExceptionHandler((ex, given) -> report(ex.getCommandLine(), ex, withTrace));
    cl.setExecutionStrategy(parsed -> {
      FileOptions.check(parsed);
      return new CommandLine.RunLast().execute(parsed);
    });
    try {
      return cl.execute(rest.toArray(String[]::new));
    } catch (Error e) {
      // Out of memory, a stack overflow, a class that failed to initialise (JRNN_THREADS=abc):
      // picocli handles exceptions only.
      return report(deepest(cl), e, withTrace);
    }
  }

  /** The subcommand that was running, or {@code cl} when none was parsed. */
  private static CommandLine deepest(CommandLine cl) {
    CommandLine.ParseResult r = cl.getParseResult();
    if (r == null) {
      return cl;
    }
    while (r.hasSubcommand()) {
      r = r.subcommand();
    }
    return r.commandSpec().commandLine();
  }

  private static int report(CommandLine cmd, Throwable ex, boolean withTrace) {
    PrintWriter err = cmd.getErr();
    String where = cmd.getCommandSpec().qualifiedName(" ").replaceFirst("^jrnn ?", "");
    String problem = ErrorMessages.describe(ex);
    if (ex instanceof CommandLine.UnmatchedArgumentException u && !cmd.getSubcommands().isEmpty()
        && !u.getUnmatched().isEmpty() && !u.getUnmatched().get(0).startsWith("-")) {
      // A word where a command was expected: say so, and which commands there are.
      problem = "'" + u.getUnmatched().get(0) + "' is not a command" + (where.isEmpty() ? "" : " of " + where)
          + "; the commands: " + commandNames(cmd);
    }
    if (ex instanceof CommandLine.ParameterException) {
      problem += " (see jrnn " + (where.isEmpty() ? "" : where + " ") + "--help)";
    }
    err.println("jrnn: " + (where.isEmpty() ? "" : where + ": ") + problem);
    if (withTrace) {
      ex.printStackTrace(err);
    }
    err.flush();
    return ERROR;
  }
}
