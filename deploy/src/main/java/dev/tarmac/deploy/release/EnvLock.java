package dev.tarmac.deploy.release;

import dev.tarmac.deploy.DeployException;
import dev.tarmac.distributor.model.Json;
import dev.tarmac.distributor.records.StoredJson;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.StoreConflictException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * An environment's lock: {@code apps/<app>/envs/<env>/lock.json}, written with create-if-absent so
 * only one release or rollback runs at a time. It names who holds it, for what, since when, and a
 * lease the holder renews while it works; a lock whose lease has run out (its holder died) can be
 * taken over, and {@code --force-unlock} takes it regardless.
 */
public final class EnvLock implements AutoCloseable {

  /** What {@code lock.json} says. {@code token} tells the holder its own lock from a successor. */
  public record Info(
      String holder,
      String operation,
      String version,
      Instant since,
      Instant leaseUntil,
      String token,
      Long generation) {

    public Info(
        String holder,
        String operation,
        String version,
        Instant since,
        Instant leaseUntil,
        String token) {
      this(holder, operation, version, since, leaseUntil, token, null);
    }

    Info withLease(Instant until) {
      return new Info(holder, operation, version, since, until, token, generation);
    }

    Info withGeneration(long g) {
      return new Info(holder, operation, version, since, leaseUntil, token, g);
    }
  }

  private final ArtifactStore store;
  private final String key;
  private final Clock clock;
  private final Duration lease;
  private volatile Info info;
  private final boolean tookOver;

  private EnvLock(
      ArtifactStore store, String key, Clock clock, Duration lease, Info info, boolean tookOver) {
    this.store = store;
    this.key = key;
    this.clock = clock;
    this.lease = lease;
    this.info = info;
    this.tookOver = tookOver;
  }

  /**
   * Takes the lock or refuses with a message naming its holder.
   *
   * @param force take it even when another holder's lease is still running ({@code --force-unlock})
   */
  public static EnvLock acquire(
      ArtifactStore store,
      String app,
      String env,
      String holder,
      String operation,
      String version,
      Duration lease,
      Clock clock,
      boolean force) {
    String key = EnvLocks.key(app, env);
    Instant now = clock.instant();
    Info mine =
        new Info(
            holder, operation, version, now, now.plus(lease), UUID.randomUUID().toString(), null);
    try {
      store.putIfAbsent(key, Json.write(mine));
      return new EnvLock(store, key, clock, lease, mine, false);
    } catch (StoreConflictException held) {
      Info theirs = read(store, key);
      boolean expired = theirs == null || theirs.leaseUntil().isBefore(now);
      if (!expired && !force) {
        throw new LockedException(lockedBy(app + "/" + env, theirs, now));
      }
      // expired or forced: replace it, then make sure we are the one who did
      store.delete(key);
      try {
        store.putIfAbsent(key, Json.write(mine));
      } catch (StoreConflictException raced) {
        Info winner = read(store, key);
        throw new LockedException(
            app
                + "/"
                + env
                + " was just locked by "
                + (winner == null ? "another release" : winner.holder())
                + "; try again when it has finished");
      }
      return new EnvLock(store, key, clock, lease, mine, true);
    }
  }

  private static final java.time.format.DateTimeFormatter UTC =
      java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
          .withZone(java.time.ZoneOffset.UTC);

  /**
   * The 423's words: who holds {@code target}'s lock, since when and until when, each time as a
   * person reads it ({@code since 2026-12-07 11:02:03 UTC, 4 min ago}).
   */
  static String lockedBy(String target, Info theirs, Instant now) {
    return target
        + " is locked by "
        + theirs.holder()
        + " ("
        + theirs.operation()
        + " "
        + theirs.version()
        + " since "
        + UTC.format(theirs.since())
        + ", "
        + span(Duration.between(theirs.since(), now))
        + " ago; its lease runs until "
        + UTC.format(theirs.leaseUntil())
        + ", in "
        + span(Duration.between(now, theirs.leaseUntil()))
        + "); wait for it to finish, or pass --force-unlock if that holder is gone";
  }

  /** {@code 42 s}, {@code 4 min}, {@code 5 h}: one unit, rounded down (a lease is minutes). */
  private static String span(Duration d) {
    long s = Math.max(0, d.getSeconds());
    return s < 60 ? s + " s" : s < 7200 ? s / 60 + " min" : s / 3600 + " h";
  }

  private static Info read(ArtifactStore store, String key) {
    return StoredJson.find(store, key, Info.class).orElse(null);
  }

  public Info info() {
    return info;
  }

  /** Whether a previous holder's lock (expired or forced) was replaced to take this one. */
  public boolean tookOver() {
    return tookOver;
  }

  /**
   * Extends the lease; fails when the lock is no longer ours (someone forced it away), so the
   * release stops before doing more.
   */
  public synchronized void renew() {
    verify();
    Info renewed = info.withLease(clock.instant().plus(lease));
    store.put(key, Json.write(renewed));
    info = renewed;
  }

  /**
   * Records the run's generation (its fencing token: the number of its release record, which only
   * grows) in the lock, as the host locks record it too (docs/architecture.md, "Fencing").
   */
  public synchronized void fence(long generation) {
    verify();
    Info fenced = info.withGeneration(generation);
    store.put(key, Json.write(fenced));
    info = fenced;
  }

  /**
   * Reads the lock from the store now and throws when it is no longer this run's: called before
   * every phase that changes a host.
   */
  public void verify() {
    Info now = read(store, key);
    if (now == null || !now.token().equals(info.token())) {
      throw new LostLockException(
          "the environment lock was taken by "
              + (now == null ? "nobody (it was removed)" : now.holder())
              + " while this "
              + info.operation()
              + " ran; it stops here and changes nothing more");
    }
  }

  /** The environment lock is no longer this run's. */
  public static final class LostLockException extends DeployException {
    LostLockException(String message) {
      super(message);
    }
  }

  /** Removes the lock if it is still ours. */
  @Override
  public void close() {
    Info now = read(store, key);
    if (now != null && now.token().equals(info.token())) {
      store.delete(key);
    }
  }
}
