package dev.tarmac.builder.service;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.tarmac.deploy.release.EnvLocks;
import dev.tarmac.deploy.release.ReleaseHistory;
import dev.tarmac.deploy.release.ReleaseRecord;
import dev.tarmac.deploy.release.ReleaseStatus;
import dev.tarmac.distributor.delta.DeltaRecords;
import dev.tarmac.distributor.model.BuildRecord;
import dev.tarmac.distributor.model.Names;
import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.records.BuildRecords;
import dev.tarmac.distributor.records.StoredJson;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.ObjectInfo;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Retention in the store (docs/architecture.md, "Retention in the store"): after a build is
 * published, the app's builds beyond its newest {@code release.keep_builds} are removed with their
 * deltas — never one that any environment's history or lock still needs: the live version, the one
 * {@code tarmac rollback} would go to, the newest {@code release.keep} versions that went live
 * (what the hosts keep, so {@code rollback --to} finds them), a release in progress and the version
 * an environment lock names. Right before each build is removed, the locks and any release record
 * written since are read again. What was removed and why the others were kept is written to {@code
 * apps/<app>/retention.json} (answered by {@code GET /api/apps/{app}}).
 */
public final class BuildRetention {
  private final ArtifactStore store;
  private final Clock clock;

  public BuildRetention(ArtifactStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /** One build removed, and the deltas removed with it. */
  public record Removed(String version, Instant builtAt, List<String> deltas) {}

  /**
   * The outcome of one clean-up.
   *
   * @param after the build whose publication started it
   * @param kept every build left, newest first
   * @param protectedBuilds builds beyond {@code keepBuilds} that were kept, and why
   * @param removed the builds removed, oldest first
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Result(
      String app,
      String after,
      int keepBuilds,
      Instant at,
      List<String> kept,
      Map<String, String> protectedBuilds,
      List<Removed> removed) {}

  /** The last clean-up of {@code app}, if there was one. */
  public Optional<Result> last(String app) {
    return StoredJson.find(store, StoreLayout.retention(app), Result.class);
  }

  /**
   * Removes the builds of {@code app} beyond the newest {@code keepBuilds} that nothing protects.
   *
   * @param hostKeep the {@code release.keep} to assume for an environment whose live build cannot
   *     be read (the larger of it and the live build's own is used)
   * @param keepOf a version's build record → its {@code release.keep}
   */
  public Result prune(
      String app,
      String after,
      int keepBuilds,
      int hostKeep,
      Function<BuildRecord, Integer> keepOf) {
    Names.app(app);
    if (keepBuilds < 1) {
      throw new IllegalArgumentException("keep_builds must be at least 1, got " + keepBuilds);
    }
    List<BuildRecord> builds = builds(app);
    List<String> kept = new ArrayList<>();
    Map<String, String> protectedBuilds = new LinkedHashMap<>();
    List<Removed> removed = new ArrayList<>();
    if (builds.size() > keepBuilds) {
      Uses uses = new Uses(app);
      uses.scan(hostKeep, keepOf);
      List<String> deltas = new ArrayList<>(keys(DeltaRecords.prefix(app)));
      List<BuildRecord> beyond = builds.subList(keepBuilds, builds.size());
      for (int i = beyond.size() - 1; i >= 0; i--) {
        BuildRecord b = beyond.get(i);
        String why = uses.why(b.version());
        if (why == null) {
          // a release may have started since the scan: read the locks and new records again
          uses.rescan();
          why = uses.why(b.version());
        }
        if (why != null) {
          protectedBuilds.put(b.version(), why);
          continue;
        }
        removed.add(new Removed(b.version(), b.finishedAt(), remove(app, b.version(), deltas)));
      }
    }
    Set<String> gone = new HashSet<>();
    removed.forEach(r -> gone.add(r.version()));
    builds.stream().map(BuildRecord::version).filter(v -> !gone.contains(v)).forEach(kept::add);
    Result result =
        new Result(app, after, keepBuilds, clock.instant(), kept, protectedBuilds, removed);
    StoredJson.put(store, StoreLayout.retention(app), result);
    return result;
  }

  /** The app's published builds, newest first (by when they finished, then by version). */
  private List<BuildRecord> builds(String app) {
    List<BuildRecord> out = new ArrayList<>(new BuildRecords(store).list(app));
    out.sort(
        Comparator.comparing(
                BuildRecord::finishedAt, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(BuildRecord::version)
            .reversed());
    return out;
  }

  /**
   * Removes one build: its record first (from then on no release can resolve it), then its files,
   * then every delta from or to it (taken out of {@code deltaKeys}). Returns the deltas removed.
   */
  private List<String> remove(String app, String version, List<String> deltaKeys) {
    store.delete(BuildRecords.recordKey(app, version));
    store.delete(BuildRecords.artifactKey(app, version));
    store.delete(BuildRecords.manifestKey(app, version));
    store.delete(BuildRecords.logKey(app, version));
    // whatever else a build directory holds
    for (String key : keys(StoreLayout.buildDir(app, version))) {
      store.delete(key);
    }
    List<String> out = new ArrayList<>();
    String prefix = DeltaRecords.prefix(app);
    for (String key : deltaKeys) {
      String name = key.substring(prefix.length());
      String pair = name.replaceFirst("\\.(tar\\.gz|json)$", "");
      if (pair.startsWith(version + "..") || pair.endsWith(".." + version)) {
        out.add(key);
      }
    }
    // the record first: without it a delta is never used (Deltas makes it again, or fails)
    out.sort(Comparator.comparing((String k) -> !k.endsWith(".json")).thenComparing(k -> k));
    out.forEach(store::delete);
    deltaKeys.removeAll(out);
    return out.stream().filter(k -> k.endsWith(".tar.gz")).toList();
  }

  private List<String> keys(String prefix) {
    return store.list(prefix).stream().map(ObjectInfo::key).toList();
  }

  /** What the environments of an app use, read from their histories and locks in the store. */
  private final class Uses {
    private final String app;
    private final Map<String, String> why = new TreeMap<>();
    private final Set<String> recordsSeen = new HashSet<>();
    private final EnvLocks locks = new EnvLocks(store);

    Uses(String app) {
      this.app = app;
    }

    String why(String version) {
      return why.get(version);
    }

    private void use(String version, String reason) {
      if (version != null && Names.isVersion(version)) {
        why.putIfAbsent(version, reason);
      }
    }

    /** Every environment's history and lock. */
    void scan(int hostKeep, Function<BuildRecord, Integer> keepOf) {
      for (String env : envs()) {
        List<ReleaseRecord> newestFirst = new ArrayList<>();
        for (String key : keys(ReleaseHistory.prefix(app, env))) {
          record(key).ifPresent(r -> newestFirst.add(0, r));
        }
        history(env, newestFirst, hostKeep, keepOf);
        lock(env);
      }
    }

    /** The locks again, and the records written since the scan. */
    void rescan() {
      for (String env : envs()) {
        for (String key : keys(ReleaseHistory.prefix(app, env))) {
          if (!recordsSeen.contains(key)) {
            record(key)
                .ifPresent(
                    r -> {
                      String what = r.kind() + " #" + r.id() + " in " + env;
                      use(r.version(), what + " (started during the clean-up)");
                      use(r.previousVersion(), "live before " + what);
                    });
          }
        }
        lock(env);
      }
    }

    private Set<String> envs() {
      Set<String> out = new LinkedHashSet<>();
      String prefix = StoreLayout.envsPrefix(app);
      for (String key : keys(prefix)) {
        String rest = key.substring(prefix.length());
        int slash = rest.indexOf('/');
        if (slash > 0 && Names.isEnv(rest.substring(0, slash))) {
          out.add(rest.substring(0, slash));
        }
      }
      return out;
    }

    private Optional<ReleaseRecord> record(String key) {
      if (!key.endsWith(".json")) {
        return Optional.empty();
      }
      recordsSeen.add(key);
      return StoredJson.find(store, key, ReleaseRecord.class);
    }

    private void lock(String env) {
      // none: nothing running there
      locks
          .find(app, env)
          .ifPresent(
              lock ->
                  use(
                      lock.version(),
                      "named by the lock of "
                          + env
                          + " ("
                          + lock.operation()
                          + " by "
                          + lock.holder()
                          + ")"));
    }

    /**
     * What one environment's history protects: releases in progress (and what was live before
     * them); the live version; the rollback target (as {@code Rollback.previousGood} chooses it:
     * the newest LIVE release before the live one, with another version); and the newest {@code
     * keep} distinct versions that went live, which the hosts' clean-up keeps too
     * (docs/architecture.md, "Clean-up from the host").
     */
    private void history(
        String env,
        List<ReleaseRecord> newestFirst,
        int hostKeep,
        Function<BuildRecord, Integer> keepOf) {
      for (ReleaseRecord r : newestFirst) {
        if (!r.status().finished()) {
          use(r.version(), r.kind() + " #" + r.id() + " in progress in " + env);
          use(r.previousVersion(), "live before " + r.kind() + " #" + r.id() + " in " + env);
        }
      }
      Optional<ReleaseRecord> live =
          newestFirst.stream().filter(r -> r.status() == ReleaseStatus.LIVE).findFirst();
      if (live.isEmpty()) {
        return;
      }
      ReleaseRecord l = live.get();
      use(l.version(), "live in " + env + " (release #" + l.id() + ")");
      newestFirst.stream()
          .filter(r -> r.id() < l.id())
          .filter(r -> r.status() == ReleaseStatus.LIVE)
          .filter(r -> !r.version().equals(l.version()))
          .findFirst()
          .ifPresent(r -> use(r.version(), "the rollback target in " + env));
      int keep = Math.max(hostKeep, liveKeep(l.version(), keepOf).orElse(hostKeep));
      Set<String> wentLive = new LinkedHashSet<>();
      for (ReleaseRecord r : newestFirst) {
        if (r.status() == ReleaseStatus.LIVE || r.status() == ReleaseStatus.ROLLED_BACK) {
          if (wentLive.size() < keep && wentLive.add(r.version())) {
            use(
                r.version(),
                "kept on the hosts of "
                    + env
                    + " (release.keep "
                    + keep
                    + "): `tarmac rollback --to`");
          }
        }
      }
    }

    private Optional<Integer> liveKeep(String version, Function<BuildRecord, Integer> keepOf) {
      try {
        return Optional.of(keepOf.apply(new BuildRecords(store).read(app, version)));
      } catch (RuntimeException e) {
        return Optional.empty();
      }
    }
  }
}
