package jrnn.apps.speech;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import jrnn.audio.DynamicTimeWarping.TemplateMatcher;
import jrnn.audio.Wav;
import jrnn.cells.CellType;
import jrnn.data.Batch;
import jrnn.data.Vocabulary;
import jrnn.decode.CtcDecoding;
import jrnn.frame.AppFile;
import jrnn.frame.CommonSettings;
import jrnn.frame.Settings;
import jrnn.frame.TrainedModel;
import jrnn.io.ModelFileException;
import jrnn.kernels.Parallel;
import jrnn.layers.Bidirectional;
import jrnn.layers.Ctc;
import jrnn.models.InferencePass;
import jrnn.models.LossStats;
import jrnn.models.ModelConfig;
import jrnn.models.OutputKind;
import jrnn.models.Readout;
import jrnn.models.SequenceModel;
import jrnn.models.Workspaces;
import jrnn.params.ParamLayout;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;
import jrnn.training.Trainer;
import jrnn.training.TrainingConfig;
import jrnn.util.Rng;

/**
 * A speech recogniser (SPEC 6.2): the front end's features of a recording read by a (stacked,
 * bidirectional) recurrent network, which names one word (softmax over the words, read from the
 * last or a pooled state) or, trained by CTC, a word sequence (a blank and the words at every
 * step); or the chapter's recogniser, which keeps templates of each word and names the nearest by
 * dynamic time warping. Its file holds the settings (front end included), the words, the
 * normalization statistics when they are global, and the network or the templates.
 *
 * <p>Threads: {@link #transcribe}, {@link #recognize}, {@link #logProbabilities} and
 * {@link #loss} may be called from any number of threads at once; each call runs on a workspace
 * of its own over the shared parameters ({@link jrnn.models.Workspaces}). Training runs on
 * {@link #network()} and must not overlap with them.
 */
public final class SpeechModel implements TrainedModel {
  /** The application's kind, {@value}: its settings' prefix and its model files' kind. */
  public static final String APP = "speech";
  /** Class 0 of a CTC recogniser: no word at this step. */
  public static final String BLANK = "<blank>";
  /** The blank's label id: it is the labels' first. */
  static final int BLANK_ID = 0;
  static final int EVAL_BATCH = 64;

  /**
   * A stored example of a word: its normalized features.
   *
   * @param word the word said
   * @param features its normalized features [frames][values]
   */
  public record Template(String word, float[][] features) {}

  private final Settings settings;
  private final Vocabulary labels;
  private final SpeechFeatures features;
  private final SequenceModel network;
  private final List<Template> templates;
  private final TemplateMatcher matcher;
  /** Workspaces over the network's parameters for recognition passes, one per concurrent caller. */
  private final Workspaces<SequenceModel> workspaces;

  private SpeechModel(Settings settings, Vocabulary labels, SpeechFeatures features, SequenceModel network,
      List<Template> templates) {
    this.settings = settings;
    this.labels = labels;
    this.features = features;
    this.network = network;
    this.templates = templates;
    this.workspaces = network != null ? new Workspaces<>(network::newWorkspace) : null;
    if (templates != null) {
      matcher = new TemplateMatcher(settings.get(SpeechSettings.DTW_BAND));
      for (Template t : templates) {
        matcher.add(t.word(), t.features());
      }
    } else {
      matcher = null;
    }
    if (network != null && network.config().inputSize() != features.dimension()) {
      throw new IllegalArgumentException("the network reads " + network.config().inputSize()
          + " values per step, the front end gives " + features.dimension());
    }
  }

  /** Whether the recogniser names word sequences (task ctc) rather than one word. */
  public boolean sequences() {
    return settings.get(SpeechSettings.TASK).equals("ctc");
  }

  /** Whether this is the template recogniser rather than a recurrent network. */
  public boolean usesTemplates() {
    return network == null;
  }

  /** The classes: the words of a word classifier; the blank (id 0) and the words of a CTC recogniser. */
  public static Vocabulary labels(Settings s, List<Utterance> train) {
    TreeSet<String> words = new TreeSet<>();
    for (Utterance u : train) {
      words.addAll(u.words());
    }
    List<String> l = new ArrayList<>();
    if (s.get(SpeechSettings.TASK).equals("ctc")) {
      l.add(BLANK);
    }
    l.addAll(words);
    return new Vocabulary(l);
  }

