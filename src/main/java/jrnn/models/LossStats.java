package jrnn.models;

/**
 * The loss of one forward pass: summed over the {@code count} outputs that have targets, with
 * the number of correct predictions (softmax outputs) and of sequences.
 */
public record LossStats(double sum, int count, int correct, int sequences) {
  public static final LossStats NONE = new LossStats(0, 0, 0, 0);

  /** Mean loss per output (nats per token for a language model). */
  public double mean() {
    return count == 0 ? Double.NaN : sum / count;
  }

  public double accuracy() {
    return count == 0 ? Double.NaN : (double) correct / count;
  }

  public LossStats plus(LossStats o) {
    return new LossStats(sum + o.sum, count + o.count, correct + o.correct, sequences + o.sequences);
  }
}
