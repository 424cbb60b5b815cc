package dev.tarmac.deploy;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one place the release engine and the service make their pools (docs/architecture.md,
 * "Threads"): every one named, of daemon threads, bounded, and ended by its owner's close. The
 * threads that are not pools (a process's output pumps, a shell's readers) are made where their
 * stream is.
 */
public final class Threads {
  private Threads() {}

  /** Daemon threads called {@code name}, or {@code name-1}, {@code name-2}, … when numbered. */
  public static ThreadFactory daemon(String name, boolean numbered) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, numbered ? name + "-" + n.incrementAndGet() : name);
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * Up to {@code max} threads, each started for a task when none is idle (no queue: past {@code
   * max} at once a task is refused, so {@code max} must cover the owner's own bound), ended after
   * {@code idle} without work.
   */
  public static ThreadPoolExecutor upTo(String name, int max, Duration idle) {
    return new ThreadPoolExecutor(
        0,
        max,
        idle.toMillis(),
        TimeUnit.MILLISECONDS,
        new SynchronousQueue<>(),
        daemon(name, true));
  }

  /**
   * Up to {@code max} threads and then up to {@code waiting} tasks queued; past both, the task runs
   * on the thread that hands it in (slower, never refused, never more threads).
   */
  public static ExecutorService sharing(String name, int max, int waiting) {
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            max,
            max,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(waiting),
            daemon(name, true),
            new ThreadPoolExecutor.CallerRunsPolicy());
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /**
   * One thread called {@code name}, made when the first task comes, for tasks one at a time; up to
   * {@code waiting} wait for it, past that a task is refused.
   */
  public static ExecutorService single(String name, int waiting) {
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(waiting), daemon(name, false));
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /** One timer thread called {@code name}; a cancelled task leaves its queue at once. */
  public static ScheduledExecutorService timer(String name) {
    ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, daemon(name, false));
    timer.setRemoveOnCancelPolicy(true);
    return timer;
  }
}
