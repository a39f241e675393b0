package jrnn.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code jrnn} command. */
@Command(name = "jrnn", mixinStandardHelpOptions = true, version = "jrnn 0.1.0",
    description = "Recurrent neural networks: simple RNN, LSTM (peephole, CIFG), GRU; stacked and"
        + " bidirectional; trained by backpropagation through time.",
    subcommands = {DemoCommand.class, TrainCommand.class, EvalCommand.class, GenerateCommand.class,
        NextCommand.class, ClassifyCommand.class, TranslateCommand.class, BleuCommand.class, TranscribeCommand.class, FeaturesCommand.class, GradientFlowCommand.class, LongRangeCommand.class, InfoCommand.class,
        GradcheckCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the command line and returns the exit code; errors are one clear line, not a stack trace. */
  public static int execute(String... args) {
    CommandLine cl = new CommandLine(new Main());
    SettingOptions.addAll(cl);
    cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      PrintWriter err = cmd.getErr();
      err.println("error: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
      if (System.getenv("JRNN_DEBUG") != null) {
        ex.printStackTrace(err);
      }
      err.flush();
      return 1;
    });
    return cl.execute(args);
  }
}
