package jrnn.models;

import jrnn.kernels.Activation;
import jrnn.kernels.Blas;
import jrnn.kernels.Kernels;
import jrnn.kernels.Parallel;
import jrnn.layers.Attention;
import jrnn.layers.DecoderStack;
import jrnn.layers.Dense;
import jrnn.layers.Dropout;
import jrnn.layers.Embedding;
import jrnn.layers.RecurrentConfig;
import jrnn.layers.RecurrentStack;
import jrnn.layers.RecurrentState;
import jrnn.params.Init;
import jrnn.params.ParamLayout;
import jrnn.params.Parameters;
import jrnn.tensor.ShapeMismatchException;
import jrnn.tensor.Tensor;
import jrnn.util.Numbers;
import jrnn.util.Rng;

import static jrnn.models.EncoderDecoderConfig.*;

/**
 * The encoder-decoder of an {@link EncoderDecoderConfig}, float32 (SPEC 6.3). For a source x and
 * a target y_1 .. y_n:
 *
 * <pre>
 *   h^enc_s        = encoder(E_src x)_s                       a stacked, bidirectional recurrent stack
 *   s_0            = tanh(W_b [h^fwd_S; h^bwd_1] + b_b)      the bridge, per decoder layer (and c_0 for an LSTM)
 *   s_t            = decoder(s_{t-1}, [E_tgt y_{t-1}; h~_{t-1}])   y_0 = &lt;s&gt;, h~_0 = 0 (input feeding)
 *   c_t            = attention(s_t; h^enc)                   {@link Attention}, the source's padding masked
 *   h~_t           = tanh(W_c [c_t; s_t] + b_c)              the attentional vector (Luong et al. 2015)
 *   p(y_t | ...)   = softmax(W_o h~_t + b_o)                 W_o = E_tgt when tied
 * </pre>
 *
 * trained with teacher forcing on the cross-entropy against a smoothed target distribution
 * q = (1 - eps) onehot(y_t) + eps / V, the last target being &lt;/s&gt;. The encoder and the
 * projections of every target step run as single products over all rows (the decoder's input
 * projection per step, as input feeding needs). The loss reported is the plain cross-entropy
 * (nats per target token), whatever the smoothing, so that training and validation compare.
 *
 * <p><b>Threads.</b> As for {@link SequenceModel}: an instance is one caller's workspace, and
 * {@link #newWorkspace()} makes another over the same parameters for another thread.
 */
public final class EncoderDecoder {
  /**
   * A batch of B sentence pairs, time-major: source token s of pair b at s*B + b; the decoder's
   * inputs (&lt;s&gt; y_1 .. y_n) and targets (y_1 .. y_n &lt;/s&gt;) likewise, T = longest n + 1.
   *
   * @param size B, the number of sentence pairs
   * @param sourceSteps S, the longest source
   * @param sources source ids [S*B], padded with each source's last token
   * @param sourceLengths the length of each source [B]
   * @param targetSteps T, the longest target plus one
   * @param targetInputs decoder inputs [T*B]: &lt;s&gt; y_1 .. y_n, then &lt;/s&gt; as padding
   * @param targets targets [T*B]: y_1 .. y_n &lt;/s&gt;, then &lt;/s&gt; as padding
   * @param targetLengths n + 1 for each pair [B], the steps the loss counts
   */
  public record Batch(int size, int sourceSteps, int[] sources, int[] sourceLengths, int targetSteps,
      int[] targetInputs, int[] targets, int[] targetLengths) {

    /** Pairs of id sequences (targets without the markers), with the target's &lt;s&gt; and &lt;/s&gt; ids. */
    public static Batch of(int[][] sources, int[][] targets, int bos, int eos) {
      int b = sources.length;
      if (targets.length != b || b == 0) {
        throw new ShapeMismatchException("EncoderDecoder.Batch: " + b + " sources and " + targets.length
            + " targets; a batch needs as many of each, at least one");
      }
      int s = 0;
      int t = 0;
      int[] srcLen = new int[b];
      int[] tgtLen = new int[b];
      for (int i = 0; i < b; i++) {
        if (sources[i].length == 0) {
          throw new IllegalArgumentException("EncoderDecoder.Batch: source " + i + " is empty");
        }
        srcLen[i] = sources[i].length;
        tgtLen[i] = targets[i].length + 1;
        s = Math.max(s, srcLen[i]);
        t = Math.max(t, tgtLen[i]);
      }
      int[] src = new int[s * b];
      int[] in = new int[t * b];
      int[] out = new int[t * b];
      for (int i = 0; i < b; i++) {
        for (int k = 0; k < s; k++) {
          src[k * b + i] = k < srcLen[i] ? sources[i][k] : sources[i][srcLen[i] - 1];
        }
        for (int k = 0; k < t; k++) {
          in[k * b + i] = k == 0 ? bos : k < tgtLen[i] ? targets[i][k - 1] : eos;
          out[k * b + i] = k < tgtLen[i] - 1 ? targets[i][k] : eos;
        }
      }
      return new Batch(b, s, src, srcLen, t, in, out, tgtLen);
    }

    /** Target tokens the loss counts, &lt;/s&gt; included. */
    public int targetTokens() {
      int n = 0;
      for (int l : targetLengths) {
        n += l;
      }
      return n;
    }
  }

