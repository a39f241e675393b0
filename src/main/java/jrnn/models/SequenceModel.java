package jrnn.models;

import jrnn.cells.CellType;
import jrnn.cells.ParamNames;
import jrnn.data.Batch;
import jrnn.kernels.Kernels;
import jrnn.kernels.Parallel;
import jrnn.layers.Bidirectional;
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

/**
 * The model of a {@link ModelConfig}, float32: embedding (for token inputs), dropout, recurrent
 * stack, readout, dropout, output layer, and softmax cross-entropy or mean squared error.
 *
 * <p>Use: {@link #forward} a batch (computing the loss when it has targets), then
 * {@link #backward} to add the gradients of the normalized loss to {@link #parameters()}'s
 * gradient buffer. Rows of {@link #outputs()} are t*B + b per step, or b per sequence.
 *
 * <p><b>Threads.</b> An instance is one caller's workspace: a pass writes its activations,
 * states, packed weights and outputs into the instance's own buffers, so one instance must not
 * run passes from two threads at once. The parameters can be shared: {@link #newWorkspace()}
 * makes another instance over the same {@link Parameters} for another thread, and
 * {@link Workspaces} pools them. Passes on different workspaces give results equal to the bit
 * to serial ones.
 */
public final class SequenceModel implements InferencePass {
  private final ModelConfig config;
  private final RecurrentConfig rnn;
  private final Parameters params;
  private final Kernels kernels;
  private final Embedding embedding;
  private final RecurrentStack stack;
  private final Dense head;
  private final Dropout inputDropout;
  private final Dropout headDropout;
  private final int width;

  private Batch batch;
  private boolean training;
  private int outputRows;
  private LossStats stats = LossStats.NONE;
  private Tensor embedded = Tensor.zeros(0);
  private Tensor inputPerturbation;
  private Tensor perturbed = Tensor.zeros(0);
  private Tensor stackIn = Tensor.zeros(0);
  private Tensor headRaw = Tensor.zeros(0);
  private Tensor headIn = Tensor.zeros(0);
  private Tensor out = Tensor.zeros(0);
  /** The last pass's rows of {@link #out}, [rows, L]: the buffer only grows, so it may hold more. */
  private Tensor outRows = out;
  private Tensor dOut = Tensor.zeros(0);
  private Tensor dHead = Tensor.zeros(0);
  private Tensor dTop = Tensor.zeros(0);
  private Tensor dInput = Tensor.zeros(0);
  /** The last backward pass's part of {@link #dInput}, [T, B, X]. */
  private Tensor dInputRows = dInput;
  private int[] argmax = new int[0];
  private RecurrentState dFinal;

  /**
   * A model with new, zeroed parameters and the best kernels; call {@link #initialize} (or use
   * {@link #builder()}) before training.
   */
  public SequenceModel(ModelConfig config) {
    this(config, new Parameters(config.parameterLayout()), Kernels.best());
  }

  /**
   * A workspace over {@code params}, which must have {@code config}'s layout, running on {@code
   * kernels}.
   */
  public SequenceModel(ModelConfig config, Parameters params, Kernels kernels) {
    this.config = config;
    this.rnn = config.recurrent();
    if (!params.layout().entries().toString().equals(config.parameterLayout().entries().toString())) {
      throw new IllegalArgumentException("SequenceModel: the parameters do not have the layout of " + config);
    }
    this.params = params;
    this.kernels = kernels;
    this.embedding = config.tokenInput()
        ? new Embedding(params.value(ModelConfig.EMBEDDING), params.grad(ModelConfig.EMBEDDING)) : null;
    this.stack = new RecurrentStack(rnn, params, ModelConfig.RNN_PREFIX, kernels);
    this.head = new Dense(params.value(ModelConfig.HEAD_WEIGHT), params.value(ModelConfig.HEAD_BIAS),
        params.grad(ModelConfig.HEAD_WEIGHT), params.grad(ModelConfig.HEAD_BIAS));
    this.inputDropout = new Dropout(config.dropout());
    this.headDropout = new Dropout(config.dropout());
    this.width = config.headInputSize();
  }

