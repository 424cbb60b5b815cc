package dev.tarmac.deploy.release;

import dev.tarmac.deploy.config.TarmacConfig;
import dev.tarmac.deploy.config.TarmacConfig.Environment;
import dev.tarmac.deploy.config.TarmacConfig.Hooks;
import dev.tarmac.deploy.release.Fleet.Member;
import dev.tarmac.deploy.release.ReleaseRecord.Backup;
import dev.tarmac.deploy.remote.CommandResult;
import dev.tarmac.deploy.remote.HookEnv;
import dev.tarmac.deploy.remote.ReleaseCommands;
import dev.tarmac.deploy.remote.ReleaseCommands.Download;
import dev.tarmac.distributor.delta.DeltaRecord;
import dev.tarmac.distributor.delta.Deltas;
import dev.tarmac.distributor.model.BuildRecord;
import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.store.ArtifactStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One release of a built version to one environment, in the order it happens:
 *
 * <ol>
 *   <li><b>lock</b> the environment (store) — then each host ({@code mkdir .tarmac/lock});
 *   <li><b>prepare</b> every host in parallel, each at its own pace: connect, check, download and
 *       verify, link shared paths, prepare hooks, and the database backup on the primary db host;
 *   <li><b>barrier</b>: activation starts only when every host prepared; otherwise what this
 *       release unpacked is removed and nothing changes anywhere;
 *   <li><b>activate</b>: migrate once (primary db host), switch {@code current} on every host at
 *       the same moment, activate hooks, health check — any failure switches every host back;
 *   <li><b>finish</b>: revision log, old releases removed beyond {@code keep}, the record saved.
 * </ol>
 *
 * The record in the store follows along (PREPARING → ACTIVATING → LIVE or FAILED).
 */
public final class ReleasePlan {
  private final ArtifactStore store;
  private final Transports transports;
  private final BuildRecord build;
  private final TarmacConfig config;
  private final Environment env;
  private final ReleaseOptions options;
  private final ReleaseHistory history;
  private final Deltas deltas;
  private final String app;
  private final String version;

  private ReleaseRecord record;
  private Backup backup;
  private Duration window;

  public ReleasePlan(
      ArtifactStore store,
      Transports transports,
      BuildRecord build,
      TarmacConfig config,
      String envName,
      ReleaseOptions options,
      Deltas deltas) {
    this.store = store;
    this.transports = transports;
    this.build = build;
    this.config = config;
    this.env = config.environment(envName);
    this.options = options;
    this.app = build.app();
    this.version = build.version();
    this.history = new ReleaseHistory(store, app, env.name());
    this.deltas = deltas;
  }

  /** Runs the release; returns the LIVE record or throws {@link ReleaseFailedException}. */
  public ReleaseRecord run() {
    try (EnvLock lock =
            EnvLock.acquire(
                store,
                app,
                env.name(),
                options.who(),
                "release",
                version,
                options.lease(),
                options.clock(),
                options.forceUnlock());
        LeaseKeeper keeper = new LeaseKeeper(lock, options.lease());
        Fleet fleet = new Fleet(env, transports, options.commandTimeout(), options.listener())) {
      // the history is read once: earlier records do not change while we hold the lock
      List<ReleaseRecord> past = history.failInterrupted(history.list(), options.clock().instant());
      String previous = ReleaseHistory.live(past).map(ReleaseRecord::version).orElse(null);
      record =
          history.create(
              id ->
                  ReleaseRecord.started(
                      id,
                      app,
                      env.name(),
                      ReleaseRecord.RELEASE,
                      version,
                      build.commit(),
                      previous,
                      options.who(),
                      options.clock().instant()));
      options.onStart().accept(record);
      String owner =
          app
              + "/"
              + env.name()
              + "#"
              + record.id()
              + " release "
              + version
              + " by "
              + options.who();

      try {
        fleet.phase("prepare", "preparing " + version + " on " + env.hosts().size() + " hosts");
        List<Member> failed =
            fleet.eachHost(fleet.members(), env.parallel(), m -> prepare(fleet, m, owner, lock));

        fleet.phase(
            "barrier", failed.isEmpty() ? "every host prepared" : failed.size() + " failed");
        if (!failed.isEmpty()) {
          String error =
              "prepare failed on "
                  + failed.size()
                  + " of "
                  + env.hosts().size()
                  + " hosts; nothing was activated"
                  + servingNote(previous)
                  + ":\n"
                  + failures(failed);
          discardPrepared(fleet);
          fleet.unlockHosts();
          throw fail(fleet, error);
        }
        keeper.check();

        record = save(fleet, ReleaseStatus.ACTIVATING, null);
        fleet.phase("activate", "migrate, switch, activate hooks, health");
        activate(fleet, previous);

        fleet.phase("finish", "revision log, cleanup, record");
        finish(fleet, previous, past);
        return record;
      } catch (ReleaseFailedException e) {
        throw e;
      } catch (RuntimeException e) {
        // the lock was lost, the store failed...: nothing half-done may stay
        boolean activating = record.status() == ReleaseStatus.ACTIVATING;
        if (!activating) {
          discardPrepared(fleet);
        }
        fleet.unlockHosts();
        throw fail(
            fleet,
            "stopped: "
                + e.getMessage()
                + (activating
                    ? "; it stopped during activation: check `tarmac status`"
                    : "; nothing was activated" + servingNote(previous)));
      }
    }
  }