  /** A new recurrent recogniser of these words, initialised from the seed. */
  public static SpeechModel create(Settings s, Vocabulary labels, SpeechFeatures.Statistics statistics) {
    if (s.get(SpeechSettings.METHOD).equals("template")) {
      throw new IllegalArgumentException("method template keeps templates; it has no network to create");
    }
    SpeechFeatures f = new SpeechFeatures(s, statistics);
    boolean ctc = s.get(SpeechSettings.TASK).equals("ctc");
    ModelConfig cfg = new ModelConfig(0, f.dimension(), CellType.parse(s.get(CommonSettings.CELL)),
        s.get(CommonSettings.HIDDEN), s.get(CommonSettings.LAYERS),
        Bidirectional.parse(s.get(SpeechSettings.BIDIRECTIONAL)), s.get(CommonSettings.DROPOUT),
        ctc ? Readout.EVERY_STEP : Readout.parse(s.get(SpeechSettings.READOUT)), labels.size(),
        ctc ? OutputKind.LINEAR : OutputKind.SOFTMAX);
    SequenceModel m = new SequenceModel(cfg);
    m.initialize(new Rng(s.get(CommonSettings.SEED)), 0, 1.0);
    return new SpeechModel(s, labels, f, m, null);
  }

  /**
   * The chapter's recogniser: templates_per_word templates of each word (0: all), spread evenly
   * over its training recordings in their order.
   */
  public static SpeechModel templates(Settings s, List<Utterance> train, SpeechFeatures.Statistics statistics) {
    if (s.get(SpeechSettings.TASK).equals("ctc")) {
      throw new IllegalArgumentException("the template matcher recognises isolated words (task words), not sequences");
    }
    SpeechFeatures f = new SpeechFeatures(s, statistics);
    Vocabulary labels = labels(s, train);
    int perWord = s.get(SpeechSettings.TEMPLATES_PER_WORD);
    List<Integer> kept = new ArrayList<>();
    for (String w : labels.tokens()) {
      List<Integer> of = new ArrayList<>();
      for (int i = 0; i < train.size(); i++) {
        if (train.get(i).word().equals(w)) {
          of.add(i);
        }
      }
      int k = perWord == 0 ? of.size() : Math.min(perWord, of.size());
      for (int i = 0; i < k; i++) {
        kept.add(of.get((int) ((long) i * of.size() / k)));
      }
    }
    // By speaker, a speaker's statistics come from all of their training recordings, not the kept few.
    boolean bySpeaker = s.get(SpeechSettings.NORMALIZATION).equals("speaker");
    List<float[][]> x = f.of(bySpeaker ? train : kept.stream().map(train::get).toList());
    List<Template> t = new ArrayList<>();
    for (int j = 0; j < kept.size(); j++) {
      int i = kept.get(j);
      t.add(new Template(train.get(i).word(), x.get(bySpeaker ? i : j)));
    }
    return new SpeechModel(s, labels, f, null, t);
  }

  @Override
  public Settings settings() {
    return settings;
  }

  /** The classes: the words, after the blank for a CTC recogniser. */
  public Vocabulary labels() {
    return labels;
  }

  /** What the recogniser reads of a recording. */
  public SpeechFeatures features() {
    return features;
  }

  /** The recurrent network; an error for a template recogniser. */
  public SequenceModel network() {
    if (network == null) {
      throw new IllegalStateException("a template recogniser has no network");
    }
    return network;
  }

  /** The templates of a template recogniser; empty for a network. */
  public List<Template> templates() {
    return templates == null ? List.of() : templates;
  }

  /** A trainer of the network: a word classifier's batches by {@link Trainer#step}, CTC's by {@link Trainer#update}. */
  @Override
  public Trainer trainer(TrainingConfig config, Rng rng) {
    return new Trainer(network(), config, rng);
  }

  @Override
  public Parameters parameters() {
    return network != null ? network.parameters() : new Parameters(ParamLayout.builder().build());
  }

  /** The words in this recogniser's classes ({@code "<blank>"} excluded). */
  public List<String> words() {
    return sequences() ? labels.tokens().subList(1, labels.size()) : labels.tokens();
  }

  /** A padded, time-major batch [T, B, X] of feature sequences; word ids as targets when given. */
  public static Batch batch(List<float[][]> xs, int[] targets) {
    int size = xs.size();
    int steps = 1;
    for (float[][] x : xs) {
      steps = Math.max(steps, x.length);
    }
    int d = xs.get(0)[0].length;
    Tensor in = Tensor.zeros(steps, size, d);
    int[] lengths = new int[size];
    float[] data = new float[steps * size * d];
    for (int b = 0; b < size; b++) {
      float[][] x = xs.get(b);
      lengths[b] = x.length;
      for (int t = 0; t < x.length; t++) {
        System.arraycopy(x[t], 0, data, (t * size + b) * d, d);
      }
    }
    in.data().put(0, data, 0, data.length);
    return Batch.ofInputs(in, lengths, targets);
  }

