package examples;

import jrnn.data.Batch;
import jrnn.models.LossStats;
import jrnn.models.Readout;
import jrnn.models.SequenceModel;
import jrnn.optim.Optimizers;
import jrnn.tensor.Tensor;
import jrnn.training.Trainer;
import jrnn.training.TrainingConfig;
import jrnn.util.Rng;

/**
 * Trains a model of one's own: an LSTM reads sequences of +1 and -1 of different lengths and
 * says, after the last step, whether the +1s outnumber the -1s.
 */
public final class CustomModel {
  private CustomModel() {}

  public static void main(String[] args) {
    System.out.printf("accuracy on new sequences: %.3f%n", train(300));
  }

  /** Trains for {@code steps} updates and returns the accuracy on a fresh batch. */
  public static double train(int steps) {
    return trained(steps).accuracy();
  }

  /**
   * A trained model and its accuracy on a fresh batch.
   *
   * @param model the model
   * @param accuracy its accuracy on 500 new sequences
   */
  public record Trained(SequenceModel model, double accuracy) {}

  /** Trains for {@code steps} updates. */
  public static Trained trained(int steps) {
    // tag::custom-model[]
    SequenceModel model = SequenceModel.builder()
        .inputs(1).cell("lstm").hidden(16).readout(Readout.LAST).softmax(2)
        .seed(1).forgetBias(1.0)
        .build();
    Trainer trainer = new Trainer(model,
        TrainingConfig.builder().optimizer(Optimizers.adam(1e-2)).clipNorm(1.0).build(),
        new Rng(2));
    Rng data = new Rng(3);
    trainer.startEpoch(0);
    for (int i = 0; i < steps; i++) {
      trainer.step(majorityBatch(data, 32), null);
    }
    LossStats check = model.forward(majorityBatch(data, 500), null, false, null);
    // end::custom-model[]
    return new Trained(model, check.accuracy());
  }

  /**
   * B sequences of 5 to 20 steps of +1 or -1, time-major [T, B, 1] (step t of sequence b at row
   * t*B + b), zero past each sequence's length; target 1 when the sum is positive.
   */
  static Batch majorityBatch(Rng rng, int size) {
    int steps = 21;
    float[] x = new float[steps * size];
    int[] lengths = new int[size];
    int[] targets = new int[size];
    for (int b = 0; b < size; b++) {
      lengths[b] = 5 + 2 * rng.nextInt(8);   // odd lengths: no ties
      int sum = 0;
      for (int t = 0; t < lengths[b]; t++) {
        int v = rng.nextDouble() < 0.5 ? -1 : 1;
        x[t * size + b] = v;
        sum += v;
      }
      targets[b] = sum > 0 ? 1 : 0;
    }
    return Batch.ofInputs(Tensor.of(x, steps, size, 1), lengths, targets);
  }
}
