package dev.tarmac.builder.service;

import dev.tarmac.builder.ops.Metrics;
import dev.tarmac.deploy.config.TarmacConfig;
import dev.tarmac.deploy.release.Deployer;
import dev.tarmac.deploy.release.EnvLock;
import dev.tarmac.deploy.release.EnvLocks;
import dev.tarmac.deploy.release.EnvStatus;
import dev.tarmac.deploy.release.NeverLiveException;
import dev.tarmac.deploy.release.ReleaseEvent;
import dev.tarmac.deploy.release.ReleaseFailedException;
import dev.tarmac.deploy.release.ReleaseHistory;
import dev.tarmac.deploy.release.ReleaseOptions;
import dev.tarmac.deploy.release.ReleasePreview;
import dev.tarmac.deploy.release.ReleaseRecord;
import dev.tarmac.deploy.release.ReleaseRun;
import dev.tarmac.deploy.release.TaskLogs;
import dev.tarmac.deploy.release.Transports;
import dev.tarmac.deploy.remote.HostSessions;
import dev.tarmac.deploy.store.Builds;
import dev.tarmac.deploy.store.Environments;
import dev.tarmac.distributor.model.AppName;
import dev.tarmac.distributor.model.EnvName;
import dev.tarmac.distributor.model.Names;
import dev.tarmac.distributor.model.Version;
import dev.tarmac.distributor.store.ArtifactStore;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * Runs releases and rollbacks in the service (never in the HTTP request): a request returns as soon
 * as the release has its number; its progress is kept here for server-sent events, its record in
 * the store. Where code runs is the environment registered in the service ({@link
 * EnvironmentRegistry}, docs/environments.md); the hooks and processes come from the {@code
 * tarmac.yml} of the version released.
 */
@ApplicationScoped
public class ReleaseService {
  @Inject ArtifactStore store;
  @Inject ServiceConfig config;
  @Inject BuildService builds;
  @Inject Metrics metrics;
  @Inject EnvironmentRegistry environments;

  private Deployer deployer;
  private HostSessions
      sessions; // kept between status/plan reads; null when tarmac.ssh.keep-sessions=0
  private ExecutorService runner;
  private ExecutorService deltasWorker;
  private DeltasAheadQueue deltasAhead;
  private final Map<String, Run> runs = new ConcurrentHashMap<>();
  private final StatusReads<String, EnvStatus> statusReads = new StatusReads<>(8);

  @PostConstruct
  void init() {
    // releases open their own sessions; status and plan reads borrow kept ones
    // (docs/architecture.md, "Sessions kept for reads")
    // local hosts only where the operator allows them (docs/configuration.md, "Local hosts")
    Transports releasing = Transports.standard(config.ssh(), config.localHosts());
    Duration keep = config.sshKeepSessions();
    sessions = keep.isZero() ? null : HostSessions.ssh(config.ssh(), keep);
    deployer =
        new Deployer(
            store,
            releasing,
            sessions == null ? releasing : Transports.kept(sessions, config.localHosts()),
            config.dataDir().resolve("deltas"),
            // the key the apps' secrets are sealed with (docs/configuration-and-secrets.md)
            dev.tarmac.deploy.store.SecretBox.open(config.dataDir()));
    runner = Executors.newCachedThreadPool(daemon("tarmac-release"));
    deltasWorker = Executors.newSingleThreadExecutor(daemon("tarmac-deltas-ahead"));
    deltasAhead =
        new DeltasAheadQueue(
            deltasWorker,
            built -> {
              for (String line :
                  deployer.deltasAhead(built, environments.list(built.app()).keySet())) {
                Log.infof(
                    "deltas ahead of releasing %s %s: %s", built.app(), built.version(), line);
              }
            },
            Log::warn);
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return dev.tarmac.deploy.Threads.daemon(name, false);
  }

  @PreDestroy
  void stop() {
    runner.shutdownNow();
    deltasWorker.shutdownNow();
    if (sessions != null) {
      sessions.close();
    }
  }

  /**
   * A build just published: the deltas from every environment's live version to it are made now, in
   * the background, one build at a time ({@link DeltasAheadQueue}), so that releasing it does not
   * wait for them (docs/architecture.md, "Deltas ahead of the release"). What was made goes to the
   * log; nothing here can fail the build.
   */
  void deltasAhead(@Observes BuildPublished event) {
    deltasAhead.offer(event.build());
  }

  /** The apps' configuration values and secrets (docs/configuration-and-secrets.md). */
  public dev.tarmac.deploy.store.ConfigValues configValues() {
    return deployer.configValues();
  }

