package dev.tarmac.builder.service;

import dev.tarmac.builder.git.RepoUrls;
import dev.tarmac.builder.ops.Metrics;
import dev.tarmac.builder.pipeline.BuildRequest;
import dev.tarmac.builder.pipeline.BuildResult;
import dev.tarmac.builder.pipeline.Builder;
import dev.tarmac.deploy.config.TarmacConfig;
import dev.tarmac.deploy.store.BuildConfigs;
import dev.tarmac.distributor.model.BuildRecord;
import dev.tarmac.distributor.model.Json;
import dev.tarmac.distributor.model.Names;
import dev.tarmac.distributor.records.BuildRecords;
import dev.tarmac.distributor.store.ArtifactStore;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The build queue: at most {@code tarmac.builds.concurrency} builds run at once. Builds in progress
 * or failed are kept under {@code <data-dir>/state/builds/} (succeeded ones are in the store); on
 * start, a build that was running is marked FAILED and a queued one is queued again.
 */
@ApplicationScoped
public class BuildService {
  private static final int MAX_QUEUED = 1000;

  @Inject ServiceConfig config;
  @Inject ArtifactStore store;
  @Inject AppRegistry apps;
  @Inject Clock clock;
  @Inject Metrics metrics;
  @Inject Event<BuildPublished> published;

  private final Map<String, BuildView> states = new HashMap<>();
  private final AtomicInteger builds = new AtomicInteger();
  private Builder builder;
  private BuildRetention retention;
  private final Map<String, Object> pruning = new java.util.concurrent.ConcurrentHashMap<>();
  private ThreadPoolExecutor executor;
  private Path stateDir;
  private volatile String isolation = "not decided yet";

  /** The build isolation in force, or why builds are refused (docs/architecture.md). */
  public String isolation() {
    return isolation;
  }

  void start(@Observes StartupEvent event) {
    stateDir = config.dataDir().resolve("state/builds");
    builder =
        new Builder(store, config.dataDir(), clock, config.sandbox(), config.buildCacheMaxBytes());
    int concurrency = config.settings().builds().concurrency();
    builder.cleanAbandonedWork();
    isolation = builder.isolation();
    if (isolation.startsWith("builds refused")) {
      Log.warnf("build isolation: %s", isolation);
    } else {
      Log.infof("build isolation: %s", isolation);
    }
    retention = new BuildRetention(store, clock);
    executor =
        new ThreadPoolExecutor(
            concurrency,
            concurrency,
            0,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> new Thread(r, "tarmac-build"));
    metrics.buildQueue(executor);
    List<BuildView> requeue = new ArrayList<>();
    synchronized (states) {
      for (BuildView view : loadStates()) {
        if (view.status() == BuildView.Status.RUNNING) {
          view =
              view.failed(
                  clock.instant(),
                  "the service stopped while this build was running; nothing it wrote was published. Request the build again.");
          save(view);
        } else if (view.status() == BuildView.Status.QUEUED) {
          requeue.add(view);
        }
        states.put(key(view.app(), view.version()), view);
      }
    }
    for (BuildView view : requeue) {
      apps.find(view.app()).ifPresent(app -> submit(app, view));
    }
  }

  void stop(@Observes ShutdownEvent event) {
    if (executor != null) {
      executor.shutdownNow();
    }
  }

  /**
   * Queues a build of {@code tag}, or returns the build that exists (published, queued or running).
   */
  public BuildView request(String appName, String tag) {
    if (!Names.isVersion(tag)) {
      throw ApiProblem.badRequest(
          "'" + tag + "' is not a valid tag to build: use 1 to 128 of A-Z a-z 0-9 . _ -");
    }
    App app = apps.require(appName);
    return queue(app, BuildView.queued(appName, tag, clock.instant()));
  }