  /**
   * A builder of a new model, its parameters initialised: the fields of {@link ModelConfig#builder()}
   * and how to draw the weights.
   *
   * <pre>{@code
   * SequenceModel model = SequenceModel.builder()
   *     .inputs(4).cell("lstm").hidden(64).layers(2).softmax(4)
   *     .seed(1).forgetBias(1.0)
   *     .build();
   * }</pre>
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link SequenceModel} with freshly initialised parameters ({@link #initialize}). */
  public static final class Builder extends ModelConfig.Fields<Builder> {
    private long seed = 1;
    private double initRange;
    private double forgetBias;

    private Builder() {}

    /** The seed of the initial weights (default 1). */
    public Builder seed(long s) {
      this.seed = s;
      return this;
    }

    /** All weights uniform in [-range, range]; 0 (the default) for PyTorch's default ranges. */
    public Builder initRange(double range) {
      if (!Numbers.finiteNotNegative(range)) {
        throw new IllegalArgumentException("SequenceModel: the initial range must be 0 or more and finite, got " + range);
      }
      this.initRange = range;
      return this;
    }

    /** Added to the LSTM forget-gate biases after drawing them (default 0). */
    public Builder forgetBias(double b) {
      requireFiniteForgetBias(b);
      this.forgetBias = b;
      return this;
    }

    /** A model of the fields set, its parameters drawn with the seed, range and forget bias set. */
    public SequenceModel build() {
      SequenceModel m = new SequenceModel(config());
      m.initialize(new Rng(seed), initRange, forgetBias);
      return m;
    }
  }

  /**
   * Another workspace over the same parameters and kernels, for another thread: its passes read
   * this model's parameters (and see every change to them) and write only its own buffers.
   */
  public SequenceModel newWorkspace() {
    return new SequenceModel(config, params, kernels);
  }

  /**
   * A workspace over the same parameters whose passes, training passes too, drop nothing: for
   * back-propagating the model as it predicts (a probe of its gradients), not as it trains.
   */
  public SequenceModel newWorkspaceWithoutDropout() {
    return new SequenceModel(config.withDropout(0), params, kernels);
  }

  /**
   * Adds {@code r} ([T*B, X], row t*B + b) to the inputs of the training passes that follow,
   * until called with null: to the embedded word vectors for token inputs, before input dropout.
   * Evaluation passes are never perturbed. Used by adversarial training ({@code Trainer}).
   */
  public void perturbInputs(Tensor r) {
    inputPerturbation = r;
  }

  /** The model's configuration. */
  public ModelConfig config() {
    return config;
  }

  /**
   * The parameters this workspace reads and whose gradients it writes (shared with its other
   * workspaces).
   */
  public Parameters parameters() {
    return params;
  }

  /** The workspace's recurrent stack (its layers, states and dropout masks of the last pass). */
  public RecurrentStack stack() {
    return stack;
  }

  private static void requireFiniteForgetBias(double b) {
    if (!Double.isFinite(b)) {
      throw new IllegalArgumentException("SequenceModel: the forget-gate bias must be finite, got " + b);
    }
  }

  /**
   * Initialises every parameter from {@code rng}. With {@code range > 0} all are uniform in
   * [-range, range] (as Zaremba et al. 2014); otherwise PyTorch's defaults: recurrent weights
   * and biases and the output layer uniform in [-1/sqrt(fan), 1/sqrt(fan)], embeddings N(0, 1).
   * {@code forgetBias} is then added to the LSTM forget-gate biases.
   */
  public void initialize(Rng rng, double range, double forgetBias) {
    initialize(rng, range, forgetBias, 1.0);
  }