  /**
   * Where dropout acts, each mask in the first steps * B * width elements of its buffer, row
   * step * B + pair: the source's and the target's embeddings (width E), the inputs of encoder
   * layers l &gt;= 1 (the layer below's output), of decoder layers l &gt;= 1 (H_d) and the
   * attentional vector h~ (H_d).
   */
  public enum DropoutSite { SOURCE_EMBEDDING, ENCODER_INPUT, TARGET_EMBEDDING, DECODER_INPUT, ATTENTIONAL }

  private final EncoderDecoderConfig config;
  private final Parameters params;
  private final Kernels kernels;
  private final Embedding sourceEmbedding;
  private final Embedding targetEmbedding;
  private final RecurrentStack encoder;
  private final DecoderStack decoder;
  private final Attention attention;
  private final Dense bridgeH;
  private final Dense bridgeC;
  private final Dense combine;
  private final Dense output;
  private final Dropout sourceDropout;
  private final Dropout targetDropout;
  private final Dropout attentionalDropout;
  private final int emb;
  private final int encOut;
  private final int hid;
  private final int vocab;
  private final int combined;

  private Batch batch;
  private boolean training;
  private boolean dropping;
  private int count;
  private Attention.Step[] attentionSteps = new Attention.Step[0];
  private Tensor srcEmbedded = Tensor.zeros(0);
  private Tensor encoderIn = Tensor.zeros(0);
  private Tensor encoded = Tensor.zeros(0);
  private Tensor bridgeIn = Tensor.zeros(0);
  private Tensor bridgeHOut = Tensor.zeros(0);
  private Tensor bridgeCOut = Tensor.zeros(0);
  private RecurrentState initial;
  private Tensor tgtEmbedded = Tensor.zeros(0);
  private Tensor tgtDropped = Tensor.zeros(0);
  private Tensor combineIn = Tensor.zeros(0);
  private Tensor attentional = Tensor.zeros(0);
  private Tensor attentionalDropped = Tensor.zeros(0);
  /** What the output layer and the next step's input read: h~ after dropout in training, h~ itself otherwise. */
  private Tensor attentionalOut = Tensor.zeros(0);
  private Tensor logits = Tensor.zeros(0);
  /** The last pass's rows of {@link #logits}, [T*B, V]: the buffer only grows, so it may hold more. */
  private Tensor logitRows = logits;
  private Tensor dLogits = Tensor.zeros(0);
  private Tensor dAttentional = Tensor.zeros(0);
  private Tensor dPre = Tensor.zeros(0);
  private Tensor dCombineIn = Tensor.zeros(0);
  private Tensor dContext = Tensor.zeros(0);
  private Tensor dQuery = Tensor.zeros(0);
  private Tensor dFeed = Tensor.zeros(0);
  private Tensor dEncoded = Tensor.zeros(0);
  private Tensor dTgtEmbedded = Tensor.zeros(0);
  private Tensor dBridgeOut = Tensor.zeros(0);
  private Tensor dBridgeIn = Tensor.zeros(0);
  private Tensor dBridgeInC = Tensor.zeros(0);
  private Tensor dEncoderIn = Tensor.zeros(0);
  private RecurrentState dEncoderFinal;

  /** A model with new, zeroed parameters and the best kernels; call {@link #initialize} before training. */
  public EncoderDecoder(EncoderDecoderConfig config) {
    this(config, new Parameters(config.parameterLayout()), Kernels.best());
  }

