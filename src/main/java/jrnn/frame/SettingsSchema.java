package jrnn.frame;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The settings of one application: each declared once with its default, and the presets. From
 * it come the command-line options, the properties in model files (keys "prefix.name"), the
 * check of every value and the effective configuration a run prints.
 */
public final class SettingsSchema {
  /**
   * A named preset: what it is for, and the settings it gives (the rest keep their defaults).
   *
   * @param name the name, as {@code --preset} takes it
   * @param description what it is for
   * @param values the settings it gives, by name
   */
  public record Preset(String name, String description, Map<String, String> values) {}

  private final String kind;
  private final Map<String, Setting<?>> settings = new LinkedHashMap<>();
  private final Map<String, String> defaults = new LinkedHashMap<>();
  private final Map<String, String> absentInOldFiles = new LinkedHashMap<>();
  private final Map<String, String> renamed = new LinkedHashMap<>();
  private final Map<String, Preset> presets = new LinkedHashMap<>();

  /** @param kind the application's kind, which also prefixes its keys in model files */
  public SettingsSchema(String kind) {
    this.kind = kind;
  }

  /** The application's kind, e.g. {@code lm}. */
  public String kind() {
    return kind;
  }

  /** Declares {@code setting} with its default here. */
  public <T> Setting<T> add(Setting<T> setting, String defaultValue) {
    if (settings.containsKey(setting.name())) {
      throw new IllegalArgumentException(kind + ": setting '" + setting.name() + "' declared twice");
    }
    String checked = setting.format(setting.parse(key(setting), defaultValue));
    settings.put(setting.name(), setting);
    defaults.put(setting.name(), checked);
    return setting;
  }

  /** Declares a whole-number setting in {@code range} with its default. */
  public Setting<Integer> integer(String name, int defaultValue, String range, String help) {
    return add(Setting.integer(name, range, help), Integer.toString(defaultValue));
  }

  /** Declares a real setting in {@code range} with its default. */
  public Setting<Double> real(String name, double defaultValue, String range, String help) {
    return add(Setting.real(name, range, help), Double.toString(defaultValue));
  }

  /** Declares a true-or-false setting with its default. */
  public Setting<Boolean> flag(String name, boolean defaultValue, String help) {
    return add(Setting.flag(name, help), Boolean.toString(defaultValue));
  }

  /** Declares a setting of one of {@code choices} with its default. */
  public Setting<String> choice(String name, String defaultValue, List<String> choices, String help) {
    return add(Setting.choice(name, choices, help), defaultValue);
  }

  /** Declares a text setting, put in canonical form by {@code canonical}, with its default. */
  public Setting<String> text(String name, String defaultValue, UnaryOperator<String> canonical, String help) {
    return add(Setting.text(name, canonical, help), defaultValue);
  }

  /**
   * Declares the shared settings named in {@code defaults} ("name=value name=value ...") from
   * {@code shared}, with those defaults.
   */
  public SettingsSchema include(Map<String, Setting<?>> shared, String defaults) {
    pairs(defaults).forEach((name, value) -> {
      Setting<?> s = shared.get(name);
      if (s == null) {
        throw new IllegalArgumentException(kind + ": no shared setting '" + name + "'; there are " + shared.keySet());
      }
      add(s, value);
    });
    return this;
  }

  /**
   * What files written before these settings existed meant by their absence ("name=value ...");
   * an absent setting without such a value reads as its default.
   */
  public SettingsSchema absentInOldFiles(String values) {
    pairs(values).forEach((name, value) -> {
      Setting<?> s = setting(name);
      absentInOldFiles.put(s.name(), s.format(s.parse(key(s), value)));
    });
    return this;
  }

  /** Files written before {@code name} had its present name held it as {@code oldName}. */
  public SettingsSchema renamedFrom(String oldName, String name) {
    if (settings.containsKey(oldName)) {
      throw new IllegalArgumentException(kind + ": '" + oldName + "' is a setting of its own, not an old name");
    }
    renamed.put(oldName, setting(name).name());
    return this;
  }

  /** Declares a preset: these settings ("name=value ..."), the rest at their defaults. */
  public SettingsSchema preset(String name, String description, String values) {
    Map<String, String> v = pairs(values);
    defaults().with(v); // checked now: a preset that cannot load fails when the class loads
    presets.put(name, new Preset(name, description, Collections.unmodifiableMap(v)));
    return this;
  }

  /** The presets by name, in declaration order (unmodifiable). */
  public Map<String, Preset> presets() {
    return Collections.unmodifiableMap(presets);
  }

  /** Every setting, in declaration order. */
  public List<Setting<?>> settings() {
    return List.copyOf(settings.values());
  }

  /** The setting named {@code name}; an error listing the settings when there is none. */
  public Setting<?> setting(String name) {
    Setting<?> s = settings.get(name);
    if (s == null) {
      throw new IllegalArgumentException("unknown " + kind + " setting '" + name + "'; the settings are "
          + settings.keySet());
    }
    return s;
  }

  /** The key in model files: "lm.vocab_cap". */
  public String key(Setting<?> s) {
    return kind + "." + s.name();
  }

  /** Every setting at its default. */
  public Settings defaults() {
    return Settings.of(this, new LinkedHashMap<>(defaults), Map.of());
  }

  /** The preset {@code name}; an error listing the presets when there is none. */
  public Preset presetNamed(String name) {
    Preset p = presets.get(name);
    if (p == null) {
      throw new IllegalArgumentException("unknown preset '" + name + "'; presets: " + presets.keySet());
    }
    return p;
  }

  /** The settings of the preset {@code name}. */
  public Settings preset(String name) {
    return defaults().with(presetNamed(name).values(), "preset " + name);
  }

  /**
   * The settings a model file holds (keys "kind.name"; other keys are not this schema's). A key
   * of this kind that the schema does not know is an error: the file comes from a newer jrnn.
   */
  public Settings fromProperties(Map<String, String> properties) {
    Map<String, String> values = new LinkedHashMap<>(defaults);
    values.putAll(absentInOldFiles);
    String prefix = kind + ".";
    for (Map.Entry<String, String> e : properties.entrySet()) {
      if (!e.getKey().startsWith(prefix)) {
        continue;
      }
      String name = e.getKey().substring(prefix.length());
      if (renamed.containsKey(name) && properties.containsKey(prefix + renamed.get(name))) {
        throw new IllegalArgumentException("settings '" + e.getKey() + "' and '" + prefix + renamed.get(name)
            + "' are one setting under its old and its new name; a file holds one of them");
      }
      name = renamed.getOrDefault(name, name);
      if (!settings.containsKey(name)) {
        throw new IllegalArgumentException("setting '" + e.getKey() + "' is not one this version of jrnn knows"
            + " (a file from a newer version?)");
      }
      values.put(name, e.getValue());
    }
    return Settings.of(this, values, Map.of());
  }

  /** "a=1 b=x" as an ordered map; a value cannot hold spaces. */
  static Map<String, String> pairs(String text) {
    Map<String, String> m = new LinkedHashMap<>();
    if (text.isBlank()) {
      return m;
    }
    for (String pair : text.trim().split("\\s+")) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("expected name=value, got '" + pair + "'");
      }
      m.put(pair.substring(0, eq), pair.substring(eq + 1));
    }
    return m;
  }
}