  private void prepare(Fleet fleet, Member m, String owner, EnvLock lock) {
    fleet.connect(m);
    fleet.lockHost(m, owner, holder -> lock.tookOver() || options.forceUnlock() || gone(holder));
    CommandResult check =
        fleet.run(m, "check", ReleaseCommands.checkHost(m.layout, 2 * build.size()));
    m.previous = versionOf(check.stdout());
    if (!fetchDelta(fleet, m)) {
      Download download =
          new Download(
              store.signedGetUrl(StoreLayout.artifact(app, version), options.urlTtl()),
              build.sha256(),
              build.size(),
              store.signedGetUrl(StoreLayout.manifest(app, version), options.urlTtl()),
              build.manifestSha256(),
              options.downloadRateLimit());
      CommandResult fetched =
          fleet.runWithProgress(
              m,
              "download",
              ReleaseCommands.fetch(m.layout, version, download),
              ReleaseCommands.downloadedBytes(m.layout, version),
              build.size(),
              Duration.ofMillis(500));
      m.createdRelease = fetched.stdout().strip().endsWith("downloaded");
      m.transfer =
          new ReleaseRecord.Transfer(
              m.createdRelease ? "full" : "none", null, m.createdRelease ? build.size() : 0);
    }
    fleet.run(
        m,
        "link shared",
        ReleaseCommands.linkShared(m.layout, version, config.release().shared(), build.commit()));
    Hooks hooks = config.release().hooks();
    Map<String, String> vars = hookEnv(m, m.previous).variables(m.layout);
    if (!hooks.prepare().isEmpty()) {
      fleet.run(
          m,
          "prepare hooks",
          ReleaseCommands.hooks(m.layout.release(version), vars, hooks.prepare()));
    }
    if (isPrimaryDb(m) && !hooks.backup().isEmpty()) {
      Map<String, String> backupVars = new java.util.LinkedHashMap<>(vars);
      backupVars.put("TARMAC_BACKUP_FILE", ReleaseCommands.backupFile(m.layout, version));
      fleet.run(
          m,
          "backup",
          ReleaseCommands.prepareBackup(m.layout, version)
              + " && "
              + ReleaseCommands.hooks(m.layout.release(version), backupVars, hooks.backup()));
      String key = StoreLayout.backup(app, env.name(), version);
      CommandResult up =
          fleet.run(
              m,
              "upload backup",
              ReleaseCommands.uploadBackup(
                  m.layout, version, store.signedPutUrl(key, options.urlTtl())));
      String[] shaSize = up.stdout().strip().split(" ");
      backup = new Backup(key, shaSize[0], Long.parseLong(shaSize[1]));
    }
  }

