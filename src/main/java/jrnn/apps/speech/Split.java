package jrnn.apps.speech;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Which recordings of a corpus validate; the rest train. Written as the setting {@code
 * valid_split} reads it: {@code none}, {@code index:A-B}, {@code speaker:NAME[+NAME...]} or
 * {@code fold:K/N}.
 *
 * @param kind how the validation recordings are chosen
 * @param from A of index:A-B, or K of fold:K/N
 * @param to B of index:A-B, or N of fold:K/N
 * @param speakers the names of speaker:NAME+NAME
 */
public record Split(Kind kind, int from, int to, List<String> speakers) {
  /** How the validation recordings are chosen. */
  public enum Kind {
    /** None validates. */
    NONE,
    /** Those whose index is in [from, to]. */
    INDEX,
    /** Those of the speakers named. */
    SPEAKER,
    /** Every to-th recording from the from-th, in manifest order. */
    FOLD
  }

  /** No validation: every recording trains. */
  public static final Split NONE = new Split(Kind.NONE, 0, 0, List.of());

  /**
   * The split {@code text} writes: {@code none}, {@code index:A-B}, {@code speaker:NAME[+NAME...]}
   * or {@code fold:K/N}.
   */
  public static Split parse(String text) {
    String s = text == null ? "" : text.trim();
    String problem = "valid split '" + text + "': expected none, index:A-B, speaker:NAME[+NAME...] or fold:K/N";
    if (s.equals("none")) {
      return NONE;
    }
    int colon = s.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException(problem);
    }
    String kind = s.substring(0, colon);
    String rest = s.substring(colon + 1);
    try {
      switch (kind) {
        case "index": {
          String[] ab = rest.split("-", -1);
          int a = Integer.parseInt(ab[0].trim());
          int b = ab.length == 1 ? a : Integer.parseInt(ab[1].trim());
          if (ab.length > 2 || a < 0 || b < a) {
            throw new IllegalArgumentException(problem + " (an index range A-B with 0 <= A <= B)");
          }
          return new Split(Kind.INDEX, a, b, List.of());
        }
        case "speaker": {
          List<String> names = Arrays.stream(rest.split("\\+", -1)).map(String::trim).toList();
          if (names.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException(problem + " (a speaker's name is empty)");
          }
          return new Split(Kind.SPEAKER, 0, 0, names);
        }
        case "fold": {
          String[] kn = rest.split("/", -1);
          int k = Integer.parseInt(kn[0].trim());
          int n = Integer.parseInt(kn[1].trim());
          if (kn.length != 2 || n < 2 || k < 0 || k >= n) {
            throw new IllegalArgumentException(problem + " (fold K of N needs N >= 2 and 0 <= K < N)");
          }
          return new Split(Kind.FOLD, k, n, List.of());
        }
        default:
          throw new IllegalArgumentException(problem);
      }
    } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
      throw new IllegalArgumentException(problem);
    }
  }

  /** Whether the recording at {@code position} (in manifest order), at {@code path} with these columns, validates. */
  public boolean validates(int position, String path, Map<String, String> fields) {
    switch (kind) {
      case NONE:
        return false;
      case FOLD:
        return position % to == from;
      case INDEX: {
        int index = index(path, fields);
        return index >= from && index <= to;
      }
      default:
        return speakers.contains(speaker(path, fields));
    }
  }

  /** The column 'index', else the last run of digits of the file name (FSDD's {digit}_{speaker}_{index}.wav). */
  static int index(String path, Map<String, String> fields) {
    String v = fields.get("index");
    if (v == null) {
      String name = baseName(path);
      int end = name.length();
      while (end > 0 && !Character.isDigit(name.charAt(end - 1))) {
        end--;
      }
      int start = end;
      while (start > 0 && Character.isDigit(name.charAt(start - 1))) {
        start--;
      }
      if (start == end) {
        throw new IllegalArgumentException(path + ": no 'index' column and no number in the file name to split by");
      }
      v = name.substring(start, end);
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(path + ": index '" + v + "' is not a whole number");
    }
  }

  /** The column 'speaker', else the middle part of a name of the form {label}_{speaker}_{index}. */
  static String speaker(String path, Map<String, String> fields) {
    String v = fields.get("speaker");
    if (v != null) {
      return v.trim();
    }
    String[] parts = baseName(path).split("_");
    if (parts.length != 3) {
      throw new IllegalArgumentException(path + ": no 'speaker' column and no name of the form"
          + " label_speaker_index to split by");
    }
    return parts[1];
  }

  /** The speaker as {@link #speaker} finds it, or "" where neither a column nor the name says. */
  public static String speakerOrNone(String path, Map<String, String> fields) {
    try {
      return speaker(path, fields);
    } catch (IllegalArgumentException e) {
      return "";
    }
  }

  private static String baseName(String path) {
    String name = path.substring(path.lastIndexOf('/') + 1);
    int dot = name.lastIndexOf('.');
    return dot > 0 ? name.substring(0, dot) : name;
  }

  @Override
  public String toString() {
    switch (kind) {
      case NONE:
        return "none";
      case INDEX:
        return "index:" + from + "-" + to;
      case SPEAKER:
        return "speaker:" + String.join("+", speakers);
      default:
        return "fold:" + from + "/" + to;
    }
  }
}
