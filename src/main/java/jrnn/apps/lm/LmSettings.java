package jrnn.apps.lm;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import jrnn.io.ConfigProperties;

/**
 * Everything that defines a language-model training run. Presets reproduce the configurations
 * reported in the README; any field can be overridden.
 *
 * @param level {@code word} (whitespace tokens, {@code <eos>} per line) or {@code char}
 * @param vocabCap largest vocabulary, {@code <unk>} included (0: every token of the training text)
 * @param normalization {@code sequence}: loss summed over the window, averaged over the batch
 *     (Zaremba et al.; right for their learning rate 1); {@code token}: averaged over tokens
 * @param checksPerEpoch validation measurements per epoch, evenly spaced, the last at its end;
 *     the best model of all of them is kept
 * @param twoBiases recurrent layers with two bias vectors, b_ih and b_hh
 *     ({@link jrnn.layers.RecurrentConfig#twoBiases})
 */
public record LmSettings(String level, int vocabCap, String cell, int embedding, int hidden,
    int layers, double dropout, int batch, int steps, int epochs, String optimizer, double lr,
    int decayStart, double decayFactor, double clipNorm, double initRange, double forgetBias,
    String normalization, long seed, int checksPerEpoch, boolean twoBiases) {

  /** A run with one validation per epoch and one bias per recurrent layer. */
  public LmSettings(String level, int vocabCap, String cell, int embedding, int hidden,
      int layers, double dropout, int batch, int steps, int epochs, String optimizer, double lr,
      int decayStart, double decayFactor, double clipNorm, double initRange, double forgetBias,
      String normalization, long seed) {
    this(level, vocabCap, cell, embedding, hidden, layers, dropout, batch, steps, epochs,
        optimizer, lr, decayStart, decayFactor, clipNorm, initRange, forgetBias, normalization,
        seed, 1, false);
  }

  public LmSettings {
    level = level.toLowerCase(Locale.ROOT);
    if (!level.equals("word") && !level.equals("char")) {
      throw new IllegalArgumentException("level must be word or char, got '" + level + "'");
    }
    if (!normalization.equals("sequence") && !normalization.equals("token")) {
      throw new IllegalArgumentException("normalization must be sequence or token, got '" + normalization + "'");
    }
    String[] names = {"embedding", "hidden", "layers", "batch", "steps", "epochs", "checks per epoch"};
    int[] values = {embedding, hidden, layers, batch, steps, epochs, checksPerEpoch};
    for (int i = 0; i < values.length; i++) {
      if (values[i] <= 0) {
        throw new IllegalArgumentException(names[i] + " must be positive, got " + values[i]);
      }
    }
  }

  public boolean wordLevel() {
    return level.equals("word");
  }

  /** The presets, by name. */
  public static final Map<String, LmSettings> PRESETS = presets();

  private static Map<String, LmSettings> presets() {
    Map<String, LmSettings> m = new LinkedHashMap<>();
    // Zaremba et al. 2014, "small": 2 x 200 LSTM, 20 steps, batch 20, SGD 1 halved each epoch
    // after the 4th, 13 epochs, clip 5, uniform init 0.1, no dropout; two biases per layer, as
    // in their code (two nn.Linear) and in cuDNN; validation four times an epoch.
    m.put("ptb-small", new LmSettings("word", 10000, "lstm", 200, 200, 2, 0.0, 20, 20, 13,
        "sgd", 1.0, 4, 0.5, 5, 0.1, 0, "sequence", 1, 4, true));
    // Zaremba et al.'s "medium" regularisation (2 x 650, dropout 0.5, 35 steps, init 0.05),
    // with its schedule compressed to fit about an hour here: rate decay 0.8 from epoch 6.
    m.put("ptb-medium", new LmSettings("word", 10000, "lstm", 650, 650, 2, 0.5, 20, 35, 12,
        "sgd", 1.0, 6, 0.8, 5, 0.05, 0, "sequence", 1));
    // Character level on Tiny Shakespeare: 2 x 512 LSTM, dropout 0.2, Adam.
    m.put("shakespeare-char", new LmSettings("char", 0, "lstm", 64, 512, 2, 0.2, 64, 100, 20,
        "adam", 2e-3, 10, 0.85, 5, 0, 1, "token", 1));
    return m;
  }

  public static LmSettings preset(String name) {
    LmSettings s = PRESETS.get(name);
    if (s == null) {
      throw new IllegalArgumentException("unknown preset '" + name + "'; presets: " + PRESETS.keySet());
    }
    return s;
  }

  /** Defaults when no preset is given: a small word-level LSTM trained with Adam. */
  public static LmSettings defaults() {
    return new LmSettings("word", 10000, "lstm", 200, 200, 2, 0.0, 20, 35, 10, "adam", 2e-3, 4,
        0.5, 5, 0, 1, "token", 1);
  }

  /** As key=value properties (for model and checkpoint files). */
  public Map<String, String> toProperties() {
    Map<String, String> m = new TreeMap<>();
    m.put("lm.level", level);
    m.put("lm.vocab_cap", Integer.toString(vocabCap));
    m.put("lm.cell", cell);
    m.put("lm.embedding", Integer.toString(embedding));
    m.put("lm.hidden", Integer.toString(hidden));
    m.put("lm.layers", Integer.toString(layers));
    m.put("lm.dropout", Double.toString(dropout));
    m.put("lm.batch", Integer.toString(batch));
    m.put("lm.steps", Integer.toString(steps));
    m.put("lm.epochs", Integer.toString(epochs));
    m.put("lm.optimizer", optimizer);
    m.put("lm.lr", Double.toString(lr));
    m.put("lm.decay_start", Integer.toString(decayStart));
    m.put("lm.decay_factor", Double.toString(decayFactor));
    m.put("lm.clip_norm", Double.toString(clipNorm));
    m.put("lm.init_range", Double.toString(initRange));
    m.put("lm.forget_bias", Double.toString(forgetBias));
    m.put("lm.normalization", normalization);
    m.put("lm.seed", Long.toString(seed));
    m.put("lm.checks_per_epoch", Integer.toString(checksPerEpoch));
    m.put("lm.two_biases", Boolean.toString(twoBiases));
    return m;
  }

  /** This run with some fields replaced, given as properties (keys as {@link #toProperties}). */
  public LmSettings with(Map<String, String> overrides) {
    Map<String, String> m = toProperties();
    for (String k : overrides.keySet()) {
      if (!m.containsKey(k)) {
        throw new IllegalArgumentException("unknown setting '" + k + "'");
      }
    }
    m.putAll(overrides);
    return fromProperties(m);
  }

  public static LmSettings fromProperties(Map<String, String> m) {
    return new LmSettings(m.get("lm.level"), Integer.parseInt(m.get("lm.vocab_cap")), m.get("lm.cell"),
        Integer.parseInt(m.get("lm.embedding")), Integer.parseInt(m.get("lm.hidden")),
        Integer.parseInt(m.get("lm.layers")), Double.parseDouble(m.get("lm.dropout")),
        Integer.parseInt(m.get("lm.batch")), Integer.parseInt(m.get("lm.steps")),
        Integer.parseInt(m.get("lm.epochs")), m.get("lm.optimizer"), Double.parseDouble(m.get("lm.lr")),
        Integer.parseInt(m.get("lm.decay_start")), Double.parseDouble(m.get("lm.decay_factor")),
        Double.parseDouble(m.get("lm.clip_norm")), Double.parseDouble(m.get("lm.init_range")),
        Double.parseDouble(m.get("lm.forget_bias")), m.get("lm.normalization"),
        Long.parseLong(m.get("lm.seed")),
        // Files written before these settings existed validated once an epoch, with one bias.
        Integer.parseInt(m.getOrDefault("lm.checks_per_epoch", "1")),
        ConfigProperties.bool(m, "lm.two_biases", false));
  }
}