  /** As {@link #initialize(Rng, double, double)}, with embeddings N(0, embeddingStd^2) when range is 0. */
  public void initialize(Rng rng, double range, double forgetBias, double embeddingStd) {
    params.requireUnfrozen("SequenceModel.initialize");
    if (!(Numbers.finiteNotNegative(range) && Numbers.finiteNotNegative(embeddingStd))) {
      throw new IllegalArgumentException("SequenceModel.initialize: the range and the embeddings' deviation must be"
          + " finite and not negative, got range " + range + ", deviation " + embeddingStd);
    }
    requireFiniteForgetBias(forgetBias);
    for (ParamLayout.Entry e : params.layout().entries()) {
      Tensor t = params.value(e.name());
      if (range > 0) {
        Init.uniform(t, rng, range);
      } else if (e.name().equals(ModelConfig.EMBEDDING)) {
        Init.normal(t, rng, embeddingStd);
      } else if (e.name().startsWith("head.")) {
        Init.uniform(t, rng, 1 / Math.sqrt(width));
      } else {
        Init.uniform(t, rng, 1 / Math.sqrt(config.hiddenSize()));
      }
    }
    if (forgetBias != 0 && config.cell() instanceof CellType.Lstm lstm) {
      int h = config.hiddenSize();
      int fBlock = lstm.coupled() ? 0 : 1;
      for (int l = 0; l < rnn.layers(); l++) {
        for (int d = 0; d < rnn.directions(); d++) {
          Tensor b = params.value(ParamNames.recurrent(ModelConfig.RNN_PREFIX, "bias", l, d));
          for (int j = 0; j < h; j++) {
            b.add(fBlock * h + j, (float) forgetBias);
          }
        }
      }
    }
  }

  /** {@link #forward(Batch, RecurrentState, boolean, Rng)} without training: no dropout, nothing kept for backward. */
  @Override
  public LossStats forward(Batch batch, RecurrentState initial) {
    return forward(batch, initial, false, null);
  }

  /**
   * Runs the model on {@code batch} from {@code initial} (null for zero states). When the batch
   * has targets, returns the loss, and in training also prepares its gradient for
   * {@link #backward}; otherwise returns {@link LossStats#NONE}.
   */
  public LossStats forward(Batch batch, RecurrentState initial, boolean training, Rng rng) {
    if (training && config.dropout() > 0 && rng == null) {
      throw new IllegalArgumentException("SequenceModel: a training pass with dropout " + config.dropout()
          + " draws its masks from a random generator; rng is null");
    }
    validate(batch);
    this.batch = batch;
    this.training = training;
    int steps = batch.steps();
    int size = batch.size();
    int rows = steps * size;
    int x = config.inputSize();
    Tensor input;
    if (embedding != null) {
      embedded = grow(embedded, rows * x);
      embedding.forward(batch.tokens(), rows, embedded);
      input = embedded;
    } else {
      input = batch.inputs();
    }
    if (training && inputPerturbation != null) {
      if (inputPerturbation.size() < rows * x) {
        throw new IllegalArgumentException("SequenceModel: the input perturbation holds " + inputPerturbation.size()
            + " values, the batch's " + steps + " x " + size + " inputs of " + x + " need " + rows * x);
      }
      // Embedded vectors are this model's own buffer; real-valued inputs belong to the batch.
      if (embedding == null) {
        perturbed = grow(perturbed, rows * x);
        kernels.add(input, 0, inputPerturbation, 0, perturbed, 0, rows * x);
        input = perturbed;
      } else {
        kernels.add(embedded, 0, inputPerturbation, 0, embedded, 0, rows * x);
      }
    }
    if (inputDropout.active(training)) {
      stackIn = grow(stackIn, rows * x);
      inputDropout.forward(input, stackIn, rows * x, rng);
      input = stackIn;
    }
    Tensor top = stack.forward(input, steps, size, batch.lengths(), initial, training, rng);
    outputRows = config.readout().perSequence() ? size : rows;
    readoutForward(top);
    Tensor headInput = headRaw;
    if (headDropout.active(training)) {
      headIn = grow(headIn, outputRows * width);
      headDropout.forward(headRaw, headIn, outputRows * width, rng);
      headInput = headIn;
    }
    int outSize = config.outputSize();
    out = grow(out, outputRows * outSize);
    head.forward(headInput, outputRows, out);
    outRows = out.view(0, outputRows, outSize);
    stats = batch.hasTargets() ? loss(training) : LossStats.NONE;
    return stats;
  }

