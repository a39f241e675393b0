package jrnn.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A chart's PNG never passes through a file of the temporary folder, even with ImageIO's cache on
 * (its default): a run killed while it draws would leave that file behind.
 */
class PngFilesTest {
  @TempDir
  Path dir;

  @Test
  void aChartIsEncodedWithoutAFileInImageIosCacheFolder() throws Exception {
    Path cache = Files.createDirectory(dir.resolve("cache"));
    boolean usedCache = ImageIO.getUseCache();
    File cacheDirectory = ImageIO.getCacheDirectory();
    ImageIO.setUseCache(true);
    ImageIO.setCacheDirectory(cache.toFile());
    try (WatchService watch = FileSystems.getDefault().newWatchService()) {
      cache.register(watch, StandardWatchEventKinds.ENTRY_CREATE);
      // The control: ImageIO's own write to a stream stages the image in a file there, and it is seen.
      ImageIO.write(new BufferedImage(40, 30, BufferedImage.TYPE_INT_ARGB), "png", new ByteArrayOutputStream());
      WatchKey seen = watch.poll(10, TimeUnit.SECONDS);
      assertTrue(seen != null && !seen.pollEvents().isEmpty(), "ImageIO's cache file was seen");
      seen.reset();

      Path png = dir.resolve("curve.png");
      OptionalCharts charts = new OptionalCharts(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
      charts.draw("a curve", () -> new LineChart("a curve", "x", "y")
          .line("loss", new double[] {1, 2, 3}, new double[] {3, 2, 2.5}).write(png, 400, 300));
      Assumptions.assumeTrue(charts.unavailableReason() == null,
          () -> "skipped: this machine cannot draw charts (" + charts.unavailableReason() + ")");
      assertTrue(Files.size(png) > 0, "the chart was written");
      // Whatever a cache file would have done is queued by now; wait as long as the control could have.
      WatchKey after = watch.poll(2, TimeUnit.SECONDS);
      assertEquals(List.of(), after == null ? List.of() : after.pollEvents().stream().map(e -> e.context().toString()).toList(),
          "files made in ImageIO's cache folder while the chart was encoded");
      try (var left = Files.list(cache)) {
        assertFalse(left.findAny().isPresent(), "the cache folder is empty");
      }
    } finally {
      ImageIO.setUseCache(usedCache);
      ImageIO.setCacheDirectory(cacheDirectory);
    }
  }
}
