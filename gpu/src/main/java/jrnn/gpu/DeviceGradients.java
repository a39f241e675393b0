package jrnn.gpu;

import jrnn.data.Batch;
import jrnn.layers.RecurrentState;
import jrnn.models.LossNormalization;
import jrnn.models.LossStats;
import jrnn.models.ModelConfig;
import jrnn.models.OutputKind;
import jrnn.models.Readout;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;
import jrnn.training.Trainer;
import jrnn.training.TrainingConfig;
import jrnn.util.Rng;

/**
 * A token model's update gradients computed on a device ({@link Trainer.BatchGradients}): the
 * whole forward and backward pass of a {@code SequenceModel} with token inputs, a per-step
 * readout and a softmax (a language model) runs on {@link Ops} buffers, from the embedding
 * lookup to the softmax cross-entropy and back, and only the gradients come back to the host,
 * where the trainer clips them and steps (so every optimizer, schedule, checkpoint and check of
 * the frame works as on the CPU). The parameters go to the device before each pass, after the
 * trainer's step.
 *
 * <p>Built on {@link Ops} and {@link OpsStack}, so that the same pass runs on the host twins
 * ({@link HostOps}, {@link HostStack}) and is tested there against the CPU engine's gradients.
 * Dropout masks are the device's own draws ({@link Ops#dropoutMask}), not the CPU engine's.
 */
final class DeviceGradients implements Trainer.BatchGradients, AutoCloseable {
  private final Ops ops;
  private final OpsStack stack;
  private final ModelConfig config;
  private final Parameters params;
  private final LossNormalization normalization;
  private final int embeddingWidth;
  private final int width;
  private final int classes;
  private final Ops.Floats table;
  private final Ops.Floats tableGrad;
  private final Ops.Floats headWeight;
  private final Ops.Floats headWeightGrad;
  private final Ops.Floats headBias;
  private final Ops.Floats headBiasGrad;
  private Buffers buffers;
  private RecurrentState finalState;

  /** Why the device cannot compute {@code cfg}'s and {@code training}'s gradients, or null. */
  static String unsupportedReason(ModelConfig cfg, TrainingConfig training) {
    if (!cfg.tokenInput() || cfg.readout() != Readout.EVERY_STEP || cfg.output() != OutputKind.SOFTMAX) {
      return "the GPU computes the gradients of models of token inputs with an output at every step and a softmax"
          + " (language models); this one reads " + (cfg.tokenInput() ? "tokens" : "real vectors") + " with readout "
          + cfg.readout().name().toLowerCase(java.util.Locale.ROOT) + " and a " + cfg.output().name().toLowerCase(java.util.Locale.ROOT)
          + " output, and trains on the CPU";
    }
    if (training.adversarialNorm() > 0) {
      return "adversarial training is not on the GPU; it trains on the CPU";
    }
    return CudnnRecurrentStack.unsupportedReason(cfg.recurrent());
  }

  DeviceGradients(Ops ops, OpsStack stack, ModelConfig config, Parameters params, TrainingConfig training) {
    String reason = unsupportedReason(config, training);
    if (reason != null) {
      throw new IllegalArgumentException(reason);
    }
    this.ops = ops;
    this.stack = stack;
    this.config = config;
    this.params = params;
    this.normalization = training.normalization() == null ? LossNormalization.PER_OUTPUT : training.normalization();
    this.embeddingWidth = config.inputSize();
    this.width = config.headInputSize();
    this.classes = config.outputSize();
    table = ops.floats((long) config.vocabSize() * embeddingWidth, "the embedding table");
    tableGrad = ops.floats((long) config.vocabSize() * embeddingWidth, "the embedding table's gradient");
    headWeight = ops.floats((long) classes * width, "the output layer's weights");
    headWeightGrad = ops.floats((long) classes * width, "the output layer's weight gradient");
    headBias = ops.floats(classes, "the output layer's bias");
    headBiasGrad = ops.floats(classes, "the output layer's bias gradient");
  }

  /** Per-batch buffers, made again for a larger batch. */
  private final class Buffers {
    final int rows;
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

    Buffers(int rows, int batch) {
      this.rows = rows;
      ids = ops.ints(rows, "token ids");
      targets = ops.ints(rows, "targets");
      valid = ops.ints(rows, "valid rows");
      embedded = ops.floats((long) rows * embeddingWidth, "embedded tokens");
      inputMask = ops.floats((long) rows * embeddingWidth, "the input's dropout mask");
      headInput = ops.floats((long) rows * width, "the output layer's input");
      headMask = ops.floats((long) rows * width, "the output layer's dropout mask");
      logits = ops.floats((long) rows * classes, "logits");
      dLogits = ops.floats((long) rows * classes, "the logits' gradient");
      loss = ops.floats(rows, "losses");
      correct = ops.floats(rows, "correct outputs");
      dHeadInput = ops.floats((long) rows * width, "the output layer's input gradient");
      long state = (long) config.recurrent().stateSlots() * batch * config.hiddenSize();
      h0 = ops.floats(state, "initial states h");
      c0 = ops.floats(state, "initial states c");
    }

    void free() {
      for (Object b : new Object[] {ids, targets, valid, embedded, inputMask, headInput, headMask, logits, dLogits,
          loss, correct, dHeadInput, h0, c0}) {
        ops.free(b);
      }
    }
  }

