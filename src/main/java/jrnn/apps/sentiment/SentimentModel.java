package jrnn.apps.sentiment;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jrnn.cells.CellType;
import jrnn.data.Batch;
import jrnn.data.Vocabulary;
import jrnn.frame.AppFile;
import jrnn.frame.CommonSettings;
import jrnn.frame.Settings;
import jrnn.frame.TokenModel;
import jrnn.layers.Bidirectional;
import jrnn.layers.Ctc;
import jrnn.models.InferencePass;
import jrnn.models.LossStats;
import jrnn.models.ModelConfig;
import jrnn.models.OutputKind;
import jrnn.models.Readout;
import jrnn.models.SequenceModel;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;

/**
 * A sentence classifier (SPEC 6.1): embedding, a (stacked, bidirectional) recurrent encoder,
 * the last state or a state pooled over the valid steps, dropout, softmax over
 * {negative, positive}, or over the five SST labels for a fine-grained model, which reads the
 * polarity from them. Sentences of different lengths share padded, masked batches.
 */
public final class SentimentModel extends TokenModel {
  /** The application's kind, {@value}: its settings' prefix and its model files' kind. */
  public static final String APP = "sentiment";
  /** Id 0: the token that pads shorter sentences in a batch (masked, never read as a word). */
  public static final String PAD = "<pad>";
  /** The polarity labels by class: 0 negative, 1 positive. */
  public static final String[] LABELS = {"negative", "positive"};

  /** A classifier of {@code settings} over {@code vocab}, running {@code model} (trained or loaded). */
  public SentimentModel(Settings settings, Vocabulary vocab, SequenceModel model) {
    super(settings, vocab, model);
  }

  /** The vocabulary of the training examples: words seen at least min-count times, and {@code <unk>}. */
  public static Vocabulary vocabulary(List<Example> train, int minCount) {
    Map<String, Integer> counts = new HashMap<>();
    List<String> order = new ArrayList<>();
    for (Example e : train) {
      for (String t : e.tokens()) {
        if (counts.merge(t, 1, Integer::sum) == 1) {
          order.add(t);
        }
      }
    }
    List<String> keep = new ArrayList<>();
    keep.add(PAD);
    keep.add(Vocabulary.UNKNOWN);
    for (String t : order) {
      if (counts.get(t) >= minCount && !t.equals(Vocabulary.UNKNOWN) && !t.equals(PAD)) {
        keep.add(t);
      }
    }
    return new Vocabulary(keep);
  }

  /** A new model for {@code s} over {@code vocab}, initialised from the settings' seed. */
  public static SentimentModel create(Settings s, Vocabulary vocab) {
    ModelConfig cfg = new ModelConfig(vocab.size(), s.get(CommonSettings.EMBEDDING),
        CellType.parse(s.get(CommonSettings.CELL)), s.get(CommonSettings.HIDDEN), s.get(CommonSettings.LAYERS),
        Bidirectional.parse(s.get(SentimentSettings.BIDIRECTIONAL)), s.get(CommonSettings.DROPOUT),
        Readout.parse(s.get(SentimentSettings.READOUT)), classes(s), OutputKind.SOFTMAX);
    SequenceModel m = new SequenceModel(cfg);
    m.initialize(new Rng(s.get(CommonSettings.SEED)), 0, 1.0, s.get(SentimentSettings.EMBEDDING_STD));
    return new SentimentModel(s, vocab, m);
  }

  /**
   * Copies the embedding rows of the words this model shares with {@code source} (for instance a
   * language model trained on more text); returns how many words were copied
   * ({@code <unk>} and the padding token never are). The widths must
   * agree.
   */
  public int copyEmbeddings(Vocabulary sourceVocab, Tensor sourceTable) {
    Tensor table = model.parameters().value(ModelConfig.EMBEDDING);
    int width = table.dim(1);
    if (sourceTable.dim(1) != width) {
      throw new IllegalArgumentException("embeddings to copy are " + sourceTable.dim(1)
          + " wide, this model's are " + width + " (set --embedding " + sourceTable.dim(1) + ")");
    }
    int copied = 0;
    for (int id = 0; id < vocab.size(); id++) {
      String w = vocab.token(id);
      if (!w.equals(Vocabulary.UNKNOWN) && !w.equals(PAD) && sourceVocab.contains(w)) {
        table.data().put(id * width, sourceTable.data(), sourceVocab.id(w) * width, width);
        copied++;
      }
    }
    return copied;
  }