  /**
   * What releasing a built version would do on every host; changes nothing. The names are checked
   * where the request came in ({@link RequestNames}).
   */
  public ReleasePreview plan(AppName app, EnvName env, Version version) {
    Environments.Registered reg = environments.require(app.value(), env.value(), version.value());
    Builds.Built resolved = requireReleasable(app, reg, version);
    return deployer
        .plan(resolved, reg.definition().environment())
        .withWarnings(EnvironmentRegistry.ignoredBlock(reg, resolved.config(), version.value()));
  }

  /**
   * Starts releasing a built version to the registered environment; returns its first record
   * (PREPARING), with a warning when the version's {@code tarmac.yml} has another environment
   * block.
   */
  public ReleaseRecord release(
      AppName app, EnvName env, Version version, String who, boolean forceUnlock) {
    Environments.Registered reg = environments.require(app.value(), env.value(), version.value());
    Builds.Built resolved = requireReleasable(app, reg, version);
    List<String> warnings =
        EnvironmentRegistry.ignoredBlock(reg, resolved.config(), version.value());
    warnings.forEach(w -> Log.warnf("release of %s to %s: %s", app, env, w));
    return start(
        app.value(),
        env.value(),
        options ->
            deployer.startRelease(resolved, reg.definition().environment(), options, warnings),
        who,
        forceUnlock);
  }

  /**
   * The build record and its tarmac.yml, read once (docs/architecture.md, "The store's domain
   * layer"), when the version may be released to env: a build this service knows is refused while
   * it is not built; otherwise the store's record is the answer.
   */
  private Builds.Built requireReleasable(
      AppName app, Environments.Registered env, Version version) {
    Optional<BuildView> known = builds.known(app.value(), version.value());
    if (known.isPresent() && known.get().status() != BuildView.Status.SUCCEEDED) {
      throw new ApiProblem(
          409,
          "Not built",
          app
              + " "
              + version
              + " is "
              + known.get().status()
              + ", not built; release a version whose"
              + " build succeeded");
    }
    Builds.Built resolved =
        known.isPresent()
            ? deployer.resolve(app, version)
            : deployer
                .builds()
                .find(app.value(), version.value())
                .orElseThrow(() -> builds.notFound(app.value(), version.value()));
    EnvironmentRegistry.requireAllowed(env, resolved.record());
    return resolved;
  }

  /**
   * Starts a rollback; {@code acrossContract}: across a contract migration that ran, refused (409)
   * otherwise (docs/releasing.md, "Expand and contract").
   */
  public ReleaseRecord rollback(
      AppName app,
      EnvName env,
      Optional<Version> to,
      boolean restoreDatabase,
      boolean acrossContract,
      String who,
      boolean forceUnlock) {
    to.ifPresent(v -> requireBuilt(app, env, v));
    Environments.Registered reg =
        environments.require(app.value(), env.value(), to.map(Version::value).orElse(null));
    return start(
        app.value(),
        env.value(),
        options ->
            deployer.startRollback(
                app, reg.definition().environment(), to, restoreDatabase, acrossContract, options),
        who,
        forceUnlock);
  }

  /**
   * A rollback's target must have been built: one never built was never live either, and the
   * refusal says so with the versions that were, as for one built but never live (404, nothing
   * changed).
   */
  private void requireBuilt(AppName app, EnvName env, Version version) {
    builds.known(app.value(), version.value()); // an unknown app 404
    if (builds.find(app.value(), version.value()).isEmpty()) {
      throw NeverLiveException.neverBuilt(
          app.value(), env.value(), version.value(), deployer.history(app, env));
    }
  }

  /**
   * What every host of the environment serves: one read in flight per environment, shared by every
   * reader, a result of the last second answered again, at most 8 environments read at once ({@link
   * StatusReads}).
   */
  public EnvStatus status(AppName app, EnvName env) {
    TarmacConfig.Environment registered =
        environments.require(app.value(), env.value(), null).definition().environment();
    return statusReads.read(app + "/" + env, () -> deployer.status(app, registered));
  }

  /** The environments registered for an app (the dashboard lists them), by name. */
  public List<String> environments(String app) {
    return List.copyOf(environments.list(app).keySet());
  }

  /** Who holds the environment's lock, if anyone (docs/architecture.md, "Fencing"). */
  public Optional<EnvLock.Info> lockInfo(String app, String env) {
    return new EnvLocks(store).find(Names.app(app), Names.env(env));
  }

  /**
   * The delivery figures of the last {@code days} days (docs/dashboard.md): lead time counts from
   * the tag commit's commit time, read from the service's git mirror of the app.
   */
  public DeliveryFigures.Figures figures(String app, String env, int days) {
    return figures(app, env, history(app, env), List.of(days)).get(0);
  }

