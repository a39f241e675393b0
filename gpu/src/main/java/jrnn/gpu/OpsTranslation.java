package jrnn.gpu;

import static jrnn.models.EncoderDecoderConfig.ATTENTION_BIAS;
import static jrnn.models.EncoderDecoderConfig.ATTENTION_KEY;
import static jrnn.models.EncoderDecoderConfig.ATTENTION_QUERY;
import static jrnn.models.EncoderDecoderConfig.ATTENTION_VECTOR;
import static jrnn.models.EncoderDecoderConfig.BRIDGE_C_BIAS;
import static jrnn.models.EncoderDecoderConfig.BRIDGE_C_WEIGHT;
import static jrnn.models.EncoderDecoderConfig.BRIDGE_H_BIAS;
import static jrnn.models.EncoderDecoderConfig.BRIDGE_H_WEIGHT;
import static jrnn.models.EncoderDecoderConfig.COMBINE_BIAS;
import static jrnn.models.EncoderDecoderConfig.COMBINE_WEIGHT;
import static jrnn.models.EncoderDecoderConfig.DECODER;
import static jrnn.models.EncoderDecoderConfig.ENCODER;
import static jrnn.models.EncoderDecoderConfig.OUTPUT_BIAS;
import static jrnn.models.EncoderDecoderConfig.OUTPUT_WEIGHT;
import static jrnn.models.EncoderDecoderConfig.SOURCE_EMBEDDING;
import static jrnn.models.EncoderDecoderConfig.TARGET_EMBEDDING;

import java.util.Arrays;
import jrnn.data.Batch;
import jrnn.decode.BeamSearch;
import jrnn.device.DeviceTraining;
import jrnn.device.DeviceTranslation;
import jrnn.layers.Attention;
import jrnn.layers.RecurrentConfig;
import jrnn.layers.RecurrentState;
import jrnn.models.EncoderDecoder;
import jrnn.models.EncoderDecoderConfig;
import jrnn.models.InferencePass;
import jrnn.models.LossNormalization;
import jrnn.models.LossStats;
import jrnn.optim.Optimizer;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;
import jrnn.training.ShardablePass;
import jrnn.training.TrainingConfig;
import jrnn.training.TranslationExamples;
import jrnn.util.Rng;

/**
 * An encoder-decoder's training updates on a device ({@link DeviceTraining}): the teacher-forced
 * pass of {@link EncoderDecoder} (SPEC 6.3) on {@link Ops} buffers from the embedding lookups to
 * the label-smoothed cross-entropy and back, and the update over all the parameters, which stay
 * on the device between updates in one buffer of the model's layout (with the gradients and the
 * optimizer's state beside them), as the CPU's model lays them out; an encoder in cuDNN keeps its
 * weights in its own packed space instead, a group of the update of its own:
 *
 * <pre>
 *   encoder       an OpsStack over the source's embeddings (dropout on them, and between layers): cuDNN's,
 *                 or jrnn's own (FusedCellStack) in the model's buffer
 *   bridge        s_0 = tanh(W_b [h^fwd_S; h^bwd_1] + b_b) per decoder layer, and c_0 for an LSTM: products
 *   decoder       FusedCellStack's steps, every layer through step t before t + 1 (input feeding reads h~_{t-1});
 *                 in training, dropout between its layers
 *   attention     additive or multiplicative: the keys' product once per batch, per step a product and
 *                 {@link Ops#attentionForward} (scores, the softmax over the source's steps, the context)
 *   h~_t          tanh(W_c [c_t; s_t] + b_c), as two products with W_c's two blocks of columns; dropout
 *   output        logits = h~ W_o^T + b_o over all steps at once (W_o the target embedding when tied)
 *   loss          softmax cross-entropy per target token, the smoothed target's gradient ({@link Ops#smoothLabels})
 * </pre>
 *
 * Backward runs the same way back, the decoder's steps from the last, each step's attention
 * backward ({@link Ops#attentionBackward}) and the weights' gradients over all steps in single
 * products after the loop, as the CPU's model does. The final encoder states' gradient the bridge
 * sends back enters the encoder's backward pass.
 *
 * <p>Built on {@link Ops}, so that on {@link HostOps} it runs on any machine and is tested there
 * against the CPU's {@link EncoderDecoder}. Dropout masks are the device's own draws
 * ({@link Ops#dropoutMask}), their seed drawn from the trainer's generator. Its passes without
 * dropout ({@link DeviceTranslation}: the teacher-forced loss and a search's steps) run the
 * validation of a run on the device, and {@code translate --device gpu}.
 */
final class OpsTranslation implements DeviceTraining, DeviceTranslation {
  private final Ops ops;
  private final EncoderDecoderConfig config;
  private final Parameters params;
  private final boolean additive;
  private final int emb;
  private final int encOut;
  private final int hid;
  private final int vocab;
  private final int combined;
  private final int attentionWidth;
  private final int layers;
  private final int bridgeIn;
  private final long count;
  /** What the model holds for its life: the parameters' buffers, both stacks and the optimizer. */
  private final Allocations memory;
  /**
   * Every parameter of the layout, their gradients, and where weight decay applies; with the
   * encoder apart, the encoder's range here is neither read nor updated (its space is the stack's).
   */
  private final Ops.Floats weights;
  private final Ops.Floats grads;
  private final Ops.Floats decay;
  /** Whether it trains; passes made for inference keep no gradients, no optimizer and no dropout masks. */
  private final boolean trains;
  /** The encoder: jrnn's own stack in the model's buffer, or a stack with a weight space of its own (cuDNN's). */
  private final OpsStack encoder;
  private final boolean encoderApart;
  private final FusedCellStack decoder;
  private final OpsOptimizer updates;
  private Buffers buffers;
  private boolean resident;
  private boolean gradientsToHost;
  private boolean closed;
  /** Counts the calls that may reuse a search's buffers: a search is valid only in its own generation. */
  private long generation;

  // The last training forward, for backward.
  private EncoderDecoder.Batch batch;
  /** The encoder's outputs [S*B, E]. */
  private Ops.Floats encoded;
  private boolean dropping;
  private int targetCount;

  /** A translator on {@code ops} whose encoder is jrnn's own stack, in the model's buffer. */
  OpsTranslation(Ops ops, EncoderDecoderConfig config, Parameters params, long dropoutSeed) {
    this(ops, config, params, dropoutSeed, null);
  }

  /**
   * A translator on {@code ops} whose encoder is {@code encoderStack} (null: jrnn's own stack, in
   * the model's buffer), a stack of {@code config.encoder()} over the parameters under
   * {@link EncoderDecoderConfig#ENCODER} with a weight space of its own (cuDNN's, or its twin
   * {@link HostStack}), which the translator owns from here: closed with it, or at once when it
   * cannot be made. The update then takes the encoder's weight space as a group of its own, and
   * the model's buffer without the encoder's range.
   */
  OpsTranslation(Ops ops, EncoderDecoderConfig config, Parameters params, long dropoutSeed, OpsStack encoderStack) {
    this(ops, config, params, dropoutSeed, encoderStack, true);
  }

  /** The encoder's recurrent stack (cuDNN's or jrnn's own). */
  OpsStack encoder() {
    return encoder;
  }

