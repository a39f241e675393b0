package jrnn.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import jrnn.apps.sentiment.Example;
import jrnn.apps.sentiment.HeldOutPredictions;
import jrnn.apps.sentiment.SentimentData;
import jrnn.apps.sentiment.SentimentModel;
import jrnn.apps.sentiment.SentimentSettings;
import jrnn.apps.sentiment.SentimentTraining;
import jrnn.data.TextFiles;
import jrnn.data.Vocabulary;
import jrnn.kernels.Kernels;
import jrnn.kernels.Parallel;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jrnn train sentiment}: trains a sentence polarity classifier. */
@Command(name = "sentiment", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Trains a sentence classifier (positive / negative) with validation accuracy per epoch,"
        + " keeping the best model.",
        "Data: SST sentence files ('label sentence' lines) or SST trees (with --phrases, every labelled phrase"
            + " trains; with --fine-grained, on its five labels), or MR's --pos/--neg files (Windows-1252)."
            + " Gzipped files are read as they are.",
        "--cv K reports K-fold cross-validated accuracy, then trains the final model on all the data.",
        "Presets: sst2, mr; explicit options override a preset."})
final class TrainSentimentCommand implements Callable<Integer> {

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

  @Option(names = "--cv-predictions", description = "With --cv: write each example's fold, label and held-out"
      + " P(positive) to this file (tab-separated).")
  Path cvPredictions;

  @Option(names = "--cv-ensemble-with", description = "With --cv: also report the cross-validated accuracy of the"
      + " mean P(positive) of this run and of earlier runs' --cv-predictions files; repeatable.")
  List<Path> cvEnsembleWith = new ArrayList<>();

  @Option(names = "--encoding", defaultValue = "windows-1252", description = "Encoding of --pos/--neg files (default ${DEFAULT-VALUE}).")
  String encoding;

  @Option(names = "--out", required = true, description = "Model file to write.")
  Path out;

  @Option(names = "--embeddings-from", description = "A language model whose word embeddings start those of the words both know.")
  Path embeddingsFrom;

  @Option(names = "--preset", description = "sst2 or mr.")
  String preset;

  @Option(names = "--cell") String cell;
  @Option(names = "--embedding") Integer embedding;
  @Option(names = "--embedding-std", description = "Standard deviation of the random word embeddings at the start.")
  Double embeddingStd;
  @Option(names = "--hidden") Integer hidden;
  @Option(names = "--layers") Integer layers;
  @Option(names = "--bidirectional", description = "none, concat or sum.") String bidirectional;
  @Option(names = "--readout", description = "last, mean or max.") String readout;
  @Option(names = "--dropout") Double dropout;
  @Option(names = "--word-dropout", description = "Probability of replacing a training word by <unk>.") Double wordDropout;
  @Option(names = "--min-count", description = "Rarer training words become <unk>.") Integer minCount;
  @Option(names = "--batch") Integer batch;
  @Option(names = "--epochs") Integer epochs;
  @Option(names = "--optimizer", description = "sgd, momentum, nesterov or adam.") String optimizer;
  @Option(names = "--lr") Double lr;
  @Option(names = "--decay", description = "Learning-rate factor per epoch after the first.") Double decay;
  @Option(names = "--clip-norm") Double clipNorm;
  @Option(names = "--weight-decay") Double weightDecay;
  @Option(names = "--adversarial", description = "Norm of the adversarial perturbation of each training"
      + " sentence's word vectors (0: none).") Double adversarial;
  @Option(names = "--phrases", arity = "1", description = "true: train on every labelled phrase of SST trees.") Boolean phrases;
  @Option(names = "--fine-grained", arity = "1", description = "true: train on the five SST labels, neutral"
      + " phrases included, and read the polarity from them.") Boolean fineGrained;
  @Option(names = "--evals-per-epoch", description = "Validation checks per epoch (the best model is kept).") Integer evalsPerEpoch;
  @Option(names = "--seed") Long seed;

