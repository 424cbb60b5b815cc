package dev.tarmac.deploy.release;

import dev.tarmac.deploy.DeployException;
import dev.tarmac.deploy.config.TarmacConfig;
import dev.tarmac.deploy.config.TarmacConfig.Environment;
import dev.tarmac.deploy.release.Fleet.Member;
import dev.tarmac.deploy.release.ReleaseRecord.Backup;
import dev.tarmac.deploy.remote.HostCommands;
import dev.tarmac.distributor.store.ArtifactStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The one lifecycle every release and rollback goes through, in the order it happens
 * (docs/architecture.md, "The release"); an {@link Operation} supplies only its own phases:
 *
 * <ol>
 *   <li><b>lock</b>: the environment's lock in the store, the run's record (its number is the run's
 *       <em>generation</em>, the fencing token written into the lock), then on every host the host
 *       lock carrying that generation;
 *   <li><b>prepare</b> every host in parallel, each at its own pace ({@link Operation#prepare});
 *       alongside, once, <b>push assets</b> ({@link Operation#pushAssets}: the release's
 *       fingerprinted files to the store's {@code cdn/}, so they exist before any page names them);
 *   <li><b>barrier</b>: nothing goes further unless every host prepared and the assets are pushed;
 *       otherwise what the run left is discarded and nothing changes anywhere;
 *   <li><b>activate</b>: {@link Operation#beforeSwitch} once (migrate, restore), then {@link
 *       Activation}: every host staged and acknowledged, switched at once, activate hooks, health —
 *       any failure switches every host back;
 *   <li><b>finish</b>: revision log and clean-up on every host (decided from the host's own log),
 *       host locks released, the record saved LIVE.
 * </ol>
 *
 * Fencing: before every phase that changes a host the lock in the store is read again, and every
 * command that changes a host first checks, on the host, that the host lock still carries this
 * run's generation. A run fenced off (a colleague's {@code --force-unlock}) stops where it is: it
 * switches nothing, discards nothing and cleans nothing up, and its record says FAILED.
 */
final class Lifecycle {

  /** What a release, a rollback adds to the lifecycle. */
  interface Operation {
    /** {@link ReleaseRecord#RELEASE} or {@link ReleaseRecord#ROLLBACK}. */
    String kind();

    /** What the environment lock says is going on before the target is known. */
    String lockVersion();

    /**
     * Decides the target, with the history (newest first) read under the lock; throws a {@link
     * DeployException} to refuse, before anything changed.
     */
    Target resolve(List<ReleaseRecord> past);

    /**
     * Once, as the hosts are being connected: work that needs no host, started so that it overlaps
     * the connections and logins (a release makes the delta from the live version).
     */
    default void beforeHosts(Lifecycle run) {}

    /**
     * Once, in its own thread while the hosts prepare: the service's own work that must be done
     * before the barrier (a release pushes its fingerprinted assets). Throws to fail the barrier.
     */
    default void pushAssets(Lifecycle run) {}

    /** Prepares one host (connected, locked): everything before the barrier. */
    void prepare(Lifecycle run, Member m);

    /** Removes what {@link #prepare} left on the hosts after a failed prepare. */
    default void discard(Lifecycle run) {}

    /** Once, after the barrier, before the switch: migrate, restore. Throws to stop. */
    default void beforeSwitch(Lifecycle run) {}

    /** Whether a failure after the barrier marks the target bad on the hosts. */
    boolean marksBad();

    /** After the record says LIVE. */
    default void afterLive(Lifecycle run) {}
  }

  /**
   * What a run puts live: {@code version} (built from {@code commit}), with the {@code config} its
   * activation uses; {@code liveConfig} is the one the hosts' current release came with (its
   * activate hooks run again when switching back); {@code live} is the version live now (null:
   * none).
   */
  record Target(
      String version, String commit, String live, TarmacConfig config, TarmacConfig liveConfig) {}

  final ArtifactStore store;
  final Transports transports;
  final String app;
  final String envName;
  final ReleaseOptions options;
  final ReleaseHistory history;

  Environment env;
  Target target;
  Fleet fleet;
  ReleaseRecord record;
  Backup backup;
  private EnvLock lock;
  private Duration window;

  Lifecycle(
      ArtifactStore store,
      Transports transports,
      String app,
      String envName,
      ReleaseOptions options) {
    this.store = store;
    this.transports = transports;
    this.app = app;
    this.envName = envName;
    this.options = options;
    this.history = new ReleaseHistory(store, app, envName);
  }

  /** Runs {@code op}; returns the LIVE record or throws {@link ReleaseFailedException}. */
  ReleaseRecord run(Operation op) {
    try (EnvLock l =
            EnvLock.acquire(
                store,
                app,
                envName,
                options.who(),
                op.kind(),
                op.lockVersion(),
                options.lease(),
                options.clock(),
                options.forceUnlock());
        LeaseKeeper keeper = new LeaseKeeper(l, options.lease())) {
      lock = l;
      // the history is read once: earlier records do not change while we hold the lock
      List<ReleaseRecord> past = history.failInterrupted(history.list(), options.clock().instant());
      target = op.resolve(past);
      env = target.config().environment(envName);
      record =
          history.create(
              id ->
                  ReleaseRecord.started(
                      id,
                      app,
                      envName,
                      op.kind(),
                      target.version(),
                      target.commit(),
                      target.live(),
                      options.who(),
                      options.clock().instant()));
      lock.fence(record.id());
      options.onStart().accept(record);
      try (Fleet f = new Fleet(env, transports, options.commandTimeout(), options.listener())) {
        fleet = f;
        fleet.generation(hostGeneration(record));
        return phases(op, past);
      }
    }
  }

  private ReleaseRecord phases(Operation op, List<ReleaseRecord> past) {
    String owner =
        app
            + "/"
            + envName
            + "#"
            + record.id()
            + " "
            + op.kind()
            + " "
            + target.version()
            + " by "
            + options.who();
    try {
      fleet.phase(
          "prepare", op.kind() + " " + target.version() + " on " + env.hosts().size() + " hosts");
      op.beforeHosts(this);
      java.util.concurrent.CompletableFuture<String> assets = pushAssets(op);
      List<Member> failed =
          fleet.eachHost(
              fleet.members(),
              env.parallel(),
              m -> {
                fleet.connect(m);
                fleet.lockHost(m, owner, this::stale);
                op.prepare(this, m);
              });
      String pushFailure = assets.join();
      stopIfFenced();

      fleet.phase(
          "barrier",
          failed.isEmpty() && pushFailure == null
              ? "every host prepared"
              : failed.size() + " failed" + (pushFailure == null ? "" : ", push assets failed"));
      if (pushFailure != null) {
        op.discard(this);
        fleet.unlockHosts(env.parallel());
        throw fail(
            pushFailure
                + "; nothing was activated"
                + servingNote()
                + (failed.isEmpty() ? "" : "; prepare also failed on:\n" + failures(failed)));
      }
      if (!failed.isEmpty()) {
        op.discard(this);
        fleet.unlockHosts(env.parallel());
        throw fail(
            (op.kind().equals(ReleaseRecord.RELEASE)
                    ? "prepare failed on "
                    : "cannot roll back to " + target.version() + ": the check failed on ")
                + failed.size()
                + " of "
                + env.hosts().size()
                + " hosts; nothing was activated"
                + servingNote()
                + ":\n"
                + failures(failed));
      }

      // a cancellation is honoured between phases, never inside one (docs/architecture.md,
      // "Cancelling a release"): here every host prepared, nothing is switched
      if (cancelled("before the switch")) {
        op.discard(this);
        fleet.unlockHosts(env.parallel());
        throw fail("cancelled before the switch; nothing was activated" + servingNote());
      }

      lock.verify();
      record = save(ReleaseStatus.ACTIVATING, null);
      fleet.phase("activate", "switching every host to " + target.version());
      try {
        op.beforeSwitch(this);
      } catch (Fleet.Fenced e) {
        throw e;
      } catch (DeployException e) {
        if (op.marksBad()) {
          markBadEverywhere();
        }
        fleet.unlockHosts(env.parallel());
        throw fail(e.getMessage() + "; nothing was switched" + servingNote());
      }

      if (cancelled("before the switch")) {
        fleet.unlockHosts(env.parallel());
        throw fail("cancelled before the switch; nothing was switched" + servingNote());
      }

      lock.verify();
      Activation.Result activated =
          Activation.run(
              fleet, app, envName, target.version(), target.config(), options.switchAck());
      window = activated.window();
      stopIfFenced();
      if (!activated.problems().isEmpty()) {
        switchBack();
        if (op.marksBad()) {
          markBadEverywhere();
        }
        fleet.unlockHosts(env.parallel());
        throw fail(
            "activation failed; every host was switched back"
                + servingNote()
                + ":\n"
                + activated.problems().stream()
                    .map(p -> "  " + p)
                    .collect(Collectors.joining("\n")));
      }

      if (cancelled("after the switch")) {
        switchBack();
        fleet.unlockHosts(env.parallel());
        throw fail("cancelled after the switch; every host was switched back" + servingNote());
      }

      lock.verify();
      fleet.phase("finish", "revision log, cleanup, record");
      finish(op);
      fleet.unlockHosts(env.parallel());
      record = save(ReleaseStatus.LIVE, null);
      op.afterLive(this);
      return record;
    } catch (ReleaseFailedException e) {
      throw e;
    } catch (Fleet.Fenced | EnvLock.LostLockException e) {
      // every command below is fenced: it acts only on hosts whose lock is still this run's
      boolean activating = record.status() == ReleaseStatus.ACTIVATING;
      if (!activating) {
        op.discard(this);
      }
      fleet.unlockHosts(env.parallel());
      throw fail(
          "fenced off: "
              + e.getMessage()
              + (activating
                  ? "; it stopped during activation and changed nothing more: check `tarmac"
                      + " status`"
                  : "; nothing was activated" + servingNote())
              + " (what this run prepared is removed only where it still held the host lock;"
              + " the run that took over is left alone)");
    } catch (RuntimeException e) {
      // the store failed, a bug...: nothing half-done may stay
      boolean activating = record.status() == ReleaseStatus.ACTIVATING;
      if (!activating) {
        op.discard(this);
      }
      fleet.unlockHosts(env.parallel());
      throw fail(
          "stopped: "
              + e.getMessage()
              + (activating
                  ? "; it stopped during activation: check `tarmac status`"
                  : "; nothing was switched" + servingNote()));
    }
  }

  /** Whether the run was asked to stop; says so as a phase when it was. */
  private boolean cancelled(String where) {
    if (!options.cancelled().getAsBoolean()) {
      return false;
    }
    fleet.phase("cancel", "cancelled by request, " + where);
    return true;
  }

  /** Runs {@link Operation#pushAssets} in its own thread; completes with its failure, or null. */
  private java.util.concurrent.CompletableFuture<String> pushAssets(Operation op) {
    java.util.concurrent.CompletableFuture<String> done =
        new java.util.concurrent.CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                op.pushAssets(this);
                done.complete(null);
              } catch (RuntimeException e) {
                done.complete(e.getMessage());
              } catch (Error e) {
                done.complete("push assets failed: " + e);
              }
            },
            "tarmac-push-assets-" + app);
    t.setDaemon(true);
    t.start();
    return done;
  }

  private void stopIfFenced() {
    if (fleet.fencedBy() != null) {
      throw new Fleet.Fenced(fleet.fencedBy());
    }
  }

  /**
   * Every host back to what it served before this run, its activate hooks run again, and its caches
   * cleared again (they may hold pages of the version that was live for a moment).
   */
  private void switchBack() {
    fleet.clearFailures();
    fleet.phase("switch back", "returning every host to its previous release");
    fleet.switchTo(fleet.members(), "switch back", m -> m.previous, false, options.switchAck());
    Activation.activateHooks(fleet, app, envName, m -> m.previous, target.liveConfig());
    if (target.live() != null && target.liveConfig() != null) {
      PurgeCaches.again(fleet, target.live(), target.liveConfig().release().purge());
    }
  }

  private void finish(Operation op) {
    Instant now = options.clock().instant();
    String line =
        now
            + " "
            + target.version()
            + " "
            + target.commit()
            + " #"
            + record.id()
            + (op.kind().equals(ReleaseRecord.ROLLBACK) ? " rollback" : "")
            + " by "
            + options.who();
    int keep = target.config().release().keep();
    Optional<TarmacConfig.Cdn> cdn = target.config().release().cdn();
    Map<String, List<String>> kept = new java.util.concurrent.ConcurrentHashMap<>();
    List<Member> failed =
        fleet.eachHost(
            fleet.members(),
            env.parallel(),
            m -> {
              fleet.change(
                  m,
                  "log revision",
                  HostCommands.logRevision(m.layout, line)
                      + " && "
                      + HostCommands.clearBad(m.layout, target.version()));
              fleet.change(
                  m,
                  "cleanup",
                  HostCommands.cleanup(m.layout, target.version(), m.previous, keep, false));
              if (cdn.isPresent()) {
                // names only, checked and sorted by CleanAssets.fromHosts
                kept.put(
                    m.name(),
                    fleet
                        .read(m, "kept releases", HostCommands.keptReleases(m.layout))
                        .stdout()
                        .lines()
                        .toList());
              }
            });
    stopIfFenced();
    if (cdn.isPresent()) {
      cleanAssets(cdn.get(), failed.isEmpty() ? kept : null);
    }
  }

  /**
   * After the hosts' clean-up, what no kept release references any more goes from {@code
   * cdn/<app>/} ({@link CleanAssets}; docs/cdn-and-caches.md). A failure is a failed task on {@code
   * (service)} in the timeline, a warning: the release is LIVE all the same.
   */
  private void cleanAssets(TarmacConfig.Cdn cdn, Map<String, List<String>> kept) {
    try {
      fleet.task(
          fleet.service(),
          "clean assets",
          () ->
              new CleanAssets(
                      store,
                      app,
                      envName,
                      record.id(),
                      target.version(),
                      cdn.grace(),
                      options.clock().instant())
                  .run(kept)
                  .describe());
    } catch (RuntimeException e) {
      // in the timeline as a failed task; nothing about the release depends on it
    }
  }

  private void markBadEverywhere() {
    fleet.eachHost(
        fleet.connected(),
        env.parallel(),
        m -> fleet.change(m, "mark bad", HostCommands.markBad(m.layout, target.version())));
  }

  /**
   * The generation a run writes into each host's lock: its record number, which only grows within
   * one store, and its start time (base 36 milliseconds), which tells apart two services (two
   * stores) that both reach run #7 of the same app and environment on the same hosts
   * (docs/architecture.md, "Fencing").
   */
  static String hostGeneration(ReleaseRecord r) {
    return r.id() + "-" + Long.toString(r.startedAt().toEpochMilli(), 36);
  }

  /**
   * Whether another run's host lock may be broken: the user forced it; or the lock belongs to a run
   * of this store's history (its generation is that record's) and the environment lock was taken
   * over (expired or forced: that run was fenced off) or its record has finished. A lock this store
   * does not know (another service's run, a record gone) is never judged stale: the host refuses,
   * and says so.
   */
  private boolean stale(HostCommands.Holder holder) {
    if (options.forceUnlock()) {
      return true;
    }
    String prefix = app + "/" + envName + "#";
    if (!holder.owner().startsWith(prefix)) {
      return false;
    }
    long id;
    try {
      id = Long.parseLong(holder.owner().substring(prefix.length()).split(" ")[0]);
    } catch (NumberFormatException e) {
      return false;
    }
    if (id == record.id()) {
      return false;
    }
    Optional<ReleaseRecord> theirs =
        history.get(id).filter(r -> hostGeneration(r).equals(holder.generation()));
    return theirs.isPresent() && (lock.tookOver() || theirs.get().status().finished());
  }

  private ReleaseRecord save(ReleaseStatus status, String error) {
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

  ReleaseFailedException fail(String error) {
    record =
        save(
            ReleaseStatus.FAILED,
            (record.kind().equals(ReleaseRecord.ROLLBACK)
                    ? app + " rollback to " + target.version() + " in " + envName
                    : app + " " + target.version() + " to " + envName)
                + ": "
                + error);
    return new ReleaseFailedException(record);
  }

  String servingNote() {
    return target.live() == null ? "" : " (" + target.live() + " still serves)";
  }

  static String failures(List<Member> failed) {
    return failed.stream().map(m -> "  " + m.failure).collect(Collectors.joining("\n"));
  }
}
