package jrnn.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every train command has besides its settings. */
final class TrainOptions {
  @Option(names = "--out", required = true, description = "Model file to write (the best model).")
  Path out;

  @Option(names = "--resume", description = "Continue from OUT.ckpt, the checkpoint of the last whole epoch.")
  boolean resume;
}