  /**
   * A translator's passes on {@code ops} made for inference, as {@link #OpsTranslation(Ops,
   * EncoderDecoderConfig, Parameters, long, OpsStack)} makes them but with {@code encoderStack}
   * (if any) made for inference: the parameters and the buffers of a pass, without gradients,
   * dropout masks or an optimizer's state. The loss and the searches run; an update is refused.
   */
  static OpsTranslation forInference(Ops ops, EncoderDecoderConfig config, Parameters params, OpsStack encoderStack) {
    return new OpsTranslation(ops, config, params, 0, encoderStack, false);
  }

  private OpsTranslation(Ops ops, EncoderDecoderConfig config, Parameters params, long dropoutSeed,
      OpsStack encoderStack, boolean trains) {
    this.memory = new Allocations(ops);
    this.trains = trains;
    memory.own(encoderStack);
    if (!params.layout().entries().toString().equals(config.parameterLayout().entries().toString())) {
      IllegalArgumentException e = new IllegalArgumentException("OpsTranslation: the parameters do not have the"
          + " layout of " + config);
      memory.freeAfter(e);
      throw e;
    }
    this.ops = ops;
    this.config = config;
    this.params = params;
    this.additive = config.attention() == Attention.Score.ADDITIVE;
    this.emb = config.embedding();
    this.encOut = config.encoderOutputSize();
    this.hid = config.decoderHidden();
    this.vocab = config.targetVocab();
    this.combined = encOut + hid;
    this.attentionWidth = additive ? config.attentionSize() : encOut;
    this.layers = config.decoderLayers();
    this.bridgeIn = config.bridgeInputSize();
    this.count = params.layout().size();
    this.encoderApart = encoderStack != null;
    try {
      this.weights = memory.floats(count, "the encoder-decoder's parameters");
      this.grads = memory.floatsIf(trains, count, "the encoder-decoder's gradients");
      this.decay = memory.floatsIf(trains, count, "the encoder-decoder's decay mask");
      // The stacks in the model's space take its gradients: null, stacks for inference.
      this.encoder = encoderApart ? encoderStack : memory.own(new FusedCellStack(ops, config.encoder(), params,
          ENCODER, dropoutSeed, weights, grads));
      this.decoder = memory.own(new FusedCellStack(ops, config.decoder(), params, DECODER, 0, weights, grads));
      this.updates = trains ? memory.own(new OpsOptimizer(ops, (int) count)) : null;
      if (trains) {
        ops.upload(decay, StackRange.of(params.layout(), "", "OpsTranslation").decay(), count);
        if (encoderApart) {
          addGroupsAroundTheEncoder();
        } else {
          updates.add("the encoder-decoder", weights, grads, count, 0, true, decay);
        }
      }
    } catch (RuntimeException | Error e) {
      memory.freeAfter(e);
      throw e;
    }
  }

  /**
   * The update's groups when the encoder's weights are a space of their own: the model's buffer
   * before and after the encoder's range (which there is not read), and the encoder's space, with
   * the stack's gradient and decay masks and the stack's map between its space and the layout.
   */
  private void addGroupsAroundTheEncoder() {
    StackRange range = StackRange.of(params.layout(), ENCODER, "OpsTranslation");
    int end = range.first() + range.count();
    if (range.first() > 0) {
      updates.add("the encoder-decoder before the encoder", ops.slice(weights, 0, range.first()),
          ops.slice(grads, 0, range.first()), range.first(), 0, true, ops.slice(decay, 0, range.first()));
    }
    if (end < count) {
      updates.add("the encoder-decoder after the encoder", ops.slice(weights, end, count - end),
          ops.slice(grads, end, count - end), count - end, end, true, ops.slice(decay, end, count - end));
    }
    updates.addStack("the encoder", encoder);
  }

  /** Makes {@link #compute} leave the gradients in the parameters' gradient buffer too, as the CPU's pass does. */
  void gradientsToHost(boolean on) {
    gradientsToHost = on;
  }

  /** Parameter {@code name}'s values on the device (not the encoder's: its stack reads them). */
  private Ops.Floats value(String name) {
    return ops.slice(weights, params.layout().get(name).offset(), params.layout().get(name).size());
  }

  /** Parameter {@code name}'s gradient on the device. */
  private Ops.Floats grad(String name) {
    return ops.slice(grads, params.layout().get(name).offset(), params.layout().get(name).size());
  }

  private Ops.Floats rows(Ops.Floats f, long firstRow, long rowCount, int width) {
    return ops.slice(f, firstRow * width, rowCount * width);
  }

  /** Buffers for B pairs of sources of S steps and targets of T, grown to the largest seen. */
  private final class Buffers {
    final int batch;
    final int sourceRows;
    final int targetRows;
    /** T * S * B: the attention's rows over all target steps. */
    final long attentionRows;
    final Ops.Ints sources;
    final Ops.Ints sourceLengths;
    final Ops.Ints targetInputs;
    final Ops.Ints targets;
    final Ops.Ints valid;
    final Ops.Floats sourceEmbedded;
    final Ops.Floats sourceMask;
    final Ops.Floats targetEmbedded;
    final Ops.Floats targetMask;
    final Ops.Floats decoderInput;
    final Ops.Floats bridgeInput;
    final Ops.Floats bridgeH;
    final Ops.Floats bridgeC;
    final Ops.Floats h0;
    final Ops.Floats c0;
    /** Additive attention's keys W_k h_s [S*B, A] and their gradient. */
    final Ops.Floats keys;
    final Ops.Floats gKeys;
    /** Per target step: additive, W_q s_t + b [B, A] (one step's, reused); multiplicative, s_t W [T*B, E]. */
    final Ops.Floats queries;
    /** Per target step: additive, tanh(keys + query) [T, S*B, A]. */
    final Ops.Floats hidden;
    /** Per target step: the weights over the source [T, S*B]. */
    final Ops.Floats alphas;
    /** The contexts c_t [T*B, E]. */
    final Ops.Floats contexts;
    /** h~ [T*B, H], its dropout mask, and what the output layer and the next step read (after dropout). */
    final Ops.Floats attentional;
    final Ops.Floats attentionalMask;
    final Ops.Floats attentionalOut;
    final Ops.Floats logits;
    final Ops.Floats dLogits;
    final Ops.Floats loss;
    final Ops.Floats correct;
    /** dL/dh~, then (in place) dL/d(its pre-activation), [T*B, H]. */
    final Ops.Floats dAttentional;
    final Ops.Floats dContext;
    /** dL/d(the decoder's top output) [T*B, H]. */
    final Ops.Floats dTop;
    final Ops.Floats dFeed;
    final Ops.Floats dScores;
    final Ops.Floats dQuery;
    final Ops.Floats dEncoded;
    final Ops.Floats dTargetEmbedded;
    final Ops.Floats dBridge;
    final Ops.Floats dBridgeInput;
    final Ops.Floats dEncoderFinal;
    private final Allocations memory;

