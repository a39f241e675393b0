package jrnn.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command that only groups others ({@code jrnn train}, {@code jrnn eval}): alone, it is a
 * command-line error that names the commands it holds.
 */
abstract class CommandGroup implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name one of its commands: "
        + Main.commandNames(spec.commandLine()));
  }
}