  @Override
  public LossStats compute(Batch batch, RecurrentState initial, Rng rng) {
    if (!batch.hasTokens() || !batch.hasTargets()) {
      throw new IllegalArgumentException("DeviceGradients: a batch of token ids with targets is needed");
    }
    int steps = batch.steps();
    int size = batch.size();
    int rows = steps * size;
    if (buffers == null || buffers.rows < rows) {
      if (buffers != null) {
        buffers.free();
      }
      buffers = new Buffers(rows, size);
    }
    Buffers b = buffers;
    uploadParameters();
    int[] valid = new int[rows];
    int validRows = 0;
    for (int r = 0; r < rows; r++) {
      valid[r] = r / size < batch.length(r % size) ? 1 : 0;
      validRows += valid[r];
    }
    ops.upload(b.ids, batch.tokens());
    ops.upload(b.targets, batch.targets());
    ops.upload(b.valid, valid);
    float p = (float) config.dropout();
    boolean dropout = p > 0;
    // Drawn only when used, so that without dropout the trainer's generator runs as on the CPU.
    long seed = dropout ? (long) (rng.nextDouble() * 0x1.0p53) : 0;

    // Forward: embedding, dropout, stack, dropout, output layer, softmax cross-entropy.
    ops.gatherRows(table, embeddingWidth, b.ids, rows, b.embedded);
    if (dropout) {
      ops.dropoutMask(b.inputMask, (long) rows * embeddingWidth, p, seed);
      ops.multiply(b.embedded, b.inputMask, (long) rows * embeddingWidth);
    }
    Ops.Floats h0 = null;
    Ops.Floats c0 = null;
    if (initial != null) {
      initial.requireShape(config.recurrent(), size, "DeviceGradients");
      long state = initial.h().size();
      ops.upload(b.h0, initial.h(), state);
      h0 = b.h0;
      if (initial.c() != null) {
        ops.upload(b.c0, initial.c(), state);
        c0 = b.c0;
      }
    }
    Ops.Floats top = stack.forward(b.embedded, steps, size, batch.lengths(), h0, c0, true);
    ops.copy(b.headInput, top, (long) rows * width);
    if (dropout) {
      ops.dropoutMask(b.headMask, (long) rows * width, p, seed + 1);
      ops.multiply(b.headInput, b.headMask, (long) rows * width);
    }
    ops.gemm(false, true, rows, classes, width, 1f, b.headInput, width, headWeight, width, 0f, b.logits, classes);
    ops.addToRows(b.logits, rows, classes, headBias);
    ops.softmaxCrossEntropy(b.logits, rows, classes, b.targets, b.valid, b.loss, b.correct, b.dLogits);
    LossStats stats = lossStats(b, rows, validRows, size);

    // Backward, the normalizer scaling the output layer's products (as SequenceModel does).
    float scale = (float) (1.0 / (normalization == LossNormalization.PER_SEQUENCE ? size : stats.count()));
    ops.gemm(true, false, classes, width, rows, scale, b.dLogits, classes, b.headInput, width, 0f, headWeightGrad, width);
    ops.zero(headBiasGrad, classes);
    ops.addColumnSums(b.dLogits, rows, classes, scale, headBiasGrad);
    ops.gemm(false, false, rows, width, classes, scale, b.dLogits, classes, headWeight, width, 0f, b.dHeadInput, width);
    if (dropout) {
      ops.multiply(b.dHeadInput, b.headMask, (long) rows * width);
    }
    Ops.Floats dEmbedded = stack.backward(b.dHeadInput);
    if (dropout) {
      ops.multiply(dEmbedded, b.inputMask, (long) rows * embeddingWidth);
    }
    ops.zero(tableGrad, (long) config.vocabSize() * embeddingWidth);
    ops.scatterAddRows(tableGrad, embeddingWidth, b.ids, rows, dEmbedded);
    downloadGradients();
    finalState = RecurrentState.zeros(config.recurrent(), size);
    ops.download(finalState.h(), stack.finalH(), finalState.h().size());
    if (finalState.c() != null) {
      ops.download(finalState.c(), stack.finalC(), finalState.c().size());
    }
    return stats;
  }

  /** The batch's loss, summed in double on the host from the rows' losses. */
  private LossStats lossStats(Buffers b, int rows, int validRows, int size) {
    Tensor loss = Tensor.zeros(rows);
    Tensor correct = Tensor.zeros(rows);
    ops.download(loss, b.loss, rows);
    ops.download(correct, b.correct, rows);
    double sum = 0;
    int right = 0;
    for (int r = 0; r < rows; r++) {
      sum += loss.get(r);
      right += correct.get(r) > 0 ? 1 : 0;
    }
    return new LossStats(sum, validRows, right, size);
  }

  private void uploadParameters() {
    ops.upload(table, params.value(ModelConfig.EMBEDDING), table.size());
    ops.upload(headWeight, params.value(ModelConfig.HEAD_WEIGHT), headWeight.size());
    ops.upload(headBias, params.value(ModelConfig.HEAD_BIAS), headBias.size());
    stack.uploadWeights();
  }

  /** Leaves the pass's gradients in the parameters' gradient buffer, as the CPU's pass would. */
  private void downloadGradients() {
    ops.download(params.grad(ModelConfig.EMBEDDING), tableGrad, tableGrad.size());
    ops.download(params.grad(ModelConfig.HEAD_WEIGHT), headWeightGrad, headWeightGrad.size());
    ops.download(params.grad(ModelConfig.HEAD_BIAS), headBiasGrad, headBiasGrad.size());
    stack.addWeightGradients();
  }

  @Override
  public RecurrentState finalState() {
    return finalState;
  }

  @Override
  public void close() {
    if (buffers != null) {
      buffers.free();
    }
    for (Object b : new Object[] {table, tableGrad, headWeight, headWeightGrad, headBias, headBiasGrad}) {
      ops.free(b);
    }
    stack.close();
  }
}