    /** Made by {@link Allocations#make}, which frees what was allocated if an allocation fails. */
    Buffers(Allocations memory, int batch, int sourceRows, int targetRows, long attentionRows) {
      this.memory = memory;
      this.batch = batch;
      this.sourceRows = sourceRows;
      this.targetRows = targetRows;
      this.attentionRows = attentionRows;
      sources = memory.ints(sourceRows, "source ids");
      sourceLengths = memory.ints(batch, "source lengths");
      targetInputs = memory.ints(targetRows, "the decoder's input ids");
      targets = memory.ints(targetRows, "targets");
      valid = memory.ints(targetRows, "valid target rows");
      sourceEmbedded = memory.floats((long) sourceRows * emb, "the source's embeddings");
      sourceMask = memory.floatsIf(trains, (long) sourceRows * emb, "the source's dropout mask");
      targetEmbedded = memory.floats((long) targetRows * emb, "the target's embeddings");
      targetMask = memory.floatsIf(trains, (long) targetRows * emb, "the target's dropout mask");
      decoderInput = memory.floats((long) targetRows * config.decoderInputSize(), "the decoder's inputs");
      bridgeInput = memory.floats((long) batch * bridgeIn, "the bridge's input");
      bridgeH = memory.floats((long) batch * layers * hid, "the bridge's output");
      boolean cells = config.cell().hasCellState();
      bridgeC = cells ? memory.floats((long) batch * layers * hid, "the bridge's output") : null;
      h0 = memory.floats((long) layers * batch * hid, "the decoder's initial states");
      c0 = cells ? memory.floats((long) layers * batch * hid, "the decoder's initial cell states") : null;
      keys = additive ? memory.floats((long) sourceRows * attentionWidth, "attention's keys") : null;
      gKeys = additive ? memory.floatsIf(trains, (long) sourceRows * attentionWidth, "attention's keys' gradient") : null;
      queries = memory.floats(additive ? (long) batch * attentionWidth : (long) targetRows * encOut,
          "attention's queries");
      hidden = additive ? memory.floats(attentionRows * attentionWidth, "attention's hidden units") : null;
      alphas = memory.floats(attentionRows, "attention's weights");
      contexts = memory.floats((long) targetRows * encOut, "attention's contexts");
      attentional = memory.floats((long) targetRows * hid, "the attentional vectors");
      attentionalMask = memory.floatsIf(trains, (long) targetRows * hid, "the attentional vectors' dropout mask");
      attentionalOut = memory.floatsIf(trains, (long) targetRows * hid, "the attentional vectors after dropout");
      logits = memory.floats((long) targetRows * vocab, "logits");
      dLogits = memory.floatsIf(trains, (long) targetRows * vocab, "the logits' gradient");
      loss = memory.floats(targetRows, "losses");
      correct = memory.floats(targetRows, "correct outputs");
      dAttentional = memory.floatsIf(trains, (long) targetRows * hid, "the attentional vectors' gradient");
      dContext = memory.floatsIf(trains, (long) batch * encOut, "a context's gradient");
      dTop = memory.floatsIf(trains, (long) targetRows * hid, "the decoder's output gradient");
      dFeed = memory.floatsIf(trains, (long) batch * hid, "the fed attentional vector's gradient");
      dScores = memory.floatsIf(trains, sourceRows, "attention's scores' gradient");
      dQuery = memory.floatsIf(trains, (long) batch * attentionWidth, "attention's query gradient");
      dEncoded = memory.floatsIf(trains, (long) sourceRows * encOut, "the encoder's output gradient");
      dTargetEmbedded = memory.floatsIf(trains, (long) targetRows * emb, "the target's embeddings' gradient");
      dBridge = memory.floatsIf(trains, (long) batch * layers * hid, "the bridge's output gradient");
      dBridgeInput = memory.floatsIf(trains, (long) batch * bridgeIn, "the bridge's input gradient");
      dEncoderFinal = memory.floatsIf(trains, (long) config.encoder().stateSlots() * batch * config.encoderHidden(),
          "the encoder's final states' gradient");
    }

    boolean holds(int batch, int sourceRows, int targetRows, long attentionRows) {
      return this.batch >= batch && this.sourceRows >= sourceRows && this.targetRows >= targetRows
          && this.attentionRows >= attentionRows;
    }

    void free() {
      memory.free();
    }
  }

  /**
   * A pass of {@link TranslationExamples} (a translator's update): the forward pass with teacher
   * forcing, the loss over the target tokens, and the backward pass of the smoothed loss divided
   * as the pass's normalization says, into the device's gradients. Other passes are not the
   * device's.
   */
  @Override
  public LossStats compute(ShardablePass<?> pass, Rng rng) {
    if (!(pass instanceof TranslationExamples examples)) {
      throw new UnsupportedOperationException("OpsTranslation computes the passes of sentence pairs, not a "
          + pass.getClass().getSimpleName());
    }
    if (!examples.config().equals(config)) {
      throw new IllegalArgumentException("OpsTranslation: a pass of " + examples.config() + " for a device model of "
          + config);
    }
    requireTrains("an update's gradients");
    generation++;
    LossStats loss = forward(examples.batch(), rng, true);
    backward(examples.normalization());
    if (gradientsToHost) {
      Tensor g = Tensor.zeros((int) count);
      ops.download(g, grads, count);
      Tensor to = params.grads();
      for (int i = 0; i < count; i++) {
        to.add(i, g.get(i));
      }
      if (encoderApart) {
        // The model's buffer holds no gradient in the encoder's range: the stack adds its own.
        encoder.addWeightGradients();
      }
    }
    return loss;
  }

