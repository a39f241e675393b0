package jrnn.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * jrnn's own threads: a fixed team of one thread per core (the caller plus daemon workers) that
 * splits a range of work into contiguous chunks. OpenBLAS runs single-threaded inside each chunk
 * (see {@link Blas}), so that the two never compete for the cores, which is what makes the
 * defaults right without environment variables.
 *
 * <p>Workers spin for a few tens of microseconds after a region, so that back-to-back regions
 * hand over quickly, then park. A region started from inside a region runs serially on the
 * calling thread.
 *
 * <p><b>Concurrent callers.</b> The team serves one region at a time. A thread that starts a
 * region while another thread holds the team does not wait: it runs the same chunks itself, one
 * after another, in order, each running the regions it starts whole, as a chunk on the team
 * does. The split of the work depends only on its size and {@link #threads()}, never on who else
 * is running, so every caller gets results equal to the bit to those of a run alone (the chunk
 * boundaries decide which rows each BLAS call sees, and with them the last bit of a sum). With many callers the throughput is that of the cores, the team's threads helping
 * whichever caller holds it.
 *
 * <p>Threads: {@code -Djrnn.threads=N} or the environment variable {@code JRNN_THREADS}; by
 * default the number of available processors.
 */
public final class Parallel {
  private Parallel() {}

  /** Work on the half-open range [from, to) of a region. */
  @FunctionalInterface
  public interface Range {
    void run(int from, int to);
  }

  private static final int THREADS = ThreadCount.configured();
  private static final long SPIN_NANOS = 50_000;
  private static final ReentrantLock TEAM = new ReentrantLock();
  private static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> false);
  private static final Worker[] WORKERS = new Worker[THREADS - 1];

  /** One region's work; a new object per region, so that workers can tell regions apart. */
  private record Job(Range body, int size, int chunks) {}

  private static volatile Job job;
  private static final AtomicInteger PENDING = new AtomicInteger();
  private static volatile Throwable failure;
  private static volatile Thread caller;

  static {
    for (int i = 0; i < WORKERS.length; i++) {
      WORKERS[i] = new Worker(i + 1);
      WORKERS[i].start();
    }
  }

  /** Number of threads a region uses. */
  public static int threads() {
    return THREADS;
  }

  /**
   * Runs {@code body} over [0, n) split into at most {@code chunks} contiguous ranges of
   * about equal size, one per thread, and returns when all are done, also when one throws: the
   * first chunk's exception is rethrown (a worker's added to it as suppressed), else a worker's.
   */
  public static void run(int n, int chunks, Range body) {
    int k = Math.min(Math.min(chunks, THREADS), n);
    if (k <= 1 || INSIDE.get()) {
      if (n > 0) {
        body.run(0, n);
      }
      return;
    }
    if (!TEAM.tryLock()) {
      // Another caller holds the team: the same chunks, in turn, on this thread, each of them
      // (as on the team) running the regions it starts whole.
      INSIDE.set(true);
      try {
        for (int c = 0; c < k; c++) {
          runChunk(body, c, n, k);
        }
      } finally {
        INSIDE.set(false);
      }
      return;
    }
    try {
      INSIDE.set(true);
      failure = null;
      caller = Thread.currentThread();
      PENDING.set(k - 1);
      job = new Job(body, n, k);         // publishes the fields above to the workers
      for (int w = 0; w < k - 1; w++) {
        WORKERS[w].wake();
      }
      Throwable own = null;
      try {
        runChunk(body, 0, n, k);
      } catch (Throwable e) {
        // Rethrown only once the workers' chunks are done: until then they still write into the
        // caller's buffers, and the next region's count would take their late decrements as its own.
        own = e;
      }
      long spinUntil = System.nanoTime() + SPIN_NANOS;
      while (PENDING.get() > 0) {
        if (System.nanoTime() < spinUntil) {
          Thread.onSpinWait();
        } else {
          LockSupport.parkNanos(20_000);
        }
      }
      job = null;
      Throwable f = own != null ? own : failure;
      if (own != null && failure != null) {
        own.addSuppressed(failure);
      }
      if (f != null) {
        if (f instanceof RuntimeException re) {
          throw re;
        }
        if (f instanceof Error er) {
          throw er;
        }
        throw new RuntimeException(f);
      }
    } finally {
      INSIDE.set(false);
      TEAM.unlock();
    }
  }

  /** A partial result of the range [from, to). */
  @FunctionalInterface
  public interface RangeSum {
    double sum(int from, int to);
  }

  /**
   * The sum of {@code body} over [0, n) split into chunks, added in chunk order, so that the
   * result does not depend on which thread finishes first.
   */
  public static double sum(int n, RangeSum body) {
    int chunks = Math.max(1, Math.min(THREADS, n));
    double[] parts = new double[chunks];
    run(chunks, chunks, (c0, c1) -> {
      for (int c = c0; c < c1; c++) {
        int from = (int) ((long) n * c / chunks);
        int to = (int) ((long) n * (c + 1) / chunks);
        parts[c] = from < to ? body.sum(from, to) : 0;
      }
    });
    double total = 0;
    for (double p : parts) {
      total += p;
    }
    return total;
  }

  /** Splits [0, n) into as many chunks as there are threads. */
  public static void run(int n, Range body) {
    run(n, THREADS, body);
  }

  private static void runChunk(Range body, int chunk, int n, int chunks) {
    int from = (int) ((long) n * chunk / chunks);
    int to = (int) ((long) n * (chunk + 1) / chunks);
    if (from < to) {
      body.run(from, to);
    }
  }

  private static final class Worker extends Thread {
    private final int index;
    private volatile boolean parked;
    private Job done;

    Worker(int index) {
      super("jrnn-worker-" + index);
      this.index = index;
      setDaemon(true);
    }

    void wake() {
      if (parked) {
        LockSupport.unpark(this);
      }
    }

    @Override
    public void run() {
      INSIDE.set(true);
      while (true) {
        Job t = awaitJob();
        if (index < t.chunks()) {
          try {
            runChunk(t.body(), index, t.size(), t.chunks());
          } catch (Throwable e) {
            failure = e;
          }
          done = t;
          if (PENDING.decrementAndGet() == 0) {
            Thread c = caller;
            if (c != null) {
              LockSupport.unpark(c);
            }
          }
        } else {
          done = t;
        }
      }
    }

    private Job awaitJob() {
      long spinUntil = System.nanoTime() + SPIN_NANOS;
      while (true) {
        Job t = job;
        if (t != null && t != done) {
          return t;
        }
        if (System.nanoTime() < spinUntil) {
          Thread.onSpinWait();
        } else {
          parked = true;
          t = job;
          if (t == null || t == done) {
            LockSupport.park(this);
          }
          parked = false;
          spinUntil = System.nanoTime() + SPIN_NANOS;
        }
      }
    }
  }
}