  /** A workspace over {@code params}, which must have {@code config}'s layout. */
  public EncoderDecoder(EncoderDecoderConfig config, Parameters params, Kernels kernels) {
    if (!params.layout().entries().toString().equals(config.parameterLayout().entries().toString())) {
      throw new IllegalArgumentException("EncoderDecoder: the parameters do not have the layout of " + config);
    }
    this.config = config;
    this.params = params;
    this.kernels = kernels;
    this.emb = config.embedding();
    this.encOut = config.encoderOutputSize();
    this.hid = config.decoderHidden();
    this.vocab = config.targetVocab();
    this.combined = encOut + hid;
    this.sourceEmbedding = new Embedding(params.value(SOURCE_EMBEDDING), params.grad(SOURCE_EMBEDDING));
    this.targetEmbedding = new Embedding(params.value(TARGET_EMBEDDING), params.grad(TARGET_EMBEDDING));
    this.encoder = new RecurrentStack(config.encoder(), params, ENCODER, kernels);
    this.decoder = new DecoderStack(config.decoder(), params, DECODER, kernels);
    Attention.Weights w = config.attention() == Attention.Score.ADDITIVE
        ? new Attention.Weights(params.value(ATTENTION_KEY), params.value(ATTENTION_QUERY),
            params.value(ATTENTION_BIAS), params.value(ATTENTION_VECTOR), params.grad(ATTENTION_KEY),
            params.grad(ATTENTION_QUERY), params.grad(ATTENTION_BIAS), params.grad(ATTENTION_VECTOR))
        : new Attention.Weights(params.value(ATTENTION_KEY), null, null, null, params.grad(ATTENTION_KEY),
            null, null, null);
    this.attention = new Attention(config.attention(), encOut, hid, w, kernels);
    this.bridgeH = dense(BRIDGE_H_WEIGHT, BRIDGE_H_BIAS);
    this.bridgeC = config.cell().hasCellState() ? dense(BRIDGE_C_WEIGHT, BRIDGE_C_BIAS) : null;
    this.combine = dense(COMBINE_WEIGHT, COMBINE_BIAS);
    this.output = config.tied() ? dense(TARGET_EMBEDDING, OUTPUT_BIAS) : dense(OUTPUT_WEIGHT, OUTPUT_BIAS);
    this.sourceDropout = new Dropout(config.dropout());
    this.targetDropout = new Dropout(config.dropout());
    this.attentionalDropout = new Dropout(config.dropout());
  }

  /**
   * Another workspace over the same parameters and kernels, for another thread (see
   * {@link Workspaces}): one instance must not run passes from two threads at once.
   */
  public EncoderDecoder newWorkspace() {
    return new EncoderDecoder(config, params, kernels);
  }

  private Dense dense(String weight, String bias) {
    return new Dense(params.value(weight), params.value(bias), params.grad(weight), params.grad(bias));
  }

  /** The model's configuration. */
  public EncoderDecoderConfig config() {
    return config;
  }

  /**
   * The parameters this workspace reads and whose gradients it writes (shared with its other
   * workspaces).
   */
  public Parameters parameters() {
    return params;
  }

  /**
   * Initialises every parameter from {@code rng}: uniform in [-range, range] when range > 0;
   * otherwise uniform in [-1/sqrt(fan-in), 1/sqrt(fan-in)] for weights and biases, N(0, 1/E)
   * for the embeddings (so that a tied output layer starts with logits of order 1).
   */
  public void initialize(Rng rng, double range) {
    params.requireUnfrozen("EncoderDecoder.initialize");
    if (!Numbers.finiteNotNegative(range)) {
      throw new IllegalArgumentException("EncoderDecoder.initialize: the range must be finite and not negative, got "
          + range);
    }
    for (ParamLayout.Entry e : params.layout().entries()) {
      Tensor t = params.value(e.name());
      if (range > 0) {
        Init.uniform(t, rng, range);
      } else if (e.name().equals(SOURCE_EMBEDDING) || e.name().equals(TARGET_EMBEDDING)) {
        Init.normal(t, rng, 1 / Math.sqrt(emb));
      } else {
        int fanIn = e.shape().length == 2 ? e.shape()[1] : fanInOfBias(e.name());
        Init.uniform(t, rng, 1 / Math.sqrt(fanIn));
      }
    }
  }

  private int fanInOfBias(String name) {
    if (name.startsWith(ENCODER)) {
      return config.encoderHidden();
    }
    if (name.startsWith("bridge.")) {
      return config.bridgeInputSize();
    }
    if (name.equals(COMBINE_BIAS)) {
      return combined;
    }
    return hid;
  }

  // ---- training: teacher forcing ----

