package jrnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jrnn.apps.lm.LmSettings;
import jrnn.apps.sentiment.SentimentSettings;
import jrnn.frame.CommonSettings;
import jrnn.frame.Settings;
import jrnn.frame.SettingsSchema;
import picocli.CommandLine;
import org.junit.jupiter.api.Test;

/** The train commands' options, made from the settings' declarations, parsed as a user types them. */
class SettingOptionsTest {

  static Settings parse(String app, SettingsSchema schema, String... options) {
    CommandLine root = new CommandLine(new Main());
    SettingOptions.addAll(root);
    String[] args = new String[options.length + 6];
    args[0] = "train";
    args[1] = app;
    args[2] = "--train";
    args[3] = "data.txt";
    args[4] = "--out";
    args[5] = "m.jrnn";
    System.arraycopy(options, 0, args, 6, options.length);
    root.parseArgs(args);
    CommandLine sub = root.getSubcommands().get("train").getSubcommands().get(app);
    return SettingOptions.settings(sub.getCommandSpec(), schema);
  }

  @Test
  void aFlagIsTrueAloneAndTakesTrueFalseOrItsNegation() {
    SettingsSchema lm = LmSettings.SCHEMA;
    assertEquals(false, parse("lm", lm).get(LmSettings.TWO_BIASES));
    assertEquals(true, parse("lm", lm, "--two-biases").get(LmSettings.TWO_BIASES));
    assertEquals(false, parse("lm", lm, "--preset", "ptb-small", "--no-two-biases").get(LmSettings.TWO_BIASES),
        "the negation overrides the preset's true");
    assertEquals(false, parse("lm", lm, "--preset", "ptb-small", "--two-biases", "false").get(LmSettings.TWO_BIASES));
    assertEquals(true, parse("lm", lm, "--preset", "ptb-small").get(LmSettings.TWO_BIASES));
    assertEquals(true, parse("sentiment", SentimentSettings.SCHEMA, "--phrases", "true").get(SentimentSettings.PHRASES));
  }

  @Test
  void theMomentumReachesTheOptimizer() {
    Settings s = parse("lm", LmSettings.SCHEMA, "--optimizer", "momentum", "--momentum", "0.5");
    assertEquals(0.5, CommonSettings.trainingConfig(s, jrnn.models.LossNormalization.PER_OUTPUT, 0).momentum());
    assertEquals(0.9, parse("lm", LmSettings.SCHEMA).get(CommonSettings.MOMENTUM), "the default");
    Settings old = LmSettings.SCHEMA.fromProperties(java.util.Map.of("lm.optimizer", "momentum"));
    assertEquals(0.0, old.get(CommonSettings.MOMENTUM), "files from before the setting trained without momentum");
  }

  @Test
  void anOptionOverridesThePresetAndEveryValueIsChecked() {
    Settings s = parse("sentiment", SentimentSettings.SCHEMA, "--preset", "sst2", "--epochs", "5", "--cell", "LSTM");
    assertEquals(5, s.get(CommonSettings.EPOCHS));
    assertEquals("lstm", s.get(CommonSettings.CELL));
    assertEquals(168, s.get(CommonSettings.HIDDEN), "the preset's");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> parse("sentiment", SentimentSettings.SCHEMA, "--word-dropout", "1.5"));
    assertEquals("sentiment.word_dropout (--word-dropout) must be a number in [0, 1), got '1.5'", e.getMessage());
    assertThrows(CommandLine.UnmatchedArgumentException.class, () -> parse("lm", LmSettings.SCHEMA, "--hiden", "3"));
    IllegalArgumentException preset = assertThrows(IllegalArgumentException.class,
        () -> parse("lm", LmSettings.SCHEMA, "--preset", "nope"));
    assertTrue(preset.getMessage().contains("ptb-small"), preset.getMessage());
  }
}
