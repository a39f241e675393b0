package jrnn.frame;

import java.util.Locale;
import java.util.function.ToDoubleFunction;
import jrnn.models.LossStats;

/**
 * The figure an application is judged by, and whether higher is better: perplexity, bits per
 * character and accuracy are made from a tally of loss and correct outputs ({@link #of}); a
 * figure that is not (BLEU, an error rate) is a metric whose application computes it in its
 * {@link TrainingTask#validate} and whose {@code figure} function serves only for the training
 * figure (NaN where there is none).
 *
 * @param name "perplexity", "bits per character", "accuracy"
 * @param abbreviation its short form in progress lines: "ppl", "bpc", "acc"
 * @param higherIsBetter whether a higher figure is better (accuracy, BLEU) rather than lower
 * @param percent shown as a percentage
 * @param logScale whether its training curve is drawn on a logarithmic axis (perplexity)
 * @param figure the figure of a tally of loss and correct outputs (NaN for one not made so)
 */
public record Metric(String name, String abbreviation, boolean higherIsBetter, boolean percent, boolean logScale,
    ToDoubleFunction<LossStats> figure) {

  /** Perplexity, e^(mean loss in nats); lower is better. */
  public static final Metric PERPLEXITY = new Metric("perplexity", "ppl", false, false, true,
      s -> Math.exp(s.mean()));
  /** Bits per character, the mean loss over ln 2; lower is better. */
  public static final Metric BITS_PER_CHARACTER = new Metric("bits per character", "bpc", false, false, false,
      s -> s.mean() / Math.log(2));
  /** The fraction of outputs predicted correctly, shown as a percentage; higher is better. */
  public static final Metric ACCURACY = new Metric("accuracy", "acc", true, true, false, LossStats::accuracy);

  /**
   * The metric of this name, for reading a run's history; one this class does not define (an
   * application's own) gets the direction the history recorded.
   */
  public static Metric named(String name, boolean higherIsBetter) {
    for (Metric m : new Metric[] {PERPLEXITY, BITS_PER_CHARACTER, ACCURACY}) {
      if (m.name().equals(name)) {
        return m;
      }
    }
    return new Metric(name, name, higherIsBetter, false, false, s -> Double.NaN);
  }

  /** The figure of the tally {@code s}. */
  public double of(LossStats s) {
    return figure.applyAsDouble(s);
  }

  /** Whether {@code a} is better than {@code b} (anything is better than NaN). */
  public boolean better(double a, double b) {
    return Double.isNaN(b) ? !Double.isNaN(a) : higherIsBetter ? a > b : a < b;
  }

  /** "ppl 123.4", "bpc 1.234", "acc 85.51%". */
  public String format(double v) {
    return percent ? String.format(Locale.ROOT, "%s %.2f%%", abbreviation, 100 * v)
        : String.format(Locale.ROOT, "%s %.4g", abbreviation, v);
  }

  /**
   * The running mean training loss, with the figure it gives where it gives one: "loss 1.402 bpc
   * 2.023"; "loss 3.120" alone for a figure not made from a loss (BLEU).
   */
  public String describeLoss(double meanLoss) {
    String loss = String.format(Locale.ROOT, "loss %.4f", meanLoss);
    double figure = of(new LossStats(meanLoss, 1, 0, 1));
    return percent || Double.isNaN(figure) ? loss : loss + " " + format(figure);
  }

  /** The closing line scripts read: "validation perplexity: 123.4500" for the prefix "validation ". */
  public String closingLine(String prefix, double v) {
    return String.format(Locale.ROOT, "%s%s: %.4f", prefix, name, v);
  }
}
