package jrnn.apps.lm;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jrnn.cells.CellType;
import jrnn.data.Batch;
import jrnn.data.TextFiles;
import jrnn.data.TokenStream;
import jrnn.data.Vocabulary;
import jrnn.decode.Sampler;
import jrnn.frame.AppFile;
import jrnn.frame.CommonSettings;
import jrnn.frame.Settings;
import jrnn.frame.TokenModel;
import jrnn.layers.Bidirectional;
import jrnn.layers.RecurrentState;
import jrnn.models.InferencePass;
import jrnn.models.LossStats;
import jrnn.models.ModelConfig;
import jrnn.models.OutputKind;
import jrnn.models.Readout;
import jrnn.models.SequenceModel;
import jrnn.params.Parameters;
import jrnn.training.Trainer;
import jrnn.util.Rng;

/**
 * A language model (SPEC 6.4): read tokens one at a time and predict, after each, the next:
 * embedding, a stack of recurrent layers with dropout between them, softmax over the vocabulary.
 * Word level (whitespace-separated tokens, {@code <eos>} at each line end) or character level.
 */
public final class LanguageModel extends TokenModel {
  /** The application's kind, {@value}: its settings' prefix and its model files' kind. */
  public static final String APP = "lm";
  /** Streams evaluated side by side: the state is carried along each, so only this matters. */
  public static final int EVAL_BATCH = 10;
  /** Steps per window when a text is scored (the state carries over, so only speed depends on it). */
  public static final int EVAL_STEPS = 100;

  /** A language model of {@code settings} over {@code vocab}, running {@code model} (trained or loaded). */
  public LanguageModel(Settings settings, Vocabulary vocab, SequenceModel model) {
    super(settings, vocab, model);
  }

  /** A new model for {@code settings} over {@code vocab}, initialised from the settings' seed. */
  public static LanguageModel create(Settings s, Vocabulary vocab) {
    ModelConfig cfg = new ModelConfig(vocab.size(), s.get(CommonSettings.EMBEDDING), CellType.parse(s.get(CommonSettings.CELL)),
        s.get(CommonSettings.HIDDEN), s.get(CommonSettings.LAYERS), Bidirectional.NONE, s.get(CommonSettings.DROPOUT),
        Readout.EVERY_STEP, vocab.size(), OutputKind.SOFTMAX, s.get(LmSettings.TWO_BIASES));
    SequenceModel m = new SequenceModel(cfg);
    m.initialize(new Rng(s.get(CommonSettings.SEED)), s.get(LmSettings.INIT_RANGE), s.get(LmSettings.FORGET_BIAS));
    return new LanguageModel(s, vocab, m);
  }

  /** Whether the tokens are words rather than characters. */
  public boolean wordLevel() {
    return LmSettings.wordLevel(settings);
  }

  /** The tokens of a text: words with {@code <eos>} per line, or characters. */
  public List<String> tokenize(String text) {
    return tokenize(settings, text);
  }

  /** The tokens of a text for a model of these settings. */
  public static List<String> tokenize(Settings s, String text) {
    return LmSettings.wordLevel(s) ? TextFiles.words(text) : Vocabulary.characters(text);
  }

  /**
   * Tokens of a prompt: as {@link #tokenize} (an {@code <eos>} at each line's end, as training
   * read them), but none after a last line the prompt leaves open, which the model continues.
   */
  public List<String> tokenizePrompt(String text) {
    if (!wordLevel()) {
      return Vocabulary.characters(text);
    }
    List<String> out = new ArrayList<>(TextFiles.words(text));
    if (!out.isEmpty() && !text.endsWith("\n")) {
      out.remove(out.size() - 1);
    }
    return out;
  }

  /** "prompt: 1 of 5 characters unseen in training, read as {@code <unk>}", or nothing when all are known. */
  public Optional<String> unseenNote(String what, List<String> tokens) {
    return vocab.unseenNote(what, tokens, wordLevel() ? "words" : "characters");
  }

  /** The ids of {@code tokens}, unseen ones as {@code <unk>}. */
  public int[] encode(List<String> tokens) {
    return vocab.encode(tokens);
  }

