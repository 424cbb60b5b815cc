package dev.tarmac.deploy.release;

import dev.tarmac.deploy.DeployException;
import dev.tarmac.deploy.config.TarmacConfig;
import dev.tarmac.deploy.config.TarmacConfig.Hooks;
import dev.tarmac.deploy.release.Fleet.Member;
import dev.tarmac.deploy.release.Phase.Stage;
import dev.tarmac.deploy.release.ReleaseRecord.Backup;
import dev.tarmac.deploy.remote.ConfigCommands;
import dev.tarmac.deploy.remote.HookCommands;
import dev.tarmac.deploy.remote.HookEnv;
import dev.tarmac.deploy.remote.HostCommands;
import dev.tarmac.deploy.store.Builds;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A rollback, as the list of its phases ({@link #phases}) that the {@link Runner} runs: the target
 * is the release live before the current one (or {@code --to}); per host, a check that it is on
 * disk and not marked bad — no download; after the barrier, the database restored once when asked
 * ({@code --restore-database}); the activation and finish every run shares; after it went live, the
 * rolled-back release is marked ROLLED_BACK.
 */
final class Rollback implements Runner.Operation {
  private final Optional<String> to;
  private final boolean restoreDatabase;
  private final boolean acrossContract;
  private final Function<String, Builds.Built> builds;

  private ReleaseRecord live;
  private Backup dump;
  private TarmacConfig liveConfig;
  private ReleaseRecord.ConfigUsed targetConfigUsed;

  @Override
  public ReleaseRecord.ConfigUsed configUsed(Run.Target target) {
    return targetConfigUsed;
  }

  private TarmacConfig targetConfig;
  private Processes processes;

  /** {@code builds} looks up a version's build with its config (each read once). */
  private final Function<ReleaseRecord.ConfigUsed, java.util.Collection<String>> secretsOf;

  Rollback(Optional<String> to, boolean restoreDatabase, Function<String, Builds.Built> builds) {
    this(to, restoreDatabase, false, builds, used -> List.of());
  }

  /**
   * {@code secretsOf} opens the secrets of the configuration the target's release rendered: what
   * the switch back's hooks may print, cut out of what they say.
   */
  Rollback(
      Optional<String> to,
      boolean restoreDatabase,
      Function<String, Builds.Built> builds,
      Function<ReleaseRecord.ConfigUsed, java.util.Collection<String>> secretsOf) {
    this(to, restoreDatabase, false, builds, secretsOf);
  }

  /**
   * {@code acrossContract}: go back across a contract migration that ran, without restoring the
   * database (the user says the target runs on the contracted schema).
   */
  Rollback(
      Optional<String> to,
      boolean restoreDatabase,
      boolean acrossContract,
      Function<String, Builds.Built> builds,
      Function<ReleaseRecord.ConfigUsed, java.util.Collection<String>> secretsOf) {
    this.to = to;
    this.restoreDatabase = restoreDatabase;
    this.acrossContract = acrossContract;
    this.builds = builds;
    this.secretsOf = secretsOf;
  }

  @Override
  public java.util.Collection<String> secrets() {
    return targetConfigUsed == null ? List.of() : secretsOf.apply(targetConfigUsed);
  }

  @Override
  public String kind() {
    return ReleaseRecord.ROLLBACK;
  }

  @Override
  public String lockVersion() {
    return to.orElse("(previous)");
  }

  @Override
  public boolean marksBad() {
    return false;
  }

  @Override
  public String failedOn(Run.Target target) {
    return "cannot roll back to " + target.version() + ": the check failed on ";
  }

  /** The rollback, in order (docs/architecture.md, "The release as a list of phases"). */
  @Override
  public List<Phase> phases() {
    Finish finish = new Finish(targetConfig, true);
    processes = new Processes(targetConfig, true);
    return Phase.list(
        Phase.eachHost("check", Stage.PREPARE, this::check),
        Phase.when(
            targetConfig.config().isPresent() && targetConfigUsed != null,
            Phase.eachHost("point config", Stage.PREPARE, this::pointConfig)),
        processes.start(),
        processes.check(),
        Phase.when(
            dump != null, Phase.once("restore database", Stage.BEFORE_SWITCH, this::restore)),
        Activation.SWITCH,
        Activation.ACTIVATE_HOOKS,
        Activation.HEALTH,
        Activation.PURGE,
        processes.stopOld(),
        finish.onEveryHost(),
        finish.cleanAssets(),
        Phase.once("mark rolled back", Stage.LIVE, this::markRolledBack));
  }

  /** What the prepare started on the hosts (the target's processes) is stopped again. */
  @Override
  public void discard(Run run) {
    if (processes != null) {
      processes.discard(run, run.fleet.connected().stream().filter(m -> m.hostLocked).toList());
    }
  }

  /** After a failure past the barrier: the same (a warm slot it found running is left so). */
  @Override
  public void stopStarted(Run run) {
    discard(run);
  }

  /** The versions that were live in the history {@code past} (newest first), each once. */
  static List<String> wereLive(List<ReleaseRecord> past) {
    return past.stream()
        .filter(r -> r.status() == ReleaseStatus.LIVE || r.status() == ReleaseStatus.ROLLED_BACK)
        .map(ReleaseRecord::version)
        .distinct()
        .toList();
  }

  /** Where a rollback of {@code app/env} can go: the versions that were live there, or none. */
  static String goesBackTo(String app, String env, List<String> wereLive) {
    if (wereLive.isEmpty()) {
      return "nothing was ever live in "
          + app
          + "/"
          + env
          + ", so there is nothing to roll back to";
    }
    return "a rollback goes back to a version that was: "
        + String.join(", ", wereLive)
        + " (newest first; tarmac history "
        + app
        + " --env "
        + env
        + ")";
  }

  @Override
  public Run.Target resolve(List<ReleaseRecord> past) {
    live =
        ReleaseHistory.live(past)
            .orElseThrow(() -> new DeployException("nothing is live yet; nothing to roll back"));
    String target = to.orElseGet(() -> previousGood(past));
    List<String> wereLive = wereLive(past);
    if (!wereLive.contains(target)) {
      throw new NeverLiveException(
          target
              + " was never live in "
              + live.app()
              + "/"
              + live.env()
              + "; "
              + goesBackTo(live.app(), live.env(), wereLive)
              + ". To put "
              + target
              + " live, release it: tarmac release "
              + live.app()
              + " "
              + target
              + " --env "
              + live.env());
    }
    if (target.equals(live.version())) {
      throw new DeployException(target + " is already live; nothing to do");
    }
    // the target's newest release (or rollback) that went live: the configuration it rendered
    // (its file is still in its directory), and the contracts that ran since
    Optional<ReleaseRecord> targetLive =
        past.stream()
            .filter(r -> r.version().equals(target))
            .filter(
                r -> r.status() == ReleaseStatus.LIVE || r.status() == ReleaseStatus.ROLLED_BACK)
            .max(java.util.Comparator.comparingLong(ReleaseRecord::id));
    targetConfigUsed = targetLive.map(ReleaseRecord::config).orElse(null);
    refuseAcrossContract(past, target, targetLive.map(ReleaseRecord::id).orElse(0L));
    Builds.Built liveBuild = builds.apply(live.version());
    Builds.Built targetBuild = builds.apply(target);
    liveConfig = liveBuild.config();
    TarmacConfig built = targetBuild.config();
    if (restoreDatabase) {
      dump = live.backup();
      if (dump == null) {
        throw new DeployException(
            "--restore-database: no database backup was taken before "
                + live.version()
                + " was released (release #"
                + live.id()
                + "); nothing was changed. Roll back without --restore-database, or restore the"
                + " database by hand");
      }
      if (liveConfig.release().hooks().restore().isEmpty()) {
        throw new DeployException(
            "--restore-database: tarmac.yml at "
                + live.version()
                + " has no release.hooks.restore; nothing was changed");
      }
    }
    // the hosts are the ones the live release was put on; the activation is the target's own
    targetConfig =
        new TarmacConfig(
            built.app(), built.build(), built.release(), liveConfig.environments(), built.config());
    return new Run.Target(
        target, targetBuild.record().commit(), live.version(), targetConfig, liveConfig);
  }

  /**
   * A rollback to {@code target}, last live as record {@code since}, across a contract migration
   * that ran after it is refused: the contract dropped what the target may still use
   * (docs/releasing.md, "Expand and contract"). {@code --restore-database} undoes the live
   * release's own contract (its dump was taken before it), not an older one's; {@code
   * --across-contract} goes back anyway.
   */
  private void refuseAcrossContract(List<ReleaseRecord> past, String target, long since) {
    if (acrossContract) {
      return;
    }
    List<ReleaseRecord> crossed =
        past.stream()
            .filter(r -> r.id() > since)
            .filter(r -> r.contractOn() != null)
            .filter(r -> !(restoreDatabase && r.id() == live.id()))
            .toList();
    if (crossed.isEmpty()) {
      return;
    }
    String ran =
        crossed.stream()
            .map(
                r ->
                    "#"
                        + r.id()
                        + " "
                        + r.version()
                        + " on "
                        + r.contractOn()
                        + (r.contractOk() ? "" : " (failed: it may be partly applied)"))
            .collect(java.util.stream.Collectors.joining(", "));
    String cmd = "tarmac rollback " + live.app() + " --env " + live.env() + " --to " + target;
    throw new DeployException(
        "cannot roll back to "
            + target
            + ": the contract migration of "
            + ran
            + " ran after "
            + target
            + " was live, and dropped what "
            + target
            + " may still use; nothing was changed. "
            + (restoreDatabase
                ? "--restore-database brings back only the schema from before "
                    + live.version()
                    + " (the dump taken before it), not what an older contract dropped: restore"
                    + " that database by hand, or, if "
                    + target
                    + " runs on the schema as it is: "
                    + cmd
                    + " --restore-database --across-contract"
                : (crossed.size() == 1 && crossed.get(0).id() == live.id()
                        ? "Restore the database from before "
                            + live.version()
                            + ": "
                            + cmd
                            + " --restore-database; or, if "
                        : "If ")
                    + target
                    + " runs on the schema as it is: "
                    + cmd
                    + " --across-contract"));
  }

  /** The newest LIVE release older than the live one, with another version. */
  private String previousGood(List<ReleaseRecord> past) {
    return past.stream()
        .filter(r -> r.id() < live.id())
        .filter(r -> r.status() == ReleaseStatus.LIVE)
        .filter(r -> !r.version().equals(live.version()))
        .map(ReleaseRecord::version)
        .findFirst()
        .orElseThrow(
            () ->
                new DeployException(
                    "no earlier good release to roll back to; pass --to <version>"));
  }

  /** The target's file is the one its release rendered (docs/configuration-and-secrets.md). */
  private void pointConfig(Run run, Member m) {
    run.fleet.change(
        m,
        ConfigCommands.point(
            m.layout.release(run.target.version()),
            targetConfig.config().get().file(),
            ConfigCommands.rendered(targetConfigUsed.app(), targetConfigUsed.env())));
  }

  private void check(Run run, Member m) {
    String target = run.target.version();
    HostCommands.OnDisk disk = run.fleet.run(m, HostCommands.status(m.layout).named("check"));
    m.previous = disk.live();
    if (!disk.releases().contains(target)) {
      throw new Fleet.StepFailed(
          m.name()
              + ": "
              + target
              + " is not on this host any more (it has "
              + String.join(", ", disk.releases())
              + "); release it again instead");
    }
    if (disk.bad().contains(target)) {
      throw new Fleet.StepFailed(
          m.name() + ": " + target + " is marked bad here (a failed release)");
    }
  }

  private void restore(Run run) {
    if (!run.store.exists(dump.key())) {
      throw new DeployException(
          "--restore-database: the dump " + dump.key() + " is no longer in the store");
    }
    Member db =
        run.env
            .primaryDb()
            .map(h -> run.fleet.member(h.name()))
            .orElseThrow(() -> new DeployException("no host has the db role in " + run.envName));
    String target = run.target.version();
    Map<String, String> vars =
        new LinkedHashMap<>(
            new HookEnv(run.app, target, run.envName, db.name(), live.version())
                .variables(db.layout));
    vars.put("TARMAC_BACKUP_FILE", HookCommands.backupFile(db.layout, live.version()));
    try {
      run.fleet.change(
          db,
          HookCommands.downloadBackup(
                  db.layout,
                  live.version(),
                  run.store.signedGetUrl(dump.key(), run.options.urlTtl()),
                  dump.sha256())
              .then(
                  HookCommands.hooks(
                      db.layout.release(target),
                      vars,
                      Hooks.commands(liveConfig.release().hooks().restore())))
              .prefixed(RenderConfig.load(run.target.config(), db.layout, target)));
    } catch (Fleet.Fenced e) {
      throw e;
    } catch (Fleet.StepFailed e) {
      throw new Fleet.StepFailed("restoring the database failed: " + e.getMessage());
    }
  }

  private void markRolledBack(Run run) {
    run.history.update(live.withStatus(ReleaseStatus.ROLLED_BACK));
  }
}
