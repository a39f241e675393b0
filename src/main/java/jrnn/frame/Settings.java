package jrnn.frame;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The values of an application's settings, each checked against its declaration; immutable.
 * Each value remembers where it came from (a default, a preset, an option), for the effective
 * configuration a run prints.
 */
public final class Settings {
  private final SettingsSchema schema;
  private final Map<String, Object> values;
  private final Map<String, String> sources;

  private Settings(SettingsSchema schema, Map<String, Object> values, Map<String, String> sources) {
    this.schema = schema;
    this.values = values;
    this.sources = sources;
  }

  static Settings of(SettingsSchema schema, Map<String, String> text, Map<String, String> sources) {
    Map<String, Object> v = new LinkedHashMap<>();
    for (Setting<?> s : schema.settings()) {
      v.put(s.name(), s.parse(schema.key(s), text.get(s.name())));
    }
    return new Settings(schema, Collections.unmodifiableMap(v), Map.copyOf(sources));
  }

  /** The application's declarations these values follow. */
  public SettingsSchema schema() {
    return schema;
  }

  /** The value of {@code s}, which must be one of this application's settings. */
  @SuppressWarnings("unchecked")
  public <T> T get(Setting<T> s) {
    Object v = values.get(s.name());
    if (v == null || schema.setting(s.name()) != s) {
      throw new IllegalArgumentException(schema.kind() + " has no setting " + s.name());
    }
    return (T) v;
  }

  /** These settings with some replaced ("name" to text), each checked; unknown names are errors. */
  public Settings with(Map<String, String> replacements) {
    return with(replacements, null);
  }

  /** As {@link #with(Map)}, recording {@code source} ("preset sst2", "option") for each replaced value. */
  public Settings with(Map<String, String> replacements, String source) {
    Map<String, String> text = new LinkedHashMap<>();
    values.forEach((k, v) -> text.put(k, schema.setting(k).format(v)));
    Map<String, String> src = new LinkedHashMap<>(sources);
    for (Map.Entry<String, String> e : replacements.entrySet()) {
      String name = schema.setting(e.getKey()).name();
      text.put(name, e.getValue());
      if (source != null) {
        src.put(name, source);
      }
    }
    return of(schema, text, src);
  }

  /** As key=value properties ("lm.vocab_cap" = "10000"), the form model files hold. */
  public Map<String, String> toProperties() {
    Map<String, String> m = new TreeMap<>();
    for (Setting<?> s : schema.settings()) {
      m.put(schema.key(s), s.format(values.get(s.name())));
    }
    return m;
  }

  /** The names of the settings, other than run controls, whose values differ from {@code other}'s. */
  public List<String> differencesFrom(Settings other) {
    return schema.settings().stream()
        .filter(s -> !s.isRunControl() && !Objects.equals(values.get(s.name()), other.values.get(s.name())))
        .map(s -> s.name() + " " + other.values.get(s.name()) + " -> " + values.get(s.name())).toList();
  }

  /** The effective configuration: one line a setting, its value and where it came from. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    int width = schema.settings().stream().mapToInt(s -> s.name().length()).max().orElse(0);
    for (Setting<?> s : schema.settings()) {
      sb.append(String.format(java.util.Locale.ROOT, "  %-" + width + "s  %-12s %s%n", s.name(),
          s.format(values.get(s.name())), sources.getOrDefault(s.name(), "default")));
    }
    return sb.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Settings other && other.schema == schema && other.values.equals(values);
  }

  @Override
  public int hashCode() {
    return values.hashCode();
  }

  @Override
  public String toString() {
    return schema.kind() + " settings " + values;
  }
}