  /** Each sequence's word ids, for CTC. */
  public int[] ids(List<String> words) {
    int[] ids = new int[words.size()];
    for (int i = 0; i < ids.length; i++) {
      if (!labels.contains(words.get(i)) || words.get(i).equals(BLANK)) {
        throw new IllegalArgumentException("'" + words.get(i) + "' is not a word this recogniser knows " + words());
      }
      ids[i] = labels.id(words.get(i));
    }
    return ids;
  }

  /**
   * The words of each WAV file (any rate, mono or stereo), with the model's own CTC beam. With
   * per-speaker normalization, files whose names carry the same speaker (FSDD's
   * {@code digit_speaker_index.wav}) are normalized together, as {@code jrnn transcribe} does, and
   * a file whose name carries none alone.
   * Thread-safe.
   */
  public List<List<String>> transcribe(List<Path> wavFiles) throws IOException {
    return transcribe(wavFiles, settings.get(SpeechSettings.BEAM));
  }

  /** As {@link #transcribe(List)}, with CTC beam width {@code beam} (1: greedy). */
  public List<List<String>> transcribe(List<Path> wavFiles, int beam) throws IOException {
    if (beam < 1) {
      throw new IllegalArgumentException("the beam width must be at least 1, got " + beam);
    }
    return recognize(recordings(wavFiles), beam);
  }

  /**
   * The recordings of WAV files to recognize, each with the speaker its name carries; a file that
   * names none is a speaker of its own (as {@link #transcribe(Path)} reads it), so that its words
   * never depend on the other files read with it.
   */
  static List<Utterance> recordings(List<Path> wavFiles) throws IOException {
    List<Utterance> utterances = new ArrayList<>();
    for (Path f : wavFiles) {
      String speaker = Split.speakerOrNone(f.toString(), Map.of());
      utterances.add(new Utterance(f.toString(), Wav.read(f), List.of(),
          speaker.isEmpty() ? "file " + f.toAbsolutePath() : speaker));
    }
    return utterances;
  }

  /** The words of one WAV file, as {@link #transcribe(List)}. */
  public List<String> transcribe(Path wavFile) throws IOException {
    return transcribe(List.of(wavFile)).get(0);
  }

  /** What is said in each recording. */
  public List<List<String>> recognize(List<Utterance> utterances, int beam) {
    return recognizeFeatures(features.of(utterances), beam);
  }

  /** What is said, from the features {@link SpeechFeatures#of} gives; beam for CTC (1: greedy). */
  public List<List<String>> recognizeFeatures(List<float[][]> xs, int beam) {
    return recognizeFeatures(xs, beam, null);
  }

  /**
   * {@link #recognizeFeatures(List, int)} with the network's passes on {@code pass}'s parameters
   * (a device's), or on this machine's workspaces when it is null.
   */
  public List<List<String>> recognizeFeatures(List<float[][]> xs, int beam, InferencePass pass) {
    List<List<String>> out = new ArrayList<>(java.util.Collections.nCopies(xs.size(), List.of()));
    if (matcher != null) {
      Parallel.run(xs.size(), (a, b) -> {
        for (int i = a; i < b; i++) {
          out.set(i, List.of(matcher.classify(xs.get(i)).label()));
        }
      });
      return out;
    }
    if (sequences()) {
      List<double[][]> logP = logProbabilities(xs, pass);
      for (int i = 0; i < xs.size(); i++) {
        int[] l = beam <= 1 ? CtcDecoding.greedy(logP.get(i), 0)
            : CtcDecoding.prefixBeamSearch(logP.get(i), 0, beam).labels();
        List<String> words = new ArrayList<>();
        for (int k : l) {
          words.add(labels.token(k));
        }
        out.set(i, words);
      }
      return out;
    }
    forEachBatch(xs, null, pass, (net, ids, batch, none) -> {
      Tensor o = net.outputs();
      int c = labels.size();
      for (int b = 0; b < ids.length; b++) {
        int best = 0;
        for (int k = 1; k < c; k++) {
          best = o.get(b * c + k) > o.get(b * c + best) ? k : best;
        }
        out.set(ids[b], List.of(labels.token(best)));
      }
    });
    return out;
  }

  /**
   * A CTC recogniser's log-probabilities of its labels (blank first) at every step of each
   * recording's features, [steps][labels].
   */
  public List<double[][]> logProbabilities(List<float[][]> xs) {
    return logProbabilities(xs, null);
  }

