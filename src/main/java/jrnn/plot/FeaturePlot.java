package jrnn.plot;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.LookupPaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * A recording and its features on one time axis (JFreeChart, headless): the waveform above, the
 * feature vectors below as an image, one column a frame, dark blue low and yellow high.
 */
public final class FeaturePlot {
  private FeaturePlot() {}

  /**
   * Writes the PNG: {@code samples} at {@code rate} Hz, and {@code features[t]} for the frame
   * starting at t * hopSeconds, its values labelled {@code featureAxis}.
   */
  public static void write(Path file, String title, float[] samples, int rate, float[][] features, double hopSeconds,
      double frameSeconds, String featureAxis) throws IOException {
    System.setProperty("java.awt.headless", "true");
    XYSeries wave = new XYSeries("waveform", false, false);
    // At most about 4,000 points: the extremes of each stretch, so that peaks survive.
    int step = Math.max(1, samples.length / 2000);
    for (int i = 0; i < samples.length; i += step) {
      float lo = Float.POSITIVE_INFINITY;
      float hi = Float.NEGATIVE_INFINITY;
      for (int j = i; j < Math.min(samples.length, i + step); j++) {
        lo = Math.min(lo, samples[j]);
        hi = Math.max(hi, samples[j]);
      }
      wave.add((double) i / rate, lo);
      if (step > 1) {
        wave.add((double) (i + step / 2) / rate, hi);
      }
    }
    NumberAxis amplitude = new NumberAxis("amplitude");
    XYLineAndShapeRenderer line = new XYLineAndShapeRenderer(true, false);
    line.setSeriesPaint(0, new Color(40, 80, 160));
    XYPlot top = new XYPlot(new XYSeriesCollection(wave), null, amplitude, line);
    top.setBackgroundPaint(Color.WHITE);

    int frames = features.length;
    int dims = frames == 0 ? 0 : features[0].length;
    double[][] xyz = new double[3][frames * dims];
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    int i = 0;
    for (int t = 0; t < frames; t++) {
      for (int d = 0; d < dims; d++) {
        xyz[0][i] = t * hopSeconds + frameSeconds / 2;
        xyz[1][i] = d;
        xyz[2][i] = features[t][d];
        min = Math.min(min, features[t][d]);
        max = Math.max(max, features[t][d]);
        i++;
      }
    }
    if (!(max > min)) {
      max = min + 1;
    }
    DefaultXYZDataset data = new DefaultXYZDataset();
    data.addSeries("features", xyz);
    XYBlockRenderer blocks = new XYBlockRenderer();
    blocks.setBlockWidth(hopSeconds);
    blocks.setBlockHeight(1);
    LookupPaintScale scale = new LookupPaintScale(min, max, Color.BLACK);
    int levels = 64;
    for (int k = 0; k < levels; k++) {
      double v = min + (max - min) * k / levels;
      scale.add(v, colour((double) k / (levels - 1)));
    }
    blocks.setPaintScale(scale);
    NumberAxis featureAxisRange = new NumberAxis(featureAxis);
    featureAxisRange.setRange(-0.5, dims - 0.5);
    XYPlot bottom = new XYPlot(data, null, featureAxisRange, blocks);
    bottom.setBackgroundPaint(Color.WHITE);

    NumberAxis time = new NumberAxis("time (s)");
    time.setRange(0, Math.max((double) samples.length / rate, frames * hopSeconds));
    CombinedDomainXYPlot plot = new CombinedDomainXYPlot(time);
    plot.add(top, 1);
    plot.add(bottom, 2);
    JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, false);
    NumberAxis legendAxis = new NumberAxis();
    legendAxis.setRange(min, max);
    PaintScaleLegend legend = new PaintScaleLegend(scale, legendAxis);
    legend.setPosition(RectangleEdge.RIGHT);
    legend.setMargin(40, 4, 4, 4);
    chart.addSubtitle(legend);
    chart.setBackgroundPaint(Color.WHITE);
    PngFiles.write(file, chart, 1000, 650);
  }

  /** From dark blue (0) through green to yellow (1). */
  private static Color colour(double x) {
    float h = (float) (0.66 - 0.5 * x);
    return Color.getHSBColor(h, 0.85f, (float) (0.35 + 0.65 * x));
  }
}