  /**
   * Runs the model on {@code batch} with teacher forcing and returns the cross-entropy over its
   * target tokens; in training also prepares the gradient of the smoothed loss for
   * {@link #backward}.
   */
  public LossStats forward(Batch batch, boolean training, Rng rng) {
    requireFits(config, batch);
    this.batch = batch;
    this.training = training;
    this.dropping = training && config.dropout() > 0;
    int b = batch.size();
    int rowsT = batch.targetSteps() * b;
    encode(batch.sources(), batch.sourceSteps(), b, batch.sourceLengths(), rng);
    tgtEmbedded = grow(tgtEmbedded, rowsT * emb);
    targetEmbedding.forward(batch.targetInputs(), rowsT, tgtEmbedded);
    Tensor tgtIn = tgtEmbedded;
    if (dropping) {
      tgtDropped = grow(tgtDropped, rowsT * emb);
      targetDropout.forward(tgtEmbedded, tgtDropped, rowsT * emb, rng);
      tgtIn = tgtDropped;
      attentionalDropout.draw(rowsT * hid, rng);
    }
    int steps = batch.targetSteps();
    decoder.begin(steps, b, initial, dropping ? rng : null);
    combineIn = grow(combineIn, rowsT * combined);
    attentional = grow(attentional, rowsT * hid);
    if (dropping) {
      attentionalDropped = grow(attentionalDropped, rowsT * hid);
    }
    attentionalOut = dropping ? attentionalDropped : attentional;
    if (attentionSteps.length < steps) {
      attentionSteps = new Attention.Step[steps];
    }
    Tensor x = decoder.input();
    int xw = decoder.inputSize();
    for (int t = 0; t < steps; t++) {
      for (int r = 0; r < b; r++) {
        int row = t * b + r;
        x.data().put(row * xw, tgtIn.data(), row * emb, emb);
        if (config.inputFeeding()) {
          if (t == 0) {
            zero(x, row * xw + emb, hid);
          } else {
            x.data().put(row * xw + emb, attentionalOut.data(), (row - b) * hid, hid);
          }
        }
      }
      decoder.step(t);
      attentionSteps[t] = attendAndCombine(t * b, b, decoder.top(), decoder.topOffset(t), combineIn, attentional);
      if (dropping) {
        attentionalDropout.apply(attentional, t * b * hid, attentionalDropped, t * b * hid, t * b * hid, b * hid);
      }
    }
    logits = grow(logits, rowsT * vocab);
    output.forward(attentionalOut, rowsT, logits);
    logitRows = logits.view(0, rowsT, vocab);
    return loss(training);
  }

  /**
   * Checks that {@code b} fits {@code config}: every id in its vocabulary, as many lengths as
   * pairs, each in [1, steps]. (A device's kernels read them as they are: it checks them here.)
   */
  public static void requireFits(EncoderDecoderConfig config, Batch b) {
    int n = b.size();
    requireIds("sources", b.sources(), b.sourceSteps() * n, config.sourceVocab());
    requireIds("target inputs", b.targetInputs(), b.targetSteps() * n, config.targetVocab());
    requireIds("targets", b.targets(), b.targetSteps() * n, config.targetVocab());
    ShapeMismatchException.check("EncoderDecoder: source lengths", n, b.sourceLengths().length);
    ShapeMismatchException.check("EncoderDecoder: target lengths", n, b.targetLengths().length);
    for (int i = 0; i < n; i++) {
      if (b.sourceLengths()[i] < 1 || b.sourceLengths()[i] > b.sourceSteps()) {
        throw new ShapeMismatchException("EncoderDecoder: source " + i + " has length " + b.sourceLengths()[i]
            + ", not in [1, " + b.sourceSteps() + "]");
      }
      if (b.targetLengths()[i] < 1 || b.targetLengths()[i] > b.targetSteps()) {
        throw new ShapeMismatchException("EncoderDecoder: target " + i + " has length " + b.targetLengths()[i]
            + ", not in [1, " + b.targetSteps() + "]");
      }
    }
  }

  /** Checks that the first {@code n} of {@code ids} (named {@code what} in the error) are ids of a vocabulary of {@code vocab}. */
  public static void requireIds(String what, int[] ids, int n, int vocab) {
    if (ids.length < n) {
      throw new ShapeMismatchException("EncoderDecoder: " + ids.length + " " + what + ", the batch needs " + n);
    }
    for (int i = 0; i < n; i++) {
      if (ids[i] < 0 || ids[i] >= vocab) {
        throw new IllegalArgumentException("EncoderDecoder: " + what + " id " + ids[i] + " at " + i
            + " is outside the vocabulary [0, " + vocab + ")");
      }
    }
  }