  private void validate(Batch b) {
    String c = "SequenceModel(" + config.cell().name() + ")";
    if (config.tokenInput() != b.hasTokens()) {
      throw new IllegalArgumentException(c + ": the model reads " + (config.tokenInput()
          ? "token ids" : "real-valued inputs") + ", the batch has " + (b.hasTokens()
          ? "token ids" : "real-valued inputs"));
    }
    if (!b.hasTokens()) {
      b.inputs().requireShape(c + " inputs", b.steps(), b.size(), config.inputSize());
    }
    int outputs = config.readout().perSequence() ? b.size() : b.steps() * b.size();
    if (b.targets() != null) {
      if (config.output() != OutputKind.SOFTMAX) {
        throw new IllegalArgumentException(c + ": class targets need a softmax output; this model is linear");
      }
      ShapeMismatchException.check(c + ": number of class targets", outputs, b.targets().length);
      for (int r = 0; r < outputs; r++) {
        int tgt = b.targets()[r];
        boolean valid = config.readout().perSequence() || r / b.size() < b.length(r % b.size());
        if (valid && (tgt < 0 || tgt >= config.outputSize())) {
          throw new IllegalArgumentException(c + ": target " + tgt + " at row " + r
              + " is outside the classes [0, " + config.outputSize() + ")");
        }
      }
    }
    if (b.targetValues() != null) {
      if (config.output() != OutputKind.LINEAR) {
        throw new IllegalArgumentException(c + ": real-valued targets need a linear output; this model is softmax");
      }
      b.targetValues().requireShape(c + " target values", outputs, config.outputSize());
    }
  }

  private static Tensor grow(Tensor t, int size) {
    return t.size() >= size ? t : Tensor.zeros(size);
  }

  private boolean validRow(int r) {
    return config.readout().perSequence() || r / batch.size() < batch.length(r % batch.size());
  }

  private void readoutForward(Tensor top) {
    int size = batch.size();
    int steps = batch.steps();
    headRaw = grow(headRaw, outputRows * width);
    switch (config.readout()) {
      case EVERY_STEP:
        headRaw.data().put(0, top.data(), 0, outputRows * width);
        break;
      case LAST: {
        RecurrentState fin = stack.finalState();
        int h = config.hiddenSize();
        int topFwd = (rnn.layers() - 1) * rnn.directions();
        for (int b = 0; b < size; b++) {
          for (int j = 0; j < h; j++) {
            float fwd = fin.h().get((topFwd * size + b) * h + j);
            if (rnn.directions() == 1) {
              headRaw.set(b * width + j, fwd);
            } else {
              float bwd = fin.h().get(((topFwd + 1) * size + b) * h + j);
              if (rnn.bidirectional() == Bidirectional.CONCAT) {
                headRaw.set(b * width + j, fwd);
                headRaw.set(b * width + h + j, bwd);
              } else {
                headRaw.set(b * width + j, fwd + bwd);
              }
            }
          }
        }
        break;
      }
      case MEAN:
        for (int b = 0; b < size; b++) {
          int len = batch.length(b);
          for (int j = 0; j < width; j++) {
            double s = 0;
            for (int t = 0; t < len; t++) {
              s += top.get((t * size + b) * width + j);
            }
            headRaw.set(b * width + j, (float) (s / len));
          }
        }
        break;
      case MAX:
        if (argmax.length < size * width) {
          argmax = new int[size * width];
        }
        for (int b = 0; b < size; b++) {
          int len = batch.length(b);
          for (int j = 0; j < width; j++) {
            int best = 0;
            float m = top.get(b * width + j);
            for (int t = 1; t < len; t++) {
              float v = top.get((t * size + b) * width + j);
              if (v > m) {
                m = v;
                best = t;
              }
            }
            argmax[b * width + j] = best;
            headRaw.set(b * width + j, m);
          }
        }
        break;
      default:
        throw new AssertionError(config.readout());
    }
    if (steps <= 0) {
      throw new AssertionError();
    }
  }