  SentimentSettings settings() {
    SentimentSettings base = preset != null ? SentimentSettings.preset(preset) : SentimentSettings.defaults();
    Map<String, String> o = new LinkedHashMap<>();
    put(o, "sentiment.cell", cell);
    put(o, "sentiment.embedding", embedding);
    put(o, "sentiment.embedding_std", embeddingStd);
    put(o, "sentiment.hidden", hidden);
    put(o, "sentiment.layers", layers);
    put(o, "sentiment.bidirectional", bidirectional);
    put(o, "sentiment.readout", readout);
    put(o, "sentiment.dropout", dropout);
    put(o, "sentiment.word_dropout", wordDropout);
    put(o, "sentiment.min_count", minCount);
    put(o, "sentiment.batch", batch);
    put(o, "sentiment.epochs", epochs);
    put(o, "sentiment.optimizer", optimizer);
    put(o, "sentiment.lr", lr);
    put(o, "sentiment.decay", decay);
    put(o, "sentiment.clip_norm", clipNorm);
    put(o, "sentiment.weight_decay", weightDecay);
    put(o, "sentiment.adversarial", adversarial);
    put(o, "sentiment.phrases", phrases);
    put(o, "sentiment.fine_grained", fineGrained);
    put(o, "sentiment.evals_per_epoch", evalsPerEpoch);
    put(o, "sentiment.seed", seed);
    return base.with(o);
  }

  /** Prints the mean and spread of the per-fold accuracies; returns the mean. */
  private static double printCrossValidation(String what, HeldOutPredictions p, int folds, long t0) {
    double[] acc = p.foldAccuracies(folds);
    double mean = java.util.Arrays.stream(acc).average().orElse(0);
    double sd = Math.sqrt(java.util.Arrays.stream(acc).map(a -> (a - mean) * (a - mean)).sum() / (folds - 1));
    System.out.printf(Locale.ROOT, "%s%d-fold cross-validation: %.2f%% +- %.2f%% (standard deviation over folds), %s%n",
        what, folds, 100 * mean, 100 * sd, jrnn.training.Progress.formatTime((System.nanoTime() - t0) / 1e9));
    return mean;
  }

  /** A new classifier, its embeddings started from --embeddings-from when given. */
  SentimentModel create(SentimentSettings s, Vocabulary vocab) throws java.io.IOException {
    SentimentModel m = SentimentModel.create(s, vocab);
    if (embeddingsFrom != null) {
      jrnn.apps.lm.LanguageModel lm = jrnn.apps.lm.LanguageModel.load(embeddingsFrom);
      int n = m.copyEmbeddings(lm.vocabulary(), lm.model().parameters().value(jrnn.models.ModelConfig.EMBEDDING));
      System.out.printf(Locale.ROOT, "embeddings of %,d of %,d words taken from %s%n", n, vocab.size(), embeddingsFrom);
    }
    return m;
  }

  private static void put(Map<String, String> m, String k, Object v) {
    if (v != null) {
      m.put(k, v.toString());
    }
  }