  /** The classes of the softmax: negative and positive, or the SST labels 0-4. */
  static int classes(Settings s) {
    return s.get(SentimentSettings.FINE_GRAINED) ? 5 : 2;
  }

  /** "validation: 40 of 17,000 words unseen in training, read as {@code <unk>}", or nothing when all are known. */
  public Optional<String> unseenNote(String what, List<Example> examples) {
    List<String> words = new ArrayList<>();
    for (Example e : examples) {
      words.addAll(e.tokens());
    }
    return vocab.unseenNote(what, words, "words");
  }

  /** A padded, time-major batch of examples (padding id 0, {@code <pad>}). */
  public Batch batch(List<Example> examples, boolean withTargets) {
    return batch(examples, withTargets, 0, null);
  }

  /** As {@link #batch(List, boolean)}, each word replaced by {@code <unk>} with probability wordDropout. */
  public Batch batch(List<Example> examples, boolean withTargets, double wordDropout, Rng rng) {
    int size = examples.size();
    int steps = 1;
    for (Example e : examples) {
      steps = Math.max(steps, e.tokens().size());
    }
    int[] tokens = new int[steps * size];
    int[] lengths = new int[size];
    int[] targets = new int[size];
    int unknown = vocab.id(Vocabulary.UNKNOWN);
    for (int b = 0; b < size; b++) {
      List<String> t = examples.get(b).tokens();
      lengths[b] = Math.max(1, t.size());
      for (int i = 0; i < t.size(); i++) {
        tokens[i * size + b] = wordDropout > 0 && rng.nextDouble() < wordDropout ? unknown : vocab.id(t.get(i));
      }
      if (t.isEmpty()) {
        tokens[b] = unknown;
      }
      targets[b] = examples.get(b).label();
    }
    return Batch.ofTokens(steps, size, tokens, lengths, withTargets ? targets : null);
  }

  /**
   * Polarity accuracy and loss (the cross-entropy of P(positive) against the label 0 or 1) on
   * examples, in batches, no dropout. For a two-class model the loss is its training loss.
   */
  public LossStats evaluate(List<Example> examples, int batchSize) {
    try (Parameters.Frozen frozen = model.parameters().freeze()) {
      return workspaces.apply(network -> evaluate(examples, batchSize, network));
    }
  }

  /** {@link #evaluate(List, int)} on {@code pass}'s parameters (a device's). */
  public LossStats evaluate(List<Example> examples, int batchSize, InferencePass pass) {
    double[] m = margins(examples, batchSize, pass);
    double loss = 0;
    int correct = 0;
    for (int i = 0; i < m.length; i++) {
      int label = examples.get(i).label();
      if (label > 1) {
        throw new IllegalArgumentException("polarity examples are labelled 0 or 1, example " + i + " has " + label);
      }
      // -log P(label) = log(1 + e^(margin against it)), taken in log space: from P itself a
      // margin past about 37 nats rounds P(positive) to 1 and the loss to infinity.
      loss += Ctc.logAdd(0, label == 1 ? -m[i] : m[i]);
      correct += label(sigmoid(m[i])) == label ? 1 : 0;
    }
    return new LossStats(loss, m.length, correct, m.length);
  }


  private static double sigmoid(double margin) {
    return 1 / (1 + Math.exp(-margin));
  }

  /** P(positive) of one token sequence. */
  public double positive(List<String> tokens) {
    return positives(List.of(new Example(tokens, 0)), 1)[0];
  }

  /** P(positive) of each example (labels unread), in batches, no dropout. */
  public double[] positives(List<Example> examples, int batchSize) {
    try (Parameters.Frozen frozen = model.parameters().freeze()) {
      return workspaces.apply(network -> positives(examples, batchSize, network));
    }
  }

  /** {@link #positives(List, int)} on {@code pass}'s parameters (a device's). */
  public double[] positives(List<Example> examples, int batchSize, InferencePass pass) {
    double[] p = margins(examples, batchSize, pass);
    for (int i = 0; i < p.length; i++) {
      p[i] = sigmoid(p[i]);
    }
    return p;
  }