  /** The loss per token (nats) of the model on a token sequence, no dropout, state carried. */
  public LossStats evaluate(int[] ids, int steps) {
    return workspaces.apply(network -> Trainer.evaluateStream(network, new TokenStream(ids), evaluationBatch(ids.length),
        steps));
  }

  /** {@link #evaluate(int[], int)} on {@code pass}'s parameters (a device's: {@code jrnn.device.DeviceInference}). */
  public LossStats evaluate(int[] ids, int steps, InferencePass pass) {
    return Trainer.evaluateStream(pass, new TokenStream(ids), evaluationBatch(ids.length), steps);
  }

  /**
   * The number of streams a sequence of {@code tokens} ids is measured in: {@link #EVAL_BATCH}, as
   * PyTorch's word_language_model measures, fewer for a shorter one, so that each stream holds
   * {@link #MIN_STREAM_TOKENS} tokens or more (each starts from the zero state: a 20-token line cut
   * into nine streams of two was predicted with next to no context, 2,860 against 427). As
   * there, a stream's share is whole and the last (tokens - 1) mod streams tokens go unpredicted.
   */
  public static int evaluationBatch(int tokens) {
    return Math.min(EVAL_BATCH, Math.max(1, (tokens - 1) / MIN_STREAM_TOKENS));
  }

  /** The fewest tokens a stream of an evaluation holds, when the text has more than that. */
  public static final int MIN_STREAM_TOKENS = 200;

  /**
   * The perplexity of the model on {@code text}, read as training read its text (words with
   * {@code <eos>} at each line end, or characters): e to the mean loss per predicted token.
   * Tokens unseen in training read as {@code <unk>}. The text needs two tokens or more. The figure
   * {@code jrnn eval lm} gives for a file of this text.
   */
  public double perplexity(String text) {
    int[] ids = encode(tokenize(text));
    requireMeasurable("the text", ids.length);
    return Math.exp(evaluate(ids, EVAL_STEPS).mean());
  }

  /**
   * Refuses a text of fewer than 2 tokens to measure a model on, naming it ({@code what}): each
   * token is predicted from the one before, so one alone gives no figure.
   */
  public static void requireMeasurable(String what, int tokens) {
    if (tokens < 2) {
      throw new IllegalArgumentException(what + " holds " + tokens + " token(s); each is predicted from the one"
          + " before, so at least 2 are needed");
    }
  }

  /** The figure the README reports: perplexity for words, bits per character for characters. */
  public String figure(double nats) {
    return wordLevel()
        ? String.format(java.util.Locale.ROOT, "perplexity: %.2f", Math.exp(nats))
        : String.format(java.util.Locale.ROOT, "bits per character: %.4f", nats / Math.log(2));
  }

  /**
   * Runs the prompt on {@code network} from the zero state; afterwards its outputs' row 0 holds
   * the logits after the prompt's last token. Returns a copy of the state after the prompt, for
   * the steps that follow. All but the last token run in windows of {@link #EVAL_STEPS}, the
   * state carried, so that a long prompt's logits (a row of the vocabulary per token) are never
   * held at once.
   */
  private static RecurrentState prime(InferencePass network, int[] ids) {
    if (ids.length == 0) {
      throw new IllegalArgumentException("the prompt is empty");
    }
    RecurrentState state = null;
    for (int from = 0; from < ids.length - 1; from += EVAL_STEPS) {
      int steps = Math.min(EVAL_STEPS, ids.length - 1 - from);
      network.forward(Batch.ofTokens(steps, 1, Arrays.copyOfRange(ids, from, from + steps), new int[] {steps}, null),
          state);
      state = state == null ? network.finalState().copy() : state.copyFrom(network.finalState());
    }
    network.forward(Batch.ofTokens(1, 1, new int[] {ids[ids.length - 1]}, new int[] {1}, null), state);
    return state == null ? network.finalState().copy() : state.copyFrom(network.finalState());
  }

  /**
   * How {@link #generate(String, Generation)} samples: the number of tokens, temperature, top-k and seed.
   *
   * @param length tokens to sample, 0 or more
   * @param temperature the softmax temperature, positive
   * @param topK sample among the k likeliest tokens only; 0 for all
   * @param seed the seed of the draws
   */
  public record Generation(int length, double temperature, int topK, long seed) {
    /** Checks the length (0 or more), temperature (positive) and top-k (0 or more). */
    public Generation {
      if (length < 0) {
        throw new IllegalArgumentException("generation length must be 0 or more, got " + length);
      }
      new Sampler(temperature, topK);   // refuses a temperature or top-k out of range, in its own words
    }

