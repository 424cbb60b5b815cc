package dev.tarmac.deploy.release;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * How a release or rollback runs, beyond what {@code tarmac.yml} says.
 *
 * @param who the person or system asking (recorded in the lock, the history and on the hosts)
 * @param forceUnlock take the environment's lock even when another holder's lease runs
 * @param downloadRateLimit a {@code curl --limit-rate} value per host (e.g. {@code 5M}), if any
 * @param lease how long the environment lock holds without renewal (renewed every third of it)
 * @param urlTtl how long the signed download/upload URLs given to hosts stay valid
 * @param commandTimeout the longest any one command (download, hook) may run
 * @param listener told of every task on every host as it starts and ends
 * @param switchAck how long every host has to acknowledge that it is staged for the switch
 * @param cancelled asked at the run's safe points, between phases: true stops it there (before the
 *     switch nothing is activated; after it every host is switched back)
 */
public record ReleaseOptions(
    String who,
    boolean forceUnlock,
    Optional<String> downloadRateLimit,
    Duration lease,
    Duration urlTtl,
    Duration commandTimeout,
    Clock clock,
    Consumer<ReleaseEvent> listener,
    Duration switchAck,
    BooleanSupplier cancelled) {
  public ReleaseOptions {
    if (who == null || who.isBlank()) {
      throw new IllegalArgumentException("who must name the person or system releasing");
    }
    who = who.strip().replaceAll("[\\r\\n]", " ");
    if (downloadRateLimit.isPresent() && !downloadRateLimit.get().matches("[0-9]+[kKmMgG]?")) {
      throw new IllegalArgumentException(
          "download rate limit must be a number with an optional k/M/G suffix, got "
              + downloadRateLimit.get());
    }
  }

  public static ReleaseOptions defaults(String who) {
    return new ReleaseOptions(
        who,
        false,
        Optional.empty(),
        Duration.ofMinutes(10),
        Duration.ofHours(1),
        Duration.ofMinutes(30),
        Clock.systemUTC(),
        e -> {},
        Duration.ofSeconds(30),
        () -> false);
  }

  public ReleaseOptions withForceUnlock(boolean v) {
    return with(b -> b.forceUnlock = v);
  }

  public ReleaseOptions withDownloadRateLimit(String v) {
    return with(b -> b.downloadRateLimit = Optional.ofNullable(v));
  }

  public ReleaseOptions withListener(Consumer<ReleaseEvent> v) {
    return with(b -> b.listener = v);
  }

  public ReleaseOptions withLease(Duration v) {
    return with(b -> b.lease = v);
  }

  public ReleaseOptions withCommandTimeout(Duration v) {
    return with(b -> b.commandTimeout = v);
  }

  public ReleaseOptions withSwitchAck(Duration v) {
    return with(b -> b.switchAck = v);
  }

  public ReleaseOptions withCancelled(BooleanSupplier v) {
    return with(b -> b.cancelled = v);
  }

  /**
   * These options with {@code change} made: every wither goes through here, so the fields are
   * listed once more ({@link Copy}) rather than once per wither, and the constructor's checks apply
   * to every copy.
   */
  private ReleaseOptions with(Consumer<Copy> change) {
    Copy c = new Copy(this);
    change.accept(c);
    return c.build();
  }

  /** The components of a {@link ReleaseOptions} being copied, each settable. */
  private static final class Copy {
    String who;
    boolean forceUnlock;
    Optional<String> downloadRateLimit;
    Duration lease;
    Duration urlTtl;
    Duration commandTimeout;
    Clock clock;
    Consumer<ReleaseEvent> listener;
    Duration switchAck;
    BooleanSupplier cancelled;

    Copy(ReleaseOptions o) {
      who = o.who;
      forceUnlock = o.forceUnlock;
      downloadRateLimit = o.downloadRateLimit;
      lease = o.lease;
      urlTtl = o.urlTtl;
      commandTimeout = o.commandTimeout;
      clock = o.clock;
      listener = o.listener;
      switchAck = o.switchAck;
      cancelled = o.cancelled;
    }

    ReleaseOptions build() {
      return new ReleaseOptions(
          who,
          forceUnlock,
          downloadRateLimit,
          lease,
          urlTtl,
          commandTimeout,
          clock,
          listener,
          switchAck,
          cancelled);
    }
  }
}