  /**
   * Builds the release on a host from the release it serves and a delta, when it serves one: only
   * what changed crosses the network. Returns false when the host needs the full artifact (no
   * release there, or the delta could not be made or used — the timeline says why).
   */
  private boolean fetchDelta(Fleet fleet, Member m) {
    if (deltas == null || m.previous == null || m.previous.equals(version)) {
      return false;
    }
    String from = m.previous;
    try {
      DeltaRecord[] made = new DeltaRecord[1];
      fleet.task(
          m,
          "make delta",
          () -> {
            made[0] = deltas.ensure(app, from, version, sharedPaths());
            return made[0].changed()
                + " of "
                + made[0].entries()
                + " entries, "
                + made[0].size()
                + " bytes";
          });
      DeltaRecord delta = made[0];
      fleet.task(
          m,
          "download delta",
          () -> {
            CommandResult r =
                m.transport.run(
                    ReleaseCommands.fetchDelta(
                        m.layout,
                        version,
                        new ReleaseCommands.DeltaDownload(
                            from,
                            store.signedGetUrl(
                                StoreLayout.delta(app, from, version), options.urlTtl()),
                            delta.sha256())),
                    options.commandTimeout());
            if (!r.ok()) {
              throw new Fleet.StepFailed(
                  m.name()
                      + ": the delta from "
                      + from
                      + " could not be used ("
                      + r.output()
                      + "); downloading the full artifact");
            }
            m.createdRelease = r.stdout().strip().endsWith("delta");
            m.transfer =
                new ReleaseRecord.Transfer(
                    m.createdRelease ? "delta" : "none", from, m.createdRelease ? delta.size() : 0);
            return m.createdRelease
                ? "delta from "
                    + from
                    + ": "
                    + delta.size()
                    + " bytes, "
                    + delta.changed()
                    + " entries changed, "
                    + delta.removed()
                    + " removed"
                : "present";
          });
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private Set<String> sharedPaths() {
    Set<String> out = new LinkedHashSet<>();
    config.release().shared().forEach(p -> out.add(ReleaseCommands.sharedPath(p)));
    return out;
  }

  private void activate(Fleet fleet, String previous) {
    Hooks hooks = config.release().hooks();
    Optional<Member> db = env.primaryDb().map(h -> fleet.member(h.name()));
    if (db.isPresent() && !hooks.migrate().isEmpty()) {
      Member m = db.get();
      try {
        fleet.run(
            m,
            "migrate",
            ReleaseCommands.hooks(
                m.layout.release(version),
                hookEnv(m, m.previous).variables(m.layout),
                hooks.migrate()));
      } catch (Fleet.StepFailed e) {
        markBadEverywhere(fleet);
        fleet.unlockHosts();
        throw fail(
            fleet,
            "migration failed, nothing was switched"
                + servingNote(previous)
                + ": "
                + e.getMessage()
                + (backup == null
                    ? ""
                    : "\nThe database may be half-migrated; the dump taken before is "
                        + backup.key()));
      }
    }

    Activation.Result activated = Activation.run(fleet, app, env.name(), version, config);
    window = activated.window();
    List<String> problems = activated.problems();
    if (!problems.isEmpty()) {
      fleet.clearFailures();
      switchBack(fleet);
      markBadEverywhere(fleet);
      fleet.unlockHosts();
      throw fail(
          fleet,
          "activation failed; every host was switched back"
              + servingNote(previous)
              + ":\n"
              + String.join("\n", problems.stream().map(p -> "  " + p).toList()));
    }
  }

  /** Every host back to what it served before this release, and its activate hooks re-run. */
  private void switchBack(Fleet fleet) {
    fleet.phase("switch back", "returning every host to its previous release");
    fleet.switchTo(fleet.members(), "switch back", m -> m.previous, false);
    Hooks hooks = config.release().hooks();
    if (!hooks.activate().isEmpty()) {
      fleet.eachHost(
          fleet.members().stream().filter(m -> m.previous != null).toList(),
          env.hosts().size(),
          m ->
              fleet.run(
                  m,
                  "activate hooks (previous)",
                  ReleaseCommands.hooks(
                      m.layout.release(m.previous),
                      new HookEnv(app, m.previous, env.name(), m.name(), null).variables(m.layout),
                      hooks.activate())));
    }
  }

  private void finish(Fleet fleet, String previous, List<ReleaseRecord> past) {
    List<String> keep = keep(previous, past);
    Instant now = options.clock().instant();
    fleet.eachHost(
        fleet.members(),
        env.parallel(),
        m -> {
          fleet.run(
              m,
              "log revision",
              ReleaseCommands.logRevision(
                      m.layout,
                      now
                          + " "
                          + version
                          + " "
                          + build.commit()
                          + " #"
                          + record.id()
                          + " by "
                          + options.who())
                  + " && "
                  + ReleaseCommands.clearBad(m.layout, version));
          fleet.run(m, "cleanup", ReleaseCommands.cleanup(m.layout, keep));
        });
    fleet.unlockHosts();
    record = save(fleet, ReleaseStatus.LIVE, null);
  }

  /**
   * The releases each host keeps: this one, the one before it, and the most recent good ones up to
   * {@code release.keep}.
   */
  private List<String> keep(String previous, List<ReleaseRecord> past) {
    Set<String> keep = new LinkedHashSet<>();
    keep.add(version);
    if (previous != null) {
      keep.add(previous);
    }
    for (ReleaseRecord r : past) {
      if (keep.size() >= config.release().keep()) {
        break;
      }
      if (r.status() == ReleaseStatus.LIVE || r.status() == ReleaseStatus.ROLLED_BACK) {
        keep.add(r.version());
      }
    }
    return new ArrayList<>(keep);
  }

  private void discardPrepared(Fleet fleet) {
    fleet.eachHost(
        fleet.members().stream().filter(m -> m.transport != null).toList(),
        env.parallel(),
        m -> fleet.run(m, "discard", ReleaseCommands.discard(m.layout, version, m.createdRelease)));
  }

  private void markBadEverywhere(Fleet fleet) {
    fleet.eachHost(
        fleet.members().stream().filter(m -> m.transport != null).toList(),
        env.parallel(),
        m -> fleet.run(m, "mark bad", ReleaseCommands.markBad(m.layout, version)));
  }

  private boolean isPrimaryDb(Member m) {
    return env.primaryDb().map(h -> h.name().equals(m.name())).orElse(false);
  }

  private HookEnv hookEnv(Member m, String previous) {
    return new HookEnv(app, version, env.name(), m.name(), previous);
  }

  /** Whether a host lock's holder ({@code app/env#id …}) is a release that has finished. */
  private boolean gone(String holder) {
    String prefix = app + "/" + env.name() + "#";
    if (!holder.startsWith(prefix)) {
      return false;
    }
    try {
      long id = Long.parseLong(holder.substring(prefix.length()).split(" ")[0]);
      return id != record.id() && history.get(id).map(r -> r.status().finished()).orElse(true);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private ReleaseRecord save(Fleet fleet, ReleaseStatus status, String error) {
    ReleaseRecord r =
        record.progressed(
            status,
            status.finished() ? options.clock().instant() : null,
            window == null ? null : window.toMillis(),
            backup,
            error,
            fleet.hostRecords());
    history.update(r);
    return r;
  }

  private ReleaseFailedException fail(Fleet fleet, String error) {
    record =
        save(fleet, ReleaseStatus.FAILED, app + " " + version + " to " + env.name() + ": " + error);
    return new ReleaseFailedException(record);
  }

  static String servingNote(String previous) {
    return previous == null ? "" : " (" + previous + " still serves)";
  }

  static String failures(List<Member> failed) {
    return failed.stream().map(m -> "  " + m.failure).collect(Collectors.joining("\n"));
  }

  /** {@code releases/v1.2.0} → {@code v1.2.0}; anything else (nothing live) → null. */
  static String versionOf(String readlink) {
    String s = readlink.strip();
    int nl = s.lastIndexOf('\n');
    s = nl < 0 ? s : s.substring(nl + 1);
    return s.startsWith("releases/") ? s.substring("releases/".length()) : null;
  }
}