  /** Each example's {@link #margin}, in batches, no dropout. */
  private double[] margins(List<Example> examples, int batchSize, InferencePass pass) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("the batch size must be at least 1, got " + batchSize);
    }
    double[] m = new double[examples.size()];
    for (int i = 0; i < examples.size(); i += batchSize) {
      List<Example> part = examples.subList(i, Math.min(examples.size(), i + batchSize));
      pass.forward(batch(part, false), null);
      Tensor o = pass.outputs();
      for (int b = 0; b < part.size(); b++) {
        m[i + b] = margin(o, b * classes(settings), classes(settings));
      }
    }
    return m;
  }

  /**
   * P(positive) from one row of logits, the sigmoid of its {@link #margin}: with two classes
   * 1 / (1 + e^(negative - positive)); with the five SST labels, the softmax's mass on 3 and 4 over
   * its mass on 0, 1, 3 and 4 (the neutral label 2 takes no side).
   */
  public static double polarity(Tensor logits, int off, int classes) {
    return sigmoid(margin(logits, off, classes));
  }

  /**
   * log(P(positive) / P(negative)) from one row of logits: positive - negative with two classes;
   * with five, the log of the mass on 3 and 4 less the log of the mass on 0 and 1.
   */
  static double margin(Tensor logits, int off, int classes) {
    if (classes == 2) {
      return (double) logits.get(off + 1) - logits.get(off);
    }
    return Ctc.logAdd(logits.get(off + 3), logits.get(off + 4)) - Ctc.logAdd(logits.get(off), logits.get(off + 1));
  }


  /**
   * The mean of several classifiers' P(positive) for the same examples (an ensemble); each
   * model reads the words through its own vocabulary.
   */
  public static double[] mean(List<double[]> positivesPerModel) {
    if (positivesPerModel.isEmpty()) {
      throw new IllegalArgumentException("an ensemble needs at least one model");
    }
    int n = positivesPerModel.get(0).length;
    double[] mean = new double[n];
    for (double[] p : positivesPerModel) {
      if (p.length != n) {
        throw new IllegalArgumentException("every model must score the same " + n + " examples, got " + p.length);
      }
      for (int i = 0; i < n; i++) {
        mean[i] += p[i] / positivesPerModel.size();
      }
    }
    return mean;
  }

  /** The label a probability of "positive" decides: 1 (positive) from 0.5 up, else 0. */
  public static int label(double positive) {
    return positive >= 0.5 ? 1 : 0;
  }

  /** The fraction of examples whose label is the side of 0.5 that P(positive) falls on. */
  public static double accuracy(double[] positives, List<Example> examples) {
    if (positives.length != examples.size()) {
      throw new IllegalArgumentException(positives.length + " probabilities for " + examples.size() + " examples");
    }
    int correct = 0;
    for (int i = 0; i < positives.length; i++) {
      if (label(positives[i]) == examples.get(i).label()) {
        correct++;
      }
    }
    return examples.isEmpty() ? Double.NaN : (double) correct / examples.size();
  }

  /**
   * P(positive) after each prefix of the sentence, so a user sees where the reading turns. For a
   * unidirectional model with the last-state readout this is the model's own reading, word by
   * word; otherwise each prefix is classified as a sentence of its own. The prefixes' words add up
   * to n (n + 1) / 2 for n words, so the time grows with the square of the length (800 words of
   * the mr preset's model: about 5 s on 2 cores, where classifying them takes 23 ms); reading the
   * prefixes as batches of sentences was measured slower still.
   */
  public double[] trace(List<String> tokens) {
    double[] p = new double[tokens.size()];
    try (Parameters.Frozen frozen = model.parameters().freeze()) {
      for (int i = 0; i < tokens.size(); i++) {
        p[i] = positive(tokens.subList(0, i + 1));
      }
    }
    return p;
  }

  /** The sentiment classifier in the model file at {@code path}. */
  public static SentimentModel load(Path path) throws IOException {
    return AppFile.loading(path, () -> {
      AppFile.Contents c = AppFile.read(path, SentimentSettings.SCHEMA, "sentiment classifier");
      return new SentimentModel(c.settings(), c.vocabulary("vocab"), c.model());
    });
  }
}