    /** {@code length} tokens at temperature 1, from the whole distribution, seed 1. */
    public static Generation of(int length) {
      return new Generation(length, 1.0, 0, 1);
    }

    /** These options at temperature {@code t}. */
    public Generation withTemperature(double t) {
      return new Generation(length, t, topK, seed);
    }

    /** These options sampling among the {@code k} likeliest tokens (0: all). */
    public Generation withTopK(int k) {
      return new Generation(length, temperature, k, seed);
    }

    /** These options with seed {@code s}. */
    public Generation withSeed(long s) {
      return new Generation(length, temperature, topK, s);
    }
  }

  /** The prompt followed by {@code options.length()} sampled tokens; the same options give the same text. */
  public String generate(String prompt, Generation options) {
    return generate(prompt, options.length(), options.temperature(), options.topK(), new Rng(options.seed()));
  }

  /** Samples {@code length} tokens after the prompt. */
  public String generate(String prompt, int length, double temperature, int topK, Rng rng) {
    try (Parameters.Frozen frozen = model.parameters().freeze()) {
      return workspaces.apply(network -> generate(prompt, length, temperature, topK, rng, network));
    }
  }

  /** {@link #generate(String, Generation)} on {@code pass}'s parameters (a device's). */
  public String generate(String prompt, Generation options, InferencePass pass) {
    return generate(prompt, options.length(), options.temperature(), options.topK(), new Rng(options.seed()), pass);
  }

  private String generate(String prompt, int length, double temperature, int topK, Rng rng, InferencePass pass) {
    return sample(pass, encode(tokenizePrompt(prompt)), length, new Sampler(temperature, topK), prompt, rng);
  }

  private String sample(InferencePass network, int[] ids, int length, Sampler sampler, String prompt, Rng rng) {
    int v = vocab.size();
    RecurrentState state = prime(network, ids);
    int next = sampler.sample(network.outputs(), 0, v, rng);
    StringBuilder out = new StringBuilder(prompt);
    for (int i = 0; i < length; i++) {
      if (wordLevel()) {
        String tok = vocab.token(next);
        out.append(tok.equals("<eos>") ? "\n" : (out.length() == 0 || out.charAt(out.length() - 1) == '\n' ? "" : " ") + tok);
      } else {
        out.append(vocab.characterText(next));
      }
      network.forward(Batch.ofTokens(1, 1, new int[] {next}, new int[] {1}, null), state);
      state.copyFrom(network.finalState());
      next = sampler.sample(network.outputs(), 0, v, rng);
    }
    return out.toString();
  }

  /** The {@code k} most likely next tokens after {@code prompt}, with their probabilities, most likely first. */
  public List<Map.Entry<String, Double>> next(String prompt, int k) {
    return workspaces.apply(network -> next(prompt, k, network));
  }

  /** {@link #next(String, int)} on {@code pass}'s parameters (a device's). */
  public List<Map.Entry<String, Double>> next(String prompt, int k, InferencePass pass) {
    if (k < 1) {
      throw new IllegalArgumentException("the number of next tokens asked for must be at least 1, got " + k);
    }
    int[] ids = encode(tokenizePrompt(prompt));
    int v = vocab.size();
    prime(pass, ids);
    double[] p = new Sampler(1.0, 0).probabilities(pass.outputs(), 0, v);
    Integer[] order = new Integer[v];
    for (int i = 0; i < v; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
    List<Map.Entry<String, Double>> out = new ArrayList<>();
    for (int i = 0; i < Math.min(k, v); i++) {
      out.add(Map.entry(vocab.token(order[i]), p[order[i]]));
    }
    return out;
  }

  /** Reads a language model's file (of any version this jrnn reads). */
  public static LanguageModel load(Path path) throws IOException {
    return AppFile.loading(path, () -> {
      AppFile.Contents c = AppFile.read(path, LmSettings.SCHEMA, "language model");
      return new LanguageModel(c.settings(), c.vocabulary("vocab"), c.model());
    });
  }
}