  /**
   * Queues a build of {@code ref} (a branch, else a commit id) as the repository has it now, named
   * from its commit ({@code main-1a2b3c4}), or returns the build of that commit that exists
   * (docs/architecture.md, "Builds from any ref").
   */
  public BuildView requestRef(String appName, String ref) {
    if (!Names.isBranch(ref) && !Names.isCommit(ref)) {
      throw ApiProblem.badRequest(
          "'"
              + ref
              + "' is not a ref Tarmac builds: give a branch (1 to 100 of A-Z a-z 0-9 . _ - /, not"
              + " starting with - or /, without .. or //) or a commit id (7 to 40 of 0-9 a-f)");
    }
    App app = apps.require(appName);
    BuildRequest resolved;
    try {
      resolved = builder.resolve(appName, app.repo(), ref, clock.instant());
    } catch (dev.tarmac.builder.workspace.BuildException e) {
      throw new ApiProblem(404, "Unknown ref", RepoUrls.redact(e.getMessage()));
    }
    return queue(
        app,
        BuildView.queuedRef(
            appName,
            resolved.version(),
            resolved.kind(),
            resolved.ref(),
            resolved.commit(),
            resolved.queuedAt()));
  }

  /** Queues {@code queued}, or answers the build of its version (or its commit) that exists. */
  private BuildView queue(App app, BuildView queued) {
    String appName = app.name();
    String tag = queued.version();
    synchronized (states) {
      BuildView current = states.get(key(appName, tag));
      if (current != null && current.inProgress()) {
        return current;
      }
      Optional<BuildRecord> published = builder.published(appName, tag);
      if (published.isEmpty() && queued.fromRef()) {
        // a commit is built once, whichever ref names it
        published = builder.builtCommit(appName, queued.commit());
      }
      if (published.isPresent()) {
        return BuildView.of(published.get());
      }
      if (executor.getQueue().size() >= MAX_QUEUED) {
        throw new ApiProblem(
            503,
            "Build queue full",
            MAX_QUEUED + " builds are waiting; try again when some have finished");
      }
      states.put(key(appName, tag), queued);
      save(queued);
      submit(app, queued);
      return queued;
    }
  }

  /** Builds asked to stop (key → who asked), and the threads of the running ones. */
  private final Map<String, String> cancelled = new java.util.concurrent.ConcurrentHashMap<>();

  private final Map<String, Thread> runningThreads = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Stops a queued or running build (docs/api.md): a queued one never starts; a running one's
   * thread is interrupted and every process of its uid killed as its sandbox closes, so nothing of
   * it is left. It ends FAILED, "cancelled by WHO"; nothing is published.
   */
  public BuildView cancel(String appName, String version, String who) {
    String key = key(appName, version);
    synchronized (states) {
      BuildView current = states.get(key);
      if (current == null || !current.inProgress()) {
        throw new ApiProblem(
            409,
            "Not running",
            appName
                + " "
                + version
                + (current == null ? " is not being built" : " is " + current.status())
                + "; there is nothing to cancel");
      }
      cancelled.put(key, who);
      Thread thread = runningThreads.get(key);
      if (thread != null) {
        thread.interrupt();
      }
      Log.infof("%s cancelled the build of %s %s", who, appName, version);
      return current;
    }
  }

  private void submit(App app, BuildView queued) {
    executor.execute(() -> run(app, queued));
  }

  private void run(App app, BuildView queued) {
    String key = key(app.name(), queued.version());
    String by = cancelled.remove(key);
    if (by != null) {
      update(queued.failed(clock.instant(), "cancelled by " + by + " before it started"));
      return;
    }
    runningThreads.put(key, Thread.currentThread());
    try {
      runStarted(app, queued, key);
    } finally {
      runningThreads.remove(key);
      Thread.interrupted(); // a cancel that came as the build ended must not reach the next one
    }
  }

