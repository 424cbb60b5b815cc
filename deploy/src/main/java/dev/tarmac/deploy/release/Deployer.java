package dev.tarmac.deploy.release;

import dev.tarmac.deploy.DeployException;
import dev.tarmac.deploy.config.ConfigReader;
import dev.tarmac.deploy.config.TarmacConfig;
import dev.tarmac.distributor.delta.DeltaRecord;
import dev.tarmac.distributor.delta.Deltas;
import dev.tarmac.distributor.model.BuildRecord;
import dev.tarmac.distributor.model.Json;
import dev.tarmac.distributor.model.Names;
import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.store.ArtifactStore;
import java.util.List;
import java.util.Optional;

/**
 * The release engine's entry points: release, rollback, status, history. Each reads what it needs
 * from the store (the build record, the {@code tarmac.yml} it carries, the history) and runs a plan
 * over the environment's hosts.
 */
public final class Deployer {
  private final ArtifactStore store;
  private final Transports transports;
  private final Transports reads;

  private final Deltas deltas;

  public Deployer(ArtifactStore store, Transports transports) {
    this(store, transports, transports);
  }

  /**
   * @param transports what releases and rollbacks open (their own sessions, closed at the end)
   * @param reads what status and plan reads open: the same, or sessions kept between reads ({@link
   *     Transports#kept})
   */
  public Deployer(ArtifactStore store, Transports transports, Transports reads) {
    this(
        store,
        transports,
        reads,
        java.nio.file.Path.of(
            System.getProperty("java.io.tmpdir"),
            "tarmac-deltas-" + System.getProperty("user.name", "service")));
  }

  /**
   * @param deltasDir where deltas are made before their upload: the service's own (its data
   *     directory's {@code deltas/}); a directory under {@code /tmp} can be taken by anyone first,
   *     and then no delta is made (each is refused, the full artifact sent)
   */
  public Deployer(
      ArtifactStore store, Transports transports, Transports reads, java.nio.file.Path deltasDir) {
    this.store = store;
    this.transports = transports;
    this.reads = reads;
    this.deltas = new Deltas(store, deltasDir);
  }

  /** A build record with the {@code tarmac.yml} it carries, read and parsed once. */
  public record Resolved(BuildRecord build, TarmacConfig config) {}

  /** Reads a version's build record and parses its {@code tarmac.yml}, once per release. */
  public Resolved resolve(String app, String version) {
    BuildRecord build = build(app, version);
    return new Resolved(build, config(build));
  }

  /** Releases a built version; returns the LIVE record or throws {@link ReleaseFailedException}. */
  public ReleaseRecord release(String app, String env, String version, ReleaseOptions options) {
    return release(resolve(app, version), env, options);
  }

  /** Releases a version already {@linkplain #resolve resolved} (nothing is read again). */
  public ReleaseRecord release(Resolved version, String env, ReleaseOptions options) {
    return startRelease(version, env, options).run();
  }

  /**
   * Takes the lock and makes the record of a release of a version already {@linkplain #resolve
   * resolved}, on this thread; the rest is {@link ReleaseRun#run}, on any thread.
   */
  public ReleaseRun startRelease(Resolved version, String env, ReleaseOptions options) {
    version.config().environment(Names.env(env)); // an unknown environment: refused before a lock
    return new Runner(store, transports, version.build().app(), Names.env(env), options)
        .start(
            new Release(
                version.build(),
                version.config(),
                deltas,
                v -> config(build(version.build().app(), v))));
  }

