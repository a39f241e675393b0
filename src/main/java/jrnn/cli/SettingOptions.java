package jrnn.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jrnn.frame.Setting;
import jrnn.frame.Settings;
import jrnn.frame.SettingsSchema;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The command-line options of an application's settings, made from their declarations: one
 * option a setting ({@code --vocab-cap} for {@code vocab_cap}), {@code --preset}, and the
 * settings of a run: the preset's, then the options given, each checked by its declaration.
 */
final class SettingOptions {
  private SettingOptions() {}

  static final String PRESET = "--preset";

  /** Adds the options of every command under {@code cl} that has settings. */
  static void addAll(CommandLine cl) {
    if (cl.getCommand() instanceof HasSettings h) {
      addTo(cl.getCommandSpec(), h.schema());
    }
    for (CommandLine sub : cl.getSubcommands().values()) {
      addAll(sub);
    }
  }

  static void addTo(CommandSpec spec, SettingsSchema schema) {
    List<String> presets = new ArrayList<>();
    schema.presets().values().forEach(p -> presets.add(p.name() + " (" + p.description() + ")"));
    spec.addOption(OptionSpec.builder(PRESET).paramLabel("NAME").type(String.class)
        .description("A named configuration: " + String.join("; ", presets) + ". Options given override it.")
        .build());
    Settings defaults = schema.defaults();
    for (Setting<?> s : schema.settings()) {
      OptionSpec.Builder b = OptionSpec.builder(s.option())
          .description(s.help() + " (" + s.allowed() + "; default " + defaults.get(s) + ")");
      if (s.isFlag()) {
        b.type(Boolean.class).arity("0..1").negatable(true);
      } else {
        b.type(String.class).paramLabel(s.name().toUpperCase(java.util.Locale.ROOT));
      }
      spec.addOption(b.build());
    }
  }

  /** The settings of this run: the preset's (or the defaults), with the options given replacing them. */
  static Settings settings(CommandSpec spec, SettingsSchema schema) {
    CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
    OptionSpec presetOption = spec.findOption(PRESET);
    String preset = parsed.hasMatchedOption(presetOption) ? presetOption.getValue() : null;
    Settings s = preset == null ? schema.defaults() : schema.preset(preset);
    Map<String, String> given = new LinkedHashMap<>();
    for (Setting<?> setting : schema.settings()) {
      OptionSpec o = spec.findOption(setting.option());
      if (parsed.hasMatchedOption(o)) {
        given.put(setting.name(), String.valueOf((Object) o.getValue()));
      }
    }
    return s.with(given, "option");
  }
}
