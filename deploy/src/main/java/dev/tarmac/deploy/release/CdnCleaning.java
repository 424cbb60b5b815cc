package dev.tarmac.deploy.release;

import dev.tarmac.deploy.DeployException;
import dev.tarmac.distributor.model.Json;
import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.StoreConflictException;
import dev.tarmac.distributor.store.StoreNotFoundException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.UUID;

/**
 * The marker {@code apps/<app>/cdn-cleaning.json} by which the clean-up of {@code cdn/<app>/} and
 * the CDN pushes of every environment of the app cooperate through the store, the only thing two
 * service instances share (docs/cdn-and-caches.md, "A push meeting the clean-up";
 * docs/architecture.md, "Retention in the store").
 *
 * <p>A clean-up writes it (create-if-absent) before its second reading of the environment locks,
 * and removes it when its deletes are over. A push reads it after its own environment lock is
 * written and before it lists {@code cdn/<app>/}, and waits while it is there. Either the
 * clean-up's second reading sees the push's lock (and keeps what its version names, or removes
 * nothing), or the push finds the marker (and lists only once the deletes are over): a store whose
 * reads see every write that finished before them (S3, the embedded store) leaves no third case.
 *
 * <p>The marker has a lease: a clean-up stops deleting after {@link #LIMIT} (what is left goes at
 * the next release), a push waits at most until the marker's {@code until} (and never longer than
 * {@link #LEASE} for one marker): a clean-up that died leaves a marker that holds pushes back for
 * at most that long. The difference between the two ({@link #LEASE} − {@link #LIMIT}) is the clock
 * difference between two service instances the rule tolerates.
 */
final class CdnCleaning implements AutoCloseable {

  /** How long a marker holds pushes back at most. */
  static final Duration LEASE = Duration.ofMinutes(2);

  /** How long a clean-up deletes at most, counted from writing its marker. */
  static final Duration LIMIT = Duration.ofMinutes(1);

  /** How often a waiting push reads the marker again. */
  static final Duration POLL = Duration.ofMillis(200);

  /** What {@code cdn-cleaning.json} says: who cleans, since when, until when at most. */
  record Marker(String env, long run, Instant since, Instant until, String token) {
    String who() {
      return env == null ? "a clean-up whose marker cannot be read" : env + " run #" + run;
    }
  }

  private final ArtifactStore store;
  private final String key;
  private final Marker mine;
  private final long startedNanos;
  private final Duration limit;

  private CdnCleaning(
      ArtifactStore store, String key, Marker mine, long startedNanos, Duration limit) {
    this.store = store;
    this.key = key;
    this.mine = mine;
    this.startedNanos = startedNanos;
    this.limit = limit;
  }

  /** The result of {@link #take}: the marker, or the running clean-up's that holds it. */
  record Taken(CdnCleaning cleaning, Marker holder) {}

  /**
   * Writes the marker for a clean-up by {@code env}'s run {@code run}; when another clean-up's
   * marker is there and its lease runs, returns that one instead. An expired marker (its clean-up
   * died, or stopped at its limit without removing it) is replaced.
   */
  static Taken take(
      ArtifactStore store,
      String app,
      String env,
      long run,
      Instant now,
      Duration lease,
      Duration limit) {
    String key = StoreLayout.cdnCleaning(app);
    Marker mine = new Marker(env, run, now, now.plus(lease), UUID.randomUUID().toString());
    try {
      store.putIfAbsent(key, Json.write(mine));
      return new Taken(new CdnCleaning(store, key, mine, System.nanoTime(), limit), null);
    } catch (StoreConflictException held) {
      Marker theirs = read(store, key);
      if (theirs != null && theirs.until() != null && theirs.until().isAfter(now)) {
        return new Taken(null, theirs);
      }
      store.delete(key);
      try {
        store.putIfAbsent(key, Json.write(mine));
      } catch (StoreConflictException raced) {
        Marker winner = read(store, key);
        return new Taken(null, winner == null ? theirs : winner);
      }
      return new Taken(new CdnCleaning(store, key, mine, System.nanoTime(), limit), null);
    }
  }

  /** Whether this clean-up may still delete (it is within its limit since the marker was put). */
  boolean mayDelete() {
    return System.nanoTime() - startedNanos < limit.toNanos();
  }

  Duration limit() {
    return limit;
  }

  /** Removes the marker if it is still this clean-up's. */
  @Override
  public void close() {
    try {
      Marker now = read(store, key);
      if (now != null && mine.token().equals(now.token())) {
        store.delete(key);
      }
    } catch (RuntimeException e) {
      throw new DeployException(
          "cannot remove "
              + key
              + " (CDN pushes of this app wait for it until "
              + mine.until()
              + "): "
              + e.getMessage());
    }
  }

  /**
   * The marker, or null when there is none; a marker that cannot be read as one is a marker
   * nonetheless (it holds pushes back for {@link #LEASE} from when it was first seen).
   */
  static Marker read(ArtifactStore store, String key) {
    byte[] bytes;
    try {
      bytes = store.readAllBytes(key);
    } catch (StoreNotFoundException e) {
      return null;
    }
    try {
      Marker m = Json.read(bytes, Marker.class);
      if (m == null) {
        return new Marker(null, 0, null, null, "");
      }
      return m.token() == null ? new Marker(m.env(), m.run(), m.since(), m.until(), "") : m;
    } catch (RuntimeException e) {
      return new Marker(null, 0, null, null, "");
    }
  }

  /**
   * For a push, once its environment lock is written and before it lists {@code cdn/<app>/}: the
   * marker that is there now, or null.
   */
  static Marker find(ArtifactStore store, String app) {
    return read(store, StoreLayout.cdnCleaning(app));
  }

  /**
   * Waits until no clean-up of {@code cdn/<app>/} is running: the marker is gone, or its lease has
   * run out by {@code clock} (or {@code lease} has passed since a marker was first seen). Returns
   * what it waited for, for the timeline.
   */
  static String await(
      ArtifactStore store, String app, Marker first, Clock clock, Duration lease, Duration poll) {
    String key = StoreLayout.cdnCleaning(app);
    long start = System.nanoTime();
    Marker m = first;
    String seen = m.token();
    long seenAt = start;
    while (true) {
      if (m == null) {
        return String.format(
            Locale.ROOT,
            "waited %s for the clean-up of cdn/%s/ by %s (%s) to end",
            seconds(System.nanoTime() - start),
            app,
            first.who(),
            key);
      }
      if (!m.token().equals(seen)) {
        seen = m.token(); // another clean-up took over: its own lease
        seenAt = System.nanoTime();
      }
      boolean expired =
          (m.until() != null && !m.until().isAfter(clock.instant()))
              || System.nanoTime() - seenAt >= lease.toNanos();
      if (expired) {
        return String.format(
            Locale.ROOT,
            "waited %s for the clean-up of cdn/%s/ by %s (%s): its lease ran out%s (it died, or"
                + " stopped at its limit), so it deletes no more; going on",
            seconds(System.nanoTime() - start),
            app,
            m.who(),
            key,
            m.until() == null ? "" : " at " + m.until());
      }
      try {
        Thread.sleep(poll.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new DeployException(
            "interrupted while waiting for the clean-up of cdn/" + app + "/ (" + key + ")");
      }
      m = read(store, key);
    }
  }

  private static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
  }
}
