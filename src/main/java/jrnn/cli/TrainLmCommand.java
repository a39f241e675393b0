package jrnn.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import jrnn.apps.lm.LanguageModel;
import jrnn.apps.lm.LanguageModelTraining;
import jrnn.apps.lm.LmSettings;
import jrnn.data.TextFiles;
import jrnn.data.Vocabulary;
import jrnn.kernels.Kernels;
import jrnn.kernels.Parallel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jrnn train lm}: trains a word- or character-level language model. */
@Command(name = "lm", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Trains a language model by truncated BPTT, with a validation figure per epoch.",
        "Keeps the best model in --out, a checkpoint of the last epoch in OUT.ckpt (--resume continues"
            + " from it) and the loss curve in OUT.loss.png. Files may be gzipped.",
        "Presets: ptb-small, ptb-medium, shakespeare-char; explicit options override a preset."})
final class TrainLmCommand implements Callable<Integer> {

  @Option(names = "--train", required = true, description = "Training text.")
  Path train;

  @Option(names = "--valid", description = "Validation text (default: the last --valid-split of the training text).")
  Path valid;

  @Option(names = "--valid-split", defaultValue = "0.1",
      description = "Fraction at the end of the training text to validate on when --valid is absent (default ${DEFAULT-VALUE}).")
  double validSplit;

  @Option(names = "--out", required = true, description = "Model file to write.")
  Path out;

  @Option(names = "--preset", description = "ptb-small, ptb-medium or shakespeare-char.")
  String preset;

  @Option(names = "--resume", description = "Continue from OUT.ckpt, the checkpoint of the last finished epoch.")
  boolean resume;

  @Option(names = "--level", description = "word or char.")
  String level;

  @Option(names = "--vocab-cap", description = "Largest vocabulary, <unk> included (0: no cap).")
  Integer vocabCap;

  @Option(names = "--cell", description = "Cell type (lstm, gru, rnn-tanh, lstm-peephole, ...).")
  String cell;

  @Option(names = "--embedding", description = "Embedding width.")
  Integer embedding;

  @Option(names = "--hidden", description = "Hidden units per layer.")
  Integer hidden;

  @Option(names = "--layers", description = "Stacked layers.")
  Integer layers;

  @Option(names = "--dropout", description = "Dropout on non-recurrent connections.")
  Double dropout;

  @Option(names = "--batch", description = "Parallel streams.")
  Integer batch;

  @Option(names = "--steps", description = "Truncated BPTT window (time steps).")
  Integer steps;

  @Option(names = "--epochs", description = "Epochs.")
  Integer epochs;

  @Option(names = "--optimizer", description = "sgd, momentum, nesterov or adam.")
  String optimizer;

  @Option(names = "--lr", description = "Learning rate.")
  Double lr;

  @Option(names = "--decay-start", description = "Epochs at the full learning rate before decay.")
  Integer decayStart;

  @Option(names = "--decay-factor", description = "Learning-rate factor per epoch after that.")
  Double decayFactor;

  @Option(names = "--clip-norm", description = "Gradient clipping by global norm (0: off).")
  Double clipNorm;

  @Option(names = "--init-range", description = "Uniform initialisation range (0: PyTorch defaults).")
  Double initRange;

  @Option(names = "--forget-bias", description = "Added to LSTM forget-gate biases at initialisation.")
  Double forgetBias;

  @Option(names = "--normalization", description = "sequence (Zaremba et al.) or token.")
  String normalization;

  @Option(names = "--seed", description = "Seed of initialisation and dropout.")
  Long seed;

  @Option(names = "--checks-per-epoch", description = "Validations per epoch, evenly spaced; the best model of all is kept.")
  Integer checksPerEpoch;

  @Option(names = "--two-biases", negatable = true,
      description = "Two bias vectors per recurrent layer, b_ih and b_hh, as cuDNN and PyTorch have (LSTM, simple RNN).")
  Boolean twoBiases;

