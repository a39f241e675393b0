package jrnn.models;

/**
 * The loss of one forward pass: summed over the {@code count} outputs that have targets, with
 * the number of correct predictions (softmax outputs) and of sequences.
 *
 * @param sum the loss summed over the outputs with targets
 * @param count the number of such outputs
 * @param correct how many of them the argmax predicts (softmax outputs)
 * @param sequences the number of sequences
 */
public record LossStats(double sum, int count, int correct, int sequences) {
  /** Nothing counted: all zero. */
  public static final LossStats NONE = new LossStats(0, 0, 0, 0);

  /** Mean loss per output (nats per token for a language model). */
  public double mean() {
    return count == 0 ? Double.NaN : sum / count;
  }

  /** The fraction of outputs predicted correctly; NaN when there are none. */
  public double accuracy() {
    return count == 0 ? Double.NaN : (double) correct / count;
  }

  /** The sums of this and {@code o}, field by field. */
  public LossStats plus(LossStats o) {
    return new LossStats(sum + o.sum, count + o.count, correct + o.correct, sequences + o.sequences);
  }
}
