package jrnn.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** Line charts written as PNG files (JFreeChart, headless). */
public final class LineChart {
  private final String title;
  private final String xLabel;
  private final String yLabel;
  private final List<XYSeries> series = new ArrayList<>();
  private boolean logY;
  private String logFormat = "0.#E0";
  private boolean shapes = true;

  public LineChart(String title, String xLabel, String yLabel) {
    this.title = title;
    this.xLabel = xLabel;
    this.yLabel = yLabel;
  }

  /** Adds a line; NaN and (on a log axis) non-positive values are left out. */
  public LineChart line(String name, double[] x, double[] y) {
    XYSeries s = new XYSeries(name, false, true);
    for (int i = 0; i < x.length; i++) {
      if (Double.isFinite(y[i]) && (!logY || y[i] > 0)) {
        s.add(x[i], y[i]);
      }
    }
    series.add(s);
    return this;
  }

  /** A logarithmic y axis with ticks like 1E-3, for values spanning many decades. */
  public LineChart logY() {
    this.logY = true;
    return this;
  }

  /** A logarithmic y axis whose ticks are written with {@code format} (a DecimalFormat pattern). */
  public LineChart logY(String format) {
    this.logY = true;
    this.logFormat = format;
    return this;
  }

  public LineChart withoutMarkers() {
    this.shapes = false;
    return this;
  }

  /** Writes the chart as a PNG of the given size (via a temporary file, then a rename). */
  public void write(Path file, int width, int height) throws IOException {
    System.setProperty("java.awt.headless", "true");
    XYSeriesCollection data = new XYSeriesCollection();
    for (XYSeries s : series) {
      data.addSeries(s);
    }
    JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data,
        PlotOrientation.VERTICAL, true, false, false);
    chart.setBackgroundPaint(Color.WHITE);
    XYPlot plot = chart.getXYPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    if (logY) {
      LogAxis axis = new LogAxis(yLabel);
      axis.setSmallestValue(1e-30);
      axis.setNumberFormatOverride(new java.text.DecimalFormat(logFormat));
      plot.setRangeAxis(axis);
    } else {
      ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
    }
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, shapes);
    for (int i = 0; i < series.size(); i++) {
      r.setSeriesStroke(i, new BasicStroke(2f));
    }
    plot.setRenderer(r);
    PngFiles.write(file, chart, width, height);
  }
}
