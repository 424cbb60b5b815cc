package dev.tarmac.deploy.release;

import dev.tarmac.deploy.DeployException;
import dev.tarmac.deploy.config.TarmacConfig;
import dev.tarmac.deploy.config.TarmacConfig.Hooks;
import dev.tarmac.deploy.release.Fleet.Member;
import dev.tarmac.deploy.release.Phase.Stage;
import dev.tarmac.deploy.release.ReleaseRecord.Backup;
import dev.tarmac.deploy.remote.DownloadCommands;
import dev.tarmac.deploy.remote.HookCommands;
import dev.tarmac.deploy.remote.HookEnv;
import dev.tarmac.deploy.remote.HostCommands;
import dev.tarmac.deploy.store.Builds;
import dev.tarmac.distributor.delta.DeltaRecord;
import dev.tarmac.distributor.delta.DeltaRecords;
import dev.tarmac.distributor.delta.Deltas;
import dev.tarmac.distributor.model.BuildRecord;
import dev.tarmac.distributor.records.BuildRecords;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A release, as the list of its phases ({@link #phases}) that the {@link Runner} runs: per host,
 * check → the release's files (a delta from the release the host serves, or the full artifact) →
 * shared links → prepare hooks → the database backup on the primary db host, with the delta from
 * the live version started and the CDN push alongside; after the barrier, the migration once; then
 * the activation and the finish that every run shares, the contract migration first in it (once,
 * when every host serves this version and the old processes stopped; docs/releasing.md, "Expand and
 * contract").
 */
final class Release implements Runner.Operation {
  private final BuildRecord build;
  private final TarmacConfig config;
  private final Deltas deltas;
  private final java.util.function.Function<String, TarmacConfig> configOf;
  private final Processes processes;
  private final RenderConfig render;

  /** The contract migration's task, on the primary db host ({@link ReleaseRecord#contractOn}). */
  static final String CONTRACT = "contract";

  /** The host the migration ran on, once it ran ({@link #stillApplied}). */
  private volatile String migratedOn;

  /**
   * {@code built} (the build record and its {@code config}) is read and parsed once, before the run
   * starts; {@code configOf} gives the {@code tarmac.yml} of another version (the one live: a
   * switch back runs its activate hooks and purges).
   */
  Release(
      Builds.Built built,
      Deltas deltas,
      java.util.function.Function<String, TarmacConfig> configOf,
      dev.tarmac.deploy.store.ConfigValues.Resolved values) {
    this.build = built.record();
    this.config = built.config();
    this.deltas = deltas;
    this.configOf = configOf;
    this.render = new RenderConfig(config, values);
    this.processes = new Processes(config, render::load, false);
  }

  @Override
  public java.util.Collection<String> secrets() {
    return render.secrets();
  }

  @Override
  public ReleaseRecord.ConfigUsed configUsed(Run.Target target) {
    return render.used();
  }

  @Override
  public String kind() {
    return ReleaseRecord.RELEASE;
  }

  @Override
  public String lockVersion() {
    return build.version();
  }

  /**
   * Why {@code rollback --restore-database} cannot go back from the release live when this one
   * started, or null when it can ({@link #stillApplied}).
   */
  private volatile String noRestore;

  @Override
  public Run.Target resolve(List<ReleaseRecord> past) {
    String live = ReleaseHistory.live(past).map(ReleaseRecord::version).orElse(null);
    // the live version's own tarmac.yml, for a switch back (its build is kept by retention while
    // it is live; releasing it again would use it too)
    TarmacConfig liveConfig = config;
    if (live != null && !live.equals(build.version())) {
      try {
        liveConfig = configOf.apply(live);
      } catch (RuntimeException e) {
        // its build record is gone (removed by hand): a switch back uses this version's hooks
      }
    }
    TarmacConfig restoring = liveConfig;
    noRestore = ReleaseHistory.live(past).map(r -> noRestore(r, past, restoring)).orElse(null);
    return new Run.Target(build.version(), build.commit(), live, config, liveConfig);
  }

  /**
   * What {@code rollback --restore-database} from {@code live} lacks (the same conditions {@link
   * Rollback} refuses it on), or null when it would run.
   */
  static String noRestore(ReleaseRecord live, List<ReleaseRecord> past, TarmacConfig liveConfig) {
    boolean earlier =
        past.stream()
            .anyMatch(
                r ->
                    r.id() < live.id()
                        && r.status() == ReleaseStatus.LIVE
                        && !r.version().equals(live.version()));
    if (!earlier) {
      return "there is no earlier release to go back to";
    }
    if (live.backup() == null) {
      return "no dump was taken before " + live.version() + " was released";
    }
    if (liveConfig.release().hooks().restore().isEmpty()) {
      return "the tarmac.yml of " + live.version() + " has no release.hooks.restore";
    }
    return null;
  }

  @Override
  public boolean marksBad() {
    return true;
  }

  @Override
  public String failedOn(Run.Target target) {
    return "prepare failed on ";
  }

  /** The release, in order (docs/architecture.md, "The release as a list of phases"). */
  @Override
  public List<Phase> phases() {
    Finish finish = new Finish(config, false);
    return Phase.list(
        Phase.once("make delta ahead", Stage.PREPARE, this::deltaAhead),
        Phase.when(
            config.release().cdn().isPresent() && config.build().fingerprint().isPresent(),
            Phase.once("push assets", Stage.PREPARE, this::pushAssets)),
        Phase.eachHost("check", Stage.PREPARE, this::check),
        Phase.eachHost("fetch", Stage.PREPARE, this::fetch),
        Phase.eachHost("link shared", Stage.PREPARE, this::linkShared),
        render.write(),
        Phase.eachHost("prepare hooks", Stage.PREPARE, this::prepareHooks),
        processes.start(),
        processes.check(),
        Phase.eachHost("backup", Stage.PREPARE, this::backup),
        Phase.once("migrate", Stage.BEFORE_SWITCH, this::migrate),
        Activation.SWITCH,
        Activation.ACTIVATE_HOOKS,
        Activation.HEALTH,
        Activation.PURGE,
        processes.stopOld(),
        // in the finish: every host switched and healthy, the old processes stopped; a failure
        // is a warning, the new version serves (docs/releasing.md, "Expand and contract")
        Phase.when(
            !config.release().hooks().contract().isEmpty(),
            Phase.once(CONTRACT, Stage.FINISH, this::contract)),
        render.forget(),
        finish.onEveryHost(),
        finish.cleanAssets());
  }

  /**
   * Starts making the delta from the version live now while the hosts connect and log in (a slow
   * login shell takes up to a second): the hosts that serve that version then find it made, or wait
   * for it in their "make delta" task. A failure here is only a missed head start: each host asks
   * for the delta again and falls back to the full artifact.
   */
  private void deltaAhead(Run run) {
    String live = run.target.live();
    if (deltas == null || live == null || live.equals(build.version())) {
      return;
    }
    // in the background: the barrier does not wait for it (a host that needs it does)
    run.fleet.alongside(
        () -> {
          try {
            deltas.ensure(run.app, live, build.version(), sharedPaths());
          } catch (RuntimeException | OutOfMemoryError e) {
            // each host asks again, and says why it could not use a delta
          }
        },
        "delta ahead");
  }

  /**
   * With {@code release.cdn}: every fingerprinted file of the build into the store's {@code
   * cdn/<app>/}, names already there skipped ({@link PushAssets}); the timeline's {@code push
   * assets} task, on the service, says what was sent and skipped. First it waits for the clean-ups
   * of {@code cdn/<app>/} running now ({@link CdnCleaning}; the task {@code wait for clean-up}).
   */
  private void pushAssets(Run run) {
    run.fleet.task(
        run.fleet.service(),
        "push assets",
        () -> {
          // after this run's lock is written, before the push lists cdn/<app>/: a clean-up that
          // missed the lock holds its marker until its deletes are over (CdnCleaning)
          Map<String, CdnCleaning.Marker> cleaning = cleanUps(run);
          if (!cleaning.isEmpty()) {
            run.fleet.task(
                run.fleet.service(),
                "wait for clean-up",
                () ->
                    CdnCleaning.await(
                        run.store,
                        run.app,
                        cleaning,
                        run.options.clock(),
                        CdnCleaning.LEASE,
                        CdnCleaning.POLL));
          }
          return new PushAssets(run.store, run.app, build, config.build().fingerprint().get())
              .run()
              .describe();
        });
  }

  private static Map<String, CdnCleaning.Marker> cleanUps(Run run) {
    try {
      return CdnCleaning.running(run.store, run.app, run.options.clock());
    } catch (RuntimeException e) {
      throw new DeployException(
          "cannot read the markers of the clean-ups of cdn/"
              + run.app
              + "/ ("
              + CdnCleaning.prefix(run.app)
              + "): "
              + e.getMessage());
    }
  }

  private void check(Run run, Member m) {
    HostCommands.Checked check =
        run.fleet.change(m, HostCommands.checkHost(m.layout, build.version(), 2 * build.size()));
    m.previous = check.previous();
    if (check.present()) {
      // released here before (rolled back from, released again): no delta to make, nothing to fetch
      m.createdRelease = false;
      m.transfer = new ReleaseRecord.Transfer("none", null, 0);
    }
  }

  /** The release's files: a delta from the release the host serves, or the full artifact. */
  private void fetch(Run run, Member m) {
    if (m.transfer != null || fetchDelta(run, m)) {
      return;
    }
    String version = build.version();
    DownloadCommands.Download download =
        new DownloadCommands.Download(
            run.store.signedGetUrl(
                BuildRecords.artifactKey(run.app, version), run.options.urlTtl()),
            build.sha256(),
            build.size(),
            run.store.signedGetUrl(
                BuildRecords.manifestKey(run.app, version), run.options.urlTtl()),
            build.manifestSha256(),
            run.options.downloadRateLimit());
    m.createdRelease =
        run.fleet.changeWithProgress(
            m,
            DownloadCommands.fetch(m.layout, version, download),
            DownloadCommands.downloadedBytes(m.layout, version),
            build.size(),
            Duration.ofMillis(500));
    m.transfer =
        new ReleaseRecord.Transfer(
            m.createdRelease ? "full" : "none", null, m.createdRelease ? build.size() : 0);
  }

  private void linkShared(Run run, Member m) {
    run.fleet.change(
        m,
        HostCommands.linkShared(
            m.layout, build.version(), config.release().shared(), build.commit()));
  }

  private void prepareHooks(Run run, Member m) {
    List<String> prepare = Hooks.on(config.release().hooks().prepare(), m.host);
    if (!prepare.isEmpty()) {
      run.fleet.change(
          m,
          HookCommands.hooks(
                  m.layout.release(build.version()), hookEnv(run, m).variables(m.layout), prepare)
              .named("prepare hooks")
              .prefixed(render.load(m.layout, build.version())));
    }
  }

  /** On the primary db host: the dump the backup hooks make, uploaded to the store. */
  private void backup(Run run, Member m) {
    Hooks hooks = config.release().hooks();
    if (!run.isPrimaryDb(m) || hooks.backup().isEmpty()) {
      return;
    }
    String version = build.version();
    Map<String, String> backupVars = new LinkedHashMap<>(hookEnv(run, m).variables(m.layout));
    backupVars.put("TARMAC_BACKUP_FILE", HookCommands.backupFile(m.layout, version));
    Fleet fleet = run.fleet;
    fleet.change(
        m,
        HookCommands.prepareBackup(m.layout, version)
            .then(
                HookCommands.hooks(
                    m.layout.release(version), backupVars, Hooks.commands(hooks.backup())))
            .prefixed(render.load(m.layout, version)));
    String key = ReleaseHistory.backupKey(run.app, run.envName, version);
    HookCommands.Uploaded dump =
        fleet.run(
            m,
            HookCommands.uploadBackup(
                m.layout, version, run.store.signedPutUrl(key, run.options.urlTtl())));
    run.backup(new Backup(key, dump.sha256(), dump.size()));
  }

  /**
   * Builds the release on a host from the release it serves and a delta, when it serves one: only
   * what changed crosses the network. Returns false when the host needs the full artifact (no
   * release there, or the delta could not be made or used — the timeline says why).
   */
  private boolean fetchDelta(Run run, Member m) {
    String version = build.version();
    if (deltas == null || m.previous == null || m.previous.equals(version)) {
      return false;
    }
    String from = m.previous;
    Fleet fleet = run.fleet;
    try {
      DeltaRecord[] made = new DeltaRecord[1];
      fleet.task(
          m,
          "make delta",
          () -> {
            try {
              made[0] = deltas.ensure(run.app, from, version, sharedPaths());
            } catch (OutOfMemoryError e) {
              // whatever the cause, the full artifact still works
              throw new IllegalStateException("out of memory making the delta", e);
            }
            return made[0].changed()
                + " of "
                + made[0].entries()
                + " entries, "
                + made[0].size()
                + " bytes";
          });
      DeltaRecord delta = made[0];
      m.createdRelease =
          fleet.change(
              m,
              DownloadCommands.fetchDelta(
                  m.layout,
                  version,
                  new DownloadCommands.DeltaDownload(
                      from,
                      run.store.signedGetUrl(
                          DeltaRecords.deltaKey(run.app, from, version), run.options.urlTtl()),
                      delta.sha256())));
      m.transfer =
          new ReleaseRecord.Transfer(
              m.createdRelease ? "delta" : "none", from, m.createdRelease ? delta.size() : 0);
      return true;
    } catch (Fleet.Fenced e) {
      throw e;
    } catch (RuntimeException e) {
      return false; // the failed task is in the timeline; the full artifact follows
    }
  }

  Set<String> sharedPaths() {
    return sharedPaths(config);
  }

  /** The paths a delta to a version with {@code config} leaves out: its shared paths, on a host. */
  static Set<String> sharedPaths(TarmacConfig config) {
    Set<String> out = new LinkedHashSet<>();
    config.release().shared().forEach(p -> out.add(HostCommands.sharedPath(p)));
    return out;
  }

  @Override
  public void discard(Run run) {
    processes.discard(run, run.fleet.connected().stream().filter(m -> m.hostLocked).toList());
    run.fleet.eachHost(
        run.fleet.connected().stream().filter(m -> m.hostLocked).toList(),
        run.env.parallel(),
        m ->
            run.fleet.change(m, HostCommands.discard(m.layout, build.version(), m.createdRelease)));
  }

  /** The new processes stop after a failure past the barrier (docs/processes.md). */
  @Override
  public void stopStarted(Run run) {
    processes.discard(run, run.fleet.connected().stream().filter(m -> m.hostLocked).toList());
  }

  /** The migration, once, on the primary db host, after the barrier. */
  private void migrate(Run run) {
    Optional<Member> db = onDb(run, config.release().hooks().migrate());
    if (db.isEmpty()) {
      return;
    }
    Member m = db.get();
    try {
      run.fleet.change(m, onDbCommand(run, m, "migrate", config.release().hooks().migrate()));
      migratedOn = m.name();
    } catch (Fleet.Fenced e) {
      throw e;
    } catch (Fleet.StepFailed e) {
      throw new Fleet.StepFailed(
          "migration failed: "
              + e.getMessage()
              + (run.backup() == null
                  ? ""
                  : "\nThe database may be half-migrated; the dump taken before is "
                      + run.backup().key()));
    }
  }

  /**
   * The contract migration, once, on the primary db host, in the finish: every host serves this
   * version, the old processes are stopped. A failure is the finish's warning; nothing is switched
   * back (docs/releasing.md, "Expand and contract").
   */
  private void contract(Run run) {
    Optional<Member> db = onDb(run, config.release().hooks().contract());
    if (db.isEmpty()) {
      return;
    }
    Member m = db.get();
    try {
      run.fleet.change(m, onDbCommand(run, m, CONTRACT, config.release().hooks().contract()));
    } catch (Fleet.Fenced e) {
      throw e;
    } catch (Fleet.StepFailed e) {
      throw new Fleet.StepFailed(
          "the contract migration of "
              + build.version()
              + " failed on "
              + m.name()
              + "; "
              + build.version()
              + " serves on every host and stays live (nothing was switched back)"
              + "; the contract may be partly applied: fix it, then release "
              + build.version()
              + " again to run it again"
              + "; a rollback to a release older than "
              + build.version()
              + " is refused without --restore-database or --across-contract"
              + ": "
              + e.getMessage());
    }
  }

  /** The primary db host, when there is one and {@code hooks} is not empty. */
  private static Optional<Member> onDb(Run run, List<TarmacConfig.Hook> hooks) {
    if (hooks.isEmpty()) {
      return Optional.empty();
    }
    return run.env.primaryDb().map(h -> run.fleet.member(h.name()));
  }

  /** {@code hooks} of a once-only phase, in this release's directory on {@code m}. */
  private dev.tarmac.deploy.remote.HostCommand<dev.tarmac.deploy.remote.CommandResult> onDbCommand(
      Run run, Member m, String name, List<TarmacConfig.Hook> hooks) {
    return HookCommands.hooks(
            m.layout.release(build.version()),
            hookEnv(run, m).variables(m.layout),
            Hooks.commands(hooks))
        .named(name)
        .prefixed(render.load(m.layout, build.version()));
  }

  /**
   * A migration that ran stays applied when the hosts are switched back (issue 26, item 3): said in
   * the failure, so in the record, the CLI and the dashboard, with the way back.
   */
  @Override
  public String stillApplied(Run run) {
    if (migratedOn == null) {
      return "";
    }
    String v = build.version();
    String live = run.target.live();
    String dump = run.backup() == null ? null : run.backup().key();
    return "\nThe migration of "
        + v
        + " ran on "
        + migratedOn
        + " and stays applied: the database is migrated for "
        + v
        + (live == null ? "" : " while " + live + " serves")
        + (dump == null
            ? " (no dump was taken before it: there is no backup hook)."
            : "; the dump taken before it is " + dump + ".")
        + (live == null
            ? " Nothing is live to roll back: restore the database by hand."
            : noRestore != null
                ? " If "
                    + live
                    + " cannot run on it, restore the database by hand (tarmac rollback"
                    + " --restore-database cannot: "
                    + noRestore
                    + ")."
                : " If "
                    + live
                    + " cannot run on it: tarmac rollback "
                    + run.app
                    + " --env "
                    + run.envName
                    + " --restore-database (back to the release before "
                    + live
                    + ", with the dump taken before "
                    + live
                    + ").")
        + (config.release().hooks().contract().isEmpty()
            ? ""
            : " Its contract migration did not run: it runs only once every host serves "
                + v
                + " (docs/releasing.md, \"Expand and contract\").");
  }

  private HookEnv hookEnv(Run run, Member m) {
    return new HookEnv(run.app, build.version(), run.envName, m.name(), m.previous);
  }
}
