package dev.tarmac.deploy.release;

import dev.tarmac.deploy.DeployException;
import dev.tarmac.deploy.config.TarmacConfig;
import dev.tarmac.deploy.store.BuildConfigs;
import dev.tarmac.distributor.model.BuildRecord;
import dev.tarmac.distributor.model.CdnAssets;
import dev.tarmac.distributor.model.Names;
import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.records.BuildRecords;
import dev.tarmac.distributor.records.StoredJson;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.ObjectInfo;
import dev.tarmac.distributor.store.StoreException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Removes from {@code cdn/<app>/} what no kept release references any more (docs/cdn-and-caches.md,
 * "Removing what no kept release references"; docs/architecture.md, "The release", finish). Run by
 * a release or rollback with {@code release.cdn}, in its finish phase, after the hosts' clean-up
 * and under its environment lock. Kept are the assets named by:
 *
 * <ul>
 *   <li>the version being released and every version the hosts of this environment still keep on
 *       disk (read from them just before, and recorded as {@code envs/<env>/kept.json});
 *   <li>for every other environment of the app: the versions its hosts kept at its last release
 *       with {@code release.cdn} ({@code kept.json}), plus the version of every release or rollback
 *       it started since (whatever became of it); an environment with no {@code kept.json}
 *       (released before this rule existed, or never with {@code release.cdn}) counts with every
 *       version of its history;
 *   <li>the version of any release in progress (its {@code lock.json}), read once before and once
 *       again right before removing anything — after writing this clean-up's marker ({@link
 *       CdnCleaning}), which a push of any environment waits for before it lists {@code
 *       cdn/<app>/}: a release whose lock the second reading misses cannot have listed before the
 *       deletes. The deletes stop at the marker's limit (the rest goes at the next release).
 * </ul>
 *
 * What a version names is its {@code apps/<app>/cdn-refs/<version>.json}, written by its push
 * before its first file goes out. A kept version without one whose build says {@code release.cdn}
 * was pushed before the record existed: nothing is removed then (the clean-up says which version),
 * until it has left every host. A version whose build is not in this store (another service's
 * release on shared hosts, or a build retention removed) names nothing here. An unreferenced object
 * is removed only when it is older than {@code release.cdn.grace}: a release of another environment
 * may have just pushed it, and a CDN may still serve a page cached before it went.
 */
final class CleanAssets {

  /**
   * What {@code envs/<env>/kept.json} says: after run {@code run}, each host's releases on disk.
   */
  record KeptOnHosts(String env, long run, Instant at, Map<String, List<String>> hosts) {}

  /** What the clean-up did. {@code skipped}: why it removed nothing (null: it ran). */
  record Cleaned(
      int removed,
      long bytesRemoved,
      int kept,
      int young,
      Duration grace,
      String skipped,
      int left,
      Duration limit) {
    Cleaned(int removed, long bytesRemoved, int kept, int young, Duration grace, String skipped) {
      this(removed, bytesRemoved, kept, young, grace, skipped, 0, Duration.ZERO);
    }

    String describe() {
      if (skipped != null) {
        return "nothing removed: " + skipped;
      }
      return String.format(
          Locale.ROOT,
          "%d files, %,d bytes removed; %d kept%s%s",
          removed,
          bytesRemoved,
          kept,
          young == 0 ? "" : " (" + young + " younger than " + words(grace) + ")",
          left == 0
              ? ""
              : "; "
                  + left
                  + " left for the next release (a clean-up deletes for at most "
                  + words(limit)
                  + ")");
    }
  }

  /** {@code 24h}, {@code 90m}, {@code 30s}: the config's own units. */
  static String words(Duration d) {
    if (d.toMillis() % 1000 != 0) {
      return d.toMillis() + "ms";
    }
    long s = d.toSeconds();
    if (s % 3600 == 0 && s > 0) {
      return s / 3600 + "h";
    }
    return s % 60 == 0 && s > 0 ? s / 60 + "m" : s + "s";
  }

  private final ArtifactStore store;
  private final CdnRecords cdn;
  private final String app;
  private final String env;
  private final long run;
  private final String version;
  private final Duration grace;
  private final Instant now;
  private final Duration lease;
  private final Duration limit;
  private final long createdNanos = System.nanoTime();

  CleanAssets(
      ArtifactStore store,
      String app,
      String env,
      long run,
      String version,
      Duration grace,
      Instant now) {
    this(store, app, env, run, version, grace, now, CdnCleaning.LEASE, CdnCleaning.LIMIT);
  }

  /** With the marker's lease and the deletes' limit of a test ({@link CdnCleaning}). */
  CleanAssets(
      ArtifactStore store,
      String app,
      String env,
      long run,
      String version,
      Duration grace,
      Instant now,
      Duration lease,
      Duration limit) {
    this.store = store;
    this.cdn = new CdnRecords(store, app);
    this.app = app;
    this.env = env;
    this.run = run;
    this.version = version;
    this.grace = grace;
    this.now = now;
    this.lease = lease;
    this.limit = limit;
  }

