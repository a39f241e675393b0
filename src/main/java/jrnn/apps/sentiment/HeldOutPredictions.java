package jrnn.apps.sentiment;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import jrnn.data.TextFiles;
import jrnn.io.AtomicFiles;

/**
 * What cross-validation predicted for each training example while it was held out: its fold, its
 * label and P(positive), with a hash of its words. Saved as a tab-separated file ({@code example
 * fold label positive words_hash}, one row per example in the order the data was read), so that runs of
 * different configurations on the same data can be averaged into a cross-validated ensemble
 * without training anything again, and a file of other snippets is refused.
 *
 * @param fold the fold each example was held out in
 * @param label each example's label
 * @param positive each example's P(positive) while held out
 * @param wordsHash each example's {@link #fingerprint}; null where unknown (a file written before the column)
 */
public record HeldOutPredictions(int[] fold, int[] label, double[] positive, int[] wordsHash) {
  static final String HEADER = "example\tfold\tlabel\tpositive\twords_hash";
  /** The header of files written before the hash column, still read (their snippets unchecked). */
  static final String HEADER_WITHOUT_HASH = "example\tfold\tlabel\tpositive";

  /** Checks that the arrays have one entry per example. */
  public HeldOutPredictions {
    if (fold.length != label.length || fold.length != positive.length
        || wordsHash != null && wordsHash.length != fold.length) {
      throw new IllegalArgumentException("folds, labels, probabilities and hashes differ in number: " + fold.length
          + ", " + label.length + ", " + positive.length + ", " + (wordsHash == null ? "none" : wordsHash.length));
    }
  }

  /** Predictions whose snippets are not known, as a file written before the hash column holds. */
  public HeldOutPredictions(int[] fold, int[] label, double[] positive) {
    this(fold, label, positive, null);
  }

  /** Predictions of {@code examples}, their texts' fingerprints taken. */
  public HeldOutPredictions(int[] fold, List<Example> examples, double[] positive) {
    this(fold, examples.stream().mapToInt(Example::label).toArray(), positive,
        examples.stream().mapToInt(HeldOutPredictions::fingerprint).toArray());
  }

  /** A hash of the example's words (String's, which Java specifies), to tell one snippet from another. */
  public static int fingerprint(Example e) {
    return String.join(" ", e.tokens()).hashCode();
  }

  /** The number of examples. */
  public int size() {
    return fold.length;
  }

  /** The accuracy on each of folds 0 .. folds-1. */
  public double[] foldAccuracies(int folds) {
    int[] correct = new int[folds];
    int[] total = new int[folds];
    for (int i = 0; i < size(); i++) {
      if (fold[i] < 0 || fold[i] >= folds) {
        throw new IllegalArgumentException("example " + i + " is in fold " + fold[i] + ", outside 0.." + (folds - 1));
      }
      total[fold[i]]++;
      correct[fold[i]] += SentimentModel.label(positive[i]) == label[i] ? 1 : 0;
    }
    double[] acc = new double[folds];
    for (int k = 0; k < folds; k++) {
      if (total[k] == 0) {
        throw new IllegalArgumentException("fold " + k + " of " + folds + " holds no example");
      }
      acc[k] = (double) correct[k] / total[k];
    }
    return acc;
  }

  /**
   * Refuses runs that are not over the same examples in the same folds with the same labels as
   * the first; {@code names} name the runs in the error.
   */
  public static void requireSameExamples(List<HeldOutPredictions> runs, List<String> names) {
    HeldOutPredictions first = runs.get(0);
    for (int r = 1; r < runs.size(); r++) {
      HeldOutPredictions run = runs.get(r);
      if (run.size() != first.size()) {
        throw new IllegalArgumentException(names.get(r) + " holds " + run.size() + " examples, "
            + names.get(0) + " " + first.size() + ": they are not predictions for the same data");
      }
      for (int i = 0; i < first.size(); i++) {
        if (run.wordsHash != null && first.wordsHash != null && run.wordsHash[i] != first.wordsHash[i]) {
          throw new IllegalArgumentException(names.get(r) + ": example " + i + " is another snippet than in "
              + names.get(0) + " (their words differ): they are not predictions for the same data");
        }
        if (run.fold[i] != first.fold[i] || run.label[i] != first.label[i]) {
          throw new IllegalArgumentException(names.get(r) + ": example " + i + " is in fold " + run.fold[i]
              + " with label " + run.label[i] + ", in " + names.get(0) + " in fold " + first.fold[i] + " with label "
              + first.label[i] + ": they are not predictions for the same data and folds (another --cv K, or other files?)");
        }
      }
    }
  }

