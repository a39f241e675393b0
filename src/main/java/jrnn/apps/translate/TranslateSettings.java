package jrnn.apps.translate;

import java.util.List;
import jrnn.frame.CommonSettings;
import jrnn.frame.Setting;
import jrnn.frame.Settings;
import jrnn.frame.SettingsSchema;

/**
 * The settings of a translator and its training, each declared once. The shared ones describe
 * the encoder ({@code hidden} units per direction, {@code layers}) and the training; the
 * decoder, attention and subwords have their own.
 */
public final class TranslateSettings {
  private TranslateSettings() {}

  /** The translator's settings, the shared ones included, and its presets. */
  public static final SettingsSchema SCHEMA = new SettingsSchema(TranslationModel.APP);

  /**
   * {@code bpe_merges}: Byte-pair merges learned from the training text (0: characters only). Range
   * [0, inf), default 8000.
   */
  public static final Setting<Integer> BPE_MERGES = SCHEMA.integer("bpe_merges", 8000, "[0, inf)",
      "Byte-pair merges learned from the training text (0: characters only).");
  /**
   * {@code joint_bpe}: Learn one set of merges from both languages' training text (else one per
   * language). Default true.
   */
  public static final Setting<Boolean> JOINT_BPE = SCHEMA.flag("joint_bpe", true,
      "Learn one set of merges from both languages' training text (else one per language).");
  /**
   * {@code bidirectional}: Each encoder layer reads the source both ways, its two states
   * concatenated. Default true.
   */
  public static final Setting<Boolean> BIDIRECTIONAL = SCHEMA.flag("bidirectional", true,
      "Each encoder layer reads the source both ways, its two states concatenated.");
  /**
   * {@code decoder_hidden}: Hidden units of each decoder layer, also the width of the attentional
   * vector. Range [1, inf), default 512.
   */
  public static final Setting<Integer> DECODER_HIDDEN = SCHEMA.integer("decoder_hidden", 512, "[1, inf)",
      "Hidden units of each decoder layer, also the width of the attentional vector.");
  /** {@code decoder_layers}: Stacked decoder layers. Range [1, inf), default 1. */
  public static final Setting<Integer> DECODER_LAYERS = SCHEMA.integer("decoder_layers", 1, "[1, inf)",
      "Stacked decoder layers.");
  /**
   * {@code attention}: Score of a source state against the decoder's: Luong's multiplicative
   * (general) or Bahdanau's additive. One of multiplicative, additive; default multiplicative.
   */
  public static final Setting<String> ATTENTION = SCHEMA.choice("attention", "multiplicative",
      List.of("multiplicative", "additive"), "Score of a source state against the decoder's: Luong's"
          + " multiplicative (general) or Bahdanau's additive.");
  /** {@code attention_size}: Hidden width of additive attention. Range [1, inf), default 256. */
  public static final Setting<Integer> ATTENTION_SIZE = SCHEMA.integer("attention_size", 256, "[1, inf)",
      "Hidden width of additive attention.");
  /**
   * {@code input_feeding}: The attentional vector of each step joins the next step's input (Luong
   * et al. 2015). Default true.
   */
  public static final Setting<Boolean> INPUT_FEEDING = SCHEMA.flag("input_feeding", true,
      "The attentional vector of each step joins the next step's input (Luong et al. 2015).");
  /**
   * {@code tied}: The output layer's weight is the target embedding (needs embedding =
   * decoder_hidden). Default false.
   */
  public static final Setting<Boolean> TIED = SCHEMA.flag("tied", false,
      "The output layer's weight is the target embedding (needs embedding = decoder_hidden).");
  /**
   * {@code label_smoothing}: Weight of the uniform distribution mixed into each target word's.
   * Range [0, 1), default 0.1.
   */
  public static final Setting<Double> LABEL_SMOOTHING = SCHEMA.real("label_smoothing", 0.1, "[0, 1)",
      "Weight of the uniform distribution mixed into each target word's.");
  /**
   * {@code init_range}: Uniform initialisation range (0: 1/sqrt(fan-in), embeddings N(0,
   * 1/embedding)). Range [0, inf), default 0.
   */
  public static final Setting<Double> INIT_RANGE = SCHEMA.real("init_range", 0, "[0, inf)",
      "Uniform initialisation range (0: 1/sqrt(fan-in), embeddings N(0, 1/embedding)).");
  /**
   * {@code max_train_length}: Training pairs with a side longer than this many subwords are left
   * out. Range [1, inf), default 80.
   */
  public static final Setting<Integer> MAX_TRAIN_LENGTH = SCHEMA.integer("max_train_length", 80, "[1, inf)",
      "Training pairs with a side longer than this many subwords are left out.");
  /**
   * {@code beam}: Beam width of translate and eval translate unless --beam says otherwise. Range
   * [1, inf), default 5.
   */
  public static final Setting<Integer> BEAM = SCHEMA.integer("beam", 5, "[1, inf)",
      "Beam width of translate and eval translate unless --beam says otherwise.");
  /**
   * {@code check_beam}: Beam width of the validation checks during training (1: greedy, the
   * fastest). Range [1, inf), default 1.
   */
  public static final Setting<Integer> CHECK_BEAM = SCHEMA.integer("check_beam", 1, "[1, inf)",
      "Beam width of the validation checks during training (1: greedy, the fastest).");
  /**
   * {@code length_penalty}: Beam search ranks finished translations by log-probability /
   * length^this (0: unnormalized). Range [0, inf), default 1.
   */
  public static final Setting<Double> LENGTH_PENALTY = SCHEMA.real("length_penalty", 1, "[0, inf)",
      "Beam search ranks finished translations by log-probability / length^this (0: unnormalized).");
  /**
   * {@code max_length_ratio}: A translation has at most this many subwords per source subword, plus
   * 10 (and never more than 4,010). Range (0, inf), default 2.
   */
  public static final Setting<Double> MAX_LENGTH_RATIO = SCHEMA.real("max_length_ratio", 2, "(0, inf)",
      "A translation has at most this many subwords per source subword, plus 10 (and never more than 4,010).");
  /** The longest translation decoded, whatever the ratio: ten times the longest source translated. */
  public static final int MAX_OUTPUT_LENGTH = 10 * TranslationModel.MAX_SOURCE_LENGTH + 10;