  /** The figures over each of {@code days} from one reading of the history (the dashboard's). */
  public List<DeliveryFigures.Figures> figures(
      String app, String env, List<ReleaseRecord> history, List<Integer> days) {
    for (int d : days) {
      if (d < 1 || d > DeliveryFigures.MAX_DAYS) {
        throw ApiProblem.badRequest(
            "days must be a whole number from 1 to " + DeliveryFigures.MAX_DAYS + "; got " + d);
      }
    }
    Instant to = Instant.now();
    Path mirror = config.dataDir().resolve("git").resolve(Names.app(app) + ".git");
    try (CommitTimes times = new CommitTimes(mirror)) {
      return days.stream()
          .map(
              d ->
                  DeliveryFigures.of(
                      app, env, history, to.minus(Duration.ofDays(d)), to, times::of))
          .toList();
    }
  }

  public List<ReleaseRecord> history(String app, String env) {
    return deployer.history(AppName.of(app), EnvName.of(env));
  }

  /** What an environment's lock says: who holds it, for what, until when (never its token). */
  public record LockView(
      boolean locked,
      String holder,
      String operation,
      String version,
      java.time.Instant since,
      java.time.Instant leaseUntil,
      Long generation) {}

  public LockView lock(String app, String env) {
    return lockInfo(app, env)
        .map(
            i ->
                new LockView(
                    true,
                    i.holder(),
                    i.operation(),
                    i.version(),
                    i.since(),
                    i.leaseUntil(),
                    i.generation()))
        .orElseGet(() -> new LockView(false, null, null, null, null, null, null));
  }

  /**
   * Removes an environment's lock, as {@code --force-unlock} would: a run still holding it stops at
   * its next check (docs/architecture.md, "Fencing"). 404 when it is not locked.
   */
  public LockView unlock(String app, String env, String who) {
    LockView held = lock(app, env);
    if (!held.locked()) {
      throw ApiProblem.notFound(app + "/" + env + " is not locked");
    }
    store.delete(EnvLocks.key(Names.app(app), Names.env(env)));
    Log.infof("%s released the lock of %s/%s held by %s", who, app, env, held.holder());
    return held;
  }

  /** The most records one page of a history holds ({@code ?limit=}); 20 when not asked. */
  public static final int MAX_PAGE = 100;

  /**
   * A page of the history, newest first, each record with its state and without its tasks' details
   * ({@link ReleaseHistory#page}): what the API, the CLI and the dashboard read.
   */
  public List<ReleaseView> historyPage(String app, String env, Long before, int limit) {
    ReleaseHistory.Page page =
        new ReleaseHistory(store, Names.app(app), Names.env(env)).page(before, limit);
    List<ReleaseView> out = new ArrayList<>(page.records().size());
    for (ReleaseRecord r : page.records()) {
      out.add(new ReleaseView(r.withoutTaskDetails(), ReleaseState.of(r, page.live()).word()));
    }
    return out;
  }

  /**
   * The whole output of a task of release {@code id} on {@code host} whose record keeps only its
   * ends; 404 naming the task when none was kept.
   */
  public byte[] taskLog(String app, String env, long id, String host, String task) {
    get(app, env, id);
    return new TaskLogs(store, Names.app(app), Names.env(env))
        .read(id, host, task)
        .orElseThrow(
            () ->
                ApiProblem.notFound(
                    "release #"
                        + id
                        + " of "
                        + app
                        + " in "
                        + env
                        + " kept no log of "
                        + host
                        + "/"
                        + task
                        + ": when its output was cut, the task's record names its log; the"
                        + " record itself is GET /api/apps/"
                        + app
                        + "/envs/"
                        + env
                        + "/releases/"
                        + id));
  }

  /** One record with its state in the environment's history now. */
  public ReleaseView view(String app, String env, long id) {
    ReleaseRecord r = get(app, env, id);
    return new ReleaseView(r, ReleaseState.of(r, history(app, env)).word());
  }

  public ReleaseRecord get(String app, String env, long id) {
    return new ReleaseHistory(store, Names.app(app), Names.env(env))
        .get(id)
        .orElseThrow(
            () -> ApiProblem.notFound("there is no release #" + id + " of " + app + " in " + env));
  }

  /**
   * The progress of a release as events: those already seen, then the rest as they happen; the
   * stream ends with the release. A release that ended before the service started has no events.
   */
  public Multi<ReleaseEvent> events(String app, String env, long id) {
    get(app, env, id);
    Run run = runs.get(key(app, env, id));
    if (run == null) {
      return Multi.createFrom().empty();
    }
    return Multi.createFrom().<ReleaseEvent>emitter(run::subscribe);
  }

