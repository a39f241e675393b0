package jrnn.plot;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import jrnn.io.AtomicFiles;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;

/** A chart's PNG, encoded in memory and then written as one file that a crash leaves whole or as it was. */
final class PngFiles {
  static {
    // ImageIO would otherwise stage each encoding in a file of the temporary folder, which a run
    // killed while it draws (a chart is drawn every epoch) leaves behind; the PNG is in memory anyway.
    ImageIO.setUseCache(false);
  }

  private PngFiles() {}

  static void write(Path file, JFreeChart chart, int width, int height) throws IOException {
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ChartUtils.writeChartAsPNG(png, chart, width, height);
    AtomicFiles.write(file, png.toByteArray());
  }
}
