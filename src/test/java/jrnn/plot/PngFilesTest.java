package jrnn.plot;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A chart's PNG never passes through a file of the temporary folder, even with ImageIO's cache on
 * (its default): a run killed while it draws would leave that file behind. And ImageIO's JVM-wide
 * setting stays what the application set.
 */
class PngFilesTest {
  @TempDir
  Path dir;

  @Test
  void aChartIsEncodedWithoutImageIosCacheFileAndLeavesItsSettingAlone() throws Exception {
    Path png = dir.resolve("curve.png");
    LineChart chart = new LineChart("a curve", "x", "y").line("loss", new double[] {1, 2, 3}, new double[] {3, 2, 2.5});
    OptionalCharts charts = new OptionalCharts(new PrintStream(OutputStream.nullOutputStream()));
    charts.draw("a curve", () -> chart.write(png, 400, 300));
    Assumptions.assumeTrue(charts.unavailableReason() == null,
        () -> "skipped: this machine cannot draw charts (" + charts.unavailableReason() + ")");
    Files.delete(png);

    boolean usedCache = ImageIO.getUseCache();
    File cacheDirectory = ImageIO.getCacheDirectory();
    // ImageIO's cache in a folder that is gone: whatever would make a file there fails.
    Path cache = Files.createDirectory(dir.resolve("cache"));
    ImageIO.setUseCache(true);
    ImageIO.setCacheDirectory(cache.toFile());
    Files.delete(cache);
    try {
      // The control: ImageIO's own write to a stream stages the image in a file there, so it fails.
      assertThrows(Exception.class, () -> ImageIO.write(new BufferedImage(40, 30, BufferedImage.TYPE_INT_ARGB), "png",
          new ByteArrayOutputStream()), "ImageIO's own encoding, which needs a cache file");
      chart.write(png, 400, 300);
      assertTrue(Files.size(png) > 0, "the chart was written without a cache file");
      assertTrue(ImageIO.getUseCache(), "ImageIO's JVM-wide setting is as the application left it");
    } finally {
      ImageIO.setUseCache(usedCache);
      ImageIO.setCacheDirectory(cacheDirectory);
    }
  }
}