  /**
   * The teacher-forced forward pass of {@code b} (SPEC 6.3); in training, dropout drawn from a
   * seed of {@code rng} and the smoothed loss's gradient at the logits for {@link #backward}.
   */
  private LossStats forward(EncoderDecoder.Batch b, Rng rng, boolean training) {
    // The device's kernels do not check ids and lengths: a bad one is named here, as the CPU's model names it.
    EncoderDecoder.requireFits(config, b);
    int size = b.size();
    int sourceSteps = b.sourceSteps();
    int steps = b.targetSteps();
    int sourceRows = sourceSteps * size;
    int targetRows = steps * size;
    long attentionRows = (long) steps * sourceRows;
    if (buffers == null || !buffers.holds(size, sourceRows, targetRows, attentionRows)) {
      // Grown in each dimension to the largest seen, so that batches of other shapes do not ping-pong.
      Buffers kept = buffers;
      // Let go of before freeing: an allocation that fails must not leave a freed buffer behind.
      buffers = null;
      if (kept != null) {
        kept.free();
      }
      int grownBatch = kept == null ? size : Math.max(size, kept.batch);
      int grownSources = kept == null ? sourceRows : Math.max(sourceRows, kept.sourceRows);
      int grownTargets = kept == null ? targetRows : Math.max(targetRows, kept.targetRows);
      long grownAttention = kept == null ? attentionRows : Math.max(attentionRows, kept.attentionRows);
      buffers = Allocations.make(ops, m -> new Buffers(m, grownBatch, grownSources, grownTargets, grownAttention));
    }
    requireResident();
    Buffers u = buffers;
    batch = training ? b : null;
    float p = (float) config.dropout();
    dropping = training && p > 0;
    long seed = training ? OpsTraining.dropoutSeed(p, rng) : 0;
    int[] valid = new int[targetRows];
    targetCount = 0;
    for (int r = 0; r < targetRows; r++) {
      valid[r] = r / size < b.targetLengths()[r % size] ? 1 : 0;
      targetCount += valid[r];
    }
    ops.upload(u.sources, Arrays.copyOf(b.sources(), sourceRows));
    ops.upload(u.sourceLengths, b.sourceLengths());
    ops.upload(u.targetInputs, Arrays.copyOf(b.targetInputs(), targetRows));
    ops.upload(u.targets, Arrays.copyOf(b.targets(), targetRows));
    ops.upload(u.valid, valid);

    // The source through embedding, dropout and the encoder.
    ops.gatherRows(value(SOURCE_EMBEDDING), emb, u.sources, sourceRows, u.sourceEmbedded);
    if (dropping) {
      ops.dropoutMask(u.sourceMask, (long) sourceRows * emb, p, seed);
      ops.multiply(u.sourceEmbedded, u.sourceMask, (long) sourceRows * emb);
      encoder.seedDropout(seed + 3);
    }
    encoded = encoder.forward(u.sourceEmbedded, sourceSteps, size, b.sourceLengths(), null, null, training);
    if (additive) {
      ops.gemm(false, true, sourceRows, attentionWidth, encOut, 1f, encoded, encOut, value(ATTENTION_KEY), encOut, 0f,
          u.keys, attentionWidth);
      if (training) {
        ops.zero(u.gKeys, (long) sourceRows * attentionWidth); // the steps' backward passes add to it
      }
    }
    bridge(size, u.bridgeInput, u.bridgeH, u.bridgeC, u.h0, u.c0);

    // The target's embeddings, then the decoder a step at a time, with attention and h~.
    ops.gatherRows(value(TARGET_EMBEDDING), emb, u.targetInputs, targetRows, u.targetEmbedded);
    if (dropping) {
      ops.dropoutMask(u.targetMask, (long) targetRows * emb, p, seed + 1);
      ops.multiply(u.targetEmbedded, u.targetMask, (long) targetRows * emb);
      ops.dropoutMask(u.attentionalMask, (long) targetRows * hid, p, seed + 2);
    }
    int xw = config.decoderInputSize();
    ops.zero(u.decoderInput, (long) targetRows * xw);
    ops.copyRows(u.decoderInput, xw, u.targetEmbedded, emb, targetRows, emb);
    Ops.Floats out = dropping ? u.attentionalOut : u.attentional;
    if (dropping) {
      decoder.seedDropout(seed + 3 + config.encoderLayers());
    }
    decoder.beginSteps(u.decoderInput, steps, size, u.h0, config.cell().hasCellState() ? u.c0 : null, dropping);
    for (int t = 0; t < steps; t++) {
      if (config.inputFeeding() && t > 0) {
        ops.copyRows(ops.slice(u.decoderInput, (long) t * size * xw + emb, (long) size * xw - emb), xw,
            rows(out, (long) (t - 1) * size, size, hid), hid, size, hid);
      }
      decoder.step(t);
      attendAndCombine(t, size, sourceSteps, encoded);
      if (dropping) {
        Ops.Floats a = rows(u.attentionalOut, (long) t * size, size, hid);
        ops.copy(a, rows(u.attentional, (long) t * size, size, hid), (long) size * hid);
        ops.multiply(a, rows(u.attentionalMask, (long) t * size, size, hid), (long) size * hid);
      }
    }

    // The output layer over every step at once, and the loss.
    Ops.Floats outWeight = value(config.tied() ? TARGET_EMBEDDING : OUTPUT_WEIGHT);
    ops.gemm(false, true, targetRows, vocab, hid, 1f, out, hid, outWeight, hid, 0f, u.logits, vocab);
    ops.addToRows(u.logits, targetRows, vocab, value(OUTPUT_BIAS));
    ops.softmaxCrossEntropy(u.logits, targetRows, vocab, u.targets, u.valid, u.loss, u.correct,
        training ? u.dLogits : null);
    if (training && config.labelSmoothing() > 0) {
      ops.smoothLabels(u.dLogits, targetRows, vocab, u.targets, u.valid, (float) config.labelSmoothing());
    }
    return OpsTraining.lossStats(ops, u.loss, u.correct, targetRows, targetCount, size);
  }

  /**
   * s_0 (and c_0) = tanh(W_b [h^fwd_S; h^bwd_1] + b_b) from the top encoder layer's final states
   * (its input kept in {@code input}, its outputs in {@code outH} and {@code outC}), laid out as
   * the decoder's initial states h0, c0 [layers, B, H].
   */
  private void bridge(int size, Ops.Floats input, Ops.Floats outH, Ops.Floats outC, Ops.Floats h0, Ops.Floats c0) {
    RecurrentConfig ec = config.encoder();
    int he = config.encoderHidden();
    int topSlot = (ec.layers() - 1) * ec.directions();
    for (int d = 0; d < ec.directions(); d++) {
      ops.copyRows(ops.slice(input, (long) d * he, (long) size * bridgeIn - (long) d * he), bridgeIn,
          rows(encoder.finalH(), (long) (topSlot + d) * size, size, he), he, size, he);
    }
    bridgeLayer(size, input, BRIDGE_H_WEIGHT, BRIDGE_H_BIAS, outH, h0);
    if (config.cell().hasCellState()) {
      bridgeLayer(size, input, BRIDGE_C_WEIGHT, BRIDGE_C_BIAS, outC, c0);
    }
  }

  private void bridgeLayer(int size, Ops.Floats input, String weight, String bias, Ops.Floats out, Ops.Floats state) {
    int width = layers * hid;
    ops.gemm(false, true, size, width, bridgeIn, 1f, input, bridgeIn, value(weight), bridgeIn, 0f, out, width);
    ops.addToRows(out, size, width, value(bias));
    ops.tanh(out, (long) size * width);
    for (int l = 0; l < layers; l++) {
      ops.copyRows(rows(state, (long) l * size, size, hid), hid, ops.slice(out, (long) l * hid,
          (long) size * width - (long) l * hid), width, size, hid);
    }
  }

  /**
   * Attention from the decoder's top output of step t (the query s_t), then h~_t = tanh(W_c
   * [c_t; s_t] + b_c) into the rows of step t.
   */
  private void attendAndCombine(int t, int size, int sourceSteps, Ops.Floats encoded) {
    Buffers u = buffers;
    int sourceRows = sourceSteps * size;
    Ops.Floats query = rows(decoder.top(), (long) t * size, size, hid);
    Ops.Floats context = rows(u.contexts, (long) t * size, size, encOut);
    Ops.Floats alpha = rows(u.alphas, (long) t * sourceRows, sourceRows, 1);
    if (additive) {
      ops.gemm(false, true, size, attentionWidth, hid, 1f, query, hid, value(ATTENTION_QUERY), hid, 0f, u.queries,
          attentionWidth);
      ops.addToRows(u.queries, size, attentionWidth, value(ATTENTION_BIAS));
      ops.attentionForward(true, u.keys, u.queries, value(ATTENTION_VECTOR), attentionWidth, encoded, sourceSteps, size,
          encOut, u.sourceLengths, rows(u.hidden, (long) t * sourceRows, sourceRows, attentionWidth), alpha, context);
    } else {
      Ops.Floats projected = rows(u.queries, (long) t * size, size, encOut);
      ops.gemm(false, false, size, encOut, hid, 1f, query, hid, value(ATTENTION_KEY), encOut, 0f, projected, encOut);
      ops.attentionForward(false, null, projected, null, encOut, encoded, sourceSteps, size, encOut, u.sourceLengths,
          null, alpha, context);
    }
    combine(size, context, query, rows(u.attentional, (long) t * size, size, hid));
  }

  /** h~ = tanh(W_c [c; s] + b_c) for B rows, as the products with W_c's two blocks of columns. */
  private void combine(int size, Ops.Floats context, Ops.Floats query, Ops.Floats out) {
    Ops.Floats w = value(COMBINE_WEIGHT);
    ops.gemm(false, true, size, hid, encOut, 1f, context, encOut, w, combined, 0f, out, hid);
    ops.gemm(false, true, size, hid, hid, 1f, query, hid, columns(w, encOut), combined, 1f, out, hid);
    ops.addToRows(out, size, hid, value(COMBINE_BIAS));
    ops.tanh(out, (long) size * hid);
  }

