package jrnn.cli;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;
import jrnn.apps.lm.LanguageModel;
import jrnn.apps.sentiment.CrossValidation;
import jrnn.apps.sentiment.Example;
import jrnn.apps.sentiment.HeldOutPredictions;
import jrnn.apps.sentiment.SentimentData;
import jrnn.apps.sentiment.SentimentModel;
import jrnn.apps.sentiment.SentimentSettings;
import jrnn.apps.sentiment.SentimentTask;
import jrnn.data.TextFiles;
import jrnn.data.Vocabulary;
import jrnn.frame.Metric;
import jrnn.frame.Settings;
import jrnn.frame.SettingsSchema;
import jrnn.frame.TrainingRun;
import jrnn.io.AtomicFiles;
import jrnn.kernels.Kernels;
import jrnn.kernels.Parallel;
import jrnn.models.ModelConfig;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jrnn train sentiment}: trains a sentence polarity classifier. */
@Command(name = "sentiment", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Trains a sentence classifier (positive / negative) with validation accuracy per epoch,"
        + " keeping the best model.",
        "Data: SST sentence files ('label sentence' lines) or SST trees (with --phrases, every labelled phrase"
            + " trains; with --fine-grained, on its five labels), or MR's --pos/--neg files (Windows-1252)."
            + " Gzipped files are read as they are.",
        "--cv K reports K-fold cross-validated accuracy, then trains the final model on all the data.",
        "Ends with 'validation accuracy: <number>' (or 'cross-validated accuracy: <number>')."})
final class TrainSentimentCommand implements Callable<Integer>, HasSettings {
  @Spec
  CommandSpec spec;

  @Mixin
  TrainOptions run;

  static final class Source {
    @Option(names = "--train", description = "SST sentences or trees.")
    Path train;

    @ArgGroup(exclusive = false)
    PosNeg mr;
  }

  static final class PosNeg {
    @Option(names = "--pos", required = true, description = "Positive snippets, one per line.")
    Path pos;

    @Option(names = "--neg", required = true, description = "Negative snippets, one per line.")
    Path neg;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  @Option(names = "--valid", description = "Validation sentences or trees.")
  Path valid;

  @Option(names = "--valid-pos", description = "Validation positive snippets (MR layout).")
  Path validPos;

  @Option(names = "--valid-neg", description = "Validation negative snippets (MR layout).")
  Path validNeg;

  @Option(names = "--cv", defaultValue = "0", description = "Folds of cross-validation (0: none).")
  int folds;

  @Option(names = "--cv-predictions", description = "With --cv: write each example's fold, label, held-out"
      + " P(positive) and a hash of its words to this file (tab-separated).")
  Path cvPredictions;

  @Option(names = "--cv-ensemble-with", description = "With --cv: also report the cross-validated accuracy of the"
      + " mean P(positive) of this run and of earlier runs' --cv-predictions files; repeatable.")
  List<Path> cvEnsembleWith = new ArrayList<>();

  @Option(names = "--encoding", defaultValue = "windows-1252", description = "Encoding of --pos/--neg files (default ${DEFAULT-VALUE}).")
  Charset encoding;

  @Option(names = "--embeddings-from", description = "A language model whose word embeddings start those of the words both know.")
  Path embeddingsFrom;

  @Override
  public SettingsSchema schema() {
    return SentimentSettings.SCHEMA;
  }

  /** A new classifier, its embeddings started from --embeddings-from when given. */
  Function<Vocabulary, SentimentModel> factory(Settings s) throws IOException {
    LanguageModel source = embeddingsFrom == null ? null : LanguageModel.load(embeddingsFrom);
    if (source != null && !source.wordLevel()) {
      throw new IllegalArgumentException(embeddingsFrom + " is a character-level language model: its embeddings are"
          + " of characters, and word embeddings come from a word-level one");
    }
    return vocab -> {
      SentimentModel m = SentimentModel.create(s, vocab);
      if (source != null) {
        int n = m.copyEmbeddings(source.vocabulary(), source.model().parameters().value(ModelConfig.EMBEDDING));
        System.out.printf(Locale.ROOT, "embeddings of %,d of %,d words taken from %s%n", n, vocab.size(), embeddingsFrom);
      }
      return m;
    };
  }