  /** Source ids (time-major) through embedding, dropout, encoder and bridge; attention attached. */
  private void encode(int[] sources, int steps, int b, int[] lengths, Rng rng) {
    int rows = steps * b;
    srcEmbedded = grow(srcEmbedded, rows * emb);
    sourceEmbedding.forward(sources, rows, srcEmbedded);
    Tensor in = srcEmbedded;
    if (dropping) {
      encoderIn = grow(encoderIn, rows * emb);
      sourceDropout.forward(srcEmbedded, encoderIn, rows * emb, rng);
      in = encoderIn;
    }
    Tensor enc = encoder.forward(in, steps, b, lengths, null, dropping, rng);
    encoded = enc;
    attention.attach(enc, steps, b, lengths);
    // The bridge reads the top layer's final states: forward (after each source's last word) and backward (after its first).
    RecurrentConfig ec = config.encoder();
    int he = config.encoderHidden();
    int topSlot = (ec.layers() - 1) * ec.directions();
    int db = config.bridgeInputSize();
    bridgeIn = grow(bridgeIn, b * db);
    RecurrentState fin = encoder.finalState();
    for (int r = 0; r < b; r++) {
      for (int d = 0; d < ec.directions(); d++) {
        bridgeIn.data().put(r * db + d * he, fin.h().data(), ((topSlot + d) * b + r) * he, he);
      }
    }
    int width = config.decoderLayers() * hid;
    if (initial == null || initial.h().dim(1) != b) {
      initial = RecurrentState.zeros(config.decoder(), b);
    }
    bridgeHOut = grow(bridgeHOut, b * width);
    bridge(bridgeH, b, bridgeHOut, initial.h());
    if (bridgeC != null) {
      bridgeCOut = grow(bridgeCOut, b * width);
      bridge(bridgeC, b, bridgeCOut, initial.c());
    }
  }

  /** out = tanh(W z + b) ([B, L*H]), then laid out as a state [L, B, H]. */
  private void bridge(Dense layer, int b, Tensor out, Tensor state) {
    layer.forward(bridgeIn, b, out);
    int layers = config.decoderLayers();
    kernels.activate(Activation.TANH, out, 0, b * layers * hid);
    for (int r = 0; r < b; r++) {
      for (int l = 0; l < layers; l++) {
        state.data().put((l * b + r) * hid, out.data(), r * layers * hid + l * hid, hid);
      }
    }
  }

  /**
   * Attention from the decoder's top output of one step (B rows of {@code top} from
   * {@code topOff}), then h~ = tanh(W_c [c; s] + b_c) into {@code attn} rows [row0, row0 + B),
   * [c; s] kept in {@code comb}'s rows.
   */
  private Attention.Step attendAndCombine(int row0, int b, Tensor top, int topOff, Tensor comb, Tensor attn) {
    Tensor query = top.view(topOff, b, hid);
    Attention.Step st = attention.forward(query);
    for (int r = 0; r < b; r++) {
      int c = (row0 + r) * combined;
      comb.data().put(c, st.context.data(), r * encOut, encOut);
      comb.data().put(c + encOut, top.data(), topOff + r * hid, hid);
    }
    Tensor w = params.value(COMBINE_WEIGHT);
    Tensor bias = params.value(COMBINE_BIAS);
    for (int r = 0; r < b; r++) {
      attn.data().put((row0 + r) * hid, bias.data(), 0, hid);
    }
    Blas.gemm(false, true, b, hid, combined, 1f, comb, row0 * combined, combined, w, 0, combined, 1f, attn,
        row0 * hid, hid);
    kernels.activate(Activation.TANH, attn, row0 * hid, b * hid);
    return st;
  }

  /**
   * Cross-entropy over the valid target rows; in training dLogits = p - q, the gradient of the
   * smoothed loss (the cross-entropy of 8-9 .. 8-20 with q for the one-hot target).
   */
  private LossStats loss(boolean withGradient) {
    int b = batch.size();
    int rows = batch.targetSteps() * b;
    if (withGradient) {
      dLogits = grow(dLogits, rows * vocab);
    }
    float eps = (float) config.labelSmoothing();
    int[] tally = {0, 0};
    double sum = Parallel.sum(rows, (r0, r1) -> {
      double s = 0;
      int n = 0;
      int correct = 0;
      for (int row = r0; row < r1; row++) {
        int o = row * vocab;
        if (row / b >= batch.targetLengths()[row % b]) {
          if (withGradient) {
            zero(dLogits, o, vocab);
          }
          continue;
        }
        int target = batch.targets()[row];
        n++;
        s += kernels.softmaxCrossEntropy(logits, o, vocab, target, withGradient ? dLogits : null, o, 1f);
        if (kernels.isArgmax(logits, o, vocab, target)) {
          correct++;
        }
        if (withGradient && eps > 0) {
          smoothTarget(dLogits, o, vocab, target, eps);
        }
      }
      synchronized (tally) {
        tally[0] += n;
        tally[1] += correct;
      }
      return s;
    });
    count = tally[0];
    return new LossStats(sum, tally[0], tally[1], b);
  }