  /**
   * Loss over the valid rows; in training, dOut = d(summed loss)/d(outputs). Rows are split over
   * the threads; a row counts as correct when its target's logit is the largest.
   */
  private LossStats loss(boolean withGradient) {
    int outSize = config.outputSize();
    if (withGradient) {
      dOut = grow(dOut, outputRows * outSize);
    }
    int[] counts = {0, 0};
    double sum = Parallel.sum(outputRows, (r0, r1) -> {
      double chunkSum = 0;
      int count = 0;
      int correct = 0;
      for (int r = r0; r < r1; r++) {
        int o = r * outSize;
        if (!validRow(r)) {
          if (withGradient) {
            zero(dOut, o, outSize);
          }
          continue;
        }
        count++;
        if (config.output() == OutputKind.SOFTMAX) {
          int target = batch.targets()[r];
          chunkSum += kernels.softmaxCrossEntropy(out, o, outSize, target, withGradient ? dOut : null, o, 1f);
          if (kernels.isArgmax(out, o, outSize, target)) {
            correct++;
          }
        } else {
          double se = 0;
          for (int k = 0; k < outSize; k++) {
            float e = out.get(o + k) - batch.targetValues().get(o + k);
            se += (double) e * e;
            if (withGradient) {
              dOut.set(o + k, 2 * e / outSize);
            }
          }
          chunkSum += se / outSize;
        }
      }
      synchronized (counts) {
        counts[0] += count;
        counts[1] += correct;
      }
      return chunkSum;
    });
    return new LossStats(sum, counts[0], counts[1], batch.size());
  }

  /**
   * Adds to the gradient buffer the gradient of the last training forward pass's loss, divided
   * as {@code normalization} says. Gradients accumulate: zero them between updates.
   */
  public void backward(LossNormalization normalization) {
    backward(normalization, 0);
  }

  /**
   * As {@link #backward(LossNormalization)}, for the loss of steps t >= {@code fromStep} only
   * (per-step readout): the gradient of L_T alone, for instance, is backward(.., T - 1).
   */
  public void backward(LossNormalization normalization, int fromStep) {
    if (!training || batch == null || !batch.hasTargets()) {
      throw new IllegalStateException("SequenceModel.backward needs a training forward pass on a batch with targets");
    }
    int outSize = config.outputSize();
    int size = batch.size();
    int steps = batch.steps();
    // The normalizer scales the output layer's products rather than dOut itself: one pass
    // fewer over what, for a language model, is T*B rows of the vocabulary's width.
    float scale = (float) (1.0 / (normalization == LossNormalization.PER_SEQUENCE ? size : stats.count()));
    if (fromStep > 0 && config.readout() == Readout.EVERY_STEP) {
      zero(dOut, 0, Math.min(fromStep, steps) * size * outSize);
    }
    backwardFromHead(scale);
  }

  /**
   * Back-propagates a loss the model does not compute itself (CTC over per-step outputs):
   * {@code dOutputs} holds dL/d(outputs) in the layout of {@link #outputs()} ([rows, L]: t*B + b
   * per step, b per sequence), after a training forward pass, with or without targets. Rows past
   * a sequence's end are ignored. Gradients are added, as {@link #backward} adds them.
   */
  public void backwardFromOutputs(Tensor dOutputs) {
    if (!training || batch == null) {
      throw new IllegalStateException("SequenceModel.backwardFromOutputs needs a training forward pass");
    }
    int outSize = config.outputSize();
    if (dOutputs.size() < outputRows * outSize) {
      throw new ShapeMismatchException("SequenceModel.backwardFromOutputs: " + dOutputs.size() + " output gradients,"
          + " the last pass had " + outputRows + " x " + outSize);
    }
    dOut = grow(dOut, outputRows * outSize);
    for (int r = 0; r < outputRows; r++) {
      if (validRow(r)) {
        dOut.data().put(r * outSize, dOutputs.data(), r * outSize, outSize);
      } else {
        zero(dOut, r * outSize, outSize);
      }
    }
    backwardFromHead(1f);
  }

