package jrnn.cli;

import picocli.CommandLine.Command;

/** {@code jrnn eval <application>}. */
@Command(name = "eval", mixinStandardHelpOptions = true, description = "Evaluates a trained model on data.",
    subcommands = {EvalLmCommand.class, EvalSentimentCommand.class, EvalTranslateCommand.class,
        EvalSpeechCommand.class})
final class EvalCommand extends CommandGroup {}
