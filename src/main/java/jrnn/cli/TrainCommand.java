package jrnn.cli;

import picocli.CommandLine.Command;

/** {@code jrnn train <application>}. */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Trains a model for an application.",
    subcommands = {TrainLmCommand.class, TrainSentimentCommand.class, TrainTranslateCommand.class,
        TrainSpeechCommand.class})
final class TrainCommand extends CommandGroup {}