  /**
   * Adds the gradient of the last training forward pass's smoothed loss, divided by the number
   * of target tokens ({@link LossNormalization#PER_OUTPUT}) or of sentences (PER_SEQUENCE).
   */
  public void backward(LossNormalization normalization) {
    if (!training || batch == null) {
      throw new IllegalStateException("EncoderDecoder.backward needs a training forward pass");
    }
    int b = batch.size();
    int steps = batch.targetSteps();
    int rowsT = steps * b;
    float scale = (float) (1.0 / (normalization == LossNormalization.PER_SEQUENCE ? b : count));
    dAttentional = grow(dAttentional, rowsT * hid);
    output.backward(attentionalOut, dLogits, scale, rowsT, dAttentional);
    dPre = grow(dPre, rowsT * hid);
    dCombineIn = grow(dCombineIn, b * combined);
    dContext = grow(dContext, b * encOut);
    dQuery = grow(dQuery, b * hid);
    dFeed = grow(dFeed, b * hid);
    dEncoded = grow(dEncoded, batch.sourceSteps() * b * encOut);
    zero(dEncoded, 0, batch.sourceSteps() * b * encOut);
    dTgtEmbedded = grow(dTgtEmbedded, rowsT * emb);
    Tensor w = params.value(COMBINE_WEIGHT);
    int xw = decoder.inputSize();
    decoder.beginBackward();
    for (int t = steps - 1; t >= 0; t--) {
      int r0 = t * b;
      for (int i = 0; i < b * hid; i++) {
        int at = r0 * hid + i;
        // dh~_t: from the output layer, and from step t + 1's input when fed; through dropout and tanh.
        float d = dAttentional.get(at) + (config.inputFeeding() && t < steps - 1 ? dFeed.get(i) : 0f);
        if (dropping) {
          d *= attentionalDropout.mask().get(at);
        }
        float a = attentional.get(at);
        dPre.set(at, d * (1 - a * a));
      }
      Blas.gemm(false, false, b, combined, hid, 1f, dPre, r0 * hid, hid, w, 0, combined, 0f, dCombineIn, 0,
          combined);
      for (int r = 0; r < b; r++) {
        dContext.data().put(r * encOut, dCombineIn.data(), r * combined, encOut);
        dQuery.data().put(r * hid, dCombineIn.data(), r * combined + encOut, hid);
      }
      attention.backward(attentionSteps[t], dContext, dQuery, dEncoded);
      Tensor dx = decoder.backwardStep(t, dQuery, 0);
      for (int r = 0; r < b; r++) {
        dTgtEmbedded.data().put((r0 + r) * emb, dx.data(), r * xw, emb);
        if (config.inputFeeding()) {
          dFeed.data().put(r * hid, dx.data(), r * xw + emb, hid);
        }
      }
    }
    combine.backward(combineIn, dPre, 1f, rowsT, null);
    attention.finishBackward(dEncoded);
    decoder.finishBackward();
    backBridge(decoder.initialStateGradient(), b);
    int rowsS = batch.sourceSteps() * b;
    dEncoderIn = grow(dEncoderIn, rowsS * emb);
    encoder.backward(dEncoded, dEncoderFinal, dEncoderIn);
    if (dropping) {
      sourceDropout.backward(dEncoderIn, dEncoderIn, rowsS * emb);
      targetDropout.backward(dTgtEmbedded, dTgtEmbedded, rowsT * emb);
    }
    sourceEmbedding.backward(batch.sources(), rowsS, dEncoderIn);
    targetEmbedding.backward(batch.targetInputs(), rowsT, dTgtEmbedded);
  }

  /** Through the bridge's tanh and products into dL/d(encoder's final states of the top layer). */
  private void backBridge(RecurrentState dInitial, int b) {
    int layers = config.decoderLayers();
    int width = layers * hid;
    int db = config.bridgeInputSize();
    dBridgeOut = grow(dBridgeOut, b * width);
    dBridgeIn = grow(dBridgeIn, b * db);
    backBridgeLayer(bridgeH, bridgeHOut, dInitial.h(), b, dBridgeIn);
    if (bridgeC != null) {
      dBridgeInC = grow(dBridgeInC, b * db);
      backBridgeLayer(bridgeC, bridgeCOut, dInitial.c(), b, dBridgeInC);
      kernels.add(dBridgeIn, 0, dBridgeInC, 0, dBridgeIn, 0, b * db);
    }
    RecurrentConfig ec = config.encoder();
    if (dEncoderFinal == null || dEncoderFinal.h().dim(1) != b) {
      dEncoderFinal = RecurrentState.zeros(ec, b);
    }
    dEncoderFinal.h().zero();
    if (dEncoderFinal.c() != null) {
      dEncoderFinal.c().zero();
    }
    int he = config.encoderHidden();
    int topSlot = (ec.layers() - 1) * ec.directions();
    for (int r = 0; r < b; r++) {
      for (int d = 0; d < ec.directions(); d++) {
        dEncoderFinal.h().data().put(((topSlot + d) * b + r) * he, dBridgeIn.data(), r * db + d * he, he);
      }
    }
  }

