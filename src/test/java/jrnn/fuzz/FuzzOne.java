package jrnn.fuzz;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs one fuzz target of {@link ReadersFuzzTest} in a JVM of its own (Jazzer fuzzes one target
 * per JVM), as {@link FuzzSmokeTest} and {@code mvn -Pfuzz} start it; exit status 0 when it ended
 * without a finding, 1 when it failed.
 */
public final class FuzzOne {
  private FuzzOne() {}

  public static void main(String[] args) {
    LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
        .selectors(selectMethod(ReadersFuzzTest.class.getName() + "#" + args[0] + "(byte[])")).build();
    Launcher launcher = LauncherFactory.create();
    SummaryGeneratingListener summary = new SummaryGeneratingListener();
    launcher.execute(request, summary);
    TestExecutionSummary s = summary.getSummary();
    s.printFailuresTo(new java.io.PrintWriter(System.out, true), 30);
    System.out.println("fuzz target " + args[0] + ": " + s.getTestsSucceededCount() + " passed, "
        + s.getTotalFailureCount() + " failed");
    System.exit(s.getTotalFailureCount() == 0 && s.getTestsSucceededCount() > 0 ? 0 : 1);
  }
}