  /**
   * The ensemble of several runs over the same examples ({@link #requireSameExamples}): the
   * mean P(positive).
   */
  public static HeldOutPredictions mean(List<HeldOutPredictions> runs, List<String> names) {
    requireSameExamples(runs, names);
    HeldOutPredictions first = runs.get(0);
    double[] p = new double[first.size()];
    for (HeldOutPredictions run : runs) {
      for (int i = 0; i < p.length; i++) {
        p[i] += run.positive[i] / runs.size();
      }
    }
    return new HeldOutPredictions(first.fold.clone(), first.label.clone(), p,
        first.wordsHash == null ? null : first.wordsHash.clone());
  }

  /** Writes the tab-separated file (header, then one row per example) atomically. */
  public void write(Path path) throws IOException {
    StringBuilder sb = new StringBuilder(wordsHash == null ? HEADER_WITHOUT_HASH : HEADER).append('\n');
    for (int i = 0; i < size(); i++) {
      sb.append(String.format(Locale.ROOT, "%d\t%d\t%d\t%.9f", i, fold[i], label[i], positive[i]));
      sb.append(wordsHash == null ? "\n" : String.format(Locale.ROOT, "\t%08x\n", wordsHash[i]));
    }
    AtomicFiles.writeString(path, sb);
  }

  /** Reads a file {@link #write} wrote; a malformed line is an error naming the file and line. */
  public static HeldOutPredictions read(Path path) throws IOException {
    List<String> lines = TextFiles.tableLines(TextFiles.read(path));
    if (lines.isEmpty() || !lines.get(0).equals(HEADER) && !lines.get(0).equals(HEADER_WITHOUT_HASH)) {
      throw new IllegalArgumentException(path + ":1: expected the header '" + visible(HEADER)
          + "' of held-out predictions, got '" + (lines.isEmpty() ? "" : visible(lines.get(0))) + "'");
    }
    int fields = lines.get(0).equals(HEADER) ? 5 : 4;
    int n = lines.size() - 1;
    int[] fold = new int[n];
    int[] label = new int[n];
    double[] positive = new double[n];
    int[] hashes = fields == 5 ? new int[n] : null;
    for (int i = 0; i < n; i++) {
      String line = lines.get(i + 1);
      String where = path + ":" + (i + 2);
      String[] f = line.split("\t", -1);
      if (f.length != fields) {
        throw new IllegalArgumentException(where + ": expected " + fields + " tab-separated fields, got " + f.length
            + ": '" + line + "'");
      }
      try {
        if (Integer.parseInt(f[0]) != i) {
          throw new IllegalArgumentException(where + ": expected example " + i + ", got '" + f[0] + "'");
        }
        fold[i] = Integer.parseInt(f[1]);
        label[i] = Integer.parseInt(f[2]);
        positive[i] = Double.parseDouble(f[3]);
        if (hashes != null) {
          if (f[4].length() != 8) {
            throw new NumberFormatException(f[4]);
          }
          hashes[i] = Integer.parseUnsignedInt(f[4], 16);
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(where + ": not a number in '" + line + "'");
      }
      if (fold[i] < 0 || (label[i] != 0 && label[i] != 1) || !(positive[i] >= 0 && positive[i] <= 1)) {
        throw new IllegalArgumentException(where + ": a fold must not be negative, a label must be 0 or 1 and a"
            + " probability in [0, 1]: '" + line + "'");
      }
    }
    return new HeldOutPredictions(fold, label, positive, hashes);
  }

  /** Tabs shown as \t, so that a header whose tabs became spaces does not read as the expected one. */
  private static String visible(String line) {
    return line.replace("\t", "\\t");
  }
}