  /**
   * Records what this environment's hosts keep ({@code hosts}: every host's releases, or null when
   * one could not be read: then the history counts for this environment too), then cleans.
   */
  Cleaned run(Map<String, List<String>> hosts) {
    hosts = fromHosts(hosts);
    if (hosts != null) {
      cdn.putKept(new KeptOnHosts(env, run, now, new TreeMap<>(hosts)));
    }
    // listed first: anything put after this listing is not a candidate, and a release that put
    // something before it held its lock (or had recorded its hosts) by the time the rest is read
    List<ObjectInfo> there = store.list(CdnAssets.prefix(app));
    Set<String> versions = new TreeSet<>();
    versions.add(version);
    // one listing of envs/ for both the environments and their locks
    List<ObjectInfo> envsListing = store.list(StoreLayout.envsPrefix(app));
    Map<String, String> locks = locks(envsListing);
    versions.addAll(locks.values());
    for (String e : envs(envsListing)) {
      if (e.equals(env) && hosts != null) {
        hosts.values().forEach(versions::addAll);
      } else {
        versions.addAll(keptIn(e));
      }
    }
    Set<String> referenced = new HashSet<>();
    for (String v : versions) {
      Optional<List<String>> refs = refs(v);
      if (refs.isEmpty() && locks.containsValue(v) && !v.equals(version)) {
        return skipped(inProgress(locks, v));
      }
      if (refs.isEmpty()) {
        return skipped(
            v
                + " is kept but its assets were pushed before their list was recorded ("
                + CdnRecords.refsKey(app, v)
                + "); cdn/"
                + app
                + "/ is cleaned once it has left every host");
      }
      refs.get().forEach(p -> referenced.add(CdnAssets.key(app, p)));
    }
    List<ObjectInfo> unreferenced = new ArrayList<>();
    int kept = 0;
    int young = 0;
    for (ObjectInfo o : there) {
      if (referenced.contains(o.key())) {
        kept++;
      } else if (o.modified() == null || o.modified().plus(grace).isAfter(now)) {
        kept++;
        young++;
      } else {
        unreferenced.add(o);
      }
    }
    if (unreferenced.isEmpty()) {
      return new Cleaned(0, 0, kept, young, grace, null);
    }
    // the marker first, then the locks again: a release whose lock this reading misses finds the
    // marker before it lists cdn/<app>/, and waits for the deletes to end (CdnCleaning)
    Instant written = now.plusNanos(System.nanoTime() - createdNanos);
    try (CdnCleaning cleaning = CdnCleaning.begin(store, app, env, run, written, lease, limit)) {
      // a release that started meanwhile: what it names is kept too, or nothing goes this time
      Map<String, String> again = locks(store.list(StoreLayout.envsPrefix(app)));
      for (Map.Entry<String, String> lock : again.entrySet()) {
        String v = lock.getValue();
        if (versions.contains(v)) {
          continue;
        }
        Optional<List<String>> refs = refs(v);
        if (refs.isEmpty()) {
          return skipped(inProgress(again, v));
        }
        Set<String> names = new HashSet<>();
        refs.get().forEach(p -> names.add(CdnAssets.key(app, p)));
        int before = unreferenced.size();
        unreferenced.removeIf(o -> names.contains(o.key()));
        kept += before - unreferenced.size();
      }
      int removed = 0;
      long bytes = 0;
      for (ObjectInfo o : unreferenced) {
        if (!cleaning.mayDelete()) {
          // past its limit a waiting push may go on: what is left goes at the next release
          return new Cleaned(
              removed, bytes, kept, young, grace, null, unreferenced.size() - removed, limit);
        }
        try {
          store.delete(o.key());
        } catch (RuntimeException e) {
          throw new DeployException(
              "cannot remove "
                  + o.key()
                  + " from the store ("
                  + removed
                  + " removed before it): "
                  + e.getMessage());
        }
        removed++;
        bytes += o.size();
      }
      return new Cleaned(removed, bytes, kept, young, grace, null);
    }
  }

  /**
   * The most names one host may list as its releases ({@code release.keep} is at most 1000): a host
   * is less trusted than the service, and every name listed costs store reads in this and every
   * later clean-up (docs/cdn-and-caches.md).
   */
  static final int MAX_KEPT_PER_HOST = 2000;

  /**
   * What the hosts said, as far as it can be believed: only names that are versions (nothing else
   * can name an asset, and no other text goes into {@code kept.json}); null (the environment counts
   * with its history, as when a host could not be read) when a host lists more than {@link
   * #MAX_KEPT_PER_HOST}.
   */
  static Map<String, List<String>> fromHosts(Map<String, List<String>> hosts) {
    if (hosts == null) {
      return null;
    }
    Map<String, List<String>> out = new TreeMap<>();
    for (Map.Entry<String, List<String>> h : hosts.entrySet()) {
      if (h.getValue().size() > MAX_KEPT_PER_HOST) {
        return null;
      }
      out.put(h.getKey(), h.getValue().stream().filter(Names::isVersion).sorted().toList());
    }
    return out;
  }