  @Override
  public Integer call() throws Exception {
    run.checkDevice();
    Settings s = SettingOptions.settings(spec, schema());
    boolean phrases = s.get(SentimentSettings.PHRASES);
    boolean fineGrained = s.get(SentimentSettings.FINE_GRAINED);
    if ((validPos == null) != (validNeg == null)) {
      throw new IllegalArgumentException("--valid-pos and --valid-neg go together: give both or neither");
    }
    if (valid != null && validPos != null) {
      throw new IllegalArgumentException("--valid and --valid-pos/--valid-neg name two validation sets: give one");
    }
    if (phrases && folds > 1) {
      // Folds are drawn over phrases, and a sentence's phrases would sit on both sides.
      throw new IllegalArgumentException("cross-validation holds out sentences, and with --phrases a held-out"
          + " sentence's phrases would be trained on in the other folds: use --phrases false with --cv");
    }
    List<Example> trainSet;
    if (source.train != null) {
      boolean trees = SentimentData.isTrees(TextFiles.read(source.train));
      if (phrases && !trees) {
        throw new IllegalArgumentException("phrase-level training needs SST trees, and " + source.train
            + " holds sentences; pass the trees (trees/train.txt.gz) or --phrases false");
      }
      if (fineGrained && folds > 1) {
        throw new IllegalArgumentException("cross-validation scores the held-out folds on polarity, and with"
            + " --fine-grained they would hold the five labels; SST has its own validation split (--valid)");
      }
      if (fineGrained && !trees) {
        throw new IllegalArgumentException("fine-grained training needs the five labels of SST trees, and "
            + source.train + " holds sentences labelled 0 or 1; pass the trees or --fine-grained false");
      }
      trainSet = phrases ? SentimentData.phrases(source.train, fineGrained)
          : fineGrained ? SentimentData.fineGrainedSentences(source.train) : SentimentData.sentences(source.train);
    } else {
      if (fineGrained) {
        throw new IllegalArgumentException("fine-grained training needs the five labels of SST trees;"
            + " --pos/--neg files have only polarity (--fine-grained false)");
      }
      if (phrases) {
        throw new IllegalArgumentException("phrase-level training needs SST trees; --pos/--neg files hold sentences"
            + " (--phrases false)");
      }
      trainSet = SentimentData.positiveNegative(source.mr.pos, source.mr.neg, encoding);
    }
    if (folds < 0 || folds == 1) {
      throw new IllegalArgumentException("--cv is the number of folds, 2 or more (0: no cross-validation), got " + folds);
    }
    List<Example> validSet = new ArrayList<>();
    if (valid != null) {
      validSet = SentimentData.sentences(valid);
    } else if (validPos != null && validNeg != null) {
      validSet = SentimentData.positiveNegative(validPos, validNeg, encoding);
    }
    if ((valid != null || validPos != null) && validSet.isEmpty()) {
      // A run would go on with no check and keep its last model, without the closing figure it promises.
      throw new IllegalArgumentException("the validation data hold no sentence to check on"
          + (valid != null ? " (" + valid + ": an SST file of neutral trees only?)" : "") + "; give other data or none");
    }
    System.out.printf(Locale.ROOT, "sentiment: %,d training %s%s, %,d validation sentences; %s kernels, %d threads%n",
        trainSet.size(), phrases ? "phrases" : "sentences", fineGrained ? " (five labels)" : "", validSet.size(),
        Kernels.best().getClass().getSimpleName(), Parallel.threads());
    if (folds <= 1 && (cvPredictions != null || !cvEnsembleWith.isEmpty())) {
      throw new IllegalArgumentException("--cv-predictions and --cv-ensemble-with need --cv K with K >= 2, got --cv " + folds);
    }
    if (folds > 1) {
      // Checked now, not after every fold has trained: the final run's files, and --cv-predictions.
      if (run.resume) {
        throw new IllegalArgumentException("--resume continues the final model's run from its checkpoint, but the"
            + " --cv folds keep none and would all train again: resume without --cv (the first run printed the"
            + " folds' figure)");
      }
      TrainingRun.requireOutputsWritable(run.out, Metric.ACCURACY);
      if (cvPredictions != null) {
        AtomicFiles.requireWritable(cvPredictions);
      }
    }
    Function<Vocabulary, SentimentModel> create = factory(s);
    Double crossValidated = folds > 1 ? crossValidate(s, trainSet, source.train == null, create) : null;
    SentimentModel m = create.apply(SentimentModel.vocabulary(trainSet, s.get(SentimentSettings.MIN_COUNT)));
    System.out.printf(Locale.ROOT, "%svocabulary %,d; %,d parameters%n", folds > 1 ? "final model, trained on all "
        + trainSet.size() + " examples: " : "", m.vocabulary().size(), m.model().parameters().layout().size());
    m.unseenNote("validation", validSet).ifPresent(System.out::println);
    run.execute(new SentimentTask(m, trainSet, validSet));
    if (crossValidated != null) {
      System.out.printf(Locale.ROOT, "cross-validated accuracy: %.4f%n", crossValidated);
    }
    return 0;
  }

  /** Cross-validates, writes and ensembles the held-out predictions as asked; returns the mean accuracy. */
  private double crossValidate(Settings s, List<Example> data, boolean perClass,
      Function<Vocabulary, SentimentModel> create) throws IOException {
    int[] foldOf = CrossValidation.folds(data, folds, perClass);
    // Earlier runs are checked against this data now, not after the hour of training.
    List<HeldOutPredictions> runs = new ArrayList<>();
    List<String> names = new ArrayList<>(List.of("this data"));
    runs.add(new HeldOutPredictions(foldOf, data, new double[data.size()]));
    for (Path f : cvEnsembleWith) {
      runs.add(HeldOutPredictions.read(f));
      names.add(f.toString());
    }
    HeldOutPredictions.requireSameExamples(runs, names);
    HeldOutPredictions held = CrossValidation.run(s, data, foldOf, folds, create, System.out);
    double mean = CrossValidation.report("", held, folds, System.out);
    if (cvPredictions != null) {
      held.write(cvPredictions);
      System.out.println("held-out predictions written to " + cvPredictions);
    }
    if (!cvEnsembleWith.isEmpty()) {
      runs.set(0, held);
      names.set(0, "this run");
      HeldOutPredictions ensemble = HeldOutPredictions.mean(runs, names);
      StringBuilder perFold = new StringBuilder();
      for (double a : ensemble.foldAccuracies(folds)) {
        perFold.append(String.format(Locale.ROOT, " %.2f", 100 * a));
      }
      System.out.println("ensemble of this run and " + String.join(", ", names.subList(1, names.size()))
          + ", per fold:" + perFold);
      CrossValidation.report("ensemble: ", ensemble, folds, System.out);
    }
    return mean;
  }
}
