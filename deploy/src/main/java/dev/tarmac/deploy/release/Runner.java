package dev.tarmac.deploy.release;

import dev.tarmac.deploy.DeployException;
import dev.tarmac.deploy.release.Fleet.Member;
import dev.tarmac.deploy.release.Phase.EachHost;
import dev.tarmac.deploy.release.Phase.Once;
import dev.tarmac.deploy.release.Phase.Problems;
import dev.tarmac.deploy.release.Phase.Stage;
import dev.tarmac.deploy.release.Run.Target;
import dev.tarmac.deploy.remote.HostCommands;
import dev.tarmac.distributor.store.ArtifactStore;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * Runs a release, a rollback: one declared list of {@link Phase}s ({@link Operation#phases}), stage
 * by stage (docs/architecture.md, "The release as a list of phases"). The runner alone owns what
 * every run shares, written once:
 *
 * <ul>
 *   <li>the environment's <b>lock</b> in the store, its lease, the run's record (its number is the
 *       run's <em>generation</em>, the fencing token) — all taken by {@link #start} on the caller's
 *       thread, so that the caller has the record before anything touches a host;
 *   <li>on every host: connect, the host lock carrying the generation, and at the end its release;
 *   <li><b>fencing</b>: the lock read again between stages, every host command fenced ({@link
 *       Fleet#change}); a run whose lock was taken says so, whatever its last command saw;
 *   <li>what a failure means, by the stage it happened in ({@link Stage}): before the barrier the
 *       hosts' work is discarded; before the switch nothing is switched; in the activation every
 *       host is switched back; in the finish it is a warning;
 *   <li>a <b>cancellation</b>, honoured between stages, never inside a phase.
 * </ul>
 */
final class Runner {

  /** What a release, a rollback is: its target, its phases, and the words for its failures. */
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

    /** The run, in order: the declared list. */
    List<Phase> phases();

    /** How the barrier says that hosts failed, before {@code "<n> of <m> hosts"}. */
    String failedOn(Target target);

    /** Removes what the prepare phases left on the hosts this run still holds. */
    default void discard(Run run) {}

    /**
     * After a failure past the barrier (the hosts never switched, or switched back): stops the
     * processes this run started, which nothing serves (docs/processes.md).
     */
    default void stopStarted(Run run) {}

    /** The secret values the run renders: cut out of everything its hosts say. */
    default java.util.Collection<String> secrets() {
      return java.util.List.of();
    }

    /** The configuration revisions the run renders, for its record (null: none). */
    default ReleaseRecord.ConfigUsed configUsed(Target target) {
      return null;
    }

    /** Whether a failure after the barrier marks the target bad on the hosts. */
    boolean marksBad();

    /**
     * What this run changed that switching back does not undo (a migration that ran), as a
     * paragraph ending the failure's words; empty when nothing.
     */
    default String stillApplied(Run run) {
      return "";
    }
  }

  private final ArtifactStore store;
  private final Transports transports;
  private final String app;
  private final String envName;
  private final ReleaseOptions options;
  private final ReleaseHistory history;
  private final List<String> warnings;
  private final TaskLogs logs;

  Runner(
      ArtifactStore store,
      Transports transports,
      String app,
      String envName,
      ReleaseOptions options) {
    this(store, transports, app, envName, options, List.of());
  }

  /** {@code warnings}: written into the run's record before anything else happens. */
  Runner(
      ArtifactStore store,
      Transports transports,
      String app,
      String envName,
      ReleaseOptions options,
      List<String> warnings) {
    this.warnings = List.copyOf(warnings);
    this.store = store;
    this.transports = transports;
    this.app = app;
    this.envName = envName;
    this.options = options;
    this.history = new ReleaseHistory(store, app, envName);
    this.logs = new TaskLogs(store, app, envName);
  }

  /**
   * Takes the environment lock, reads the history once (earlier records do not change while the
   * lock is held), decides the target and writes the run's record: on the caller's thread. Throws a
   * {@link DeployException} to refuse (nothing changed, the lock released); otherwise the caller
   * must {@link Started#run} or {@link Started#close} what it got.
   */
  Started start(Operation op) {
    EnvLock lock = acquire(op);
    LeaseKeeper keeper = null;
    try {
      keeper = new LeaseKeeper(lock, options.lease());
      List<ReleaseRecord> past = history.failInterrupted(history.list(), options.clock().instant());
      Target target = op.resolve(past);
      target.config().environment(envName); // an environment the target does not have: refused
      Processes.checkRoles(target.config(), envName); // a process's roles no host has: refused
      ReleaseRecord record =
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
                          options.clock().instant())
                      .withWarnings(warnings)
                      .withConfig(op.configUsed(target)));
      lock.fence(record.id());
      return new Started(op, lock, keeper, target, record);
    } catch (RuntimeException e) {
      if (keeper != null) {
        keeper.close();
      }
      lock.close();
      throw e;
    }
  }

  /**
   * How long a run waits for the lock of a run whose record has already ended: between its last
   * record and the lock's release it closes its sessions — a release asked for as soon as the one
   * before said LIVE (a script, a CI job) waits for that, instead of a 423.
   */
  static final java.time.Duration FINISHING_WAIT = java.time.Duration.ofSeconds(10);

  private EnvLock acquire(Operation op) {
    long until = System.nanoTime() + FINISHING_WAIT.toNanos();
    while (true) {
      try {
        return EnvLock.acquire(
            store,
            app,
            envName,
            options.who(),
            op.kind(),
            op.lockVersion(),
            options.lease(),
            options.clock(),
            options.forceUnlock());
      } catch (LockedException e) {
        if (System.nanoTime() > until || !holderFinished()) {
          throw e;
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  /** Whether the lock is held by a run of this history whose record has ended. */
  private boolean holderFinished() {
    return new EnvLocks(store)
        .find(app, envName)
        .map(EnvLock.Info::generation)
        .flatMap(history::get)
        .map(r -> r.status().finished())
        .orElse(false);
  }

  /**
   * Starts and runs {@code op} on this thread; the LIVE record, or {@link ReleaseFailedException}.
   */
  ReleaseRecord run(Operation op) {
    return start(op).run();
  }

  /** A run that holds its lock and has its record; nothing has touched a host yet. */
  final class Started implements ReleaseRun {
    private final Operation op;
    private final EnvLock lock;
    private final LeaseKeeper keeper;
    private final Target target;
    private volatile ReleaseRecord record;
    private Run run;
    private Fleet fleet;

    private Started(
        Operation op, EnvLock lock, LeaseKeeper keeper, Target target, ReleaseRecord record) {
      this.op = op;
      this.lock = lock;
      this.keeper = keeper;
      this.target = target;
      this.record = record;
    }

    @Override
    public ReleaseRecord record() {
      return record;
    }

    @Override
    public ReleaseRecord run() {
      try (Fleet f =
          new Fleet(
              target.config().environment(envName),
              transports,
              options.commandTimeout(),
              options.listener(),
              (host, task, text) -> logs.keep(record.id(), host, task, text))) {
        fleet = f;
        fleet.redact(Redaction.of(op.secrets()));
        fleet.generation(hostGeneration(record));
        run = new Run(store, options, app, envName, target, fleet, history, record.id());
        return stages();
      } finally {
        close();
      }
    }

    /** Gives the lock back; what {@link #run} does at its end. */
    @Override
    public void close() {
      keeper.close();
      lock.close();
    }

    private ReleaseRecord stages() {
      List<Phase> phases = op.phases();
      int parallel = run.env.parallel();
      try {
        fleet.phase(
            "prepare",
            op.kind() + " " + target.version() + " on " + run.env.hosts().size() + " hosts");
        prepare(of(phases, Stage.PREPARE));
        // a cancellation is honoured between stages, never inside one (docs/architecture.md,
        // "Cancelling a release"): here every host prepared, nothing is switched
        if (cancelled("before the switch")) {
          op.discard(run);
          fleet.unlockHosts(parallel);
          throw fail("cancelled before the switch; nothing was activated" + servingNote());
        }

        verify();
        record = save(ReleaseStatus.ACTIVATING, null);
        fleet.phase("activate", "switching every host to " + target.version());
        try {
          for (Phase p : of(phases, Stage.BEFORE_SWITCH)) {
            once(p, parallel);
          }
        } catch (Fleet.Fenced e) {
          throw e;
        } catch (DeployException e) {
          verify(); // a lock taken under the migration is said as such, not as a broken migration
          if (op.marksBad()) {
            markBadEverywhere();
          }
          op.stopStarted(run);
          fleet.unlockHosts(parallel);
          throw fail(
              e.getMessage() + "; nothing was switched" + servingNote() + op.stillApplied(run));
        }
        if (cancelled("before the switch")) {
          op.stopStarted(run);
          fleet.unlockHosts(parallel);
          throw fail("cancelled before the switch; nothing was switched" + servingNote());
        }

        verify();
        List<String> problems = activate(of(phases, Stage.ACTIVATE));
        stopIfFenced();
        if (!problems.isEmpty()) {
          verify();
          switchBack();
          if (op.marksBad()) {
            markBadEverywhere();
          }
          op.stopStarted(run);
          fleet.unlockHosts(parallel);
          throw fail(
              "activation failed; every host was switched back"
                  + servingNote()
                  + ":\n"
                  + problems.stream().map(p -> "  " + p).collect(Collectors.joining("\n"))
                  + op.stillApplied(run));
        }
        if (cancelled("after the switch")) {
          switchBack();
          op.stopStarted(run);
          fleet.unlockHosts(parallel);
          throw fail(
              "cancelled after the switch; every host was switched back"
                  + servingNote()
                  + op.stillApplied(run));
        }

        verify();
        fleet.phase("finish", "revision log, cleanup, record");
        List<String> finishWarnings = new java.util.ArrayList<>();
        for (Phase p : of(phases, Stage.FINISH)) {
          warnOnly(p, parallel, finishWarnings);
          stopIfFenced();
        }
        fleet.unlockHosts(parallel);
        record = save(ReleaseStatus.LIVE, null);
        if (!finishWarnings.isEmpty()) {
          // after what the run was told before it started (docs/environments.md)
          List<String> all = new java.util.ArrayList<>(record.warnings());
          all.addAll(finishWarnings);
          record = record.withWarnings(all);
          history.update(record);
        }
        for (Phase p : of(phases, Stage.LIVE)) {
          once(p, parallel);
        }
        return record;
      } catch (ReleaseFailedException e) {
        throw e;
      } catch (Fleet.Fenced | EnvLock.LostLockException e) {
        throw fencedOff(e);
      } catch (RuntimeException e) {
        // the store failed, a bug...: nothing half-done may stay; but a lock taken meanwhile is
        // what the user must hear (docs/architecture.md, "Fencing")
        Optional<EnvLock.LostLockException> lost = lostLock();
        if (lost.isPresent()) {
          throw fencedOff(lost.get());
        }
        boolean activating = record.status() == ReleaseStatus.ACTIVATING;
        if (!activating) {
          op.discard(run);
        }
        fleet.unlockHosts(parallel);
        throw fail(
            "stopped: "
                + e.getMessage()
                + (activating
                    ? "; it stopped during activation: check `tarmac status`"
                    : "; nothing was switched" + servingNote()));
      }
    }

    /**
     * Every host connected, locked and through the {@link EachHost} phases at its own pace; the
     * {@link Once} phases alongside, each in its own thread; then the barrier.
     */
    private void prepare(List<Phase> phases) {
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
      java.util.Map<String, CompletableFuture<String>> alongside = new java.util.LinkedHashMap<>();
      for (Phase p : phases) {
        if (p instanceof Once once) {
          alongside.put(once.name(), fleet.alongside(() -> once.work().accept(run), once.name()));
        }
      }
      List<Member> failed =
          fleet.eachHost(
              fleet.members(),
              run.env.parallel(),
              m -> {
                fleet.connect(m);
                fleet.logIn(m);
                fleet.lockHost(m, owner, this::stale);
                for (Phase p : phases) {
                  if (p instanceof EachHost each) {
                    each.work().accept(run, m);
                  }
                }
              });
      String serviceFailure = null;
      String failedAlongside = null;
      for (var done : alongside.entrySet()) {
        String failure = done.getValue().join();
        if (failure != null && serviceFailure == null) {
          serviceFailure = failure;
          failedAlongside = done.getKey();
        }
      }
      stopIfFenced();

      fleet.phase(
          "barrier",
          failed.isEmpty() && serviceFailure == null
              ? "every host prepared"
              : failed.size()
                  + " failed"
                  + (serviceFailure == null ? "" : ", " + failedAlongside + " failed"));
      if (serviceFailure == null && failed.isEmpty()) {
        return;
      }
      verify(); // a host's command ended by the run that took the lock: fenced off, said so
      op.discard(run);
      fleet.unlockHosts(run.env.parallel());
      if (serviceFailure != null) {
        throw fail(
            serviceFailure
                + "; nothing was activated"
                + servingNote()
                + (failed.isEmpty() ? "" : "; prepare also failed on:\n" + failures(failed)));
      }
      throw fail(
          op.failedOn(target)
              + failed.size()
              + " of "
              + run.env.hosts().size()
              + " hosts; nothing was activated"
              + servingNote()
              + ":\n"
              + failures(failed));
    }

    /** The activation's phases in order, up to the first that finds a problem; its problems. */
    private List<String> activate(List<Phase> phases) {
      for (Phase p : phases) {
        try {
          once(p, fleet.members().size());
        } catch (Fleet.Fenced e) {
          throw e;
        } catch (Problems e) {
          return e.problems();
        } catch (DeployException e) {
          return List.of(e.getMessage());
        }
        if (fleet.fencedBy() != null) {
          return List.of(fleet.fencedBy());
        }
      }
      return List.of();
    }

    /** A phase, once or on every host ({@code parallel} at a time); throws what went wrong. */
    private void once(Phase p, int parallel) {
      if (p instanceof Once o) {
        o.work().accept(run);
      } else if (p instanceof EachHost each) {
        List<Member> failed =
            fleet.eachHost(fleet.members(), parallel, m -> each.work().accept(run, m));
        if (!failed.isEmpty()) {
          throw new Problems(Activation.messages(failed));
        }
      }
    }

    /**
     * A phase whose failure is a warning: the failed task is in the timeline, and the record's
     * {@code warnings} say it (issue 25: a disk-full host at "log revision" left a LIVE release
     * with no word, and that host's clean-up and {@code rollback --to} decide from its revision
     * log).
     */
    private void warnOnly(Phase p, int parallel, List<String> warnings) {
      try {
        once(p, parallel);
      } catch (Fleet.Fenced e) {
        throw e;
      } catch (DeployException e) {
        String said = Fleet.bounded(String.valueOf(e.getMessage()), 2 * Fleet.ERROR_TEXT);
        warnings.add(
            p.name()
                + " failed after the switch (the release is live): "
                + said
                + (said.contains(": log revision failed")
                    ? "; a host whose revisions.log lacks this release cleans up by its older"
                        + " entries, and `rollback --to` does not find this release there"
                    : ""));
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

    private void verify() {
      keeper.check();
      lock.verify();
    }

    private Optional<EnvLock.LostLockException> lostLock() {
      try {
        lock.verify();
        return Optional.empty();
      } catch (EnvLock.LostLockException e) {
        return Optional.of(e);
      } catch (RuntimeException e) {
        return Optional.empty(); // the store itself failed: said as it is
      }
    }

    private void stopIfFenced() {
      if (fleet.fencedBy() != null) {
        throw new Fleet.Fenced(fleet.fencedBy());
      }
    }

    /**
     * A run fenced off stops where it is: every command below is fenced, so it acts only on hosts
     * whose lock is still this run's.
     */
    private ReleaseFailedException fencedOff(RuntimeException e) {
      boolean activating = record.status() == ReleaseStatus.ACTIVATING;
      if (!activating) {
        op.discard(run);
      }
      fleet.unlockHosts(run.env.parallel());
      return fail(
          "fenced off: "
              + e.getMessage()
              + (activating
                  ? "; it stopped during activation and changed nothing more: check `tarmac"
                      + " status`"
                  : "; nothing was activated" + servingNote())
              + " (what this run prepared is removed only where it still held the host lock;"
              + " the run that took over is left alone)");
    }

    /**
     * Every host back to what it served before this run, its activate hooks run again, and its
     * caches cleared again (they may hold pages of the version that was live for a moment).
     */
    private void switchBack() {
      fleet.clearFailures();
      fleet.phase("switch back", "returning every host to its previous release");
      fleet.switchTo(
          fleet.members(),
          "switch back",
          m -> m.previous,
          false,
          options.switchAck(),
          run.alsoSwitch());
      Activation.activateHooks(run, m -> m.previous, target.liveConfig());
      if (target.live() != null && target.liveConfig() != null) {
        PurgeCaches.again(fleet, target.live(), target.liveConfig().release().purge());
      }
    }

    /**
     * Marks the target bad on every host — but not where it is the version live there: a failed
     * release of the live version (a configuration change) leaves it serving, and not bad.
     */
    private void markBadEverywhere() {
      fleet.eachHost(
          fleet.connected().stream().filter(m -> !target.version().equals(m.previous)).toList(),
          run.env.parallel(),
          m -> fleet.change(m, HostCommands.markBad(m.layout, target.version())));
    }

    /**
     * Whether another run's host lock may be broken: the user forced it; or the lock belongs to a
     * run of this store's history (its generation is that record's) and the environment lock was
     * taken over (expired or forced: that run was fenced off) or its record has finished. A lock
     * this store does not know (another service's run, a record gone) is never judged stale: the
     * host refuses, and says so.
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
      java.time.Instant end = status.finished() ? options.clock().instant() : null;
      ReleaseRecord r =
          record
              .progressed(
                  status,
                  end,
                  run.window() == null ? null : run.window().toMillis(),
                  run.backup(),
                  error,
                  fleet.hostRecords())
              .withPhases(fleet.phaseRecords(end));
      history.update(r);
      return r;
    }

    private ReleaseFailedException fail(String error) {
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

    private String servingNote() {
      return target.live() == null ? "" : " (" + target.live() + " still serves)";
    }
  }

  private static List<Phase> of(List<Phase> phases, Stage stage) {
    return phases.stream().filter(p -> p.stage() == stage).toList();
  }

  static String failures(List<Member> failed) {
    return Activation.messages(failed).stream()
        .map(m -> "  " + m)
        .collect(Collectors.joining("\n"));
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
}
