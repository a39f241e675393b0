package jrnn.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The thread team under concurrent callers: a caller that finds the team busy runs the very
 * chunks a lone caller's team would, and inside each, the regions it starts run whole, as they do
 * inside a chunk on the team; so its work is split exactly as when it runs alone. A region whose
 * caller's chunk throws returns only when the workers' chunks are done, and the next region runs
 * all of its own.
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
      assertTrue(holding.await(30, TimeUnit.SECONDS), "the holder took the team");
      assertEquals(alone, splits(), "the split of a caller that found the team busy");
    } finally {
      release.countDown();
      holder.join();
    }
  }

  @Test
  void aRegionWhoseCallersChunkThrowsWaitsForTheWorkersChunksAndTheNextRegionRunsWhole() {
    assumeTrue(Parallel.threads() > 1, "skipped: one thread, no workers to wait for");
    AtomicInteger workersDone = new AtomicInteger();
    IllegalStateException planted = new IllegalStateException("the caller's chunk fails");
    IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> Parallel.run(2, 2, (a, b) -> {
      if (a == 0) {
        throw planted;
      }
      // A worker's chunk that outlasts the caller's, as a real one may.
      try {
        Thread.sleep(300);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      workersDone.incrementAndGet();
    }));
    assertSame(planted, thrown, "the caller's exception");
    assertEquals(1, workersDone.get(), "the worker's chunk was done when the region threw");
    for (int region = 0; region < 20; region++) {
      int[] ran = new int[Parallel.threads()];
      Parallel.run(Parallel.threads(), Parallel.threads(), (a, b) -> {
        for (int i = a; i < b; i++) {
          ran[i]++;
        }
      });
      for (int i = 0; i < ran.length; i++) {
        assertEquals(1, ran[i], "region " + region + ": chunk " + i + " ran once before the region returned");
      }
    }
  }
}
