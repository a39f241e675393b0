package jrnn.gpu;

import jrnn.data.Batch;
import jrnn.device.DeviceInference;
import jrnn.device.DeviceTraining;
import jrnn.layers.RecurrentState;
import jrnn.models.LossNormalization;
import jrnn.models.LossStats;
import jrnn.models.ModelConfig;
import jrnn.models.OutputKind;
import jrnn.optim.Optimizer;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;
import jrnn.training.CtcExamples;
import jrnn.training.ShardablePass;
import jrnn.training.Trainer;
import jrnn.training.TrainingConfig;
import jrnn.util.Rng;

/**
 * A sequence model's training updates on a device ({@link Trainer.BatchGradients} and
 * {@link Trainer.DeviceUpdates}), and its passes without dropout ({@link DeviceInference}): the
 * whole forward and backward pass of a {@code SequenceModel} of token inputs or real-valued
 * vectors, with a softmax and its cross-entropy (a language model, with an output at every step,
 * or a classifier, with one per sequence: the last step's state, the mean or the maximum) or with
 * a linear output at every step and CTC's loss (a speech recogniser, {@link CtcExamples}), and
 * adversarial training's second pass, runs on {@link Ops} buffers, from the embedding lookup or
 * the input vectors to the loss and back, and so does the update (gradient masks, global norm,
 * clipping by norm and by value, weight decay, and SGD, momentum, Nesterov or Adam). The
 * parameters and the optimizer's state stay on the device between updates; the batch (and a
 * recogniser's labels) go up, the losses and final states come back. The trainer brings the
 * parameters to the host ({@link #toHost}) for its model files, checkpoints and rollback
 * snapshots, and sends them again ({@link #fromHost}) after a resume or a rollback.
 *
 * <p>Built on {@link Ops} and {@link OpsStack}, so that the same pass and update run on the host
 * twins ({@link HostOps}, {@link HostStack}) and are tested there against the CPU engine's
 * gradients and the CPU trainer's steps. Dropout masks are the device's own draws
 * ({@link Ops#dropoutMask}), not the CPU engine's.
 */