  /**
   * The events a release run by this service has had so far (the dashboard draws a running release
   * from them: the stored record has its hosts' tasks only from activation on); empty for a release
   * this service does not run or ran before it started.
   */
  public List<ReleaseEvent> eventsSoFar(String app, String env, long id) {
    Run run = runs.get(key(app, env, id));
    return run == null ? List.of() : run.seen();
  }

  /** The hosts of the registered {@code env}, in its order. */
  public List<String> hostNames(String app, String env) {
    return environments.require(app, env, null).definition().environment().hosts().stream()
        .map(TarmacConfig.Host::name)
        .toList();
  }

  /**
   * Asks a running release or rollback to stop at its next safe point (docs/architecture.md,
   * "Cancelling a release"); answers its record as it is now. Refused (409) when it is not running
   * in this service.
   */
  public ReleaseRecord cancel(String app, String env, long id, String who) {
    ReleaseRecord record = get(app, env, id);
    Run run = runs.get(key(app, env, id));
    if (run == null || !run.cancel()) {
      throw new ApiProblem(
          409,
          "Not running",
          "#"
              + id
              + " of "
              + app
              + " in "
              + env
              + " is "
              + record.status()
              + (record.status().finished() ? "" : " but not run by this service")
              + "; there is nothing to cancel");
    }
    Log.infof("%s asked %s to stop", who, key(app, env, id));
    return record;
  }

  /**
   * Starts a run: its lock and record are taken here, on the request's thread (a refusal is the
   * request's error); the rest runs in the release pool, and its events go to the run's listeners.
   */
  private ReleaseRecord start(
      String app,
      String env,
      Function<ReleaseOptions, ReleaseRun> plan,
      String who,
      boolean forceUnlock) {
    Run run = new Run();
    ReleaseOptions options =
        ReleaseOptions.defaults(who)
            .withForceUnlock(forceUnlock)
            .withListener(run::event)
            .withCancelled(run::cancelled);
    ReleaseRun started = plan.apply(options);
    ReleaseRecord first = started.record();
    runs.put(key(app, env, first.id()), run);
    metrics.releaseStarted(first.app(), first.env(), first.kind());
    try {
      runner.submit(
          () -> {
            try {
              metrics.releaseFinished(started.run());
            } catch (ReleaseFailedException e) {
              metrics.releaseFinished(e.record());
              Log.warnf("%s", e.getMessage());
            } catch (RuntimeException e) {
              metrics.releaseStopped(app, env, first.kind());
              Log.errorf(e, "release of %s to %s stopped", app, env);
            } finally {
              run.end();
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      started.close();
      run.end();
      throw new ApiProblem(503, "Shutting down", "the service is stopping; release again later");
    }
    return first;
  }

  private static String key(String app, String env, long id) {
    return app + "/" + env + "#" + id;
  }

  /** The events of one release in this service: kept for late subscribers, pushed to live ones. */
  static final class Run {
    private final List<ReleaseEvent> seen = new ArrayList<>();
    private final List<MultiEmitter<? super ReleaseEvent>> emitters = new ArrayList<>();
    private boolean ended;
    private volatile boolean cancelled;

    boolean cancelled() {
      return cancelled;
    }

    /** Raises the cancel flag; false when the run has already ended. */
    synchronized boolean cancel() {
      if (ended) {
        return false;
      }
      cancelled = true;
      return true;
    }

    synchronized List<ReleaseEvent> seen() {
      return List.copyOf(seen);
    }

    /**
     * Hands {@code e} to every open stream. A stream that fails on it (its client gone, its
     * connection closing as a token is revoked) is dropped: it never reaches the release.
     */
    synchronized void event(ReleaseEvent e) {
      seen.add(e);
      for (MultiEmitter<? super ReleaseEvent> m : new ArrayList<>(emitters)) {
        try {
          m.emit(e);
        } catch (RuntimeException gone) {
          emitters.remove(m);
        }
      }
    }

    synchronized void subscribe(MultiEmitter<? super ReleaseEvent> emitter) {
      seen.forEach(emitter::emit);
      if (ended) {
        emitter.complete();
      } else {
        emitters.add(emitter);
        emitter.onTermination(() -> unsubscribe(emitter));
      }
    }

    private synchronized void unsubscribe(MultiEmitter<? super ReleaseEvent> emitter) {
      emitters.remove(emitter);
    }

    synchronized void end() {
      ended = true;
      new ArrayList<>(emitters).forEach(MultiEmitter::complete);
      emitters.clear();
    }
  }
}
