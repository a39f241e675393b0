package jrnn.apps.sentiment;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import jrnn.data.Vocabulary;
import jrnn.frame.Settings;
import jrnn.frame.TrainingRun;

/**
 * K-fold cross-validation of a classifier's settings: for each fold a model trained on the others
 * (with a vocabulary of its own) scores the fold held out. MR's folds follow its files' order
 * within each class, as the published splits do.
 */
public final class CrossValidation {
  private CrossValidation() {}

  /**
   * The fold of each example: by position within its class ({@code perClass}, MR) or overall; an
   * error when a fold would be empty.
   */
  public static int[] folds(List<Example> data, int folds, boolean perClass) {
    int[] foldOf = new int[data.size()];
    int[] seen = new int[5];
    for (int i = 0; i < foldOf.length; i++) {
      foldOf[i] = (perClass ? seen[data.get(i).label()]++ : i) % folds;
    }
    int[] size = new int[folds];
    for (int f : foldOf) {
      size[f]++;
    }
    for (int k = 0; k < folds; k++) {
      if (size[k] == 0) {
        throw new IllegalArgumentException("--cv " + folds + " leaves fold " + (k + 1) + " without an example ("
            + data.size() + " examples); use fewer folds");
      }
    }
    return foldOf;
  }

  /**
   * Trains a model per fold on the other folds (no validation, all epochs) and returns each
   * example's held-out P(positive); {@code create} makes a fresh model over a fold's vocabulary.
   */
  public static HeldOutPredictions run(Settings s, List<Example> data, int[] foldOf, int folds,
      Function<Vocabulary, SentimentModel> create, PrintStream log) throws IOException {
    double[] heldOut = new double[data.size()];
    for (int k = 0; k < folds; k++) {
      List<Example> train = new ArrayList<>();
      List<Integer> test = new ArrayList<>();
      for (int i = 0; i < data.size(); i++) {
        if (foldOf[i] == k) {
          test.add(i);
        } else {
          train.add(data.get(i));
        }
      }
      SentimentModel m = create.apply(SentimentModel.vocabulary(train, s.get(SentimentSettings.MIN_COUNT)));
      new TrainingRun(new SentimentTask(m, train, List.of()), null, log).run();
      List<Example> held = test.stream().map(data::get).toList();
      double[] p = m.positives(held, SentimentTask.EVAL_BATCH);
      for (int j = 0; j < p.length; j++) {
        heldOut[test.get(j)] = p[j];
      }
      log.printf(Locale.ROOT, "fold %d/%d: trained on %,d, accuracy %.2f%% on %,d held out%n", k + 1, folds,
          train.size(), 100 * SentimentModel.accuracy(p, held), test.size());
    }
    return new HeldOutPredictions(foldOf, data, heldOut);
  }

  /** "10-fold cross-validation: 79.56% +- 1.40% (standard deviation over folds)"; returns the mean. */
  public static double report(String what, HeldOutPredictions p, int folds, PrintStream log) {
    double[] acc = p.foldAccuracies(folds);
    double mean = Arrays.stream(acc).average().orElse(0);
    double sd = Math.sqrt(Arrays.stream(acc).map(a -> (a - mean) * (a - mean)).sum() / (folds - 1));
    log.printf(Locale.ROOT, "%s%d-fold cross-validation: %.2f%% +- %.2f%% (standard deviation over folds)%n", what,
        folds, 100 * mean, 100 * sd);
    return mean;
  }
}
