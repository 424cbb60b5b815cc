package dev.tarmac.builder.service;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * Reads of what the hosts serve that cannot pile up (docs/architecture.md, "Reads that cannot pile
 * up"): concurrent readers of one environment share the one read in flight (single flight), and at
 * most {@code inFlight} environments are read at once — past that a reader gets 503 with {@code
 * Retry-After} at once, instead of queueing behind reads whose clients have gone. A read that has
 * come back is answered to no later reader: a change made by hand on a host shows at the next read.
 * Before, 50 readers of a 3-host environment each logged in and read, one after another, and all
 * 400 reads timed out at 30 s.
 *
 * @param <K> what names an environment
 * @param <V> what a read gives
 */
public final class StatusReads<K, V> {
  /** A read refused because {@code inFlight} others run: 503, and when to try again. */
  public static final class Busy extends ApiProblem {
    private final long retryAfterSeconds;

    Busy(int inFlight, long retryAfterSeconds) {
      super(
          503,
          "Service unavailable",
          "the service is reading "
              + inFlight
              + " environments' hosts already, the most it reads at once; try again in "
              + retryAfterSeconds
              + " s");
      this.retryAfterSeconds = retryAfterSeconds;
    }

    public long retryAfterSeconds() {
      return retryAfterSeconds;
    }
  }

  private final Map<K, CompletableFuture<V>> reading = new ConcurrentHashMap<>();
  private final Semaphore slots;
  private final int inFlight;

  public StatusReads(int inFlight) {
    this.inFlight = inFlight;
    this.slots = new Semaphore(inFlight);
  }

  /**
   * What {@code read} gives for {@code key}: the read in flight, else a new read on this thread. A
   * failed read is shared by those who waited for it and kept by no one.
   */
  public V read(K key, Supplier<V> read) {
    CompletableFuture<V> mine = new CompletableFuture<>();
    CompletableFuture<V> running = reading.putIfAbsent(key, mine);
    if (running != null) {
      return join(running);
    }
    try {
      if (!slots.tryAcquire()) {
        Busy busy = new Busy(inFlight, 1);
        mine.completeExceptionally(busy);
        throw busy;
      }
      try {
        V value = read.get();
        mine.complete(value);
        return value;
      } catch (RuntimeException | Error e) {
        mine.completeExceptionally(e);
        throw e;
      } finally {
        slots.release();
      }
    } finally {
      reading.remove(key, mine);
    }
  }

  private static <V> V join(CompletableFuture<V> running) {
    try {
      return running.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiProblem(503, "Service unavailable", "interrupted while reading the hosts");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(e.getCause());
    }
  }
}