  /** The columns of a row-major matrix from column {@code col} on (its rows' stride unchanged). */
  private Ops.Floats columns(Ops.Floats m, int col) {
    return ops.slice(m, col, m.size() - col);
  }

  /** The backward pass of the last forward's smoothed loss, divided as {@code normalization} says. */
  private void backward(LossNormalization normalization) {
    Buffers u = buffers;
    EncoderDecoder.Batch b = batch;
    int size = b.size();
    int steps = b.targetSteps();
    int sourceSteps = b.sourceSteps();
    int sourceRows = sourceSteps * size;
    int targetRows = steps * size;
    float scale = (float) (1.0 / (normalization == LossNormalization.PER_SEQUENCE ? size : targetCount));
    ops.zero(grads, count);
    Ops.Floats out = dropping ? u.attentionalOut : u.attentional;
    Ops.Floats outWeight = value(config.tied() ? TARGET_EMBEDDING : OUTPUT_WEIGHT);
    Ops.Floats gOutWeight = grad(config.tied() ? TARGET_EMBEDDING : OUTPUT_WEIGHT);
    // The output layer (8-20): dW_o += scale dLogits^T h~, db_o, dh~ = scale dLogits W_o.
    ops.gemm(true, false, vocab, hid, targetRows, scale, u.dLogits, vocab, out, hid, 1f, gOutWeight, hid);
    ops.addColumnSums(u.dLogits, targetRows, vocab, scale, grad(OUTPUT_BIAS));
    ops.gemm(false, false, targetRows, hid, vocab, scale, u.dLogits, vocab, outWeight, hid, 0f, u.dAttentional, hid);
    ops.zero(u.dEncoded, (long) sourceRows * encOut);
    Ops.Floats w = value(COMBINE_WEIGHT);
    int xw = config.decoderInputSize();
    decoder.beginBackwardSteps();
    for (int t = steps - 1; t >= 0; t--) {
      Ops.Floats dPre = rows(u.dAttentional, (long) t * size, size, hid);
      // dh~_t: from the output layer, and from step t + 1's input when fed; through dropout and tanh.
      if (config.inputFeeding() && t < steps - 1) {
        ops.axpy(dPre, 1f, u.dFeed, null, (long) size * hid);
      }
      if (dropping) {
        ops.multiply(dPre, rows(u.attentionalMask, (long) t * size, size, hid), (long) size * hid);
      }
      ops.tanhBackward(dPre, rows(u.attentional, (long) t * size, size, hid), (long) size * hid);
      Ops.Floats dQuery = rows(u.dTop, (long) t * size, size, hid);
      ops.gemm(false, false, size, encOut, hid, 1f, dPre, hid, w, combined, 0f, u.dContext, encOut);
      ops.gemm(false, false, size, hid, hid, 1f, dPre, hid, columns(w, encOut), combined, 0f, dQuery, hid);
      attentionBackward(t, size, sourceSteps, encoded, dQuery);
      Ops.Floats dx = decoder.backwardStep(t, u.dTop);
      Ops.Floats dxRows = rows(dx, (long) t * size, size, xw);
      ops.copyRows(rows(u.dTargetEmbedded, (long) t * size, size, emb), emb, dxRows, xw, size, emb);
      if (config.inputFeeding()) {
        ops.copyRows(u.dFeed, hid, columns(dxRows, emb), xw, size, hid);
      }
    }
    // W_c's two blocks and b_c over all steps at once; the additive keys' gradient through W_k.
    Ops.Floats gw = grad(COMBINE_WEIGHT);
    ops.gemm(true, false, hid, encOut, targetRows, 1f, u.dAttentional, hid, u.contexts, encOut, 1f, gw, combined);
    ops.gemm(true, false, hid, hid, targetRows, 1f, u.dAttentional, hid, decoder.top(), hid, 1f, columns(gw, encOut),
        combined);
    ops.addColumnSums(u.dAttentional, targetRows, hid, 1f, grad(COMBINE_BIAS));
    if (additive) {
      ops.gemm(true, false, attentionWidth, encOut, sourceRows, 1f, u.gKeys, attentionWidth, encoded, encOut, 1f,
          grad(ATTENTION_KEY), encOut);
      ops.gemm(false, false, sourceRows, encOut, attentionWidth, 1f, u.gKeys, attentionWidth, value(ATTENTION_KEY),
          encOut, 1f, u.dEncoded, encOut);
    }
    decoder.finishBackwardSteps();
    backBridge(size);
    Ops.Floats dSource = encoder.backward(u.dEncoded, u.dEncoderFinal, null);
    if (dropping) {
      ops.multiply(dSource, u.sourceMask, (long) sourceRows * emb);
      ops.multiply(u.dTargetEmbedded, u.targetMask, (long) targetRows * emb);
    }
    ops.scatterAddRows(grad(SOURCE_EMBEDDING), emb, u.sources, sourceRows, dSource);
    ops.scatterAddRows(grad(TARGET_EMBEDDING), emb, u.targetInputs, targetRows, u.dTargetEmbedded);
  }

  /**
   * Back through step t's attention from dL/dc_t ({@code dContext}): the encoder states' gradient,
   * the weights' gradients (the additive keys' part waits in gKeys), and the query's added to
   * {@code dQuery}.
   */
  private void attentionBackward(int t, int size, int sourceSteps, Ops.Floats encoded, Ops.Floats dQuery) {
    Buffers u = buffers;
    int sourceRows = sourceSteps * size;
    Ops.Floats query = rows(decoder.top(), (long) t * size, size, hid);
    Ops.Floats alpha = rows(u.alphas, (long) t * sourceRows, sourceRows, 1);
    if (additive) {
      Ops.Floats hidden = rows(u.hidden, (long) t * sourceRows, sourceRows, attentionWidth);
      ops.attentionBackward(true, alpha, hidden, null, value(ATTENTION_VECTOR), attentionWidth, encoded, sourceSteps,
          size, encOut, u.sourceLengths, u.dContext, u.dScores, u.dEncoded, u.gKeys, u.dQuery);
      // dv += de^T u; db += the query side's sums; dW_q += dq^T s_t; ds_t += dq W_q.
      ops.gemm(false, false, 1, attentionWidth, sourceRows, 1f, u.dScores, sourceRows, hidden, attentionWidth, 1f,
          grad(ATTENTION_VECTOR), attentionWidth);
      ops.addColumnSums(u.dQuery, size, attentionWidth, 1f, grad(ATTENTION_BIAS));
      ops.gemm(true, false, attentionWidth, hid, size, 1f, u.dQuery, attentionWidth, query, hid, 1f,
          grad(ATTENTION_QUERY), hid);
      ops.gemm(false, false, size, hid, attentionWidth, 1f, u.dQuery, attentionWidth, value(ATTENTION_QUERY), hid, 1f,
          dQuery, hid);
    } else {
      Ops.Floats projected = rows(u.queries, (long) t * size, size, encOut);
      ops.attentionBackward(false, alpha, null, projected, null, encOut, encoded, sourceSteps, size, encOut,
          u.sourceLengths, u.dContext, u.dScores, u.dEncoded, null, u.dQuery);
      // p = s_t W: dW += s_t^T dp, ds_t += dp W^T.
      ops.gemm(true, false, hid, encOut, size, 1f, query, hid, u.dQuery, encOut, 1f, grad(ATTENTION_KEY), encOut);
      ops.gemm(false, true, size, hid, encOut, 1f, u.dQuery, encOut, value(ATTENTION_KEY), encOut, 1f, dQuery, hid);
    }
  }

