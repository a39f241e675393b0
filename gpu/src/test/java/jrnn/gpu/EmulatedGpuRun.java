package jrnn.gpu;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs the tests it is given (classes, or Class#method) and prints the device the GPU tests see
 * ({@code device: ...}), their summary, the failures with their messages, and a last line
 * {@code tests: N succeeded, N failed, N skipped} (failed: tests and containers, a test factory
 * or a class's set-up that threw); exits with status 1 if any failed or none ran. {@link EmulatedGpuTest} starts it in a JVM of its own.
 */
final class EmulatedGpuRun {
  private EmulatedGpuRun() {}

  public static void main(String[] tests) {
    // Which device the GPU tests see: the emulator's, or none (then they would only be skipped).
    String unavailable = jrnn.device.Gpu.unavailableReason();
    System.out.println("device: " + (unavailable == null ? jrnn.device.Gpu.backend().describe() : "none: " + unavailable));
    List<DiscoverySelector> selectors = new ArrayList<>();
    for (String t : tests) {
      selectors.add(t.contains("#") ? selectMethod(t) : selectClass(t));
    }
    SummaryGeneratingListener listener = new SummaryGeneratingListener();
    LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request().selectors(selectors).build(), listener);
    TestExecutionSummary summary = listener.getSummary();
    PrintWriter out = new PrintWriter(System.out, true);
    summary.printFailuresTo(out, 20);
    // Failures of containers too: a test factory or a class's set-up that throws loses its tests without failing one.
    long failed = summary.getTotalFailureCount() + summary.getContainersAbortedCount();
    out.printf("tests: %d succeeded, %d failed, %d skipped%n", summary.getTestsSucceededCount(), failed,
        summary.getTestsSkippedCount() + summary.getTestsAbortedCount());
    System.exit(failed == 0 && summary.getTestsSucceededCount() > 0 ? 0 : 1);
  }
}
