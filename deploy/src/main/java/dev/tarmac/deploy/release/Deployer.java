package dev.tarmac.deploy.release;

import dev.tarmac.deploy.DeployException;
import dev.tarmac.deploy.config.TarmacConfig;
import dev.tarmac.deploy.store.Builds;
import dev.tarmac.deploy.store.ConfigValues;
import dev.tarmac.deploy.store.SecretBox;
import dev.tarmac.distributor.delta.DeltaRecord;
import dev.tarmac.distributor.delta.Deltas;
import dev.tarmac.distributor.model.AppName;
import dev.tarmac.distributor.model.BuildRecord;
import dev.tarmac.distributor.model.EnvName;
import dev.tarmac.distributor.model.Version;
import dev.tarmac.distributor.store.ArtifactStore;
import java.util.List;
import java.util.Optional;

/**
 * The release engine's entry points: release, rollback, status, history. Each reads what it needs
 * from the store (the build record, the {@code tarmac.yml} it carries, the history) and runs a plan
 * over the environment's hosts. The names come in checked already, as {@link AppName}, {@link
 * EnvName} and {@link Version} (docs/architecture.md, "Names checked once"); an environment's own
 * name was checked when its text was read ({@code ConfigReader}).
 */
public final class Deployer {
  private final ArtifactStore store;
  private final Transports transports;
  private final Transports reads;