  private void runStarted(App app, BuildView queued, String key) {
    BuildView running = queued.running(clock.instant());
    update(running);
    Path log = logFile(app.name(), queued.version());
    metrics.buildStarted(app.name());
    long started = System.nanoTime();
    try {
      Files.deleteIfExists(log);
      BuildResult result =
          builder.build(
              queued.fromRef()
                  ? BuildRequest.ofRef(
                      app.name(),
                      app.repo(),
                      "branch".equals(queued.kind()) ? queued.ref() : null,
                      queued.commit(),
                      queued.queuedAt())
                  : new BuildRequest(app.name(), app.repo(), queued.tag(), queued.queuedAt()),
              log);
      builds.incrementAndGet();
      metrics.buildFinished(app.name(), true, Duration.ofNanos(System.nanoTime() - started));
      synchronized (states) {
        states.remove(key(app.name(), queued.version()));
        Files.deleteIfExists(stateFile(app.name(), queued.version()));
        Files.deleteIfExists(log);
      }
      Log.infof(
          "built %s %s: %s (%d bytes)",
          app.name(), queued.version(), result.record().sha256(), result.record().size());
      if (result.built()) {
        prune(result.record());
        announce(result.record());
      }
    } catch (RuntimeException | IOException e) {
      String by = cancelled.remove(key);
      String why =
          by != null
              ? "cancelled by " + by + "; every process of the build was ended, nothing published"
              : RepoUrls.redact(e.getMessage() == null ? e.toString() : e.getMessage());
      Log.warnf("build of %s %s failed: %s", app.name(), queued.version(), why);
      metrics.buildFinished(app.name(), false, Duration.ofNanos(System.nanoTime() - started));
      update(running.failed(clock.instant(), why));
    }
  }

  /**
   * Tells the observers of {@link BuildPublished} (deltas ahead of the release,
   * docs/architecture.md): the build is published and SUCCEEDED whatever they do, so a failure of
   * theirs (the release executor shut down as the service stops) is logged, never the build's.
   */
  private void announce(BuildRecord built) {
    try {
      published.fire(new BuildPublished(built));
    } catch (RuntimeException e) {
      Log.warnf(
          "after publishing %s %s: %s (the build is published; a release makes its deltas itself)",
          built.app(), built.version(), RepoUrls.redact(String.valueOf(e.getMessage())));
    }
  }

  /**
   * Removes the app's builds beyond {@code release.keep_builds} (of the build just published) that
   * no environment needs (docs/architecture.md, "Retention in the store"). A failure is logged and
   * changes nothing about the build; the next build tries again.
   */
  private void prune(BuildRecord built) {
    String app = built.app();
    synchronized (pruning.computeIfAbsent(app, a -> new Object())) {
      try {
        TarmacConfig.Release release = BuildConfigs.shared().of(built).release();
        BuildRetention.Result r =
            retention.prune(
                app,
                built.version(),
                release.keepBuilds(),
                release.keep(),
                b -> BuildConfigs.shared().of(b).release().keep());
        for (BuildRetention.Removed removed : r.removed()) {
          Log.infof(
              "retention: removed %s %s from the store (release.keep_builds %d, after %s)%s",
              app,
              removed.version(),
              r.keepBuilds(),
              built.version(),
              removed.deltas().isEmpty() ? "" : " with its deltas " + removed.deltas());
        }
        r.protectedBuilds()
            .forEach(
                (version, why) ->
                    Log.infof(
                        "retention: kept %s %s beyond release.keep_builds %d: %s",
                        app, version, r.keepBuilds(), why));
      } catch (RuntimeException e) {
        Log.warnf(
            e,
            "retention: the clean-up of %s's builds after %s failed; nothing more was removed,"
                + " and it runs again after the next build",
            app,
            built.version());
      }
    }
  }

  /** The last clean-up of an app's builds in the store. */
  public Optional<BuildRetention.Result> lastRetention(String app) {
    return retention.last(app);
  }

  /** How many builds did work since start (for tests and metrics). */
  public int buildsRun() {
    return builds.get();
  }

  public Optional<BuildView> find(String app, String version) {
    if (!Names.isApp(app) || !Names.isVersion(version)) {
      return Optional.empty();
    }
    synchronized (states) {
      BuildView view = states.get(key(app, version));
      if (view != null) {
        return Optional.of(view);
      }
    }
    return builder.published(app, version).map(BuildView::of);
  }

  public BuildView require(String app, String version) {
    checkNames(app, version);
    return find(app, version).orElseThrow(() -> notFound(app, version));
  }