final class OpsTraining implements DeviceTraining, DeviceInference {
  private final Ops ops;
  private final OpsStack stack;
  private final ModelConfig config;
  private final Parameters params;
  private final LossNormalization normalization;
  private final int embeddingWidth;
  private final int width;
  private final int classes;
  /** Whether it trains; passes made for inference keep no gradients, no optimizer and no dropout masks. */
  private final boolean trains;
  /** The embedding table and its gradient, for token inputs; null for real-vector inputs. */
  private final Ops.Floats table;
  private final Ops.Floats tableGrad;
  /** Adversarial training's eps (0: none), and whether the pass running is its perturbed one. */
  private final float adversarialNorm;
  private boolean perturbed;
  private final Ops.Floats headWeight;
  private final Ops.Floats headWeightGrad;
  private final Ops.Floats headBias;
  private final Ops.Floats headBiasGrad;
  private Buffers buffers;
  private RecurrentState finalState;
  /** The parameters' groups on the device and the update over them. */
  private final OpsOptimizer updates;
  /** The clean pass's gradient of each group, while adversarial training's second pass computes its own. */
  private Held held;
  /** What the model holds for its life: the stack, the embedding's and the output layer's buffers, the optimizer. */
  private final Allocations memory;
  /** Whether the device holds the parameters (after the first pass or fromHost); before, the host's go up. */
  private boolean resident;
  /** Whether compute leaves the gradients on the host too (tests; the trainer does not need them). */
  private boolean gradientsToHost;
  private boolean closed;

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("OpsTraining: closed (its device memory is freed)");
    }
  }

  private void requireTrains(String what) {
    requireOpen();
    if (!trains) {
      throw new IllegalStateException("OpsTraining: made for inference, it keeps no gradients and no optimizer: " + what
          + " needs the passes of a trainer (GpuBackend.gradients)");
    }
  }

  /** Why the device cannot compute {@code cfg}'s and {@code training}'s gradients, or null. */
  static String unsupportedReason(ModelConfig cfg, TrainingConfig training) {
    if (cfg.output() != OutputKind.SOFTMAX && cfg.readout() != jrnn.models.Readout.EVERY_STEP) {
      return "the GPU computes the updates of models with a softmax output and its cross-entropy (language models,"
          + " text and speech word classifiers) and of CTC recognisers (a linear output at every step); this one has a "
          + cfg.output().label() + " output read out per sequence: train it with --device cpu";
    }
    return null;
  }

  /** The recurrent stack it runs (cuDNN's or jrnn's own). */
  OpsStack stack() {
    return stack;
  }

  /**
   * A model's updates on {@code ops} around {@code stack}, which it owns from here: closed with
   * it, or at once when it cannot be made.
   */
  OpsTraining(Ops ops, OpsStack stack, ModelConfig config, Parameters params, TrainingConfig training) {
    this(ops, stack, config, params, training, true);
  }

  /**
   * A model's passes without training on {@code ops} around {@code stack} (a stack made for
   * inference), which it owns from here: the parameters, and the buffers of a pass, without
   * gradients or an optimizer's state.
   */
  static OpsTraining forInference(Ops ops, OpsStack stack, ModelConfig config, Parameters params) {
    return new OpsTraining(ops, stack, config, params, WITHOUT_TRAINING, false);
  }

  /** The settings of passes made for inference, which do not matter without training: SGD, as a plain trainer's. */
  static final TrainingConfig WITHOUT_TRAINING = TrainingConfig.builder().optimizer(jrnn.optim.Optimizers.sgd(1)).build();

  private OpsTraining(Ops ops, OpsStack stack, ModelConfig config, Parameters params, TrainingConfig training,
      boolean trains) {
    String reason = unsupportedReason(config, training);
    if (reason != null) {
      stack.close();
      throw new IllegalArgumentException(reason);
    }
    this.ops = ops;
    this.trains = trains;
    this.stack = stack;
    this.config = config;
    this.params = params;
    this.normalization = training.normalization() == null ? LossNormalization.PER_OUTPUT : training.normalization();
    this.embeddingWidth = config.inputSize();
    this.adversarialNorm = (float) training.adversarialNorm();
    this.width = config.headInputSize();
    this.classes = config.outputSize();
    boolean tokens = config.tokenInput();
    memory = new Allocations(ops);
    memory.own(stack);
    try {
      table = tokens ? memory.floats((long) config.vocabSize() * embeddingWidth, "the embedding table") : null;
      headWeight = memory.floats((long) classes * width, "the output layer's weights");
      headBias = memory.floats(classes, "the output layer's bias");
      if (trains) {
        tableGrad = tokens ? memory.floats((long) config.vocabSize() * embeddingWidth, "the embedding table's gradient")
            : null;
        headWeightGrad = memory.floats((long) classes * width, "the output layer's weight gradient");
        headBiasGrad = memory.floats(classes, "the output layer's bias gradient");
        updates = memory.own(new OpsOptimizer(ops, params.layout().size()));
        addGroups(tokens);
      } else {
        tableGrad = null;
        headWeightGrad = null;
        headBiasGrad = null;
        updates = null;
      }
    } catch (RuntimeException | Error e) {
      memory.freeAfter(e);
      throw e;
    }
  }

  /** The parameters' groups of the update: the embedding, the output layer, the stack's weight space. */
  private void addGroups(boolean tokens) {
    if (tokens) {
      updates.addParameter(params.layout(), ModelConfig.EMBEDDING, table, tableGrad);
    }
    updates.addParameter(params.layout(), ModelConfig.HEAD_WEIGHT, headWeight, headWeightGrad);
    updates.addParameter(params.layout(), ModelConfig.HEAD_BIAS, headBias, headBiasGrad);
    updates.addStack("the recurrent stack", stack);
  }

  /** Makes {@link #compute} leave the gradients in the parameters' gradient buffer too, as a plain pass does. */
  void gradientsToHost(boolean on) {
    gradientsToHost = on;
  }

  /** Per-batch buffers, made again for a larger batch. */
  private final class Buffers {
    final int rows;
    final int batch;
    final Ops.Ints ids;
    final Ops.Ints targets;
    final Ops.Ints valid;
    final Ops.Floats embedded;
    final Ops.Floats inputMask;
    final Ops.Floats headInput;
    final Ops.Floats headMask;
    final Ops.Floats logits;
    final Ops.Floats dLogits;
    final Ops.Floats loss;
    final Ops.Floats correct;
    final Ops.Floats dHeadInput;
    final Ops.Floats h0;
    final Ops.Floats c0;
    final Ops.Ints lengths;
    final Ops.Ints argmax;
    final Ops.Floats dTop;
    final Ops.Floats dFinalH;
    final Ops.Floats perturbation;

    private final Allocations memory;

    /** Made by {@link Allocations#make}, which frees what was allocated if an allocation fails. */
    Buffers(Allocations memory, int rows, int batch) {
      this.memory = memory;
      this.rows = rows;
      this.batch = batch;
      ids = memory.ints(rows, "token ids");
      targets = memory.ints(rows, "targets");
      valid = memory.ints(rows, "valid rows");
      embedded = memory.floats((long) rows * embeddingWidth, "the stack's inputs");
      inputMask = memory.floatsIf(trains, (long) rows * embeddingWidth, "the input's dropout mask");
      headInput = memory.floats((long) rows * width, "the output layer's input");
      headMask = memory.floatsIf(trains, (long) rows * width, "the output layer's dropout mask");
      logits = memory.floats((long) rows * classes, "logits");
      dLogits = memory.floatsIf(trains, (long) rows * classes, "the logits' gradient");
      loss = memory.floats(rows, "losses");
      correct = memory.floats(rows, "correct outputs");
      dHeadInput = memory.floatsIf(trains, (long) rows * width, "the output layer's input gradient");
      long state = (long) config.recurrent().stateSlots() * batch * config.hiddenSize();
      h0 = memory.floats(state, "initial states h");
      c0 = memory.floats(state, "initial states c");
      lengths = memory.ints(batch, "sequence lengths");
      argmax = memory.ints(batch * width, "the steps of the maxima");
      dTop = memory.floatsIf(trains, (long) rows * width, "the stack's output gradient");
      dFinalH = memory.floatsIf(trains && readsFinalStates(), state, "the final states' gradient");
      perturbation = adversarialNorm > 0 ? memory.floatsIf(trains, (long) rows * embeddingWidth, "the adversarial perturbation") : null;
    }

    void free() {
      memory.free();
    }
  }

  @Override
  public LossStats compute(Batch batch, RecurrentState initial, Rng rng) {
    requireTrains("an update's gradients");
    if (config.output() != OutputKind.SOFTMAX) {
      throw new IllegalArgumentException("OpsTraining: a " + config.output().label() + " output trains on the GPU with"
          + " CTC's loss only (a CtcExamples pass); mean squared error is not on the GPU: train with --device cpu");
    }
    float p = (float) config.dropout();
    long seed = dropoutSeed(p, rng);
    LossStats stats = forward(batch, initial, true, p, seed);
    Ops.Floats dInput = backward(batch, normalizer(batch, stats), p > 0);
    if (adversarialNorm > 0) {
      if (initial != null) {
        // The second pass would leave its own final state where truncated BPTT carries it.
        throw new IllegalArgumentException("adversarial training perturbs whole sequences that start from zero states;"
            + " it does not apply to windows of a stream");
      }
      adversarialPass(batch, dInput, p, rng);
    }
    if (gradientsToHost) {
      downloadGradients();
    }
    keepFinalState(batch.size());
    return stats;
  }

  /** 1 / what the loss is averaged over, scaling the output layer's products (as SequenceModel does). */
  private float normalizer(Batch batch, LossStats stats) {
    return (float) (1.0 / (normalization == LossNormalization.PER_SEQUENCE ? batch.size() : stats.count()));
  }

  /**
   * Adversarial training's second pass, as {@code Trainer.gradients} takes it (Goodfellow et al.
   * 2015; Miyato et al. 2017): the inputs moved by r_adv = eps g / ||g|| for each sequence's
   * gradient g of the clean loss with respect to its inputs ({@code dInput}, before input
   * dropout), then forward and backward again with dropout drawn anew, their gradients added to
   * the clean pass's.
   */
  private void adversarialPass(Batch batch, Ops.Floats dInput, float p, Rng rng) {
    Buffers b = buffers;
    ops.adversarialPerturbation(dInput, batch.steps(), batch.size(), embeddingWidth, b.lengths, adversarialNorm,
        b.perturbation);
    java.util.List<OpsOptimizer.Group> groups = updates.groups();
    if (held == null) {
      held = Allocations.make(ops, m -> {
        Ops.Floats[] f = new Ops.Floats[groups.size()];
        for (int k = 0; k < f.length; k++) {
          f[k] = m.floats(groups.get(k).n, "the clean pass's gradient of " + groups.get(k).what);
        }
        return new Held(m, f);
      });
    }
    for (int k = 0; k < groups.size(); k++) {
      ops.copy(held.gradients()[k], groups.get(k).g, groups.get(k).n);
    }
    long seed = dropoutSeed(p, rng);
    perturbed = true;
    try {
      LossStats second = forward(batch, null, true, p, seed);
      backward(batch, normalizer(batch, second), p > 0);
    } finally {
      perturbed = false;
    }
    for (int k = 0; k < groups.size(); k++) {
      ops.axpy(groups.get(k).g, 1f, held.gradients()[k], null, groups.get(k).n);
    }
  }

  /** The masks' seed, drawn only when there is dropout, so that without it the trainer's generator runs as on the CPU. */
  static long dropoutSeed(float p, Rng rng) {
    return p > 0 ? (long) (rng.nextDouble() * 0x1.0p53) : 0;
  }

  /**
   * A pass of CTC's examples (a speech recogniser's update: {@link CtcExamples}) on the device:
   * the network's forward pass, CTC's loss and gradient at every step's linear outputs
   * ({@link Ops#ctc}), the backward pass of the loss's mean over the sequences, as the CPU's pass
   * leaves it. Other passes are not the device's.
   */
  @Override
  public LossStats compute(ShardablePass<?> pass, Rng rng) {
    requireTrains("an update's gradients");
    if (!(pass instanceof CtcExamples examples) || config.output() != OutputKind.LINEAR) {
      throw new UnsupportedOperationException("OpsTraining computes batches of sequences and, for a linear output, CTC's"
          + " passes; not a " + pass.getClass().getSimpleName() + " for a " + config.output().label() + " output");
    }
    Batch batch = examples.batch();
    int[][] labels = examples.labels();
    int size = batch.size();
    if (labels.length != size) {
      throw new IllegalArgumentException("OpsTraining: " + labels.length + " label sequences for " + size + " inputs");
    }
    float p = (float) config.dropout();
    long seed = dropoutSeed(p, rng);
    network(batch, null, true, p, seed);
    int total = 0;
    int longest = 0;
    for (int b = 0; b < size; b++) {
      for (int i = 0; i < labels[b].length; i++) {
        int label = labels[b][i];
        if (label < 0 || label >= classes || label == examples.blank()) {
          throw new IllegalArgumentException("OpsTraining: label " + label + " at position " + i + " of sequence " + b
              + " must be a class in [0, " + classes + ") other than the blank " + examples.blank());
        }
      }
      total += labels[b].length;
      longest = Math.max(longest, labels[b].length);
    }
    int[] flat = new int[Math.max(1, total)];
    int[] starts = new int[size];
    int[] counts = new int[size];
    for (int b = 0, at = 0; b < size; b++) {
      starts[b] = at;
      counts[b] = labels[b].length;
      System.arraycopy(labels[b], 0, flat, at, labels[b].length);
      at += labels[b].length;
    }
    Ctc work = ctcBuffers(flat.length, size, Ops.ctcWork(batch.steps(), size, classes, longest));
    ops.upload(work.labels, flat);
    ops.upload(work.starts, starts);
    ops.upload(work.counts, counts);
    double[] losses = ops.ctc(buffers.logits, batch.steps(), size, classes, examples.blank(), buffers.lengths,
        work.labels, work.starts, work.counts, longest, work.doubles, buffers.dLogits);
    double sum = 0;
    int feasible = 0;
    for (double loss : losses) {
      if (loss != Double.POSITIVE_INFINITY) {
        sum += loss;
        feasible++;
      }
    }
    backward(batch, 1f / size, p > 0);
    if (gradientsToHost) {
      downloadGradients();
    }
    keepFinalState(size);
    return new LossStats(sum, feasible, 0, size);
  }

  /** The clean pass's gradients of the parameters' groups, in the groups' order. */
  private record Held(Allocations memory, Ops.Floats[] gradients) {}

  /** CTC's buffers on the device: the labels, where each sequence's start, how many, and the workspace. */
  private record Ctc(Allocations memory, Ops.Ints labels, Ops.Ints starts, Ops.Ints counts, Ops.Floats doubles) {}

  private Ctc ctc;

  private Ctc ctcBuffers(int labels, int batch, long work) {
    if (ctc == null || ctc.labels.size() < labels || ctc.starts.size() < batch || ctc.doubles.size() < work) {
      freeCtc();
      // The arguments are evaluated (allocated) in order; make frees those made before one that fails.
      ctc = Allocations.make(ops, m -> new Ctc(m, m.ints(labels, "CTC's labels"), m.ints(batch, "CTC's label starts"),
          m.ints(batch, "CTC's label counts"), m.floats(work, "CTC's workspace")));
    }
    return ctc;
  }

  private void freeCtc() {
    if (ctc != null) {
      Ctc old = ctc;
      ctc = null;
      old.memory().free();
    }
  }

  /**
   * Back from the gradient of the logits in {@link #buffers} (dLogits, times {@code scale}) through
   * the output layer, the dropout, the readout, the stack and the embedding, into the device's
   * gradient buffers; returns the gradient of the inputs (the embedded tokens, before dropout).
   */
  private Ops.Floats backward(Batch batch, float scale, boolean dropout) {
    Buffers b = buffers;
    int size = batch.size();
    int steps = batch.steps();
    int rows = steps * size;
    int outputs = outputRows(batch);
    ops.gemm(true, false, classes, width, outputs, scale, b.dLogits, classes, b.headInput, width, 0f, headWeightGrad,
        width);
    ops.zero(headBiasGrad, classes);
    ops.addColumnSums(b.dLogits, outputs, classes, scale, headBiasGrad);
    ops.gemm(false, false, outputs, width, classes, scale, b.dLogits, classes, headWeight, width, 0f, b.dHeadInput,
        width);
    if (dropout) {
      ops.multiply(b.dHeadInput, b.headMask, (long) outputs * width);
    }
    Ops.Floats dTop = b.dHeadInput;
    Ops.Floats dFinalH = null;
    if (readsFinalStates()) {
      // Each of the two final states took the sum: each gets its whole gradient; the outputs none.
      long slot = (long) size * config.hiddenSize();
      ops.zero(b.dTop, (long) rows * width);
      ops.zero(b.dFinalH, config.recurrent().stateSlots() * slot);
      ops.copy(topFinalState(b.dFinalH, size, 0), b.dHeadInput, slot);
      ops.copy(topFinalState(b.dFinalH, size, 1), b.dHeadInput, slot);
      dTop = b.dTop;
      dFinalH = b.dFinalH;
    } else if (config.readout().perSequence()) {
      ops.poolBackward(poolKind(), b.dHeadInput, steps, size, width, poolSplit(), b.lengths, b.argmax, b.dTop);
      dTop = b.dTop;
    }
    Ops.Floats dInput = stack.backward(dTop, dFinalH, null);
    if (dropout) {
      ops.multiply(dInput, b.inputMask, (long) rows * embeddingWidth);
    }
    if (table != null) {
      ops.zero(tableGrad, (long) config.vocabSize() * embeddingWidth);
      ops.scatterAddRows(tableGrad, embeddingWidth, b.ids, rows, dInput);
    }
    return dInput;
  }

  /** The last forward's final states, to the host for {@link #finalState}. */
  private void keepFinalState(int size) {
    finalState = RecurrentState.zeros(config.recurrent(), size);
    ops.download(finalState.h(), stack.finalH(), finalState.h().size());
    if (finalState.c() != null) {
      ops.download(finalState.c(), stack.finalC(), finalState.c().size());
    }
  }

  /**
   * The forward pass of {@code batch} from {@code initial} (null: zeros) into {@link #buffers}:
   * embedding, dropout at rate {@code p} (0: none) with masks from {@code seed}, the stack
   * (training: keeping what its backward needs), dropout, output layer, softmax cross-entropy
   * and its gradient at the logits; returns the loss.
   */
  private LossStats forward(Batch batch, RecurrentState initial, boolean training, float p, long seed) {
    if (!batch.hasTargets()) {
      throw new IllegalArgumentException("OpsTraining: a batch of " + (table != null ? "token ids" : "input vectors")
          + " with targets is needed");
    }
    int size = batch.size();
    int rows = batch.steps() * size;
    int[] valid = new int[rows];
    for (int r = 0; r < rows; r++) {
      valid[r] = r / size < batch.length(r % size) ? 1 : 0;
    }
    // One output per valid step, or one per sequence, each valid; the device's kernels do not
    // check ids: a bad target is named here, as the CPU engine would.
    int[] outputValid = config.readout().perSequence() ? ones(size) : valid;
    requireIds(batch.targets(), outputValid, classes, "target");
    network(batch, initial, training, p, seed);
    Buffers b = buffers;
    int validOutputs = 0;
    for (int v : outputValid) {
      validOutputs += v;
    }
    ops.upload(b.targets, batch.targets());
    ops.upload(b.valid, outputValid);
    int outputs = outputRows(batch);
    ops.softmaxCrossEntropy(b.logits, outputs, classes, b.targets, b.valid, b.loss, b.correct,
        training ? b.dLogits : null);
    return lossStats(b, outputs, validOutputs, size);
  }

  /**
   * The network's forward pass of {@code batch} from {@code initial} (null: zeros) into
   * {@link #buffers}, up to the logits: embedding (or the input vectors), dropout at rate
   * {@code p} (0: none) with masks from {@code seed}, the stack (training: keeping what its
   * backward needs), the readout, dropout, output layer.
   */
  private void network(Batch batch, RecurrentState initial, boolean training, float p, long seed) {
    if (batch.hasTokens() != (table != null)) {
      throw new IllegalArgumentException("OpsTraining: a batch of " + (table != null ? "token ids" : "input vectors")
          + " is needed");
    }
    int steps = batch.steps();
    int size = batch.size();
    int rows = steps * size;
    // The logits this pass writes are no inference pass's.
    outputRows = -1;
    outputs = null;
    if (buffers == null || buffers.rows < rows || buffers.batch < size) {
      // Grown in each dimension to the largest seen, so that batches of other shapes do not ping-pong.
      int keptRows = buffers == null ? 0 : buffers.rows;
      int keptBatch = buffers == null ? 0 : buffers.batch;
      Buffers old = buffers;
      // Let go of before freeing: an allocation that fails must not leave a freed buffer behind.
      buffers = null;
      outputRows = -1;
      if (old != null) {
        old.free();
      }
      int grownRows = Math.max(rows, keptRows);
      int grownBatch = Math.max(size, keptBatch);
      buffers = Allocations.make(ops, m -> new Buffers(m, grownRows, grownBatch));
    }
    Buffers b = buffers;
    if (!resident) {
      uploadParameters();
      resident = true;
    }
    int outputs = outputRows(batch);
    if (table != null) {
      // The padding's rows go as -1, which the lookup reads as zeros and gives no gradient.
      requireIds(batch.tokens(), null, config.vocabSize(), "token id");
      int[] ids = new int[rows];
      for (int r = 0; r < rows; r++) {
        ids[r] = r / size < batch.length(r % size) ? batch.tokens()[r] : -1;
      }
      ops.upload(b.ids, ids);
    } else {
      Tensor x = batch.inputs();
      if (x.dim(0) != steps || x.dim(1) != size || x.dim(2) != embeddingWidth) {
        throw new IllegalArgumentException("OpsTraining: the batch's inputs are " + java.util.Arrays.toString(x.shape())
            + "; this model reads [" + steps + ", " + size + ", " + embeddingWidth + "] ([T, B, X])");
      }
      ops.upload(b.embedded, x, (long) rows * embeddingWidth);
    }
    ops.upload(b.lengths, batch.lengths());
    boolean dropout = p > 0;
    if (table != null) {
      ops.gatherRows(table, embeddingWidth, b.ids, rows, b.embedded);
    }
    if (perturbed && training) {
      ops.axpy(b.embedded, 1f, b.perturbation, null, (long) rows * embeddingWidth);
    }
    if (dropout) {
      ops.dropoutMask(b.inputMask, (long) rows * embeddingWidth, p, seed);
      ops.multiply(b.embedded, b.inputMask, (long) rows * embeddingWidth);
    }
    Ops.Floats h0 = null;
    Ops.Floats c0 = null;
    if (initial != null) {
      initial.requireShape(config.recurrent(), size, "OpsTraining");
      long state = initial.h().size();
      ops.upload(b.h0, initial.h(), state);
      h0 = b.h0;
      if (initial.c() != null) {
        ops.upload(b.c0, initial.c(), state);
        c0 = b.c0;
      }
    }
    if (dropout) {
      stack.seedDropout(seed + 2);
    }
    Ops.Floats top = stack.forward(b.embedded, steps, size, batch.lengths(), h0, c0, training);
    if (readsFinalStates()) {
      // The top layer's final states summed, as the CPU's readout: the output's sum cannot be split.
      long slot = (long) size * config.hiddenSize();
      ops.copy(b.headInput, topFinalState(stack.finalH(), size, 0), slot);
      ops.axpy(b.headInput, 1f, topFinalState(stack.finalH(), size, 1), null, slot);
    } else if (config.readout().perSequence()) {
      ops.poolForward(poolKind(), top, steps, size, width, poolSplit(), b.lengths, b.headInput, b.argmax);
    } else {
      ops.copy(b.headInput, top, (long) rows * width);
    }
    if (dropout) {
      ops.dropoutMask(b.headMask, (long) outputs * width, p, seed + 1);
      ops.multiply(b.headInput, b.headMask, (long) outputs * width);
    }
    ops.gemm(false, true, outputs, classes, width, 1f, b.headInput, width, headWeight, width, 0f, b.logits, classes);
    ops.addToRows(b.logits, outputs, classes, headBias);
  }

  /**
   * A pass of {@code batch} from {@code initial} (null: zeros) with the device's parameters, no
   * dropout, the stack in inference: the loss when the batch has targets (a softmax's; a linear
   * output's mean squared error is not on the device), else {@link LossStats#NONE};
   * {@link #outputs} and {@link #finalState} then give its logits and final states (the final
   * states replace the last update's: a stream's trainer copies those right after the update).
   * The parameters, gradients and optimizer's state are not changed.
   */
  @Override
  public LossStats forward(Batch batch, RecurrentState initial) {
    requireOpen();
    LossStats stats;
    if (!batch.hasTargets()) {
      network(batch, initial, false, 0f, 0);
      stats = LossStats.NONE;
    } else if (config.output() == OutputKind.SOFTMAX) {
      stats = forward(batch, initial, false, 0f, 0);
    } else {
      throw new IllegalArgumentException("OpsTraining: a " + config.output().label() + " output's loss (mean squared"
          + " error) is not on the GPU: measure it with --device cpu");
    }
    outputRows = outputRows(batch);
    outputs = null;
    keepFinalState(batch.size());
    return stats;
  }

  /** The output rows of the last inference pass (-1: a training pass ran since), and their logits once brought to the host. */
  private int outputRows = -1;
  private Tensor outputs;

  @Override
  public Tensor outputs() {
    requireOpen();
    if (outputRows < 0) {
      throw new IllegalStateException("OpsTraining: no inference pass ran since the last update: call forward first");
    }
    if (outputs == null) {
      outputs = Tensor.zeros(Math.max(1, outputRows), classes);
      ops.download(outputs, buffers.logits, (long) outputRows * classes);
    }
    return outputs;
  }

  @Override
  public jrnn.models.InferencePass inference() {
    return this;
  }

  @Override
  public void refresh() {
    requireOpen();
    uploadParameters();
    resident = true;
  }

  /** The rows of the output layer: one per step of each sequence, or one per sequence. */
  private int outputRows(Batch batch) {
    return config.readout().perSequence() ? batch.size() : batch.steps() * batch.size();
  }

  /** {@link Ops#poolForward}'s kind for the readout (SequenceModel's LAST, MEAN, MAX). */
  private int poolKind() {
    return switch (config.readout()) {
      case LAST -> 0;
      case MEAN -> 1;
      case MAX -> 2;
      case EVERY_STEP -> throw new IllegalStateException("an output at every step is not pooled");
    };
  }

  /**
   * Whether the readout is the last step's of directions summed, which reads the top layer's
   * final states (forward at the last step, backward at step 0) as the CPU's does, not the output.
   */
  private boolean readsFinalStates() {
    return config.readout() == jrnn.models.Readout.LAST && config.recurrent().directions() == 2
        && config.recurrent().bidirectional() == jrnn.layers.Bidirectional.SUM;
  }

  /**
   * The top layer's final state in one direction (0 forward, 1 backward) of a bidirectional
   * stack's states ([layers * 2, batch, H], a slot per layer and direction), for a batch of
   * {@code size} sequences.
   */
  private Ops.Floats topFinalState(Ops.Floats states, int size, int direction) {
    long slot = (long) size * config.hiddenSize();
    return ops.slice(states, ((config.recurrent().layers() - 1) * 2L + direction) * slot, slot);
  }

  /** Where the last step's readout switches to the backward direction's, read at step 0. */
  private int poolSplit() {
    return config.recurrent().directions() == 2 ? config.hiddenSize() : width;
  }

  private static int[] ones(int n) {
    int[] a = new int[n];
    java.util.Arrays.fill(a, 1);
    return a;
  }

  /**
   * Checks the ids of the rows {@code valid} marks (null: of every row, as the CPU engine checks
   * token ids, padding included; targets in the padding may hold anything).
   */
  private static void requireIds(int[] ids, int[] valid, int bound, String what) {
    for (int r = 0; r < ids.length; r++) {
      if ((valid == null || valid[r] == 1) && (ids[r] < 0 || ids[r] >= bound)) {
        throw new IllegalArgumentException("OpsTraining: " + what + " " + ids[r] + " at row " + r
            + " is outside 0.." + (bound - 1));
      }
    }
  }

  /** The batch's loss, summed in double on the host from the rows' losses. */
  private LossStats lossStats(Buffers b, int rows, int validRows, int size) {
    return lossStats(ops, b.loss, b.correct, rows, validRows, size);
  }

  /**
   * A batch's loss from the per-row losses and hits of {@link Ops#softmaxCrossEntropy} ({@code rows}
   * of them, 0 on rows that do not count), summed in double on the host as the CPU sums them.
   */
  static LossStats lossStats(Ops ops, Ops.Floats losses, Ops.Floats hits, int rows, int counted, int sequences) {
    Tensor loss = Tensor.zeros(rows);
    Tensor correct = Tensor.zeros(rows);
    ops.download(loss, losses, rows);
    ops.download(correct, hits, rows);
    double sum = 0;
    int right = 0;
    for (int r = 0; r < rows; r++) {
      sum += loss.get(r);
      right += correct.get(r) > 0 ? 1 : 0;
    }
    return new LossStats(sum, counted, right, sequences);
  }

  private void uploadParameters() {
    if (table != null) {
      ops.upload(table, params.value(ModelConfig.EMBEDDING), table.size());
    }
    ops.upload(headWeight, params.value(ModelConfig.HEAD_WEIGHT), headWeight.size());
    ops.upload(headBias, params.value(ModelConfig.HEAD_BIAS), headBias.size());
    stack.uploadWeights();
  }

  /** Leaves the pass's gradients in the parameters' gradient buffer, as the CPU's pass would. */
  private void downloadGradients() {
    if (table != null) {
      ops.download(params.grad(ModelConfig.EMBEDDING), tableGrad, tableGrad.size());
    }
    ops.download(params.grad(ModelConfig.HEAD_WEIGHT), headWeightGrad, headWeightGrad.size());
    ops.download(params.grad(ModelConfig.HEAD_BIAS), headBiasGrad, headBiasGrad.size());
    stack.addWeightGradients();
  }

  @Override
  public RecurrentState finalState() {
    return finalState;
  }

  /** The update on the device, step for step as {@code Trainer} takes it on the host. */
  @Override
  public double[] update(TrainingConfig training, Optimizer optimizer, double lr) {
    requireTrains("an update");
    return updates.update(training, optimizer, lr);
  }

  @Override
  public void toHost(Optimizer optimizer) {
    requireTrains("the optimizer's state");
    if (!resident) {
      return;
    }
    if (table != null) {
      ops.download(params.value(ModelConfig.EMBEDDING), table, table.size());
    }
    ops.download(params.value(ModelConfig.HEAD_WEIGHT), headWeight, headWeight.size());
    ops.download(params.value(ModelConfig.HEAD_BIAS), headBias, headBias.size());
    stack.weightsToHost();
    updates.stateToHost(optimizer);
  }

  @Override
  public void fromHost(Optimizer optimizer) {
    requireTrains("the optimizer's state");
    uploadParameters();
    resident = true;
    updates.stateFromHost(optimizer);
  }

  @Override
  public void restartDropout(long seed) {
    requireOpen();
    stack.restartDropout(seed);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    outputRows = -1;
    Allocations.freeAll(buffers == null ? null : buffers.memory, held == null ? null : held.memory(),
        ctc == null ? null : ctc.memory(), memory);
  }
}