  private static String inProgress(Map<String, String> locks, String v) {
    String where =
        locks.entrySet().stream()
            .filter(l -> l.getValue().equals(v))
            .map(Map.Entry::getKey)
            .findFirst()
            .orElse("another environment");
    return "a release of "
        + v
        + " to "
        + where
        + " is in progress and its assets are not listed yet; the next release cleans";
  }

  private static Cleaned skipped(String why) {
    return new Cleaned(0, 0, 0, 0, Duration.ZERO, why);
  }

  /** This environment and every other one of the app, from a listing of its {@code envs/}. */
  private Set<String> envs(List<ObjectInfo> envsListing) {
    Set<String> out = new TreeSet<>();
    out.add(env);
    String prefix = StoreLayout.envsPrefix(app);
    for (ObjectInfo o : envsListing) {
      String rest = o.key().substring(prefix.length());
      int slash = rest.indexOf('/');
      if (slash > 0 && Names.isEnv(rest.substring(0, slash))) {
        out.add(rest.substring(0, slash));
      }
    }
    return out;
  }

  /** The version each other environment's lock names (a release in progress), by environment. */
  private Map<String, String> locks(List<ObjectInfo> envsListing) {
    Map<String, String> out = new TreeMap<>();
    // one released meanwhile is not listed: its hosts' record says what it left
    new EnvLocks(store)
        .listed(app, envsListing)
        .forEach(
            (e, info) -> {
              // a rollback's lock may say "(previous)": its target is on its hosts, so kept anyway
              if (!e.equals(env) && info.version() != null && Names.isVersion(info.version())) {
                out.put(e, info.version());
              }
            });
    return out;
  }

  /**
   * The versions an environment may still have on a host: those its last {@code kept.json} lists,
   * plus every release or rollback started after that run; all of its history without one.
   */
  private Set<String> keptIn(String e) {
    Set<String> out = new TreeSet<>();
    String releases = ReleaseHistory.prefix(app, e);
    Map<Long, String> records = new TreeMap<>();
    for (ObjectInfo o : store.list(releases)) {
      String name = o.key().substring(releases.length());
      if (name.matches("\\d{1,18}\\.json")) {
        records.put(Long.parseLong(name.substring(0, name.length() - 5)), o.key());
      }
    }
    long after = 0;
    Optional<KeptOnHosts> kept;
    try {
      kept = cdn.kept(e);
    } catch (StoreException damaged) {
      kept = Optional.empty(); // a hand-edited file, JSON null included: the history counts
    }
    if (kept.isPresent()) {
      KeptOnHosts k = kept.get();
      if (describes(k, e, records)) {
        k.hosts().values().forEach(out::addAll);
        after = k.run();
      }
    } // none written (or gone): the whole history counts
    for (Map.Entry<Long, String> record : records.entrySet()) {
      if (record.getKey() <= after) {
        continue;
      }
      ReleaseRecord r = StoredJson.read(store, record.getValue(), ReleaseRecord.class);
      out.add(r.version());
      if (r.previousVersion() != null) {
        out.add(r.previousVersion());
      }
    }
    return out;
  }

  /**
   * Whether a {@code kept.json} is the one environment {@code e}'s run wrote after its hosts'
   * clean-up: its own environment, and a run of {@code e}'s history that started before it was
   * written. Anything else (a copy from another environment, a history removed and numbered from 1
   * again, a hand-edited file) would hide the releases started since: the history counts instead.
   */
  private boolean describes(KeptOnHosts k, String e, Map<Long, String> records) {
    if (k == null || !e.equals(k.env()) || k.hosts() == null || k.at() == null) {
      return false;
    }
    String key = records.get(k.run());
    if (key == null) {
      return false;
    }
    ReleaseRecord r = StoredJson.read(store, key, ReleaseRecord.class);
    return r.startedAt() != null && !r.startedAt().isAfter(k.at());
  }

  /**
   * The hashed paths {@code v} names: its recorded list; nothing when its build is not in this
   * store or was built without {@code release.cdn}; empty (unknown) when it has {@code release.cdn}
   * but no list.
   */
  private Optional<List<String>> refs(String v) {
    if (!Names.isVersion(v)) {
      return Optional.of(List.of());
    }
    Optional<List<String>> recorded = cdn.refs(v);
    if (recorded.isPresent()) {
      return recorded;
    }
    // no list: look at the build
    Optional<BuildRecord> build = new BuildRecords(store).find(app, v);
    if (build.isEmpty()) {
      return Optional.of(List.of());
    }
    TarmacConfig config;
    try {
      config = BuildConfigs.shared().of(build.get());
    } catch (RuntimeException e) {
      return Optional.empty();
    }
    return config.release().cdn().isPresent() ? Optional.empty() : Optional.of(List.of());
  }
}
