package dev.tarmac.deploy.release;

import dev.tarmac.deploy.DeployException;
import dev.tarmac.deploy.config.TarmacConfig;
import dev.tarmac.deploy.config.TarmacConfig.Hooks;
import dev.tarmac.deploy.release.Fleet.Member;
import dev.tarmac.deploy.release.ReleaseRecord.Backup;
import dev.tarmac.deploy.remote.CommandResult;
import dev.tarmac.deploy.remote.HookCommands;
import dev.tarmac.deploy.remote.HookEnv;
import dev.tarmac.deploy.remote.HostCommands;
import dev.tarmac.distributor.model.BuildRecord;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A rollback's own phases in the {@link Lifecycle}: the target is the release live before the
 * current one (or {@code --to}); per host, a check that it is on disk and not marked bad — no
 * download; after the barrier, the database restored once when asked ({@code --restore-database});
 * after it went live, the rolled-back release is marked ROLLED_BACK.
 */
final class Rollback implements Lifecycle.Operation {
  private final Optional<String> to;
  private final boolean restoreDatabase;
  private final Function<String, BuildRecord> builds;

  private ReleaseRecord live;
  private Backup dump;
  private TarmacConfig liveConfig;

  /** {@code builds} looks up a version's build record (each read once). */
  Rollback(Optional<String> to, boolean restoreDatabase, Function<String, BuildRecord> builds) {
    this.to = to;
    this.restoreDatabase = restoreDatabase;
    this.builds = builds;
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
  public Lifecycle.Target resolve(List<ReleaseRecord> past) {
    live =
        ReleaseHistory.live(past)
            .orElseThrow(() -> new DeployException("nothing is live yet; nothing to roll back"));
    String target = to.orElseGet(() -> previousGood(past));
    if (target.equals(live.version())) {
      throw new DeployException(target + " is already live; nothing to do");
    }
    BuildRecord liveBuild = builds.apply(live.version());
    BuildRecord targetBuild = builds.apply(target);
    liveConfig = Deployer.config(liveBuild);
    TarmacConfig targetConfig = Deployer.config(targetBuild);
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
    TarmacConfig config =
        new TarmacConfig(
            targetConfig.app(),
            targetConfig.build(),
            targetConfig.release(),
            liveConfig.environments());
    return new Lifecycle.Target(target, targetBuild.commit(), live.version(), config, liveConfig);
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

  @Override
  public void prepare(Lifecycle run, Member m) {
    String target = run.target.version();
    CommandResult r = run.fleet.run(m, "check", HostCommands.status(m.layout));
    HostCommands.OnDisk disk = HostCommands.OnDisk.parse(r.stdout());
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

  @Override
  public void beforeSwitch(Lifecycle run) {
    if (dump == null) {
      return;
    }
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
          "restore database",
          HookCommands.downloadBackup(
                  db.layout,
                  live.version(),
                  run.store.signedGetUrl(dump.key(), run.options.urlTtl()),
                  dump.sha256())
              + " && "
              + HookCommands.hooks(
                  db.layout.release(target),
                  vars,
                  Hooks.commands(liveConfig.release().hooks().restore())));
    } catch (Fleet.Fenced e) {
      throw e;
    } catch (Fleet.StepFailed e) {
      throw new Fleet.StepFailed("restoring the database failed: " + e.getMessage());
    }
  }

  @Override
  public void afterLive(Lifecycle run) {
    run.history.update(live.withStatus(ReleaseStatus.ROLLED_BACK));
  }
}