  private List<double[][]> logProbabilities(List<float[][]> xs, InferencePass pass) {
    if (!sequences() || network == null) {
      throw new IllegalStateException("per-step label probabilities come from a CTC recogniser");
    }
    List<double[][]> out = new ArrayList<>(java.util.Collections.nCopies(xs.size(), (double[][]) null));
    forEachBatch(xs, null, pass, (net, ids, batch, none) -> {
      for (int b = 0; b < ids.length; b++) {
        int frames = batch.length(b);
        int c = labels.size();
        out.set(ids[b], Ctc.logProbabilities(Ctc.sequence(net.outputs(), batch.size(), b, frames, c), 0, c,
            frames, c));
      }
    });
    return out;
  }

  interface BatchBody {
    /**
     * After the forward pass on {@code network} (a workspace this thread holds, or a device's
     * passes) of the recordings at {@code ids}; {@code loss} is the batch's when it has targets.
     */
    void run(InferencePass network, int[] ids, Batch batch, LossStats loss);
  }

  /**
   * Runs the network (no dropout) over batches of recordings of similar length, handing each
   * batch's positions in {@code xs} to {@code body} after its forward pass; with {@code targets},
   * the batches carry them. The passes run on {@code pass} (a device's), or on a workspace of
   * this machine when it is null.
   */
  void forEachBatch(List<float[][]> xs, int[] targets, InferencePass pass, BatchBody body) {
    Integer[] order = new Integer[xs.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingInt(i -> xs.get(i).length));
    if (pass != null) {
      inBatches(xs, targets, order, pass, body);
      return;
    }
    try (Parameters.Frozen frozen = network.parameters().freeze()) {
      workspaces.apply(net -> {
        inBatches(xs, targets, order, net, body);
        return null;
      });
    }
  }

  private void inBatches(List<float[][]> xs, int[] targets, Integer[] order, InferencePass net, BatchBody body) {
    for (int s = 0; s < order.length; s += EVAL_BATCH) {
      int n = Math.min(EVAL_BATCH, order.length - s);
      int[] ids = new int[n];
      List<float[][]> part = new ArrayList<>();
      int[] t = targets == null ? null : new int[n];
      for (int j = 0; j < n; j++) {
        ids[j] = order[s + j];
        part.add(xs.get(ids[j]));
        if (t != null) {
          t[j] = targets[ids[j]];
        }
      }
      Batch batch = batch(part, t);
      LossStats loss = net.forward(batch, null);
      body.run(net, ids, batch, loss);
    }
  }

  /** The mean loss of a word classifier's cross-entropy or a CTC recogniser's, over recordings. */
  public LossStats loss(List<float[][]> xs, List<List<String>> words) {
    return loss(xs, words, null);
  }

  /** {@link #loss(List, List)} with the passes on {@code pass}'s parameters (a device's), or here when it is null. */
  public LossStats loss(List<float[][]> xs, List<List<String>> words, InferencePass pass) {
    if (network == null) {
      return LossStats.NONE;
    }
    LossStats[] total = {LossStats.NONE};
    if (!sequences()) {
      int[] targets = new int[xs.size()];
      for (int i = 0; i < targets.length; i++) {
        targets[i] = ids(words.get(i))[0];
      }
      forEachBatch(xs, targets, pass, (net, ids, batch, loss) -> total[0] = total[0].plus(loss));
      return total[0];
    }
    forEachBatch(xs, null, pass, (net, ids, batch, none) -> {
      int[][] l = new int[ids.length][];
      for (int b = 0; b < ids.length; b++) {
        l[b] = ids(words.get(ids[b]));
      }
      total[0] = total[0].plus(SpeechTask.ctcLoss(net.outputs(), labels.size(), batch, l, null));
    });
    return total[0];
  }

  @Override
  public AppFile toFile() {
    AppFile f = network != null ? AppFile.of(settings, network) : AppFile.of(settings, parameters());
    f.putVocabulary("labels", labels);
    if (features.statistics() != null) {
      f.container().putFloats("normalization", flat(features.statistics()));
    }
    if (templates != null) {
      StringBuilder index = new StringBuilder();
      int total = 0;
      for (Template t : templates) {
        index.append(t.word()).append('\t').append(t.features().length).append('\n');
        total += t.features().length * t.features()[0].length;
      }
      float[] all = new float[total];
      int at = 0;
      for (Template t : templates) {
        for (float[] row : t.features()) {
          System.arraycopy(row, 0, all, at, row.length);
          at += row.length;
        }
      }
      f.container().putText("templates", index.toString()).putFloats("template_features", all);
    }
    return f;
  }