  private final Deltas deltas;
  private final Builds builds;
  private final ConfigValues configValues;

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
    this(store, transports, reads, deltasDir, null);
  }

  /**
   * @param box the service's configuration key ({@link SecretBox#open}): without one, a release
   *     renders plain values only and one that needs a secret is refused
   */
  public Deployer(
      ArtifactStore store,
      Transports transports,
      Transports reads,
      java.nio.file.Path deltasDir,
      SecretBox box) {
    this.store = store;
    this.transports = transports;
    this.reads = reads;
    this.deltas = new Deltas(store, deltasDir);
    this.builds = new Builds(store);
    this.configValues = new ConfigValues(store, box);
  }

  /** The apps' configuration values and secrets in this store. */
  public ConfigValues configValues() {
    return configValues;
  }

  /**
   * Reads a version's build record with its {@code tarmac.yml} (parsed once: {@link
   * dev.tarmac.deploy.store.BuildConfigs}), to be handed on: nothing after reads it again.
   *
   * @throws DeployException when it is not built, saying how to build it
   */
  public Builds.Built resolve(AppName app, Version version) {
    return builds.require(app.value(), version.value());
  }

  /** The builds of this store, with their configs. */
  public Builds builds() {
    return builds;
  }

  /**
   * Releases a built version to {@code env} as its own {@code tarmac.yml} defines it (the library's
   * way, used by deploy's own tests; the service passes the environment it registered: {@link
   * #startRelease(Builds.Built, TarmacConfig.Environment, ReleaseOptions)}); returns the LIVE
   * record or throws {@link ReleaseFailedException}.
   */
  public ReleaseRecord release(AppName app, EnvName env, Version version, ReleaseOptions options) {
    Builds.Built built = resolve(app, version);
    // an unknown environment: refused before a lock
    return startRelease(built, built.config().environment(env.value()), options).run();
  }

  /**
   * Takes the lock and makes the record of a release of a version already {@linkplain #resolve
   * resolved} to {@code env}, on this thread; the rest is {@link ReleaseRun#run}, on any thread.
   * The hosts, paths and users are {@code env}'s alone, whatever the version's {@code tarmac.yml}
   * says (docs/environments.md); the build, hooks and processes are the version's.
   */
  public ReleaseRun startRelease(
      Builds.Built version, TarmacConfig.Environment env, ReleaseOptions options) {
    return startRelease(version, env, options, List.of());
  }

  /**
   * {@link #startRelease(Builds.Built, TarmacConfig.Environment, ReleaseOptions)}, with {@code
   * warnings} written into the release's record.
   */
  public ReleaseRun startRelease(
      Builds.Built version,
      TarmacConfig.Environment env,
      ReleaseOptions options,
      List<String> warnings) {
    Builds.Built placed = new Builds.Built(version.record(), version.config().withEnvironment(env));
    // a required name not set: refused before a lock (docs/configuration-and-secrets.md)
    String e = env.name();
    ConfigValues.Resolved values = configFor(version, e);
    return new Runner(store, transports, version.app(), e, options, warnings)
        .start(
            new Release(
                placed,
                deltas,
                v -> builds.require(version.app(), v).config().withEnvironment(env),
                values));
  }

  /**
   * The values a release of {@code version} to {@code env} renders, read before any lock or host: a
   * name {@code config.required} lists that is set neither for the app nor for the environment
   * refuses the release here, naming it and how to set it (docs/configuration-and-secrets.md).
   */
  ConfigValues.Resolved configFor(Builds.Built version, String env) {
    String app = version.app();
    ConfigValues.Resolved values = configValues.resolve(app, env);
    List<String> required =
        version.config().config().map(TarmacConfig.Config::required).orElse(List.of());
    List<String> missing = required.stream().filter(n -> !values.values().containsKey(n)).toList();
    if (!missing.isEmpty()) {
      throw new MissingConfigException(
          "the release of "
              + app
              + " "
              + version.version()
              + " to "
              + env
              + " is refused: tarmac.yml at "
              + version.version()
              + " requires "
              + String.join(", ", missing)
              + ", set neither for "
              + app
              + " nor for "
              + env
              + "; no host was touched. Set "
              + (missing.size() == 1 ? "it" : "each")
              + ": tarmac config set "
              + app
              + " "
              + env
              + " --secret "
              + missing.get(0)
              + " (a secret, read from standard input), or tarmac config set "
              + app
              + " "
              + env
              + " "
              + missing.get(0)
              + "=<value> (a plain value); leave out "
              + env
              + " to set it for every environment of "
              + app);
    }
    return values;
  }

  /**
   * Makes, ahead of any release, the delta from each environment's live version to {@code built},
   * exactly as a release of it would ask for it (docs/architecture.md, "Deltas ahead of the
   * release"): the release then finds it in the store, and its hosts start downloading at once.
   * Never fails: one line per environment says what was made, found or why not (a release without a
   * delta sends the full artifact, as always).
   */
  public List<String> deltasAhead(BuildRecord built) {
    return deltasAhead(built, builds.config(built).environments().keySet());
  }

  /**
   * {@link #deltasAhead(BuildRecord)} for {@code envs}: the environments the service registered.
   */
  public List<String> deltasAhead(BuildRecord built, java.util.Collection<String> envs) {
    TarmacConfig config = builds.config(built);
    java.util.Set<String> fresh = Release.sharedPaths(config);
    java.util.Set<String> from = new java.util.HashSet<>();
    List<String> out = new java.util.ArrayList<>();
    for (String env : envs) {
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
  public ReleasePreview plan(AppName app, EnvName env, Version version) {
    Builds.Built built = resolve(app, version);
    return plan(built, built.config().environment(env.value()));
  }

  /** What releasing {@code version} to {@code env} (the registered one) would do; no lock. */
  public ReleasePreview plan(Builds.Built version, TarmacConfig.Environment env) {
    String e = env.name();
    BuildRecord build = version.record();
    String live =
        new ReleaseHistory(store, build.app(), e).live().map(ReleaseRecord::version).orElse(null);
    return new DryRun(store, reads, build, version.config().withEnvironment(env), env, live)
        .read()
        .withConfig(configPlan(version, e));
  }

  /** Which names a release of {@code version} to {@code env} changes against the live release. */
  ReleasePreview.ConfigPlan configPlan(Builds.Built version, String env) {
    String app = version.app();
    ConfigValues.Resolved now = configValues.resolve(app, env);
    ReleaseRecord.ConfigUsed used =
        new ReleaseHistory(store, app, env).live().map(ReleaseRecord::config).orElse(null);
    ConfigValues.Resolved before =
        used == null
            ? ConfigValues.Resolved.none()
            : configValues.resolve(app, env, used.app(), used.env());
    List<String> missing =
        version.config().config().map(TarmacConfig.Config::required).orElse(List.of()).stream()
            .filter(n -> !now.values().containsKey(n))
            .toList();
    return new ReleasePreview.ConfigPlan(
        now.appRevision(), now.envRevision(), now.changedSince(before), missing);
  }

  /**
   * Switches every host back to an earlier release still on disk: {@code to}, or the one live
   * before the current one, on {@code env} as the live version's {@code tarmac.yml} defines it (the
   * library's way). No download. {@code acrossContract}: across a contract migration that ran,
   * which is refused otherwise (docs/releasing.md, "Expand and contract").
   */
  public ReleaseRecord rollback(
      AppName app,
      EnvName env,
      Optional<Version> to,
      boolean restoreDatabase,
      boolean acrossContract,
      ReleaseOptions options) {
    String a = app.value();
    String e = env.value();
    return new Runner(store, transports, a, e, options)
        .start(
            new Rollback(
                to.map(Version::value),
                restoreDatabase,
                acrossContract,
                v -> builds.require(a, v),
                used -> configValues.resolve(a, e, used.app(), used.env()).secretValues()))
        .run();
  }

  /**
   * Takes the lock and makes the record of a rollback on {@code env}'s hosts (the registered
   * environment), on this thread ({@link #startRelease}), whatever the {@code tarmac.yml} of the
   * live or the target version says; their hooks are their own. {@code acrossContract}: across a
   * contract migration that ran.
   */
  public ReleaseRun startRollback(
      AppName app,
      TarmacConfig.Environment env,
      Optional<Version> to,
      boolean restoreDatabase,
      boolean acrossContract,
      ReleaseOptions options) {
    String a = app.value();
    String e = env.name();
    return new Runner(store, transports, a, e, options)
        .start(
            new Rollback(
                to.map(Version::value),
                restoreDatabase,
                acrossContract,
                v -> {
                  Builds.Built b = builds.require(a, v);
                  return new Builds.Built(b.record(), b.config().withEnvironment(env));
                },
                used -> configValues.resolve(a, e, used.app(), used.env()).secretValues()));
  }

  /** What is live on every host, compared with the history (hosts from the live tarmac.yml). */
  public EnvStatus status(AppName app, EnvName env) {
    String a = app.value();
    String e = env.value();
    String recorded = live(a, e).version();
    TarmacConfig config = builds.require(a, recorded).config();
    return new StatusReader(reads, a, config.environment(e), recorded).read();
  }

  /** What is live on every host of {@code env} (the registered one), compared with the history. */
  public EnvStatus status(AppName app, TarmacConfig.Environment env) {
    String a = app.value();
    String recorded = live(a, env.name()).version();
    return new StatusReader(reads, a, env, recorded).read();
  }

  public List<ReleaseRecord> history(AppName app, EnvName env) {
    return new ReleaseHistory(store, app.value(), env.value()).list();
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
