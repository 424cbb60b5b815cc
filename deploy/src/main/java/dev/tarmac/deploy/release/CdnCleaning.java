package dev.tarmac.deploy.release;

import dev.tarmac.deploy.DeployException;
import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.records.StoredJson;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.ObjectInfo;
import dev.tarmac.distributor.store.StoreNotFoundException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The markers {@code apps/<app>/cdn-cleaning/<env>/<run>.json} by which the clean-ups of {@code
 * cdn/<app>/} and the CDN pushes of every environment of the app cooperate through the store, the
 * only thing two service instances share (docs/cdn-and-caches.md, "A push meeting the clean-up").
 *
 * <p>A clean-up writes its marker before its second reading of the environment locks, and removes
 * it when its deletes are over. A push lists the markers after its own environment lock is written
 * and before it lists {@code cdn/<app>/}, and waits while one of those it found is there. Either
 * the clean-up's second reading sees the push's lock (and keeps what its version names, or removes
 * nothing), or the push finds the marker (and lists {@code cdn/<app>/} only once the deletes are
 * over): a store whose reads and listings see every write that finished before them (S3, the
 * embedded store) leaves no third case. Each clean-up has a marker of its own, so two clean-ups
 * never wait for each other, and no marker is ever taken over.
 *
 * <p>A marker has a lease: a clean-up stops deleting {@link #LIMIT} after it wrote its marker (what
 * is left goes at the next release); a push waits for a marker at most until its {@code until}, and
 * never longer than {@link #LEASE} after it first saw it. A clean-up that died leaves a marker that
 * holds pushes back for at most that long; the next clean-up removes it. {@link #LEASE} − {@link
 * #LIMIT} is the clock difference between two service instances the rule tolerates.
 */
final class CdnCleaning implements AutoCloseable {

  /** How long a marker holds pushes back at most. */
  static final Duration LEASE = Duration.ofMinutes(2);

  /** How long a clean-up deletes at most, counted from writing its marker. */
  static final Duration LIMIT = Duration.ofMinutes(1);

  /** How often a waiting push looks at the markers again. */
  static final Duration POLL = Duration.ofMillis(200);

  /** What a marker says: which run cleans, since when, until when at most. */
  record Marker(String env, long run, Instant since, Instant until) {
    String who() {
      return env == null ? "a run whose marker cannot be read" : env + " run #" + run;
    }
  }

  private final ArtifactStore store;
  private final String app;
  private final String key;
  private final Marker mine;
  private final long startedNanos;
  private final Duration limit;

  private CdnCleaning(
      ArtifactStore store, String app, String key, Marker mine, long startedNanos, Duration limit) {
    this.store = store;
    this.app = app;
    this.key = key;
    this.mine = mine;
    this.startedNanos = startedNanos;
    this.limit = limit;
  }

  /** Writes the marker of the clean-up by {@code env}'s run {@code run}, written {@code now}. */
  static CdnCleaning begin(
      ArtifactStore store,
      String app,
      String env,
      long run,
      Instant now,
      Duration lease,
      Duration limit) {
    String key = StoreLayout.cdnCleaning(app, env, run);
    Marker mine = new Marker(env, run, now, now.plus(lease));
    long started = System.nanoTime(); // before the put: a slow put does not eat the margin
    StoredJson.put(store, key, mine);
    return new CdnCleaning(store, app, key, mine, started, limit);
  }

  /** Whether this clean-up may still delete (within its limit since its marker was written). */
  boolean mayDelete() {
    return System.nanoTime() - startedNanos < limit.toNanos();
  }

  /**
   * Removes this clean-up's marker, and the markers of others whose lease ran out more than a lease
   * ago (by this clean-up's clock: what a clean-up that died left).
   */
  @Override
  public void close() {
    try {
      store.delete(key);
    } catch (RuntimeException e) {
      throw new DeployException(
          "cannot remove "
              + key
              + " (CDN pushes of "
              + app
              + " wait for it until "
              + mine.until()
              + "): "
              + e.getMessage());
    }
    Instant stale = mine.since().minus(Duration.between(mine.since(), mine.until()));
    try {
      for (Map.Entry<String, Marker> m : all(store, app).entrySet()) {
        if (m.getValue().until() != null && m.getValue().until().isBefore(stale)) {
          store.delete(m.getKey());
        }
      }
    } catch (RuntimeException e) {
      // an old marker left holds no push back (its lease ran out); the next clean-up tries again
    }
  }

  /** Where the markers of the clean-ups of {@code cdn/<app>/} are. */
  static String prefix(String app) {
    return StoreLayout.cdnCleaningPrefix(app);
  }

  /** Every marker by key; one that cannot be read has no times. */
  static Map<String, Marker> all(ArtifactStore store, String app) {
    Map<String, Marker> out = new TreeMap<>();
    for (ObjectInfo o : store.list(prefix(app))) {
      if (!o.key().endsWith(".json")) {
        continue;
      }
      Marker m = read(store, o.key());
      if (m != null) {
        out.put(o.key(), m);
      }
    }
    return out;
  }

  private static Marker read(ArtifactStore store, String key) {
    byte[] bytes;
    try {
      bytes = store.readAllBytes(key);
    } catch (StoreNotFoundException e) {
      return null; // removed meanwhile
    }
    try {
      return StoredJson.parse(key, bytes, Marker.class);
    } catch (RuntimeException e) {
      return new Marker(null, 0, null, null);
    }
  }

  /**
   * For a push, once its environment lock is written and before it lists {@code cdn/<app>/}: the
   * clean-ups running now (their markers, by key), whose lease has not run out by {@code clock}.
   */
  static Map<String, Marker> running(ArtifactStore store, String app, Clock clock) {
    Instant now = clock.instant();
    Map<String, Marker> out = new TreeMap<>();
    all(store, app)
        .forEach(
            (k, m) -> {
              if (m.until() == null || m.until().isAfter(now)) {
                out.put(k, m);
              }
            });
    return out;
  }

  /**
   * Waits until each clean-up of {@code running} is over: its marker gone, or its lease run out by
   * {@code clock} (or {@code lease} passed since it was first seen). Returns what it waited for,
   * for the timeline. Clean-ups that start later need no wait: they see this push's lock.
   */
  static String await(
      ArtifactStore store,
      String app,
      Map<String, Marker> running,
      Clock clock,
      Duration lease,
      Duration poll) {
    long start = System.nanoTime();
    Map<String, Marker> waiting = new TreeMap<>(running);
    List<String> ended = new ArrayList<>();
    List<String> expired = new ArrayList<>();
    while (true) {
      Map<String, Marker> now = all(store, app);
      Instant t = clock.instant();
      boolean leaseOver = System.nanoTime() - start >= lease.toNanos();
      for (var it = waiting.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<String, Marker> w = it.next();
        Marker m = now.get(w.getKey());
        if (m == null) {
          ended.add(w.getValue().who() + " (" + w.getKey() + ")");
          it.remove();
        } else if ((m.until() != null && !m.until().isAfter(t)) || leaseOver) {
          expired.add(
              m.who()
                  + " ("
                  + w.getKey()
                  + (m.until() == null ? "" : ", lease until " + m.until())
                  + ")");
          it.remove();
        }
      }
      if (waiting.isEmpty()) {
        break;
      }
      try {
        Thread.sleep(poll.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new DeployException(
            "interrupted while waiting for the clean-up of cdn/"
                + app
                + "/ by "
                + waiting.keySet());
      }
    }
    String waited = String.format(Locale.ROOT, "waited %.1f s", (System.nanoTime() - start) / 1e9);
    StringBuilder out = new StringBuilder(waited);
    if (!ended.isEmpty()) {
      out.append(" for the clean-up of cdn/")
          .append(app)
          .append("/ by ")
          .append(String.join(", ", ended))
          .append(" to end");
    }
    if (!expired.isEmpty()) {
      out.append(ended.isEmpty() ? " for the clean-up of cdn/" + app + "/ by " : "; ")
          .append(String.join(", ", expired))
          .append(
              expired.size() == 1
                  ? ": its lease ran out (it died, or stopped at its limit), so it deletes no more"
                  : ": their leases ran out (they died, or stopped at their limit), so they delete"
                      + " no more")
          .append("; going on");
    }
    return out.toString();
  }
}
