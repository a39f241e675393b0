package jrnn.apps.lm;

import java.util.List;
import jrnn.frame.CommonSettings;
import jrnn.frame.Setting;
import jrnn.frame.Settings;
import jrnn.frame.SettingsSchema;

/**
 * The settings of a language model and its training, each declared once; presets reproduce the
 * configurations the README reports, and explicit options override them.
 */
public final class LmSettings {
  private LmSettings() {}

  /** The language model's settings, the shared ones included, and its presets. */
  public static final SettingsSchema SCHEMA = new SettingsSchema(LanguageModel.APP);

  /**
   * {@code level}: word: whitespace-separated tokens, {@code <eos>} at each line end; char:
   * characters. One of word, char; default word.
   */
  public static final Setting<String> LEVEL = SCHEMA.choice("level", "word", List.of("word", "char"),
      "word: whitespace-separated tokens, <eos> at each line end; char: characters.");
  /**
   * {@code vocab_cap}: Largest vocabulary, {@code <unk>} included (0: every token of the training
   * text). Range [0, inf), default 10000.
   */
  public static final Setting<Integer> VOCAB_CAP = SCHEMA.integer("vocab_cap", 10000, "[0, inf)",
      "Largest vocabulary, <unk> included (0: every token of the training text).");
  /** {@code steps}: Truncated BPTT window (time steps). Range [1, inf), default 35. */
  public static final Setting<Integer> STEPS = SCHEMA.integer("steps", 35, "[1, inf)", "Truncated BPTT window (time steps).");
  /**
   * {@code init_range}: Uniform initialisation range (0: PyTorch's defaults). Range [0, inf),
   * default 0.
   */
  public static final Setting<Double> INIT_RANGE = SCHEMA.real("init_range", 0, "[0, inf)",
      "Uniform initialisation range (0: PyTorch's defaults).");
  /**
   * {@code forget_bias}: Added to the LSTM forget-gate biases at initialisation. Range
   * (-inf, inf), default 1.
   */
  public static final Setting<Double> FORGET_BIAS = SCHEMA.real("forget_bias", 1, "(-inf, inf)",
      "Added to the LSTM forget-gate biases at initialisation.");
  /**
   * {@code normalization}: sequence: loss summed over the window, averaged over the batch (Zaremba
   * et al.); token: averaged over tokens. One of sequence, token; default token.
   */
  public static final Setting<String> NORMALIZATION = SCHEMA.choice("normalization", "token", List.of("sequence", "token"),
      "sequence: loss summed over the window, averaged over the batch (Zaremba et al.); token: averaged over tokens.");
  /**
   * {@code two_biases}: Two bias vectors per recurrent layer, b_ih and b_hh, as cuDNN and PyTorch
   * have (LSTM, simple RNN). Default false.
   */
  public static final Setting<Boolean> TWO_BIASES = SCHEMA.flag("two_biases", false,
      "Two bias vectors per recurrent layer, b_ih and b_hh, as cuDNN and PyTorch have (LSTM, simple RNN).");

  static {
    // Defaults when no preset is given: a small word-level LSTM trained with Adam.
    SCHEMA.include(CommonSettings.ALL, "embedding=200 cell=lstm hidden=200 layers=2 dropout=0 batch=20 epochs=10"
        + " optimizer=adam momentum=0.9 lr=0.002 decay_start=4 decay_factor=0.5 clip_norm=5 weight_decay=0 seed=1"
        + " checks_per_epoch=1 patience=0 max_minutes=0 on_divergence=stop"
        + " divergence_lr_factor=0.5 max_rollbacks=3");
    // Files written before validation checks within an epoch and second biases.
    SCHEMA.absentInOldFiles("checks_per_epoch=1 two_biases=false momentum=0");
    // Zaremba et al. 2014, "small": 2 x 200 LSTM, 20 steps, batch 20, SGD 1 halved each epoch after
    // the 4th, 13 epochs, clip 5, uniform init 0.1, no dropout; two biases per layer, as in their
    // code (two nn.Linear) and in cuDNN; validation four times an epoch.
    SCHEMA.preset("ptb-small", "Zaremba et al.'s small PTB model", "level=word vocab_cap=10000 cell=lstm"
        + " embedding=200 hidden=200 layers=2 dropout=0 batch=20 steps=20 epochs=13 optimizer=sgd lr=1 decay_start=4"
        + " decay_factor=0.5 clip_norm=5 init_range=0.1 forget_bias=0 normalization=sequence seed=1"
        + " checks_per_epoch=4 two_biases=true");
    // Zaremba et al.'s "medium" regularisation (2 x 650, dropout 0.5, 35 steps, init 0.05), with its
    // schedule compressed to fit about an hour here: rate decay 0.8 from epoch 6.
    SCHEMA.preset("ptb-medium", "Zaremba et al.'s medium PTB model, schedule compressed", "level=word"
        + " vocab_cap=10000 cell=lstm embedding=650 hidden=650 layers=2 dropout=0.5 batch=20 steps=35 epochs=12"
        + " optimizer=sgd lr=1 decay_start=6 decay_factor=0.8 clip_norm=5 init_range=0.05 forget_bias=0"
        + " normalization=sequence seed=1");
    // Character level on Tiny Shakespeare: 2 x 512 LSTM, dropout 0.2, Adam.
    SCHEMA.preset("shakespeare-char", "characters of Tiny Shakespeare, 2 x 512 LSTM", "level=char vocab_cap=0"
        + " cell=lstm embedding=64 hidden=512 layers=2 dropout=0.2 batch=64 steps=100 epochs=20 optimizer=adam"
        + " lr=0.002 decay_start=10 decay_factor=0.85 clip_norm=5 init_range=0 forget_bias=1 normalization=token"
        + " seed=1");
  }


  /** Whether {@code s} models words rather than characters. */
  public static boolean wordLevel(Settings s) {
    return s.get(LEVEL).equals("word");
  }
}
