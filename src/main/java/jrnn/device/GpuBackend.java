package jrnn.device;

import jrnn.layers.RecurrentConfig;
import jrnn.models.EncoderDecoder;
import jrnn.models.ModelConfig;
import jrnn.models.SequenceModel;
import jrnn.params.Parameters;
import jrnn.training.Trainer;
import jrnn.training.TrainingConfig;

/**
 * A GPU backend, provided by the module {@code jrnn-gpu} as a {@link java.util.ServiceLoader}
 * service. A provider's constructor loads its native libraries and opens the device, and throws
 * {@link GpuUnavailableException} when it cannot.
 */
public interface GpuBackend {

  /** The device in use: its name, memory, and the driver's, runtime's and libraries' versions. */
  String describe();

  /**
   * Makes now what every training run and pass needs beyond the device (jrnn's kernels, compiled
   * at run time), so that a command told to use the GPU learns it cannot before it reads its data.
   *
   * @throws GpuUnavailableException with the reason, when it cannot be made
   */
  default void prepare() {}

  /**
   * Whether {@link #recurrentStack} runs stacks of {@code cfg} on the GPU; when not, the reason
   * (a cell the GPU library lacks, a merge it does not do), else null.
   */
  String unsupportedReason(RecurrentConfig cfg);

  /**
   * A recurrent stack of {@code cfg} on the GPU, whose weights are read from {@code params}
   * under {@code prefix} (jrnn's layout, as the CPU engine's {@code RecurrentStack} reads them)
   * and whose weight gradients are added to {@code params.grads()}.
   *
   * @throws IllegalArgumentException when {@link #unsupportedReason} names a reason
   */
  DeviceRecurrentStack recurrentStack(RecurrentConfig cfg, Parameters params, String prefix);

  /**
   * Whether {@link #gradients} computes the updates of a model of {@code model} trained as
   * {@code training} says on the GPU; when not, the reason, else null.
   */
  String unsupportedReason(ModelConfig model, TrainingConfig training);

  /**
   * {@code model}'s training updates on the GPU, for {@link Trainer#computeGradientsWith}: each
   * batch's forward and backward pass, clipping, weight decay and the optimizer's step, with the
   * parameters and the optimizer's state kept on the GPU between updates and brought back by
   * {@link Trainer#parametersToHost}. The caller closes it when the run is over.
   *
   * @throws IllegalArgumentException when {@link #unsupportedReason} names a reason
   */
  DeviceTraining gradients(SequenceModel model, TrainingConfig training);

  /**
   * An encoder-decoder's training updates on the GPU (a translator's), as {@link #gradients}
   * for a sequence model: each update's passes of sentence pairs
   * ({@link jrnn.training.TranslationExamples}), then clipping, weight decay and the optimizer's
   * step, every parameter and the optimizer's state kept on the GPU between updates. Every
   * encoder-decoder's configuration trains there. The caller closes it.
   */
  DeviceTraining gradients(EncoderDecoder model, TrainingConfig training);

  /**
   * {@code model}'s passes without dropout on the GPU, its parameters copied there now: a model
   * whose updates {@link #gradients} computes (any cell; token or vector inputs; a softmax, or a
   * linear output at every step). The caller closes it.
   *
   * @throws IllegalArgumentException for another model, naming why
   */
  DeviceInference inference(SequenceModel model);

  /**
   * An encoder-decoder's passes without dropout on the GPU (a translator's loss and decoding),
   * its parameters copied there now. The caller closes it.
   */
  DeviceTranslation inference(EncoderDecoder model);

  /**
   * The rate of an fp32 matrix product n x n x n on the GPU (GFLOP/s, the median of a few), the
   * reference the GPU bench reports its efficiency against, as the CPU bench uses OpenBLAS's.
   */
  double sgemmGflops(int n);
}