  /** From dL/d(outputs) = scale * dOut down through the head, the readout, the stack and the embedding. */
  private void backwardFromHead(float scale) {
    int size = batch.size();
    int steps = batch.steps();
    int rows = steps * size;
    dHead = grow(dHead, outputRows * width);
    Tensor headInput = headDropout.active(training) ? headIn : headRaw;
    head.backward(headInput, dOut, scale, outputRows, dHead);
    if (headDropout.active(training)) {
      headDropout.backward(dHead, dHead, outputRows * width);
    }
    dTop = grow(dTop, rows * width);
    RecurrentState finalGrad = null;
    switch (config.readout()) {
      case EVERY_STEP:
        dTop.data().put(0, dHead.data(), 0, rows * width);
        break;
      case LAST: {
        zero(dTop, rows * width);
        if (dFinal == null || dFinal.h().dim(1) != size) {
          dFinal = RecurrentState.zeros(rnn, size);
        }
        dFinal.h().zero();
        if (dFinal.c() != null) {
          dFinal.c().zero();
        }
        int h = config.hiddenSize();
        int topFwd = (rnn.layers() - 1) * rnn.directions();
        for (int b = 0; b < size; b++) {
          for (int j = 0; j < h; j++) {
            int fwd = (topFwd * size + b) * h + j;
            int bwd = ((topFwd + 1) * size + b) * h + j;
            if (rnn.directions() == 1) {
              dFinal.h().set(fwd, dHead.get(b * width + j));
            } else if (rnn.bidirectional() == Bidirectional.CONCAT) {
              dFinal.h().set(fwd, dHead.get(b * width + j));
              dFinal.h().set(bwd, dHead.get(b * width + h + j));
            } else {
              dFinal.h().set(fwd, dHead.get(b * width + j));
              dFinal.h().set(bwd, dHead.get(b * width + j));
            }
          }
        }
        finalGrad = dFinal;
        break;
      }
      case MEAN:
        zero(dTop, rows * width);
        for (int b = 0; b < size; b++) {
          int len = batch.length(b);
          for (int t = 0; t < len; t++) {
            for (int j = 0; j < width; j++) {
              dTop.set((t * size + b) * width + j, dHead.get(b * width + j) / len);
            }
          }
        }
        break;
      case MAX:
        zero(dTop, rows * width);
        for (int b = 0; b < size; b++) {
          for (int j = 0; j < width; j++) {
            dTop.set((argmax[b * width + j] * size + b) * width + j, dHead.get(b * width + j));
          }
        }
        break;
      default:
        throw new AssertionError(config.readout());
    }
    int x = config.inputSize();
    dInput = grow(dInput, rows * x);
    dInputRows = dInput.view(0, steps, size, x);
    stack.backward(dTop, finalGrad, dInput);
    if (inputDropout.active(training)) {
      inputDropout.backward(dInput, dInput, rows * x);
    }
    if (embedding != null) {
      embedding.backward(batch.tokens(), rows, dInput);
    }
  }

  private static void zero(Tensor t, int n) {
    zero(t, 0, n);
  }

  private static void zero(Tensor t, int off, int n) {
    for (int i = off; i < off + n; i++) {
      t.set(i, 0f);
    }
  }

  /** Outputs of the last forward pass: logits (softmax) or values (linear), [rows, L]. */
  @Override
  public Tensor outputs() {
    return outRows;
  }

  /** Number of output rows of the last forward pass: T*B per step, B per sequence. */
  public int outputRows() {
    return outputRows;
  }

  /** Final states of the last forward pass (reused buffers: copy to keep them). */
  @Override
  public RecurrentState finalState() {
    return stack.finalState();
  }

  /** dL/d(initial state) of the last backward pass. */
  public RecurrentState initialStateGradient() {
    return stack.initialStateGradient();
  }

  /**
   * dL/d(inputs) [T, B, X] of the last backward pass: for token inputs, the gradient of the
   * embedded word vectors (before input dropout).
   */
  public Tensor inputGradient() {
    return dInputRows;
  }

  /** The dropout masks of the last training pass: site l &lt; layers on the input of layer l, site layers on the output layer's input. */
  public Tensor dropoutMask(int site) {
    if (site == 0) {
      return inputDropout.mask();
    }
    if (site == rnn.layers()) {
      return headDropout.mask();
    }
    return stack.dropoutMask(site);
  }
}
