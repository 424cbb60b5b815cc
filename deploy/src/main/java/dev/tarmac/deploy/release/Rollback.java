package dev.tarmac.deploy.release;

import dev.tarmac.deploy.DeployException;
import dev.tarmac.deploy.config.TarmacConfig;
import dev.tarmac.deploy.config.TarmacConfig.Environment;
import dev.tarmac.deploy.release.Fleet.Member;
import dev.tarmac.deploy.release.ReleaseRecord.Backup;
import dev.tarmac.deploy.remote.CommandResult;
import dev.tarmac.deploy.remote.HookEnv;
import dev.tarmac.deploy.remote.ReleaseCommands;
import dev.tarmac.distributor.model.Names;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Switches an environment back to an earlier release that is still on every host — no download — in
 * the order it happens:
 *
 * <ol>
 *   <li><b>lock</b> the environment, pick the target (the release live before the current one, or
 *       {@code --to}) and, for {@code --restore-database}, the dump taken before the current one;
 *   <li><b>check</b> every host: the target is on disk and not marked bad;
 *   <li><b>activate</b>: restore the database (primary db host, once), switch {@code current} on
 *       every host at the same moment, activate hooks, health check — a failure switches every host
 *       back to what it served;
 *   <li><b>finish</b>: revision log, the record saved, the rolled-back release marked ROLLED_BACK.
 * </ol>
 */
final class Rollback {
  private final Deployer deployer;
  private final String app;
  private final String envName;
  private final Optional<String> to;
  private final boolean restoreDatabase;
  private final ReleaseOptions options;
  private final ReleaseHistory history;

  private ReleaseRecord record;
  private Duration window;

  Rollback(
      Deployer deployer,
      String app,
      String envName,
      Optional<String> to,
      boolean restoreDatabase,
      ReleaseOptions options) {
    this.deployer = deployer;
    this.app = Names.app(app);
    this.envName = envName;
    this.to = to.map(Names::version);
    this.restoreDatabase = restoreDatabase;
    this.options = options;
    this.history = new ReleaseHistory(deployer.store(), this.app, envName);
  }