  /**
   * The build as this service knows it now (queued, running, failed, or built here), reading
   * nothing from the store: empty for a build only the store has. Refuses an unknown app (404) and
   * a version that is no version (400), as {@link #require} does.
   */
  public Optional<BuildView> known(String app, String version) {
    checkNames(app, version);
    synchronized (states) {
      return Optional.ofNullable(states.get(key(app, version)));
    }
  }

  /** The 404 of a build neither this service nor the store has. */
  public ApiProblem notFound(String app, String version) {
    return ApiProblem.notFound(
        "app "
            + app
            + " has no build "
            + version
            + "; start one with `tarmac build "
            + app
            + " "
            + version
            + "`");
  }

  private void checkNames(String app, String version) {
    apps.require(app);
    try {
      Names.version(version);
    } catch (IllegalArgumentException bad) {
      // bad input, not a missing build: 400 on pages too (which take other such errors as 409)
      throw ApiProblem.badRequest(bad.getMessage());
    }
  }

  /**
   * Every build of {@code app}: published ones and those queued, running or failed; newest first.
   */
  /** The most builds one page of the list holds ({@code ?limit=}). */
  public static final int MAX_PAGE = 100;

  /**
   * At most {@code limit} builds of {@link #list}, those after {@code before} (a version the list
   * holds; null: from the newest); 400 naming it when the app has no such build.
   */
  public List<BuildView> page(String app, String before, int limit) {
    List<BuildView> all = list(app);
    int from = 0;
    if (before != null) {
      from = -1;
      for (int i = 0; i < all.size(); i++) {
        if (all.get(i).version().equals(before)) {
          from = i + 1;
          break;
        }
      }
      if (from < 0) {
        throw ApiProblem.badRequest(
            "before="
                + Names.shown(before)
                + ": "
                + app
                + " has no such build; it takes a version the list answered (the last of the page"
                + " before)");
      }
    }
    return List.copyOf(all.subList(Math.min(from, all.size()), Math.min(all.size(), from + limit)));
  }

  public List<BuildView> list(String app) {
    apps.require(app);
    Map<String, BuildView> all = new HashMap<>();
    for (BuildRecord record : new BuildRecords(store).list(app)) {
      BuildView v = BuildView.of(record);
      all.put(v.version(), v);
    }
    synchronized (states) {
      states.values().stream()
          .filter(v -> v.app().equals(app))
          .forEach(v -> all.putIfAbsent(v.version(), v));
    }
    List<BuildView> out = new ArrayList<>(all.values());
    out.sort(
        Comparator.comparing(BuildView::queuedAt, Comparator.nullsFirst(Comparator.naturalOrder()))
            .reversed());
    return out;
  }

  /**
   * The build log: from the store once published, from the data directory before that; with the
   * password of any repository URL in it shown as {@code ***}.
   */
  public byte[] log(String app, String version) {
    BuildView view = require(app, version);
    if (view.status() == BuildView.Status.SUCCEEDED) {
      return RepoUrls.redact(store.readAllBytes(BuildRecords.logKey(app, version)));
    }
    try {
      Path log = logFile(app, version);
      return Files.exists(log) ? RepoUrls.redact(Files.readAllBytes(log)) : new byte[0];
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void update(BuildView view) {
    synchronized (states) {
      states.put(key(view.app(), view.version()), view);
      save(view);
    }
  }

  private static String key(String app, String version) {
    return app + "/" + version;
  }

  private Path stateFile(String app, String version) {
    return stateDir.resolve(app).resolve(version + ".json");
  }

  private Path logFile(String app, String version) {
    return stateDir.resolve(app).resolve(version + ".log");
  }

  private void save(BuildView view) {
    Path file = stateFile(view.app(), view.version());
    try {
      Files.createDirectories(file.getParent());
      Path tmp = Files.createTempFile(file.getParent(), ".state", ".tmp");
      Files.write(tmp, Json.write(view));
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save the build state " + file, e);
    }
  }

  private List<BuildView> loadStates() {
    List<BuildView> out = new ArrayList<>();
    if (!Files.isDirectory(stateDir)) {
      return out;
    }
    try (Stream<Path> files = Files.walk(stateDir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
        out.add(Json.read(Files.readAllBytes(f), BuildView.class));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read build states under " + stateDir, e);
    }
    return out;
  }
}
