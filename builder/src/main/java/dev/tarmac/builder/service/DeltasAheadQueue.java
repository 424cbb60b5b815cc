package dev.tarmac.builder.service;

import dev.tarmac.distributor.model.BuildRecord;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * The published builds whose deltas are to be made ahead of their release (docs/architecture.md,
 * "Deltas ahead of the release"), worked one at a time on one executor: making a delta reads two
 * artifacts, so a burst of builds must not start one thread (and one pair of artifacts in memory)
 * each. At most one build per app waits: a newer build of the same app replaces the one waiting,
 * whose deltas a release makes itself if it is ever released.
 */
final class DeltasAheadQueue {
  private final Executor worker;
  private final Consumer<BuildRecord> work;
  private final Consumer<String> log;
  private final Map<String, BuildRecord> waiting = new LinkedHashMap<>();
  private boolean draining;

  /**
   * {@code work} makes one build's deltas (it must not throw; what it throws is logged); {@code
   * worker} runs the queue, one build after another; {@code log} takes what was dropped and why.
   */
  DeltasAheadQueue(Executor worker, Consumer<BuildRecord> work, Consumer<String> log) {
    this.worker = worker;
    this.work = work;
    this.log = log;
  }

  /** Queues {@code built}; returns at once. */
  void offer(BuildRecord built) {
    BuildRecord replaced;
    boolean start;
    synchronized (this) {
      replaced = waiting.put(built.app(), built);
      start = !draining;
      draining = true;
    }
    if (replaced != null) {
      log.accept(
          "deltas ahead of releasing "
              + replaced.app()
              + " "
              + replaced.version()
              + ": not made, "
              + built.version()
              + " was published before they started (a release makes them itself)");
    }
    if (start) {
      try {
        worker.execute(this::drain);
      } catch (RejectedExecutionException e) {
        synchronized (this) {
          waiting.clear();
          draining = false;
        }
        log.accept(
            "deltas ahead of releasing "
                + built.app()
                + " "
                + built.version()
                + ": not made, the service is stopping (a release makes them itself)");
      }
    }
  }

  /** Builds waiting now (for tests and messages). */
  synchronized int waiting() {
    return waiting.size();
  }

  private void drain() {
    while (true) {
      BuildRecord next;
      synchronized (this) {
        Iterator<BuildRecord> it = waiting.values().iterator();
        if (!it.hasNext()) {
          draining = false;
          return;
        }
        next = it.next();
        it.remove();
      }
      try {
        work.accept(next);
      } catch (RuntimeException | Error e) {
        // an Error too (a delta reads two artifacts: OutOfMemoryError): leaving the loop would
        // leave the queue marked draining for good, and no build after it would be worked
        log.accept(
            "deltas ahead of releasing "
                + next.app()
                + " "
                + next.version()
                + ": "
                + e.getMessage()
                + " (a release makes them itself)");
      }
    }
  }
}
