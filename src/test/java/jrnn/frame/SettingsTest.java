package jrnn.frame;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Settings declared once: checks that name the key and the value, presets, files, old names. */
class SettingsTest {
  static final SettingsSchema SCHEMA = new SettingsSchema("toy");
  static final Setting<Integer> WIDTH = SCHEMA.integer("width", 8, "[1, 64]", "Width.");
  static final Setting<Double> RATE = SCHEMA.real("rate", 0.5, "(0, 1)", "Rate.");
  static final Setting<String> MODE = SCHEMA.choice("mode", "fast", List.of("fast", "exact"), "Mode.");
  static final Setting<Boolean> LOUD = SCHEMA.flag("loud", false, "Loud.");

  static {
    SCHEMA.include(CommonSettings.ALL, "epochs=3 seed=1 max_minutes=0");
    SCHEMA.absentInOldFiles("loud=true");
    SCHEMA.renamedFrom("speed", "mode");
    SCHEMA.preset("big", "a big one", "width=64 mode=exact");
  }

  @Test
  void valuesAreTypedAndDefaultsApply() {
    Settings s = SCHEMA.defaults();
    assertEquals(8, s.get(WIDTH));
    assertEquals(0.5, s.get(RATE));
    assertEquals("fast", s.get(MODE));
    assertEquals(false, s.get(LOUD));
    assertEquals(3, s.get(CommonSettings.EPOCHS));
    assertEquals("exact", s.with(Map.of("mode", "EXACT")).get(MODE), "choices in any case");
  }

  @Test
  void anUnknownSettingIsNamedWithTheKnownOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SCHEMA.defaults().with(Map.of("widht", "3")));
    assertTrue(e.getMessage().contains("'widht'") && e.getMessage().contains("width"), e.getMessage());
    IllegalArgumentException shared = assertThrows(IllegalArgumentException.class,
        () -> SCHEMA.defaults().get(CommonSettings.LR));
    assertTrue(shared.getMessage().contains("lr"), shared.getMessage());
  }

  @Test
  void valuesOutOfRangeNameTheKeyTheOptionAndTheValue() {
    Map<String, String> cases = Map.of("width", "65", "rate", "1", "mode", "slow", "loud", "yes", "epochs", "x");
    cases.forEach((name, value) -> {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> SCHEMA.defaults().with(Map.of(name, value)), name);
      String option = "--" + name;
      assertTrue(e.getMessage().startsWith("toy." + name + " (" + option + ")") && e.getMessage().contains("'" + value + "'"),
          e.getMessage());
    });
    assertThrows(IllegalArgumentException.class, () -> SCHEMA.defaults().with(Map.of("rate", "NaN")));
    assertThrows(IllegalArgumentException.class, () -> SCHEMA.defaults().with(Map.of("width", "0")));
    assertEquals(64, SCHEMA.defaults().with(Map.of("width", "64")).get(WIDTH), "a closed end is allowed");
  }

  @Test
  void aPresetIsOverriddenByWhatIsGivenAndSaysWhereEachValueCameFrom() {
    Settings big = SCHEMA.preset("big");
    assertEquals(64, big.get(WIDTH));
    Settings given = big.with(Map.of("width", "16"), "option");
    assertEquals(16, given.get(WIDTH));
    assertEquals("exact", given.get(MODE), "the rest of the preset stays");
    String described = given.describe();
    assertTrue(described.matches("(?s).*\\n?  width +16 +option\\n.*"), described);
    assertTrue(described.matches("(?s).*\\n  mode +exact +preset big\\n.*"), described);
    assertTrue(described.matches("(?s).*\\n  rate +0\\.5 +default\\n.*"), described);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SCHEMA.preset("huge"));
    assertTrue(e.getMessage().contains("'huge'") && e.getMessage().contains("big"), e.getMessage());
  }

  @Test
  void settingsRoundTripThroughPropertiesAndReadOldFiles() {
    Settings s = SCHEMA.preset("big").with(Map.of("rate", "1e-4", "loud", "true"));
    Map<String, String> props = s.toProperties();
    assertEquals("64", props.get("toy.width"));
    assertEquals(s, SCHEMA.fromProperties(props));
    Map<String, String> old = new TreeMap<>(props);
    old.remove("toy.loud");
    old.put("toy.speed", old.remove("toy.mode"));
    old.put("model.cell", "lstm"); // not this schema's: ignored
    Settings read = SCHEMA.fromProperties(old);
    assertEquals(true, read.get(LOUD), "an absent setting reads as what old files meant");
    assertEquals("exact", read.get(MODE), "an old name reads as the new one");
    old.put("toy.colour", "red");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SCHEMA.fromProperties(old));
    assertTrue(e.getMessage().contains("toy.colour") && e.getMessage().contains("newer"), e.getMessage());
  }

  @Test
  void aFileHoldingAnOldAndANewNameOfOneSettingIsRefused() {
    Map<String, String> both = new TreeMap<>(SCHEMA.defaults().toProperties());
    both.put("toy.speed", "exact");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SCHEMA.fromProperties(both));
    assertTrue(e.getMessage().contains("toy.speed") && e.getMessage().contains("toy.mode"), e.getMessage());
  }

  @Test
  void aCellTypeIsKeptByItsOwnName() {
    SettingsSchema s = new SettingsSchema("cells");
    s.include(CommonSettings.ALL, "cell=LSTM");
    assertEquals("lstm", s.defaults().get(CommonSettings.CELL));
    assertEquals("rnn-tanh", s.defaults().with(Map.of("cell", "rnn")).get(CommonSettings.CELL));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> s.defaults().with(Map.of("cell", "transformer")));
    assertTrue(e.getMessage().startsWith("cells.cell (--cell): unknown cell type 'transformer'"), e.getMessage());
  }

  @Test
  void runControlsDoNotCountAsDifferences() {
    Settings a = SCHEMA.defaults();
    assertEquals(List.of(), a.with(Map.of("max_minutes", "5")).differencesFrom(a));
    assertEquals(List.of("width 8 -> 9"), a.with(Map.of("width", "9")).differencesFrom(a));
  }

  @Test
  void aBadDeclarationFailsWhenTheClassLoads() {
    SettingsSchema s = new SettingsSchema("bad");
    assertThrows(IllegalArgumentException.class, () -> s.integer("n", 0, "[1, inf)", "out of its own range"));
    s.integer("n", 1, "[1, inf)", "fine");
    assertThrows(IllegalArgumentException.class, () -> s.integer("n", 2, "[1, inf)", "twice"));
    assertThrows(IllegalArgumentException.class, () -> s.preset("p", "bad value", "n=0"));
    assertThrows(IllegalArgumentException.class, () -> Setting.integer("Bad-Name", "[0, 1]", "x"));
    assertThrows(IllegalArgumentException.class, () -> s.absentInOldFiles("n=0"), "a value old files cannot have meant");
    s.integer("m", 1, "[1, inf)", "another");
    assertThrows(IllegalArgumentException.class, () -> s.renamedFrom("m", "n"), "a current name is no old name");
    assertEquals(List.of(), new java.util.ArrayList<>(SettingsSchema.pairs("  ").keySet()));
  }
}