  /** Through the bridge's tanh and products into dL/d(the top encoder layer's final h). */
  private void backBridge(int size) {
    Buffers u = buffers;
    ops.zero(u.dBridgeInput, (long) size * bridgeIn);
    backBridgeLayer(size, BRIDGE_H_WEIGHT, BRIDGE_H_BIAS, u.bridgeH, decoder.initialHGradient());
    if (config.cell().hasCellState()) {
      backBridgeLayer(size, BRIDGE_C_WEIGHT, BRIDGE_C_BIAS, u.bridgeC, decoder.initialCGradient());
    }
    RecurrentConfig ec = config.encoder();
    int he = config.encoderHidden();
    int topSlot = (ec.layers() - 1) * ec.directions();
    ops.zero(u.dEncoderFinal, (long) ec.stateSlots() * size * he);
    for (int d = 0; d < ec.directions(); d++) {
      ops.copyRows(rows(u.dEncoderFinal, (long) (topSlot + d) * size, size, he), he,
          columns(u.dBridgeInput, d * he), bridgeIn, size, he);
    }
  }

  private void backBridgeLayer(int size, String weight, String bias, Ops.Floats out, Ops.Floats dState) {
    Buffers u = buffers;
    int width = layers * hid;
    for (int l = 0; l < layers; l++) {
      ops.copyRows(columns(u.dBridge, l * hid), width, rows(dState, (long) l * size, size, hid), hid, size, hid);
    }
    ops.tanhBackward(u.dBridge, out, (long) size * width);
    ops.gemm(true, false, width, bridgeIn, size, 1f, u.dBridge, width, u.bridgeInput, bridgeIn, 1f, grad(weight),
        bridgeIn);
    ops.addColumnSums(u.dBridge, size, width, 1f, grad(bias));
    ops.gemm(false, false, size, bridgeIn, width, 1f, u.dBridge, width, value(weight), bridgeIn, 1f, u.dBridgeInput,
        bridgeIn);
  }

  /** A translator's updates come as sentence pairs ({@link #compute(ShardablePass, Rng)}), not batches of sequences. */
  @Override
  public LossStats compute(Batch batch, RecurrentState initial, Rng rng) {
    throw new UnsupportedOperationException("OpsTranslation computes the passes of sentence pairs"
        + " (TranslationExamples), not batches of sequences");
  }

  @Override
  public RecurrentState finalState() {
    return null;
  }

  @Override
  public double[] update(TrainingConfig training, Optimizer optimizer, double lr) {
    requireTrains("an update");
    generation++;
    return updates.update(training, optimizer, lr);
  }

  @Override
  public void toHost(Optimizer optimizer) {
    requireTrains("the optimizer's state");
    if (!resident) {
      return;
    }
    ops.download(params.values(), weights, count);
    if (encoderApart) {
      // Over the model's buffer's stale copy of the encoder's range.
      encoder.weightsToHost();
    }
    updates.stateToHost(optimizer);
  }

