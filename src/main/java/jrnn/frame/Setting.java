package jrnn.frame;

import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * The declaration of one setting: name, type, the values it allows and one line of help. Its
 * default belongs to the application that uses it ({@link SettingsSchema}); values arrive as
 * text (an option, a preset, a model file) and are checked here, with an error naming the
 * setting and the value.
 *
 * @param <T> Integer, Long, Double, Boolean or String
 */
public final class Setting<T> {
  enum Type { INTEGER, LONG, REAL, FLAG, CHOICE, TEXT }

  private final String name;
  private final Type type;
  private final Interval range;
  private final List<String> choices;
  private final UnaryOperator<String> check;
  private final String help;
  private final boolean runControl;

  private Setting(String name, Type type, Interval range, List<String> choices, UnaryOperator<String> check,
      String help, boolean runControl) {
    if (!name.matches("[a-z][a-z0-9_]*")) {
      throw new IllegalArgumentException("a setting's name is lower case with underscores, got '" + name + "'");
    }
    this.name = name;
    this.type = type;
    this.range = range;
    this.choices = choices;
    this.check = check;
    this.help = help;
    this.runControl = runControl;
  }

  /** A whole number in {@code range}, written as an interval such as "[1, inf)". */
  public static Setting<Integer> integer(String name, String range, String help) {
    return new Setting<>(name, Type.INTEGER, Interval.parse(range), null, null, help, false);
  }

  /** Any long whole number. */
  public static Setting<Long> wholeLong(String name, String help) {
    return new Setting<>(name, Type.LONG, Interval.parse("(-inf, inf)"), null, null, help, false);
  }

  /** A finite real number in {@code range}, written as an interval such as "[0, 1)". */
  public static Setting<Double> real(String name, String range, String help) {
    return new Setting<>(name, Type.REAL, Interval.parse(range), null, null, help, false);
  }

  /** true or false. */
  public static Setting<Boolean> flag(String name, String help) {
    return new Setting<>(name, Type.FLAG, null, null, null, help, false);
  }

  /** One of {@code choices} (given in any case, kept in lower case). */
  public static Setting<String> choice(String name, List<String> choices, String help) {
    return new Setting<>(name, Type.CHOICE, null, List.copyOf(choices), null, help, false);
  }

  /**
   * Text in the form {@code canonical} gives it (a cell type's own name for "LSTM"); {@code
   * canonical} throws IllegalArgumentException saying why a text is not one.
   */
  public static Setting<String> text(String name, UnaryOperator<String> canonical, String help) {
    return new Setting<>(name, Type.TEXT, null, null, canonical, help, false);
  }

  /**
   * This setting as a control of the run rather than of what it computes (a time budget, early
   * stopping): a run may resume with another value, and the results of the updates it does
   * are the same.
   */
  public Setting<T> runControl() {
    return new Setting<>(name, type, range, choices, check, help, true);
  }

  /** The name: lower case with underscores, as in model files. */
  public String name() {
    return name;
  }

  /** The one line of help. */
  public String help() {
    return help;
  }

  /** Whether this is a run control ({@link #runControl()}). */
  public boolean isRunControl() {
    return runControl;
  }

  /** Whether the value is true or false. */
  public boolean isFlag() {
    return type == Type.FLAG;
  }

  /** The command-line option: {@code --vocab-cap} for {@code vocab_cap}. */
  public String option() {
    return "--" + name.replace('_', '-');
  }

  /** What values it allows, for help texts: "whole number in [1, inf)", "word|char". */
  public String allowed() {
    switch (type) {
      case INTEGER:
      case LONG:
        return "whole number" + (range.unbounded() ? "" : " in " + range);
      case REAL:
        return "number" + (range.unbounded() ? "" : " in " + range);
      case FLAG:
        return "true|false";
      case CHOICE:
        return String.join("|", choices);
      default:
        return "text";
    }
  }

  /** Parses and checks {@code text}; the error names {@code key} and the value. */
  @SuppressWarnings("unchecked")
  T parse(String key, String text) {
    String v = text == null ? "" : text.trim();
    String where = key + " (" + option() + ")";
    try {
      switch (type) {
        case INTEGER:
          return (T) Integer.valueOf((int) inRange(where, v, Long.parseLong(v)));
        case LONG:
          return (T) Long.valueOf(Long.parseLong(v));
        case REAL: {
          double d = Double.parseDouble(v);
          if (!Double.isFinite(d) || !range.contains(d)) {
            throw new IllegalArgumentException(where + " must be a number in " + range + ", got '" + text + "'");
          }
          return (T) Double.valueOf(d);
        }
        case FLAG:
          if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException(where + " must be true or false, got '" + text + "'");
          }
          return (T) Boolean.valueOf(v.equals("true"));
        case CHOICE: {
          String lower = v.toLowerCase(Locale.ROOT);
          if (!choices.contains(lower)) {
            throw new IllegalArgumentException(where + " must be one of " + String.join(", ", choices)
                + ", got '" + text + "'");
          }
          return (T) lower;
        }
        default:
          try {
            return (T) check.apply(v);
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage());
          }
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(where + " must be " + (type == Type.REAL ? "a number" : "a whole number")
          + ", got '" + text + "'");
    }
  }

  private long inRange(String where, String text, long v) {
    if (!range.contains(v) || v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(where + " must be a whole number in " + range + ", got '" + text + "'");
    }
    return v;
  }

  /** The text form of a value, as model files and presets hold it (parse reads it back). */
  String format(Object value) {
    return value.toString();
  }

  @Override
  public String toString() {
    return name;
  }

  /** An interval of the real line with open or closed ends, "inf" for no bound. */
  record Interval(double low, boolean lowClosed, double high, boolean highClosed) {
    static Interval parse(String s) {
      String t = s.trim();
      String[] ends = t.substring(1, t.length() - 1).split(",");
      if (ends.length != 2 || "[(".indexOf(t.charAt(0)) < 0 || "])".indexOf(t.charAt(t.length() - 1)) < 0) {
        throw new IllegalArgumentException("not an interval: '" + s + "'");
      }
      return new Interval(bound(ends[0]), t.charAt(0) == '[', bound(ends[1]), t.charAt(t.length() - 1) == ']');
    }

    private static double bound(String s) {
      String t = s.trim();
      return t.equals("inf") ? Double.POSITIVE_INFINITY : t.equals("-inf") ? Double.NEGATIVE_INFINITY
          : Double.parseDouble(t);
    }

    boolean contains(double v) {
      return (lowClosed ? v >= low : v > low) && (highClosed ? v <= high : v < high);
    }

    boolean unbounded() {
      return low == Double.NEGATIVE_INFINITY && high == Double.POSITIVE_INFINITY;
    }

    @Override
    public String toString() {
      return (lowClosed ? "[" : "(") + text(low) + ", " + text(high) + (highClosed ? "]" : ")");
    }

    private static String text(double v) {
      return Double.isInfinite(v) ? (v > 0 ? "inf" : "-inf") : v == Math.rint(v) ? Long.toString((long) v)
          : Double.toString(v);
    }
  }
}
