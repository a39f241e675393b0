package jrnn.plot;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import jrnn.io.AtomicFiles;
import org.jfree.chart.JFreeChart;

/** A chart's PNG, encoded in memory and then written as one file that a crash leaves whole or as it was. */
final class PngFiles {
  private PngFiles() {}

  static void write(Path file, JFreeChart chart, int width, int height) throws IOException {
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    // The encoder's stream is held in memory: ImageIO's default (ImageIO.write, which JFreeChart's
    // ChartUtils calls) stages each encoding in a file of the temporary folder, which a run killed
    // while it draws (a chart is drawn every epoch) leaves behind. ImageIO's JVM-wide setting is
    // left as the application that embeds jrnn set it.
    Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("png");
    if (!writers.hasNext()) {
      throw new IllegalStateException("this JVM has no PNG encoder (javax.imageio)");
    }
    ImageWriter writer = writers.next();
    try (ImageOutputStream out = new MemoryCacheImageOutputStream(png)) {
      writer.setOutput(out);
      writer.write(chart.createBufferedImage(width, height));
    } finally {
      writer.dispose();
    }
    AtomicFiles.write(file, png.toByteArray());
  }
}