  private void requireResident() {
    if (!resident) {
      refresh();
    }
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("OpsTranslation: closed (its device memory is freed)");
    }
  }

  private void requireTrains(String what) {
    requireOpen();
    if (!trains) {
      throw new IllegalStateException("OpsTranslation: made for inference, it keeps no gradients and no optimizer: "
          + what + " needs the passes of a trainer (GpuBackend.gradients)");
    }
  }

  /** Takes the host's parameters (a search begun before is stale: it read the old ones). */
  @Override
  public void refresh() {
    requireOpen();
    generation++;
    ops.upload(weights, params.values(), count);
    if (encoderApart) {
      encoder.uploadWeights();
    }
    resident = true;
  }

  /** The teacher-forced loss of {@code batch} on the device's parameters, no dropout; gradients untouched. */
  @Override
  public LossStats loss(EncoderDecoder.Batch batch) {
    requireOpen();
    generation++;
    return forward(batch, null, false);
  }

  @Override
  public BeamSearch.StepModel search(int[][] sources) {
    requireOpen();
    generation++;
    requireResident();
    return new Search(sources);
  }

  @Override
  public void fromHost(Optimizer optimizer) {
    requireTrains("the optimizer's state");
    refresh();
    updates.stateFromHost(optimizer);
  }

  /** The encoder's, where cuDNN keeps it; the decoder's masks are drawn from the trainer's generator. */
  @Override
  public void restartDropout(long seed) {
    requireOpen();
    encoder.restartDropout(seed);
  }

  /** A translator's passes are {@link #loss} and {@link #search} ({@link DeviceTranslation}), not a sequence model's. */
  @Override
  public InferencePass inference() {
    throw new UnsupportedOperationException("an encoder-decoder's passes on the device are its TranslationInference"
        + " (loss and search), not a sequence model's InferencePass");
  }

  /**
   * A search's view of the decoder on the device (as the CPU's {@code EncoderDecoder.step}): the
   * sources encoded once, their states and (additive) keys gathered for the rows of hypotheses;
   * per step the previous words' embeddings, one step of every decoder layer from the rows'
   * states, attention, h~ and the logits' log-softmax; each row's likeliest words are chosen there
   * ({@link #stepTop}) and only they come back, to the search that keeps the hypotheses. Rows are
   * reordered by gathering their states on the device.
   */
  private final class Search implements BeamSearch.ChoosingStepModel {
    private final int sentences;
    private final int sourceSteps;
    private final int[] lengths;
    private final Ops.Floats states;
    private final Encoding sources;
    private final long made = generation;
    private int[] sentenceOfRow;
    private int rows;

    /** A search's buffers are reused by the next call on its passes: one used after that is refused. */
    private void requireCurrent() {
      if (made != generation) {
        throw new IllegalStateException("OpsTranslation: a search is valid until the next call on its passes"
            + " (search, loss, a training pass, an update, refresh or close); this one is stale");
      }
    }

    Search(int[][] sourceIds) {
      sentences = sourceIds.length;
      if (sentences == 0) {
        throw new IllegalArgumentException("OpsTranslation.search: no sources");
      }
      lengths = new int[sentences];
      int longest = 0;
      for (int i = 0; i < sentences; i++) {
        if (sourceIds[i].length == 0) {
          throw new IllegalArgumentException("OpsTranslation.search: source " + i + " is empty");
        }
        lengths[i] = sourceIds[i].length;
        longest = Math.max(longest, lengths[i]);
      }
      sourceSteps = longest;
      int sourceRows = sourceSteps * sentences;
      int[] ids = new int[sourceRows];
      for (int i = 0; i < sentences; i++) {
        for (int k = 0; k < sourceSteps; k++) {
          ids[k * sentences + i] = sourceIds[i][Math.min(k, lengths[i] - 1)];
        }
      }
      EncoderDecoder.requireIds("sources", ids, sourceRows, config.sourceVocab());
      sources = encoding(sourceRows, sentences);
      ops.upload(sources.sourceIds, ids);
      ops.gatherRows(value(SOURCE_EMBEDDING), emb, sources.sourceIds, sourceRows, sources.sourceEmbedded);
      states = encoder.forward(sources.sourceEmbedded, sourceSteps, sentences, lengths, null, null, false);
      if (additive) {
        ops.gemm(false, true, sourceRows, attentionWidth, encOut, 1f, states, encOut, value(ATTENTION_KEY), encOut, 0f,
            sources.keys, attentionWidth);
      }
      bridge(sentences, sources.bridgeInput, sources.bridgeH, sources.bridgeC, sources.startH, sources.startC);
    }

    @Override
    public int vocabulary() {
      return vocab;
    }

    @Override
    public void begin(int[] sentenceOfRow) {
      requireCurrent();
      int count = sentenceOfRow.length;
      int[] ids = new int[layers * count];
      for (int r = 0; r < count; r++) {
        if (sentenceOfRow[r] < 0 || sentenceOfRow[r] >= sentences) {
          throw new IllegalArgumentException("OpsTranslation.search: sentence " + sentenceOfRow[r] + " of " + sentences);
        }
        for (int l = 0; l < layers; l++) {
          ids[l * count + r] = l * sentences + sentenceOfRow[r];
        }
      }
      Rows next = spareRows(count);
      ops.upload(next.gather(), ids);
      ops.gatherRows(sources.startH, hid, next.gather(), layers * count, next.h());
      if (next.c() != null) {
        ops.gatherRows(sources.startC, hid, next.gather(), layers * count, next.c());
      }
      ops.zero(next.attentional(), (long) count * hid);
      swapRows();
      this.sentenceOfRow = sentenceOfRow.clone();
      rows = count;
      attach();
    }

    /** The rows' encoder states, keys and lengths, gathered from their sentences'. */
    private void attach() {
      int[] ids = new int[sourceSteps * rows];
      int[] rowLengths = new int[rows];
      for (int r = 0; r < rows; r++) {
        rowLengths[r] = lengths[sentenceOfRow[r]];
        for (int k = 0; k < sourceSteps; k++) {
          ids[k * rows + r] = k * sentences + sentenceOfRow[r];
        }
      }
      Stepping d = stepping((long) sourceSteps * rows, rows);
      ops.upload(d.rowIds, ids);
      ops.upload(d.rowLengths, rowLengths);
      ops.gatherRows(states, encOut, d.rowIds, sourceSteps * rows, d.rowStates);
      if (additive) {
        ops.gatherRows(sources.keys, attentionWidth, d.rowIds, sourceSteps * rows, d.rowKeys);
      }
    }

    @Override
    public void step(int[] previous, Tensor logProbs) {
      requireRows(previous);
      if (logProbs.size() < (long) rows * vocab) {
        throw new IllegalArgumentException("OpsTranslation.search: log-probabilities of " + logProbs.size()
            + " values for " + rows + " rows of " + vocab + " words");
      }
      Ops.Floats all = decode(previous);
      ops.download(logProbs, all, (long) rows * vocab);
    }

    /** The k likeliest next words of each row, chosen on the device: k values a row come back, not V. */
    @Override
    public void stepTop(int[] previous, int k, int[] words, float[] logProbs) {
      requireRows(previous);
      if (k < 1 || k > vocab || words.length < rows * k || logProbs.length < rows * k) {
        throw new IllegalArgumentException("OpsTranslation.search: the " + k + " likeliest of " + vocab
            + " words of " + rows + " rows into " + words.length + " ids and " + logProbs.length + " values");
      }
      // Made before the step: a failed allocation leaves the search where it was.
      Chosen c = chosen(rows * k);
      Ops.Floats all = decode(previous);
      ops.topOfRows(all, rows, vocab, k, c.words(), c.values());
      ops.download(words, c.words(), rows * k);
      ops.download(c.onHost(), c.values(), rows * k);
      for (int i = 0; i < rows * k; i++) {
        logProbs[i] = c.onHost().get(i);
      }
    }

    /** A current search, begun, and a previous word of the vocabulary for each of its rows. */
    private void requireRows(int[] previous) {
      requireCurrent();
      if (sentenceOfRow == null || previous.length != rows) {
        throw new IllegalArgumentException("OpsTranslation.search: " + previous.length + " previous words for "
            + rows + " rows (begin first)");
      }
      EncoderDecoder.requireIds("previous words", previous, rows, vocab);
    }

    /** One decoder step of every row from its previous word: the rows' log p(next word) [rows, V] on the device. */
    private Ops.Floats decode(int[] previous) {
      Stepping d = stepping;
      Rows now = rowsNow;
      int xw = config.decoderInputSize();
      ops.upload(d.previous, previous);
      ops.gatherRows(value(TARGET_EMBEDDING), emb, d.previous, rows, d.embedded);
      ops.copyRows(d.input, xw, d.embedded, emb, rows, emb);
      if (config.inputFeeding()) {
        ops.copyRows(columns(d.input, emb), xw, now.attentional(), hid, rows, hid);
      }
      decoder.beginSteps(d.input, 1, rows, now.h(), now.c(), false);
      decoder.step(0);
      Ops.Floats query = rows(decoder.top(), 0, rows, hid);
      if (additive) {
        ops.gemm(false, true, rows, attentionWidth, hid, 1f, query, hid, value(ATTENTION_QUERY), hid, 0f, d.query,
            attentionWidth);
        ops.addToRows(d.query, rows, attentionWidth, value(ATTENTION_BIAS));
        ops.attentionForward(true, d.rowKeys, d.query, value(ATTENTION_VECTOR), attentionWidth, d.rowStates,
            sourceSteps, rows, encOut, d.rowLengths, d.hidden, d.alpha, d.context);
      } else {
        ops.gemm(false, false, rows, encOut, hid, 1f, query, hid, value(ATTENTION_KEY), encOut, 0f, d.query, encOut);
        ops.attentionForward(false, null, d.query, null, encOut, d.rowStates, sourceSteps, rows, encOut, d.rowLengths,
            null, d.alpha, d.context);
      }
      combine(rows, d.context, query, now.attentional());
      Ops.Floats outWeight = value(config.tied() ? TARGET_EMBEDDING : OUTPUT_WEIGHT);
      ops.gemm(false, true, rows, vocab, hid, 1f, now.attentional(), hid, outWeight, hid, 0f, d.logits, vocab);
      ops.addToRows(d.logits, rows, vocab, value(OUTPUT_BIAS));
      ops.logSoftmax(d.logits, rows, vocab);
      decoder.stateAfter(0, now.h(), now.c());
      return d.logits;
    }

    @Override
    public void select(int[] from) {
      requireCurrent();
      int kept = from.length;
      int[] sentence = new int[kept];
      int[] ids = new int[layers * kept];
      for (int r = 0; r < kept; r++) {
        if (from[r] < 0 || from[r] >= rows) {
          throw new IllegalArgumentException("OpsTranslation.search: row " + from[r] + " of " + rows);
        }
        sentence[r] = sentenceOfRow[from[r]];
        for (int l = 0; l < layers; l++) {
          ids[l * kept + r] = l * rows + from[r];
        }
      }
      Rows now = rowsNow;
      Rows next = spareRows(kept);
      ops.upload(next.gather(), ids);
      ops.gatherRows(now.h(), hid, next.gather(), layers * kept, next.h());
      if (now.c() != null) {
        ops.gatherRows(now.c(), hid, next.gather(), layers * kept, next.c());
      }
      // h~'s rows are gathered by the first layer's ids.
      ops.gatherRows(now.attentional(), hid, next.gather(), kept, next.attentional());
      swapRows();
      boolean moved = kept != rows || !Arrays.equals(sentence, sentenceOfRow);
      rows = kept;
      sentenceOfRow = sentence;
      if (moved) {
        attach();
      }
    }
  }

  /** A search's rows' states: h, c [layers, R, H], h~ [R, H], and the ids that gathered them, for up to {@code capacity} rows. */
  private record Rows(int capacity, Allocations memory, Ops.Floats h, Ops.Floats c, Ops.Floats attentional,
      Ops.Ints gather) {
    void free() {
      memory.free();
    }
  }

  /** The rows' states a search reads, and the set a reorder writes next (never the one it reads). */
  private Rows rowsNow;
  private Rows rowsSpare;

  /** The spare set of rows' states, with room for {@code count} rows. */
  private Rows spareRows(int count) {
    if (rowsSpare == null || rowsSpare.capacity() < count) {
      Rows old = rowsSpare;
      rowsSpare = null;
      if (old != null) {
        old.free();
      }
      int capacity = Math.max(count, rowsNow == null ? 0 : rowsNow.capacity());
      long states = (long) layers * capacity * hid;
      boolean cells = config.cell().hasCellState();
      // The arguments are evaluated (allocated) in order; make frees those made before one that fails.
      rowsSpare = Allocations.make(ops, m -> new Rows(capacity, m, m.floats(states, "a search's states h"),
          cells ? m.floats(states, "a search's states c") : null, m.floats((long) capacity * hid,
          "a search's attentional vectors"), m.ints(layers * capacity, "a search's row ids")));
    }
    return rowsSpare;
  }

  /** Makes the spare set the one read. */
  private void swapRows() {
    Rows read = rowsSpare;
    rowsSpare = rowsNow;
    rowsNow = read;
  }

  /** A search's buffers for its sources: S*N rows of N sentences, grown to the largest seen. */
  private final class Encoding {
    final int sourceRows;
    final int sentences;
    final Ops.Ints sourceIds;
    final Ops.Floats sourceEmbedded;
    final Ops.Floats keys;
    final Ops.Floats bridgeInput;
    final Ops.Floats bridgeH;
    final Ops.Floats bridgeC;
    final Ops.Floats startH;
    final Ops.Floats startC;
    private final Allocations memory;

    /** Made by {@link Allocations#make}. */
    Encoding(Allocations memory, int sourceRows, int sentences) {
      this.memory = memory;
      this.sourceRows = sourceRows;
      this.sentences = sentences;
      sourceIds = memory.ints(sourceRows, "a search's source ids");
      sourceEmbedded = memory.floats((long) sourceRows * emb, "a search's source embeddings");
      keys = additive ? memory.floats((long) sourceRows * attentionWidth, "a search's keys") : null;
      bridgeInput = memory.floats((long) sentences * bridgeIn, "a search's bridge input");
      bridgeH = memory.floats((long) sentences * layers * hid, "a search's bridge output");
      boolean cells = config.cell().hasCellState();
      bridgeC = cells ? memory.floats((long) sentences * layers * hid, "a search's bridge output") : null;
      startH = memory.floats((long) layers * sentences * hid, "a search's first states");
      startC = cells ? memory.floats((long) layers * sentences * hid, "a search's first states") : null;
    }

    void free() {
      memory.free();
    }
  }

  /** A search's buffers for R rows reading S source steps each, grown to the largest seen. */
  private final class Stepping {
    final long rowSourceRows;
    final int rows;
    final Ops.Ints rowIds;
    final Ops.Ints rowLengths;
    final Ops.Floats rowStates;
    final Ops.Floats rowKeys;
    final Ops.Ints previous;
    final Ops.Floats embedded;
    final Ops.Floats input;
    final Ops.Floats query;
    final Ops.Floats hidden;
    final Ops.Floats alpha;
    final Ops.Floats context;
    final Ops.Floats logits;
    private final Allocations memory;

    /** Made by {@link Allocations#make}. */
    Stepping(Allocations memory, long rowSourceRows, int rows) {
      this.memory = memory;
      this.rowSourceRows = rowSourceRows;
      this.rows = rows;
      rowIds = memory.ints((int) rowSourceRows, "a search's rows' source rows");
      rowLengths = memory.ints(rows, "a search's rows' source lengths");
      rowStates = memory.floats(rowSourceRows * encOut, "a search's rows' encoder states");
      rowKeys = additive ? memory.floats(rowSourceRows * attentionWidth, "a search's rows' keys") : null;
      previous = memory.ints(rows, "a search's previous words");
      embedded = memory.floats((long) rows * emb, "a search's previous words' embeddings");
      input = memory.floats((long) rows * config.decoderInputSize(), "a search's decoder input");
      query = memory.floats((long) rows * attentionWidth, "a search's queries");
      hidden = additive ? memory.floats(rowSourceRows * attentionWidth, "a search's attention hidden units") : null;
      alpha = memory.floats(rowSourceRows, "a search's attention weights");
      context = memory.floats((long) rows * encOut, "a search's contexts");
      logits = memory.floats((long) rows * vocab, "a search's logits");
    }

    void free() {
      memory.free();
    }
  }

  private Encoding encoding;
  private Stepping stepping;

  /** A search's chosen words and their log-probabilities, for up to {@code capacity} of them, and the latter's host copy. */
  private record Chosen(int capacity, Allocations memory, Ops.Ints words, Ops.Floats values, Tensor onHost) {}

  private Chosen chosen;

  private Chosen chosen(int count) {
    if (chosen == null || chosen.capacity() < count) {
      int capacity = Math.max(count, chosen == null ? 0 : chosen.capacity());
      Chosen old = chosen;
      chosen = null;
      if (old != null) {
        old.memory().free();
      }
      chosen = Allocations.make(ops, m -> new Chosen(capacity, m, m.ints(capacity, "a search's chosen words"),
          m.floats(capacity, "a search's chosen words' log-probabilities"), Tensor.zeros(capacity)));
    }
    return chosen;
  }

  private Encoding encoding(int sourceRows, int sentences) {
    if (encoding == null || encoding.sourceRows < sourceRows || encoding.sentences < sentences) {
      int s = Math.max(sourceRows, encoding == null ? 0 : encoding.sourceRows);
      int n = Math.max(sentences, encoding == null ? 0 : encoding.sentences);
      Encoding old = encoding;
      encoding = null;
      if (old != null) {
        old.free();
      }
      encoding = Allocations.make(ops, m -> new Encoding(m, s, n));
    }
    return encoding;
  }

  private Stepping stepping(long rowSourceRows, int rows) {
    if (stepping == null || stepping.rowSourceRows < rowSourceRows || stepping.rows < rows) {
      long s = Math.max(rowSourceRows, stepping == null ? 0 : stepping.rowSourceRows);
      int r = Math.max(rows, stepping == null ? 0 : stepping.rows);
      Stepping old = stepping;
      stepping = null;
      if (old != null) {
        old.free();
      }
      stepping = Allocations.make(ops, m -> new Stepping(m, s, r));
    }
    return stepping;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    generation++;
    Allocations.freeAll(buffers == null ? null : buffers.memory, encoding == null ? null : encoding.memory,
        stepping == null ? null : stepping.memory, rowsNow == null ? null : rowsNow.memory(),
        rowsSpare == null ? null : rowsSpare.memory(), chosen == null ? null : chosen.memory(), memory);
  }
}