  static {
    SCHEMA.include(CommonSettings.ALL, "embedding=256 cell=lstm hidden=256 layers=1 dropout=0.3 batch=64 epochs=10"
        + " optimizer=adam momentum=0.9 lr=0.001 decay_start=0 decay_factor=1 clip_norm=5 weight_decay=0 seed=1"
        + " checks_per_epoch=1 patience=0 max_minutes=0 on_divergence=stop"
        + " divergence_lr_factor=0.5 max_rollbacks=3");
    SCHEMA.preset("multi30k-de-en", "German to English on Multi30k, within 90 minutes on 2 cores", "bpe_merges=8000"
        + " joint_bpe=true embedding=256 cell=lstm hidden=256 layers=1 bidirectional=true decoder_hidden=512"
        + " decoder_layers=1 attention=multiplicative input_feeding=true tied=false label_smoothing=0.1 dropout=0.3"
        + " batch=64 epochs=20 optimizer=adam lr=0.001 decay_start=9 decay_factor=0.7 clip_norm=5 checks_per_epoch=1"
        + " patience=4 max_minutes=90 beam=5 length_penalty=1 max_train_length=80 seed=1");
    SCHEMA.preset("multi30k-en-de", "English to German on Multi30k, within 90 minutes on 2 cores", "bpe_merges=8000"
        + " joint_bpe=true embedding=256 cell=lstm hidden=256 layers=1 bidirectional=true decoder_hidden=512"
        + " decoder_layers=1 attention=multiplicative input_feeding=true tied=false label_smoothing=0.1 dropout=0.3"
        + " batch=64 epochs=20 optimizer=adam lr=0.001 decay_start=9 decay_factor=0.7 clip_norm=5 checks_per_epoch=1"
        + " patience=4 max_minutes=90 beam=5 length_penalty=1 max_train_length=80 seed=1");
  }

  /** The largest number of subwords a translation of an n-subword source may have. */
  public static int maxOutputLength(Settings s, int sourceLength) {
    // In double, then bounded: a ratio meant as "no limit" (1e9) had wrapped an int to a negative length.
    return (int) Math.min(MAX_OUTPUT_LENGTH, Math.ceil(s.get(MAX_LENGTH_RATIO) * sourceLength) + 10);
  }
}
