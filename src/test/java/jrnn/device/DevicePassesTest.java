package jrnn.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The pool of device passes: calls in many threads each hold passes of their own, no more are
 * made than calls run at once, passes whose call threw are freed and not lent again, and closing
 * frees the idle ones at once, the lent ones when their calls return, and those made while it
 * closed at once (their call refused); a factory's failure counts nothing, and a failure to free
 * goes with the call's failure. (Its use with a model's passes, on the GPU's twins and the GPU:
 * jrnn-gpu's DevicePassesTest.)
 */
class DevicePassesTest {

  /** Passes that count their uses and say when they are used after being freed. */
  static final class Fake implements AutoCloseable {
    int calls;
    boolean closed;
    Thread holder;

    synchronized void use() {
      if (closed) {
        throw new AssertionError("passes used after they were freed");
      }
      calls++;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  @Test
  void concurrentCallsEachHoldPassesOfTheirOwn() throws Exception {
    List<Fake> made = new ArrayList<>();
    DevicePasses<Fake> pool = new DevicePasses<>(() -> {
      Fake f = new Fake();
      synchronized (made) {
        made.add(f);
      }
      return f;
    });
    int threads = 4;
    CountDownLatch together = new CountDownLatch(threads);
    ExecutorService executor = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        done.add(executor.submit(() -> pool.apply(f -> {
          synchronized (f) {
            assertTrue(f.holder == null, "passes lent to two calls at once");
            f.holder = Thread.currentThread();
          }
          together.countDown();
          try {
            assertTrue(together.await(10, TimeUnit.SECONDS), "the calls ran at once");
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
          f.use();
          synchronized (f) {
            f.holder = null;
          }
          return null;
        })));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      executor.shutdownNow();
    }
    assertEquals(threads, pool.made(), "one set of passes per call at once");
    for (int i = 0; i < 10; i++) {
      pool.apply(f -> {
        f.use();
        return null;
      });
    }
    assertEquals(threads, pool.made(), "idle passes lent again, none made");
    pool.close();
    assertTrue(made.stream().allMatch(f -> f.closed), "closing frees every idle pass");
    assertEquals(0, pool.made());
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.apply(f -> null));
    assertEquals("DevicePasses: closed", e.getMessage());
  }

  @Test
  void passesWhoseCallThrewAreFreedAndNotLentAgain() {
    List<Fake> made = new ArrayList<>();
    try (DevicePasses<Fake> pool = new DevicePasses<>(() -> {
      Fake f = new Fake();
      made.add(f);
      return f;
    })) {
      assertThrows(IllegalArgumentException.class, () -> pool.apply(f -> {
        throw new IllegalArgumentException("a bad input");
      }));
      assertTrue(made.get(0).closed, "the failed call's passes are freed");
      assertEquals(0, pool.made());
      pool.apply(f -> {
        f.use();
        return null;
      });
      assertEquals(2, made.size(), "new passes for the next call");
    }
  }

  @Test
  void aFactoryThatFailsCountsNothingAndAFailedFreeGoesWithTheCallsFailure() {
    try (DevicePasses<Fake> pool = new DevicePasses<>(() -> {
      throw new IllegalStateException("no device memory");
    })) {
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.apply(f -> null));
      assertEquals("no device memory", e.getMessage());
      assertEquals(0, pool.made());
    }
    try (DevicePasses<AutoCloseable> pool = new DevicePasses<>(() -> () -> {
      throw new IllegalStateException("the free failed");
    })) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.apply(f -> {
        throw new IllegalArgumentException("a bad input");
      }));
      assertEquals(1, e.getSuppressed().length, "the free's failure goes with the call's");
      assertEquals("the free failed", e.getSuppressed()[0].getMessage());
    }
  }

  @Test
  void passesMadeWhileThePoolClosesAreFreedAndTheCallRefused() throws Exception {
    Fake late = new Fake();
    CountDownLatch making = new CountDownLatch(1);
    CountDownLatch closed = new CountDownLatch(1);
    DevicePasses<Fake> pool = new DevicePasses<>(() -> {
      making.countDown();
      try {
        assertTrue(closed.await(10, TimeUnit.SECONDS), "closed");
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      return late;
    });
    ExecutorService executor = Executors.newSingleThreadExecutor();
    try {
      Future<Object> call = executor.submit(() -> pool.apply(f -> "ran"));
      assertTrue(making.await(10, TimeUnit.SECONDS));
      pool.close();
      closed.countDown();
      java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
          call::get);
      assertEquals("DevicePasses: closed", e.getCause().getMessage());
      assertTrue(late.closed, "the passes made too late are freed");
      assertEquals(0, pool.made());
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void closingWhileACallRunsFreesItsPassesWhenItReturns() throws Exception {
    Fake passes = new Fake();
    DevicePasses<Fake> pool = new DevicePasses<>(() -> passes);
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService executor = Executors.newSingleThreadExecutor();
    try {
      Future<Integer> call = executor.submit(() -> pool.apply(f -> {
        started.countDown();
        try {
          assertTrue(release.await(10, TimeUnit.SECONDS), "released");
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
        f.use();
        return f.calls;
      }));
      assertTrue(started.await(10, TimeUnit.SECONDS));
      pool.close();
      assertFalse(passes.closed, "passes in use are not freed under their call");
      release.countDown();
      assertEquals(1, call.get());
      assertTrue(passes.closed, "freed when the call returned");
    } finally {
      executor.shutdownNow();
    }
  }
}
