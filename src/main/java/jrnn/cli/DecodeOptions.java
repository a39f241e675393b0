package jrnn.cli;

import jrnn.apps.translate.TranslateSettings;
import jrnn.apps.translate.TranslationModel;
import picocli.CommandLine.Option;

/** How a translator searches, where a command translates: beam width and length penalty, defaulting to the model's. */
final class DecodeOptions {
  @Option(names = "--beam", description = "Beam width (1: greedy; default: the model's beam setting).")
  Integer beam;

  @Option(names = "--length-penalty", paramLabel = "ALPHA", description = "Beam search ranks finished translations"
      + " by log-probability / length^ALPHA (default: the model's length_penalty setting; 0: unnormalized).")
  Double lengthPenalty;

  int beam(TranslationModel m) {
    int k = beam == null ? m.settings().get(TranslateSettings.BEAM) : beam;
    if (k < 1) {
      throw new IllegalArgumentException("--beam must be at least 1, got " + k);
    }
    return k;
  }

  double lengthPenalty(TranslationModel m) {
    return lengthPenalty == null ? m.settings().get(TranslateSettings.LENGTH_PENALTY) : lengthPenalty;
  }
}