  private void backBridgeLayer(Dense layer, Tensor out, Tensor dState, int b, Tensor dIn) {
    int layers = config.decoderLayers();
    for (int r = 0; r < b; r++) {
      for (int l = 0; l < layers; l++) {
        for (int j = 0; j < hid; j++) {
          int i = r * layers * hid + l * hid + j;
          float v = out.get(i);
          dBridgeOut.set(i, dState.get((l * b + r) * hid + j) * (1 - v * v));
        }
      }
    }
    layer.backward(bridgeIn, dBridgeOut, 1f, b, dIn);
  }

  /** Logits of the last forward pass, [T*B, V], row t*B + b. */
  public Tensor logits() {
    return logitRows;
  }

  // ---- decoding: one step at a time, the state handed in and out ----

  /**
   * What a decoding step starts from and hands on, for R rows: the decoder's recurrent state
   * [layers, R, H] and the attentional vector h~ of the step before ([R, H], fed to the next
   * step's input when the model feeds it).
   *
   * @param recurrent the decoder's recurrent state, [layers, R, H]
   * @param attentional h~ of the step before, [R, H]
   */
  public record DecoderState(RecurrentState recurrent, Tensor attentional) {

    /** A copy whose row r is row {@code from[r]} of this one (beams reordered, sentences repeated). */
    public DecoderState select(int[] from) {
      int rows = from.length;
      int slots = recurrent.h().dim(0);
      int batch = recurrent.h().dim(1);
      int h = recurrent.h().dim(2);
      Tensor nh = Tensor.zeros(slots, rows, h);
      Tensor nc = recurrent.c() == null ? null : Tensor.zeros(slots, rows, h);
      Tensor na = Tensor.zeros(rows, h);
      for (int r = 0; r < rows; r++) {
        for (int l = 0; l < slots; l++) {
          nh.data().put((l * rows + r) * h, recurrent.h().data(), (l * batch + from[r]) * h, h);
          if (nc != null) {
            nc.data().put((l * rows + r) * h, recurrent.c().data(), (l * batch + from[r]) * h, h);
          }
        }
        na.data().put(r * h, attentional.data(), from[r] * h, h);
      }
      return new DecoderState(new RecurrentState(nh, nc), na);
    }

    /** R, the number of rows. */
    public int rows() {
      return attentional.dim(0);
    }
  }

  /**
   * Encoded sources: the encoder's states [S, N, E] (a copy), their lengths and the decoder's first state.
   *
   * @param states the encoder's states [S, N, E], row s*N + n
   * @param steps S, the longest source
   * @param lengths each source's length [N]
   * @param start the decoder's first state: the bridge's output, h~ zero
   */
  public record Encoded(Tensor states, int steps, int[] lengths, DecoderState start) {
    /** N, the number of sources. */
    public int sentences() {
      return lengths.length;
    }
  }

