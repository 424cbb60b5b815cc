package dev.tarmac.deploy.release;

import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.records.StoredJson;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.ObjectInfo;
import dev.tarmac.distributor.store.StoreConflictException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * An environment's releases in the store, one JSON object per release numbered from 1: the history
 * {@code tarmac history} shows, and what rollback and status compare against.
 */
public final class ReleaseHistory {
  private final ArtifactStore store;
  private final String app;
  private final String env;

  public ReleaseHistory(ArtifactStore store, String app, String env) {
    this.store = store;
    this.app = app;
    this.env = env;
  }

  /** Every release, newest first. */
  public List<ReleaseRecord> list() {
    List<ReleaseRecord> out = new ArrayList<>();
    for (ObjectInfo o : store.list(StoreLayout.releasesPrefix(app, env))) {
      if (o.key().endsWith(".json")) {
        out.add(StoredJson.read(store, o.key(), ReleaseRecord.class));
      }
    }
    Collections.reverse(out);
    return out;
  }

  /**
   * A page of the history, newest first: at most {@code limit} records numbered below {@code
   * before} (null: from the newest), and the record live now ({@link #live}). Reads only the page's
   * records and, when none of them is, those newer or older until the live one (docs/api.md,
   * "Pages"); every other number comes from the listing.
   */
  public Page page(Long before, int limit) {
    List<Long> numbers = new ArrayList<>();
    for (ObjectInfo o : store.list(StoreLayout.releasesPrefix(app, env))) {
      if (o.key().endsWith(".json")) {
        numbers.add(number(o.key()));
      }
    }
    Collections.sort(numbers, Collections.reverseOrder());
    java.util.Map<Long, ReleaseRecord> read = new java.util.HashMap<>();
    List<ReleaseRecord> records = new ArrayList<>();
    for (long n : numbers) {
      if (records.size() == limit) {
        break;
      }
      if (before == null || n < before) {
        ReleaseRecord r = read(n);
        if (r != null) {
          read.put(n, r);
          records.add(r);
        }
      }
    }
    Optional<ReleaseRecord> live = Optional.empty();
    for (long n : numbers) {
      ReleaseRecord r = read.containsKey(n) ? read.get(n) : read(n);
      if (r != null && r.status() == ReleaseStatus.LIVE) {
        live = Optional.of(r);
        break;
      }
    }
    return new Page(records, live);
  }

  /** A page of the history (newest first) and the record live now. */
  public record Page(List<ReleaseRecord> records, Optional<ReleaseRecord> live) {}

  private ReleaseRecord read(long n) {
    // a record removed between the listing and its read is left out, as list() would not see it
    return StoredJson.find(store, StoreLayout.releaseRecord(app, env, n), ReleaseRecord.class)
        .orElse(null);
  }

  public Optional<ReleaseRecord> get(long id) {
    return StoredJson.find(store, StoreLayout.releaseRecord(app, env, id), ReleaseRecord.class);
  }

  /** Where the history's release records are (one per release or rollback, numbered). */
  public static String prefix(String app, String env) {
    return StoreLayout.releasesPrefix(app, env);
  }

  /** Where the database dump taken before {@code version}'s migration in {@code env} is. */
  public static String backupKey(String app, String env, String version) {
    return StoreLayout.backup(app, env, version);
  }

  /** The release live now: the newest whose status is LIVE. */
  public Optional<ReleaseRecord> live() {
    return live(list());
  }

  /** The newest LIVE record of a history listed newest first. */
  public static Optional<ReleaseRecord> live(List<ReleaseRecord> newestFirst) {
    return newestFirst.stream().filter(r -> r.status() == ReleaseStatus.LIVE).findFirst();
  }

  /**
   * Claims the next number (create-if-absent, so two writers never share one) with a first version
   * of the record.
   */
  public ReleaseRecord create(java.util.function.LongFunction<ReleaseRecord> record) {
    List<ObjectInfo> existing = store.list(StoreLayout.releasesPrefix(app, env));
    long next = existing.isEmpty() ? 1 : number(existing.get(existing.size() - 1).key()) + 1;
    for (int attempt = 0; attempt < 100; attempt++, next++) {
      ReleaseRecord r = record.apply(next);
      try {
        StoredJson.putIfAbsent(store, StoreLayout.releaseRecord(app, env, next), r);
        return r;
      } catch (StoreConflictException e) {
        // someone else took this number: try the next one
      }
    }
    throw new IllegalStateException("could not allocate a release number for " + app + "/" + env);
  }

  /**
   * Marks FAILED every release of {@code newestFirst} still PREPARING or ACTIVATING: called by the
   * holder of the environment's lock, so those runs are gone (the service stopped, or they lost the
   * lock). Returns the history as it is now.
   */
  public List<ReleaseRecord> failInterrupted(
      List<ReleaseRecord> newestFirst, java.time.Instant now) {
    List<ReleaseRecord> out = new ArrayList<>();
    for (ReleaseRecord r : newestFirst) {
      if (!r.status().finished()) {
        r =
            r.progressed(
                ReleaseStatus.FAILED,
                now,
                r.activationWindowMs(),
                r.backup(),
                "interrupted: the service running it stopped (or it lost the environment lock);"
                    + " check `tarmac status` for what each host serves",
                r.hosts());
        update(r);
      }
      out.add(r);
    }
    return out;
  }

  public void update(ReleaseRecord record) {
    StoredJson.put(store, StoreLayout.releaseRecord(app, env, record.id()), record);
  }

  private static long number(String key) {
    String name = key.substring(key.lastIndexOf('/') + 1).replace(".json", "");
    return Long.parseLong(name);
  }
}