  /**
   * Makes, ahead of any release, the delta from each environment's live version to {@code built},
   * exactly as a release of it would ask for it (docs/architecture.md, "Deltas ahead of the
   * release"): the release then finds it in the store, and its hosts start downloading at once.
   * Never fails: one line per environment says what was made, found or why not (a release without a
   * delta sends the full artifact, as always).
   */
  public List<String> deltasAhead(BuildRecord built) {
    TarmacConfig config = config(built);
    java.util.Set<String> fresh = Release.sharedPaths(config);
    java.util.Set<String> from = new java.util.HashSet<>();
    List<String> out = new java.util.ArrayList<>();
    for (String env : config.environments().keySet()) {
      String live =
          new ReleaseHistory(store, built.app(), env)
              .live()
              .map(ReleaseRecord::version)
              .orElse(null);
      if (live == null || live.equals(built.version())) {
        out.add(env + ": " + (live == null ? "nothing live yet" : built.version() + " is live"));
      } else if (!from.add(live)) {
        out.add(env + ": the delta from " + live + " is made already");
      } else {
        try {
          DeltaRecord d = deltas.ensure(built.app(), live, built.version(), fresh);
          out.add(
              env
                  + ": delta "
                  + live
                  + " → "
                  + built.version()
                  + " ready, "
                  + d.changed()
                  + " of "
                  + d.entries()
                  + " entries, "
                  + d.size()
                  + " bytes");
        } catch (RuntimeException | OutOfMemoryError e) {
          out.add(
              env
                  + ": no delta from "
                  + live
                  + " ("
                  + e.getMessage()
                  + "); a release will try again, or send the full artifact");
        }
      }
    }
    return out;
  }

  /**
   * What releasing {@code version} would do on every host, read from the hosts; changes nothing
   * anywhere and takes no lock ({@code tarmac release … --plan}).
   */
  public ReleasePreview plan(String app, String env, String version) {
    return plan(resolve(app, version), env);
  }

  public ReleasePreview plan(Resolved version, String env) {
    String e = Names.env(env);
    BuildRecord build = version.build();
    String live =
        new ReleaseHistory(store, build.app(), e).live().map(ReleaseRecord::version).orElse(null);
    return new DryRun(store, reads, build, version.config(), version.config().environment(e), live)
        .read();
  }

  /**
   * Switches every host back to an earlier release still on disk: {@code to}, or the one live
   * before the current one. No download.
   */
  public ReleaseRecord rollback(
      String app,
      String env,
      Optional<String> to,
      boolean restoreDatabase,
      ReleaseOptions options) {
    return startRollback(app, env, to, restoreDatabase, options).run();
  }

  /** Takes the lock and makes the record of a rollback, on this thread ({@link #startRelease}). */
  public ReleaseRun startRollback(
      String app,
      String env,
      Optional<String> to,
      boolean restoreDatabase,
      ReleaseOptions options) {
    String a = Names.app(app);
    return new Runner(store, transports, a, Names.env(env), options)
        .start(new Rollback(to.map(Names::version), restoreDatabase, v -> build(a, v)));
  }

  /** What is live on every host, compared with the history. */
  public EnvStatus status(String app, String env) {
    String a = Names.app(app);
    String e = Names.env(env);
    String recorded = live(a, e).version();
    TarmacConfig config = config(build(a, recorded));
    return new StatusReader(reads, a, config.environment(e), recorded).read();
  }

  public List<ReleaseRecord> history(String app, String env) {
    return new ReleaseHistory(store, Names.app(app), Names.env(env)).list();
  }

  public BuildRecord build(String app, String version) {
    String key = StoreLayout.buildRecord(Names.app(app), Names.version(version));
    if (!store.exists(key)) {
      throw new DeployException(
          "there is no build of "
              + app
              + " "
              + version
              + "; build it first (tarmac build "
              + app
              + " "
              + version
              + ")");
    }
    return Json.read(store.readAllBytes(key), BuildRecord.class);
  }

  /** The {@code tarmac.yml} a build carries: the environments and hooks of that version. */
  public static TarmacConfig config(BuildRecord build) {
    return ConfigReader.read(build.config(), "tarmac.yml at " + build.version());
  }

  /** The release live in an environment now (its {@code tarmac.yml} describes the hosts). */
  ReleaseRecord live(String app, String env) {
    return new ReleaseHistory(store, app, env)
        .live()
        .orElseThrow(
            () ->
                new DeployException(
                    "nothing of "
                        + app
                        + " is live in "
                        + env
                        + " yet; release a version first"
                        + " (tarmac release "
                        + app
                        + " <version> --env "
                        + env
                        + ")"));
  }
}
