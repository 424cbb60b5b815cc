package dev.tarmac.deploy.remote;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many SSH logins a service starts at once ({@code tarmac.ssh.max-logins}): a login holds its
 * slot from the connection's start until its shell has started (the user's profile included), so 16
 * or 128 hosts log in a few at a time instead of all at once (Kamal's issue #326: past ~15 hosts
 * every command failed; issue 25: 16 slow logins at once took 12–37 s each on two busy cores and 5
 * of 16 hit the 40 s limit). A host's limits (connect, then its shell's start) count from when it
 * has its slot, never from when it began to wait (docs/architecture.md, "Logins").
 */
public final class Logins {
  /** Logins at once when the service does not say ({@code tarmac.ssh.max-logins}). */
  public static final int DEFAULT_MAX = 8;

  private final int max;
  private final Duration wait;
  private final Semaphore slots;
  private final AtomicInteger inside = new AtomicInteger();
  private final AtomicInteger peak = new AtomicInteger();

  /**
   * At most {@code max} logins at once; one waits at most {@code wait} for its slot, then fails
   * naming the setting.
   */
  public Logins(int max, Duration wait) {
    if (max < 1) {
      throw new IllegalArgumentException(
          "tarmac.ssh.max-logins must be 1 or more (it was " + max + ")");
    }
    this.max = max;
    this.wait = wait;
    this.slots = new Semaphore(max, true);
  }

  public static Logins of(int max) {
    return new Logins(max, Duration.ofMinutes(5));
  }

  public int max() {
    return max;
  }

  /** The most logins that were ever in progress at once. */
  public int peak() {
    return peak.get();
  }

  /**
   * Waits for a slot for the login to {@code where} (a host as messages name it); the slot is given
   * back by {@link Slot#close}, at most once.
   */
  public Slot enter(String where) {
    long asked = System.nanoTime();
    boolean got;
    try {
      got = slots.tryAcquire(wait.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransportException(where + ": interrupted while waiting to log in", e);
    }
    if (!got) {
      throw new TransportException(
          where
              + ": no login started within "
              + wait.toSeconds()
              + " s: all "
              + max
              + " logins at once (tarmac.ssh.max-logins) stayed busy with other hosts; raise"
              + " the setting or find the hosts whose logins are slow");
    }
    int now = inside.incrementAndGet();
    peak.accumulateAndGet(now, Math::max);
    return new Slot(Duration.ofNanos(System.nanoTime() - asked));
  }

  /** One login's slot. */
  public final class Slot implements AutoCloseable {
    private final Duration waited;
    private final AtomicBoolean given = new AtomicBoolean();

    private Slot(Duration waited) {
      this.waited = waited;
    }

    /** How long the login waited for its slot (not part of any of its limits). */
    public Duration waited() {
      return waited;
    }

    @Override
    public void close() {
      if (given.compareAndSet(false, true)) {
        inside.decrementAndGet();
        slots.release();
      }
    }
  }
}