  @Override
  public Integer call() throws Exception {
    SentimentSettings s = settings();
    List<Example> trainSet;
    int[] fold = null;
    if (source.train != null) {
      boolean trees = SentimentData.isTrees(TextFiles.read(source.train));
      if (s.phrases() && !trees) {
        throw new IllegalArgumentException("phrase-level training needs SST trees, and " + source.train
            + " holds sentences; pass the trees (trees/train.txt.gz) or --phrases false");
      }
      if (s.fineGrained() && folds > 1) {
        throw new IllegalArgumentException("cross-validation scores the held-out folds on polarity, and with"
            + " --fine-grained they would hold the five labels; SST has its own validation split (--valid)");
      }
      if (s.fineGrained() && !trees) {
        throw new IllegalArgumentException("fine-grained training needs the five labels of SST trees, and "
            + source.train + " holds sentences labelled 0 or 1; pass the trees or --fine-grained false");
      }
      trainSet = s.phrases() ? SentimentData.phrases(source.train, s.fineGrained())
          : s.fineGrained() ? SentimentData.fineGrainedSentences(source.train) : SentimentData.sentences(source.train);
    } else {
      if (s.fineGrained()) {
        throw new IllegalArgumentException("fine-grained training needs the five labels of SST trees;"
            + " --pos/--neg files have only polarity (--fine-grained false)");
      }
      java.nio.charset.Charset cs = java.nio.charset.Charset.forName(encoding);
      trainSet = SentimentData.positiveNegative(source.mr.pos, source.mr.neg, cs);
      fold = new int[trainSet.size()];
      int[] perClass = new int[2];
      for (int i = 0; i < fold.length; i++) {
        fold[i] = perClass[trainSet.get(i).label()]++;
      }
    }
    List<Example> validSet = new ArrayList<>();
    if (valid != null) {
      validSet = SentimentData.sentences(valid);
    } else if (validPos != null && validNeg != null) {
      validSet = SentimentData.positiveNegative(validPos, validNeg, java.nio.charset.Charset.forName(encoding));
    }
    System.out.printf(Locale.ROOT, "sentiment: %,d training %s%s, %,d validation sentences%n", trainSet.size(),
        s.phrases() ? "phrases" : "sentences", s.fineGrained() ? " (five labels)" : "", validSet.size());
    System.out.printf(Locale.ROOT, "model: embedding %d (starting at N(0, %s^2)), %d x %s of %d units, bidirectional %s, %s readout,"
        + " dropout %.2f; %s lr %.3g (x%.3g per epoch), clip %.3g, batch %d, %d epochs; %s kernels, %d threads%n",
        s.embedding(), s.embeddingStd(), s.layers(), s.cell(), s.hidden(), s.bidirectional(), s.readout(), s.dropout(), s.optimizer(),
        s.lr(), s.decay(), s.clipNorm(), s.batch(), s.epochs(), Kernels.best().getClass().getSimpleName(),
        Parallel.threads());
    if (folds <= 1 && (cvPredictions != null || !cvEnsembleWith.isEmpty())) {
      throw new IllegalArgumentException("--cv-predictions and --cv-ensemble-with need --cv K with K >= 2, got --cv " + folds);
    }
    long t0 = System.nanoTime();
    if (folds > 1) {
      int[] foldOf = new int[trainSet.size()];
      int[] labels = new int[trainSet.size()];
      double[] heldOut = new double[trainSet.size()];
      for (int i = 0; i < foldOf.length; i++) {
        foldOf[i] = fold != null ? fold[i] % folds : i % folds;
        labels[i] = trainSet.get(i).label();
      }
      int[] foldSize = new int[folds];
      for (int f : foldOf) {
        foldSize[f]++;
      }
      for (int k = 0; k < folds; k++) {
        if (foldSize[k] == 0) {
          throw new IllegalArgumentException("--cv " + folds + " leaves fold " + (k + 1) + " without an example ("
              + trainSet.size() + " examples); use fewer folds");
        }
      }
      if (cvPredictions != null) {
        Path parent = cvPredictions.toAbsolutePath().getParent();
        if (parent != null && Files.isDirectory(parent) && !Files.isWritable(parent)) {
          throw new IllegalArgumentException("--cv-predictions " + cvPredictions + ": cannot write in " + parent);
        }
      }
      // Earlier runs are checked against this data now, not after the hour of training.
      List<HeldOutPredictions> earlier = new ArrayList<>();
      List<String> names = new ArrayList<>(List.of("this data"));
      for (Path f : cvEnsembleWith) {
        earlier.add(HeldOutPredictions.read(f));
        names.add(f.toString());
      }
      if (!earlier.isEmpty()) {
        List<HeldOutPredictions> check = new ArrayList<>(List.of(new HeldOutPredictions(foldOf, labels, heldOut)));
        check.addAll(earlier);
        HeldOutPredictions.requireSameExamples(check, names);
      }
      for (int k = 0; k < folds; k++) {
        List<Example> tr = new ArrayList<>();
        List<Integer> te = new ArrayList<>();
        for (int i = 0; i < trainSet.size(); i++) {
          if (foldOf[i] == k) {
            te.add(i);
          } else {
            tr.add(trainSet.get(i));
          }
        }
        SentimentModel m = create(s, SentimentModel.vocabulary(tr, s.minCount()));
        new SentimentTraining(m, tr, List.of(), System.out).run(null);
        List<Example> held = te.stream().map(trainSet::get).toList();
        double[] p = m.positives(held, 200);
        for (int j = 0; j < p.length; j++) {
          heldOut[te.get(j)] = p[j];
        }
        System.out.printf(Locale.ROOT, "fold %d/%d: trained on %,d, accuracy %.2f%% on %,d held out%n", k + 1,
            folds, tr.size(), 100 * SentimentModel.accuracy(p, held), te.size());
      }
      HeldOutPredictions run = new HeldOutPredictions(foldOf, labels, heldOut);
      double mean = printCrossValidation("", run, folds, t0);
      if (cvPredictions != null) {
        run.write(cvPredictions);
        System.out.println("held-out predictions written to " + cvPredictions);
      }
      if (!earlier.isEmpty()) {
        List<HeldOutPredictions> runs = new ArrayList<>(List.of(run));
        runs.addAll(earlier);
        names.set(0, "this run");
        HeldOutPredictions ensemble = HeldOutPredictions.mean(runs, names);
        double[] acc = ensemble.foldAccuracies(folds);
        StringBuilder perFold = new StringBuilder();
        for (double a : acc) {
          perFold.append(String.format(Locale.ROOT, " %.2f", 100 * a));
        }
        System.out.println("ensemble of this run and " + String.join(", ", cvEnsembleWith.stream().map(Path::toString)
            .toList()) + ", per fold:" + perFold);
        printCrossValidation("ensemble: ", ensemble, folds, t0);
      }
      System.out.println("final model: trained on all " + trainSet.size() + " examples");
      SentimentModel fin = create(s, SentimentModel.vocabulary(trainSet, s.minCount()));
      new SentimentTraining(fin, trainSet, validSet, System.out).run(out);
      if (!validSet.isEmpty()) {
        fin.save(out);
      }
      System.out.printf(Locale.ROOT, "cross-validated accuracy: %.4f%n", mean);
      return 0;
    }
    Vocabulary vocab = SentimentModel.vocabulary(trainSet, s.minCount());
    SentimentModel m = create(s, vocab);
    String unseen = m.unseenNote("validation", validSet);
    if (!unseen.isEmpty()) {
      System.out.println(unseen);
    }
    System.out.printf(Locale.ROOT, "vocabulary %,d; %,d parameters%n", vocab.size(),
        m.model().parameters().layout().size());
    SentimentTraining run = new SentimentTraining(m, trainSet, validSet, System.out);
    run.run(out);
    double secs = (System.nanoTime() - t0) / 1e9;
    if (validSet.isEmpty()) {
      System.out.printf(Locale.ROOT, "done in %s; model (last epoch) in %s%n", jrnn.training.Progress.formatTime(secs), out);
    } else {
      System.out.printf(Locale.ROOT, "done in %s; best validation accuracy %.2f%% at epoch %d; model in %s%n",
          jrnn.training.Progress.formatTime(secs), 100 * run.bestValidationAccuracy(), run.bestEpoch(), out);
      System.out.printf(Locale.ROOT, "validation accuracy: %.4f%n", run.bestValidationAccuracy());
    }
    return 0;
  }
}
