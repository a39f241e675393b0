package jrnn.plot;

import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.GrayPaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.DefaultXYZDataset;

/**
 * A matrix drawn as a heat map with a label for every row and column (JFreeChart, headless):
 * attention weights or a confusion matrix, darker where higher, with the rows read from the top down.
 */
public final class HeatMap {
  private HeatMap() {}

  /**
   * Writes {@code values[r][c]} (in [0, 1]) as a PNG: columns labelled {@code columns} along the
   * bottom, rows labelled {@code rows} down the side, the first row at the top; the shade scale is
   * named {@code scaleLabel}.
   */
  public static void write(Path file, double[][] values, List<String> rows, List<String> columns, String title,
      String columnAxis, String rowAxis, String scaleLabel) throws IOException {
    if (values.length != rows.size()) {
      throw new IllegalArgumentException("HeatMap: " + values.length + " rows of values, " + rows.size() + " labels");
    }
    int n = rows.size() * columns.size();
    double[][] xyz = new double[3][n];
    int i = 0;
    for (int r = 0; r < rows.size(); r++) {
      if (values[r].length != columns.size()) {
        throw new IllegalArgumentException("HeatMap: row " + r + " has " + values[r].length + " values, "
            + columns.size() + " labels");
      }
      for (int c = 0; c < columns.size(); c++) {
        xyz[0][i] = c;
        xyz[1][i] = rows.size() - 1 - r;
        xyz[2][i] = values[r][c];
        i++;
      }
    }
    System.setProperty("java.awt.headless", "true");
    DefaultXYZDataset data = new DefaultXYZDataset();
    data.addSeries("weights", xyz);
    SymbolAxis x = new SymbolAxis(columnAxis, columns.toArray(new String[0]));
    x.setVerticalTickLabels(true);
    x.setGridBandsVisible(false);
    String[] reversed = new String[rows.size()];
    for (int r = 0; r < rows.size(); r++) {
      reversed[rows.size() - 1 - r] = rows.get(r);
    }
    SymbolAxis y = new SymbolAxis(rowAxis, reversed);
    y.setGridBandsVisible(false);
    Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    x.setTickLabelFont(font);
    y.setTickLabelFont(font);
    XYBlockRenderer renderer = new XYBlockRenderer();
    // Darker is higher: the gray scale runs from white (0) to black (1).
    GrayPaintScale scale = new GrayPaintScale(0, 1) {
      @Override
      public java.awt.Paint getPaint(double value) {
        return super.getPaint(1 - Math.max(0, Math.min(1, value)));
      }
    };
    renderer.setPaintScale(scale);
    XYPlot plot = new XYPlot(data, x, y, renderer);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinesVisible(false);
    plot.setRangeGridlinesVisible(false);
    JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, false);
    NumberAxis legendAxis = new NumberAxis(scaleLabel);
    legendAxis.setRange(0, 1);
    PaintScaleLegend legend = new PaintScaleLegend(scale, legendAxis);
    legend.setPosition(RectangleEdge.RIGHT);
    legend.setMargin(4, 4, 4, 4);
    chart.addSubtitle(legend);
    chart.setBackgroundPaint(Color.WHITE);
    int width = 200 + 28 * columns.size();
    int height = 160 + 24 * rows.size();
    PngFiles.write(file, chart, Math.max(width, 560), Math.max(height, 400));
  }
}