  LmSettings settings() {
    LmSettings base = preset != null ? LmSettings.preset(preset) : LmSettings.defaults();
    Map<String, String> o = new LinkedHashMap<>();
    put(o, "lm.level", level);
    put(o, "lm.vocab_cap", vocabCap);
    put(o, "lm.cell", cell);
    put(o, "lm.embedding", embedding);
    put(o, "lm.hidden", hidden);
    put(o, "lm.layers", layers);
    put(o, "lm.dropout", dropout);
    put(o, "lm.batch", batch);
    put(o, "lm.steps", steps);
    put(o, "lm.epochs", epochs);
    put(o, "lm.optimizer", optimizer);
    put(o, "lm.lr", lr);
    put(o, "lm.decay_start", decayStart);
    put(o, "lm.decay_factor", decayFactor);
    put(o, "lm.clip_norm", clipNorm);
    put(o, "lm.init_range", initRange);
    put(o, "lm.forget_bias", forgetBias);
    put(o, "lm.normalization", normalization);
    put(o, "lm.seed", seed);
    put(o, "lm.checks_per_epoch", checksPerEpoch);
    put(o, "lm.two_biases", twoBiases);
    return base.with(o);
  }

  private static void put(Map<String, String> m, String k, Object v) {
    if (v != null) {
      m.put(k, v.toString());
    }
  }

  @Override
  public Integer call() throws Exception {
    LmSettings s = settings();
    String trainText = TextFiles.read(train);
    String validText;
    if (valid != null) {
      validText = TextFiles.read(valid);
    } else {
      if (!(validSplit > 0 && validSplit < 1)) {
        throw new IllegalArgumentException("--valid-split must be in (0, 1), got " + validSplit);
      }
      int cut = (int) (trainText.length() * (1 - validSplit));
      validText = trainText.substring(cut);
      trainText = trainText.substring(0, cut);
    }
    LanguageModel probe = LanguageModel.create(s, new Vocabulary(List.of("<unk>")));
    List<String> trainTokens = probe.tokenize(trainText);
    Vocabulary vocab = LanguageModelTraining.vocabulary(s, trainTokens);
    LanguageModel lm = LanguageModel.create(s, vocab);
    int[] trainIds = lm.encode(trainTokens);
    List<String> validTokens = lm.tokenize(validText);
    int[] validIds = lm.encode(validTokens);
    System.out.printf(Locale.ROOT, "language model, %s level: %,d training and %,d validation tokens, vocabulary %,d%n",
        s.level(), trainIds.length, validIds.length, vocab.size());
    String unseen = lm.unseenNote("validation", validTokens);
    if (!unseen.isEmpty()) {
      System.out.println(unseen);
    }
    System.out.printf(Locale.ROOT, "model: embedding %d, %d x %s of %d units%s, dropout %.2f: %,d parameters%n",
        s.embedding(), s.layers(), s.cell(), s.hidden(), s.twoBiases() ? " with two biases" : "", s.dropout(),
        lm.model().parameters().layout().size());
    System.out.printf(Locale.ROOT, "training: %s, lr %.4g (x%.3g per epoch from epoch %d), clip %.3g, batch %d,"
        + " %d steps, %d epochs, loss per %s, validation %d time(s) an epoch; %s kernels, %d threads%n",
        s.optimizer(), s.lr(), s.decayFactor(), s.decayStart() + 1, s.clipNorm(), s.batch(), s.steps(), s.epochs(),
        s.normalization(), s.checksPerEpoch(), Kernels.best().getClass().getSimpleName(), Parallel.threads());
    LanguageModelTraining run = new LanguageModelTraining(lm, trainIds, validIds, out, System.out);
    int first = 0;
    if (resume) {
      Path ckpt = LanguageModelTraining.checkpointPath(out);
      first = run.resume(ckpt);
      System.out.printf(Locale.ROOT, "resumed from %s: %d epoch(s) done, best validation %s%n", ckpt, first,
          run.metric(run.bestValidation()));
    } else if (LanguageModelTraining.hasCheckpoint(out)) {
      System.out.println("note: " + LanguageModelTraining.checkpointPath(out)
          + " exists; starting afresh (use --resume to continue from it)");
    }
    long t0 = System.nanoTime();
    run.run(first);
    double total = (System.nanoTime() - t0) / 1e9;
    System.out.printf(Locale.ROOT, "done in %s; best validation %s; model in %s, loss curve in %s%n",
        jrnn.training.Progress.formatTime(total), run.metric(run.bestValidation()), out,
        LanguageModelTraining.curvePath(out));
    System.out.println(lm.figure(run.bestValidation()));
    return 0;
  }

  static String join(int[] a) {
    return Arrays.toString(a);
  }
}