  /** The statistics as the file holds them: the means, then the deviations. */
  static float[] flat(SpeechFeatures.Statistics st) {
    float[] both = new float[2 * st.mean().length];
    System.arraycopy(st.mean(), 0, both, 0, st.mean().length);
    System.arraycopy(st.std(), 0, both, st.mean().length, st.std().length);
    return both;
  }

  /** The speech recogniser in the model file at {@code path}. */
  public static SpeechModel load(Path path) throws IOException {
    return AppFile.loading(path, () -> read(path));
  }

  private static SpeechModel read(Path path) throws IOException {
    AppFile.Contents c = AppFile.read(path, SpeechSettings.SCHEMA, "speech recogniser");
    Settings s = c.settings();
    // The labels are the outputs' names, not an input vocabulary: checked against the network below.
    Vocabulary labels = Vocabulary.fromText(c.file().getText("labels"));
    SpeechFeatures.Statistics statistics = null;
    SpeechFeatures f;
    try {
      if (c.file().has("normalization")) {
        float[] both = c.file().getFloats("normalization");
        if (both.length % 2 != 0) {
          throw new ModelFileException("model file " + path + ": normalization holds " + both.length
              + " values, not a mean and a deviation per feature");
        }
        int d = both.length / 2;
        statistics = new SpeechFeatures.Statistics(Arrays.copyOfRange(both, 0, d), Arrays.copyOfRange(both, d, 2 * d));
      }
      f = new SpeechFeatures(s, statistics);
    } catch (IllegalArgumentException e) {
      throw new ModelFileException("model file " + path + ": " + e.getMessage());
    }
    boolean ctc = s.get(SpeechSettings.TASK).equals("ctc");
    if (ctc && (labels.size() < 2 || !labels.token(0).equals(BLANK))) {
      throw new ModelFileException("model file " + path + ": a CTC recogniser's first label must be " + BLANK);
    }
    if (s.get(SpeechSettings.METHOD).equals("template")) {
      if (ctc) {
        throw new ModelFileException("model file " + path + " is a template recogniser of task ctc; templates"
            + " recognise isolated words");
      }
      if (!c.file().has("templates")) {
        throw new ModelFileException("model file " + path + " is a template recogniser without templates");
      }
      return new SpeechModel(s, labels, f, null, readTemplates(c, f.dimension(), labels));
    }
    if (c.model() == null) {
      throw new ModelFileException("model file " + path + " is a recurrent recogniser without a network");
    }
    ModelConfig cfg = c.model().config();
    boolean fits = ctc ? cfg.readout() == Readout.EVERY_STEP && cfg.output() == OutputKind.LINEAR
        : cfg.readout().perSequence() && cfg.output() == OutputKind.SOFTMAX;
    if (!fits) {
      throw new ModelFileException("model file " + path + ": a " + (ctc ? "CTC recogniser needs scores at every step"
          : "word classifier needs one softmax per recording") + ", its network has readout "
          + cfg.readout().label() + " and output " + cfg.output());
    }
    if (c.model().config().outputSize() != labels.size()) {
      throw new ModelFileException("model file " + path + " has " + labels.size() + " labels, its network "
          + c.model().config().outputSize() + " outputs");
    }
    try {
      return new SpeechModel(s, labels, f, c.model(), null);
    } catch (IllegalArgumentException e) {
      throw new ModelFileException("model file " + path + ": " + e.getMessage());
    }
  }

  private static List<Template> readTemplates(AppFile.Contents c, int d, Vocabulary labels) throws ModelFileException {
    String[] lines = c.file().getText("templates").split("\n");
    float[] all = c.file().getFloats("template_features");
    List<Template> out = new ArrayList<>();
    int at = 0;
    for (int i = 0; i < lines.length; i++) {
      String[] f = lines[i].split("\t");
      int frames;
      try {
        frames = f.length == 2 ? Integer.parseInt(f[1]) : -1;
      } catch (NumberFormatException e) {
        frames = -1;
      }
      if (frames < 1 || !labels.contains(f[0])) {
        throw new ModelFileException("model file " + c.path() + ": template line " + (i + 1) + " '" + lines[i]
            + "' is not 'word<TAB>frames' of a known word and a positive count");
      }
      if ((long) at + (long) frames * d > all.length) {
        throw new ModelFileException("model file " + c.path() + ": template " + (i + 1) + " needs more features than"
            + " the file's " + all.length);
      }
      float[][] x = new float[frames][d];
      for (int t = 0; t < frames; t++) {
        System.arraycopy(all, at, x[t], 0, d);
        at += d;
      }
      out.add(new Template(f[0], x));
    }
    if (at != all.length) {
      throw new ModelFileException("model file " + c.path() + ": the templates use " + at + " of its " + all.length
          + " feature values");
    }
    return out;
  }
}
