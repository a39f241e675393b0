package jrnn.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The thread team under concurrent callers: a caller that finds the team busy runs the very
 * chunks a lone caller's team would, and inside each, the regions it starts run whole, as they do
 * inside a chunk on the team; so its work is split exactly as when it runs alone.
 */
class ParallelTest {

  /** The outer chunks of a region of 10, and the ranges of a region of 100 started inside each. */
  private static List<String> splits() {
    List<String> seen = new ArrayList<>();
    Parallel.run(10, Parallel.threads(), (a, b) -> {
      List<String> inner = new ArrayList<>();
      Parallel.run(100, (c, d) -> {
        synchronized (inner) {
          inner.add(c + "-" + d);
        }
      });
      synchronized (seen) {
        seen.add(a + "-" + b + " " + inner);
      }
    });
    seen.sort(null);
    return seen;
  }

  @Test
  void aCallerThatFindsTheTeamBusySplitsItsWorkAsAloneAndItsNestedRegionsRunWhole() throws Exception {
    assumeTrue(Parallel.threads() > 1, "skipped: one thread, no team to contend for");
    List<String> alone = splits();
    assertEquals(Parallel.threads(), alone.size(), alone.toString());
    for (String s : alone) {
      assertEquals("[0-100]", s.substring(s.indexOf(' ') + 1), "a region inside a chunk runs whole: " + alone);
    }
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Thread holder = new Thread(() -> Parallel.run(2, 2, (a, b) -> {
      if (a == 0) {
        holding.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }));
    holder.start();
    try {
      holding.await(30, TimeUnit.SECONDS);
      assertEquals(alone, splits(), "the split of a caller that found the team busy");
    } finally {
      release.countDown();
      holder.join();
    }
  }
}