  ReleaseRecord run() {
    try (EnvLock lock =
        EnvLock.acquire(
            deployer.store(),
            app,
            envName,
            options.who(),
            "rollback",
            to.orElse("(previous)"),
            options.lease(),
            options.clock(),
            options.forceUnlock())) {
      List<ReleaseRecord> past = history.failInterrupted(history.list(), options.clock().instant());
      ReleaseRecord live =
          ReleaseHistory.live(past)
              .orElseThrow(
                  () ->
                      new DeployException(
                          "nothing of "
                              + app
                              + " is live in "
                              + envName
                              + "; nothing to roll back"));
      String target = to.orElseGet(() -> previousGood(past, live));
      if (target.equals(live.version())) {
        throw new DeployException(target + " is already live in " + envName + "; nothing to do");
      }
      TarmacConfig liveConfig = Deployer.config(deployer.build(app, live.version()));
      TarmacConfig targetConfig = Deployer.config(deployer.build(app, target));
      Environment env = liveConfig.environment(envName);
      Backup dump = null;
      if (restoreDatabase) {
        dump = live.backup();
        if (dump == null || !deployer.store().exists(dump.key())) {
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
      String commit = deployer.build(app, target).commit();
      record =
          history.create(
              id ->
                  ReleaseRecord.started(
                      id,
                      app,
                      envName,
                      ReleaseRecord.ROLLBACK,
                      target,
                      commit,
                      live.version(),
                      options.who(),
                      options.clock().instant()));
      options.onStart().accept(record);
      String owner =
          app + "/" + envName + "#" + record.id() + " rollback " + target + " by " + options.who();

      try (Fleet fleet =
          new Fleet(env, deployer.transports(), options.commandTimeout(), options.listener())) {
        fleet.phase("check", "is " + target + " on every host?");
        List<Member> failed =
            fleet.eachHost(
                fleet.members(),
                env.parallel(),
                m -> {
                  fleet.connect(m);
                  fleet.lockHost(m, owner, holder -> lock.tookOver() || options.forceUnlock());
                  CommandResult r = fleet.run(m, "check", ReleaseCommands.status(m.layout));
                  StatusReader.OnDisk disk = StatusReader.OnDisk.parse(r.stdout());
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
                });
        if (!failed.isEmpty()) {
          String error =
              "cannot roll back to "
                  + target
                  + "; nothing was switched:\n"
                  + ReleasePlan.failures(failed);
          fleet.unlockHosts();
          throw fail(fleet, error);
        }
        save(fleet, ReleaseStatus.ACTIVATING, null);

        fleet.phase("activate", "switching every host to " + target);
        if (dump != null) {
          restore(fleet, env, liveConfig, live.version(), target, dump);
        }
        List<Member> all = fleet.members();
        Activation.Result activated = Activation.run(fleet, app, envName, target, targetConfig);
        window = activated.window();
        List<String> problems = activated.problems();
        if (!problems.isEmpty()) {
          fleet.clearFailures();
          fleet.switchTo(all, "switch back", m -> m.previous, false);
          fleet.unlockHosts();
          throw fail(
              fleet,
              "rollback to "
                  + target
                  + " failed; every host was switched back:\n  "
                  + String.join("\n  ", problems));
        }

        fleet.phase("finish", "revision log, record");
        Instant now = options.clock().instant();
        fleet.eachHost(
            all,
            env.parallel(),
            m ->
                fleet.run(
                    m,
                    "log revision",
                    ReleaseCommands.logRevision(
                        m.layout,
                        now
                            + " "
                            + target
                            + " "
                            + commit
                            + " #"
                            + record.id()
                            + " rollback by "
                            + options.who())));
        fleet.unlockHosts();
        history.update(live.withStatus(ReleaseStatus.ROLLED_BACK));
        save(fleet, ReleaseStatus.LIVE, null);
        return record;
      }
    }
  }

  private void restore(
      Fleet fleet,
      Environment env,
      TarmacConfig liveConfig,
      String liveVersion,
      String target,
      Backup dump) {
    Member db =
        env.primaryDb()
            .map(h -> fleet.member(h.name()))
            .orElseThrow(() -> new DeployException("no host has the db role in " + envName));
    Map<String, String> vars =
        new LinkedHashMap<>(
            new HookEnv(app, target, envName, db.name(), liveVersion).variables(db.layout));
    vars.put("TARMAC_BACKUP_FILE", ReleaseCommands.backupFile(db.layout, liveVersion));
    try {
      fleet.run(
          db,
          "restore database",
          ReleaseCommands.downloadBackup(
                  db.layout,
                  liveVersion,
                  deployer.store().signedGetUrl(dump.key(), options.urlTtl()))
              + " && "
              + ReleaseCommands.hooks(
                  db.layout.release(target), vars, liveConfig.release().hooks().restore()));
    } catch (Fleet.StepFailed e) {
      fleet.unlockHosts();
      throw fail(fleet, "restoring the database failed; nothing was switched: " + e.getMessage());
    }
  }

  /** The newest LIVE release older than the live one, with another version. */
  private String previousGood(List<ReleaseRecord> past, ReleaseRecord live) {
    return past.stream()
        .filter(r -> r.id() < live.id())
        .filter(r -> r.status() == ReleaseStatus.LIVE)
        .filter(r -> !r.version().equals(live.version()))
        .map(ReleaseRecord::version)
        .findFirst()
        .orElseThrow(
            () ->
                new DeployException(
                    "no earlier good release of "
                        + app
                        + " in "
                        + envName
                        + " to roll back to; pass --to <version>"));
  }

  private void save(Fleet fleet, ReleaseStatus status, String error) {
    record =
        record.progressed(
            status,
            status.finished() ? options.clock().instant() : null,
            window == null ? null : window.toMillis(),
            null,
            error,
            fleet.hostRecords());
    history.update(record);
  }

  private ReleaseFailedException fail(Fleet fleet, String error) {
    save(fleet, ReleaseStatus.FAILED, app + " rollback in " + envName + ": " + error);
    return new ReleaseFailedException(record);
  }
}
