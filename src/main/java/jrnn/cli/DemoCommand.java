package jrnn.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import jrnn.data.Batch;
import jrnn.data.TokenStream;
import jrnn.data.Vocabulary;
import jrnn.decode.Sampler;
import jrnn.kernels.Kernels;
import jrnn.kernels.Parallel;
import jrnn.layers.RecurrentState;
import jrnn.models.LossStats;
import jrnn.models.ModelConfig;
import jrnn.models.SequenceModel;
import jrnn.optim.Optimizers;
import jrnn.params.Parameters;
import jrnn.training.Progress;
import jrnn.training.Trainer;
import jrnn.training.TrainingConfig;
import jrnn.util.Rng;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A first result in a minute: a character-level LSTM language model trained on the Shakespeare
 * excerpt shipped with jrnn, showing the loss fall, the validation bits per character before and
 * after, and text sampled from the model.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Trains a character-level LSTM on 300k characters of Shakespeare (shipped with"
        + " jrnn) for about a minute and samples text from it.")
final class DemoCommand implements Callable<Integer> {

  @Option(names = "--seconds", defaultValue = "60", description = "Training time (default ${DEFAULT-VALUE}).")
  double seconds;

  @Option(names = "--cell", defaultValue = "lstm", description = "Cell type (default ${DEFAULT-VALUE}).")
  String cell;

  @Option(names = "--hidden", defaultValue = "256", description = "Hidden units (default ${DEFAULT-VALUE}).")
  int hidden;

  @Option(names = "--seed", defaultValue = "1", description = "Seed (default ${DEFAULT-VALUE}).")
  long seed;

  static final String TEXT = "/jrnn/demo/shakespeare.txt";

  static String loadText() throws IOException {
    try (InputStream in = DemoCommand.class.getResourceAsStream(TEXT)) {
      if (in == null) {
        throw new IOException("demo text " + TEXT + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Override
  public Integer call() throws IOException {
    if (!(seconds > 0 && seconds < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException("--seconds must be positive, got " + seconds);
    }
    String text = loadText();
    List<String> chars = Vocabulary.characters(text);
    Vocabulary vocab = Vocabulary.build(chars, 0);
    int split = (int) (chars.size() * 0.9);
    int[] ids = vocab.encode(chars);
    TokenStream train = new TokenStream(java.util.Arrays.copyOfRange(ids, 0, split));
    TokenStream valid = new TokenStream(java.util.Arrays.copyOfRange(ids, split, ids.length));
    ModelConfig cfg = ModelConfig.builder().tokens(vocab.size(), 32).cell(cell).hidden(hidden)
        .softmax(vocab.size()).build();
    SequenceModel model = new SequenceModel(cfg);
    Rng rng = new Rng(seed);
    model.initialize(rng, 0, 1.0);
    int batch = 32;
    int steps = 64;
    double lr = 2e-3;
    Trainer trainer = new Trainer(model, TrainingConfig.builder().optimizer(Optimizers.adam(lr)).clipNorm(5.0).build(),
        rng);

    System.out.printf(Locale.ROOT, "jrnn demo: a character-level %s language model on Shakespeare%n", cfg.cell().name());
    System.out.printf(Locale.ROOT, "data: %,d characters, %d distinct; %,d to train on, %,d to validate on%n",
        chars.size(), vocab.size() - 1, split, chars.size() - split);
    System.out.printf(Locale.ROOT, "model: embedding %d, %s of %d units, softmax over %d (%d characters and %s): %,d parameters%n",
        cfg.inputSize(), cfg.cell().name(), hidden, vocab.size(), vocab.size() - 1, Vocabulary.UNKNOWN,
        model.parameters().layout().size());
    System.out.printf(Locale.ROOT, "training: Adam, learning rate %.0e, gradient norm clipped at 5,"
        + " batches of %d x %d characters, for %.0f s (%s kernels, %d threads)%n",
        lr, batch, steps, seconds, Kernels.best().getClass().getSimpleName(), Parallel.threads());
    double before = bits(Trainer.evaluateStream(model, valid, batch, steps));
    System.out.printf(Locale.ROOT, "before training: validation %.2f bits per character (uniform guess: %.2f)%n",
        before, Math.log(vocab.size()) / Math.log(2));
    System.out.println("sample: " + oneLine(sample(model, vocab, "ROMEO:", 120, new Rng(seed + 1))));

    long start = System.nanoTime();
    int epoch = 0;
    long updates = 0;
    RecurrentState carry = null;
    outer:
    while (true) {
      epoch++;
      Progress progress = new Progress(System.out, String.format(Locale.ROOT, "epoch %d", epoch),
          train.predictions(batch), "chars",
          loss -> String.format(Locale.ROOT, "loss %.3f (%.2f bits/char)", loss, loss / Math.log(2)));
      LossStats total = LossStats.NONE;
      carry = null;
      for (Batch b : train.batches(batch, steps)) {
        Trainer.StepResult r = trainer.step(b, carry);
        carry = carry == null ? model.finalState().copy() : carry.copyFrom(model.finalState());
        total = total.plus(r.loss());
        updates++;
        progress.update(total.count(), total.mean());
        if ((System.nanoTime() - start) / 1e9 >= seconds) {
          progress.finish(String.format(Locale.ROOT, "epoch %d (stopped at %.0f s): training loss %.3f nats/char",
              epoch, seconds, total.mean()));
          break outer;
        }
      }
      progress.finish(String.format(Locale.ROOT, "epoch %d: training loss %.3f nats/char (%.2f bits)",
          epoch, total.mean(), total.mean() / Math.log(2)));
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    double after = bits(Trainer.evaluateStream(model, valid, batch, steps));
    System.out.printf(Locale.ROOT, "after %.0f s (%d updates): validation %.2f bits per character (was %.2f)%n",
        elapsed, updates, after, before);
    System.out.println("sample (temperature 0.8):");
    System.out.println(sample(model, vocab, "ROMEO:", 400, new Rng(seed + 2)));
    return 0;
  }

  static double bits(LossStats s) {
    return s.mean() / Math.log(2);
  }

  static String oneLine(String s) {
    return s.replace('\n', ' ');
  }

  /** Feeds {@code prime}, then samples {@code length} characters one at a time, carrying the state. */
  static String sample(SequenceModel model, Vocabulary vocab, String prime, int length, Rng rng) {
    try (Parameters.Frozen frozen = model.parameters().freeze()) {
      return sampleFrozen(model, vocab, prime, length, rng);
    }
  }

  private static String sampleFrozen(SequenceModel model, Vocabulary vocab, String prime, int length, Rng rng) {
    Sampler sampler = new Sampler(0.8, 0);
    StringBuilder out = new StringBuilder(prime);
    List<String> p = Vocabulary.characters(prime);
    int[] ids = vocab.encode(p);
    model.forward(Batch.ofTokens(ids.length, 1, ids, new int[] {ids.length}, null), null, false, null);
    int v = vocab.size();
    int next = sampler.sample(model.outputs(), (ids.length - 1) * v, v, rng);
    RecurrentState state = model.finalState().copy();
    for (int i = 0; i < length; i++) {
      out.append(vocab.characterText(next));
      model.forward(Batch.ofTokens(1, 1, new int[] {next}, new int[] {1}, null), state, false, null);
      state.copyFrom(model.finalState());
      next = sampler.sample(model.outputs(), 0, v, rng);
    }
    return out.toString();
  }
}