  /** Runs the encoder and the bridge on {@code sources} (no dropout). */
  public Encoded encode(int[][] sources) {
    int n = sources.length;
    if (n == 0) {
      throw new IllegalArgumentException("EncoderDecoder.encode: no sources");
    }
    int s = 0;
    int[] lengths = new int[n];
    for (int i = 0; i < n; i++) {
      if (sources[i].length == 0) {
        throw new IllegalArgumentException("EncoderDecoder.encode: source " + i + " is empty");
      }
      lengths[i] = sources[i].length;
      s = Math.max(s, lengths[i]);
    }
    int[] ids = new int[s * n];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < s; k++) {
        ids[k * n + i] = sources[i][Math.min(k, lengths[i] - 1)];
      }
    }
    requireIds("sources", ids, s * n, config.sourceVocab());
    training = false;
    dropping = false;
    batch = null;
    encode(ids, s, n, lengths, null);
    Tensor states = Tensor.zeros(s * n * encOut);
    states.data().put(0, encoded.data(), 0, s * n * encOut);
    return new Encoded(states, s, lengths, new DecoderState(initial.copy(), Tensor.zeros(n, hid)));
  }

  /** Rows of a decoding run: which encoded sentence each row reads, the attention attached to them. */
  public void attend(Encoded encoded, int[] sentenceOfRow) {
    int rows = sentenceOfRow.length;
    int n = encoded.sentences();
    int s = encoded.steps();
    Tensor states = Tensor.zeros(s * rows * encOut);
    int[] lengths = new int[rows];
    for (int r = 0; r < rows; r++) {
      int i = sentenceOfRow[r];
      lengths[r] = encoded.lengths()[i];
      for (int k = 0; k < s; k++) {
        states.data().put((k * rows + r) * encOut, encoded.states().data(), (k * n + i) * encOut, encOut);
      }
    }
    attention.attach(states, s, rows, lengths);
  }

  private Tensor stepComb = Tensor.zeros(0);
  private Attention.Step lastStep;

  /**
   * One decoding step for the R rows {@link #attend} attached: reads the previous words
   * ({@code previous}, R ids) and {@code state}, writes log p(next word) into {@code logProbs}
   * ([R, V]) and returns the state after the step. Call inside {@link Parameters#freeze}.
   */
  public DecoderState step(int[] previous, DecoderState state, Tensor logProbs) {
    int rows = previous.length;
    if (state.rows() != rows) {
      throw new ShapeMismatchException("EncoderDecoder.step: " + rows + " previous words for a state of "
          + state.rows() + " rows");
    }
    requireIds("previous words", previous, rows, vocab);
    Tensor embedded = Tensor.zeros(rows * emb);
    targetEmbedding.forward(previous, rows, embedded);
    decoder.begin(1, rows, state.recurrent());
    Tensor x = decoder.input();
    int xw = decoder.inputSize();
    for (int r = 0; r < rows; r++) {
      x.data().put(r * xw, embedded.data(), r * emb, emb);
      if (config.inputFeeding()) {
        x.data().put(r * xw + emb, state.attentional().data(), r * hid, hid);
      }
    }
    decoder.step(0);
    attention.rewind();
    stepComb = grow(stepComb, rows * combined);
    Tensor attn = Tensor.zeros(rows, hid);
    lastStep = attendAndCombine(0, rows, decoder.top(), decoder.topOffset(0), stepComb, attn);
    output.forward(attn, rows, logProbs);
    logSoftmaxRows(kernels, logProbs, rows, vocab);
    RecurrentState next = RecurrentState.zeros(config.decoder(), rows);
    decoder.stateAfter(0, next);
    return new DecoderState(next, attn);
  }

  /**
   * Turns a row of softmax - onehot(target) ({@code classes} values from {@code off}) into
   * softmax - q, the gradient against the smoothed target q = (1 - eps) onehot + eps / classes.
   */
  public static void smoothTarget(Tensor dLogits, int off, int classes, int target, float eps) {
    float spread = eps / classes;
    for (int k = 0; k < classes; k++) {
      dLogits.add(off + k, -spread);
    }
    dLogits.add(off + target, eps);
  }

  /** Each of the first {@code rows} rows of {@code x} ([rows, classes]) made its log-softmax, x - {@link Kernels#logSumExp}. */
  public static void logSoftmaxRows(Kernels kernels, Tensor x, int rows, int classes) {
    for (int r = 0; r < rows; r++) {
      int o = r * classes;
      float logZ = (float) kernels.logSumExp(x, o, classes);
      for (int k = 0; k < classes; k++) {
        x.set(o + k, x.get(o + k) - logZ);
      }
    }
  }

  /**
   * The dropout mask of {@code site} that the last training forward pass drew ({@code layer}
   * &gt;= 1 for the stacks' inputs, else 0); see {@link DropoutSite} for its layout. Read it
   * before any decoding {@link #step}, which begins a run of its own in the decoder.
   */
  public Tensor dropoutMask(DropoutSite site, int layer) {
    if (!dropping) {
      throw new IllegalStateException("EncoderDecoder.dropoutMask: the last forward pass drew no dropout masks");
    }
    return switch (site) {
      case SOURCE_EMBEDDING -> sourceDropout.mask();
      case ENCODER_INPUT -> encoder.dropoutMask(layer);
      case TARGET_EMBEDDING -> targetDropout.mask();
      case DECODER_INPUT -> decoder.dropoutMask(layer);
      case ATTENTIONAL -> attentionalDropout.mask();
    };
  }

  /** The attention weights of the last {@link #step}, alpha[s * R + r]. */
  public Tensor lastAttention() {
    return lastStep.weights;
  }

  private static Tensor grow(Tensor t, int size) {
    return t.size() >= size ? t : Tensor.zeros(size);
  }

  private static void zero(Tensor t, int off, int n) {
    for (int i = off; i < off + n; i++) {
      t.set(i, 0f);
    }
  }
}
