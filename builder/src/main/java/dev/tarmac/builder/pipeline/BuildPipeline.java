package dev.tarmac.builder.pipeline;

import dev.tarmac.builder.pipeline.steps.BuildStep;
import dev.tarmac.builder.pipeline.steps.CheckoutTagStep;
import dev.tarmac.builder.pipeline.steps.CompileSassStep;
import dev.tarmac.builder.pipeline.steps.ExcludePathsStep;
import dev.tarmac.builder.pipeline.steps.FingerprintAssetsStep;
import dev.tarmac.builder.pipeline.steps.GitMirrors;
import dev.tarmac.builder.pipeline.steps.MinifyAssetsStep;
import dev.tarmac.builder.pipeline.steps.PackTarballStep;
import dev.tarmac.builder.pipeline.steps.PublishArtifactStep;
import dev.tarmac.builder.pipeline.steps.ReadConfigStep;
import dev.tarmac.builder.pipeline.steps.RestoreCacheStep;
import dev.tarmac.builder.pipeline.steps.RunBuildCommandsStep;
import dev.tarmac.builder.pipeline.steps.SaveCacheStep;
import dev.tarmac.builder.sandbox.BuildCache;
import dev.tarmac.builder.sandbox.BuildSandbox;
import dev.tarmac.builder.workspace.BuildException;
import dev.tarmac.builder.workspace.BuildLog;
import dev.tarmac.builder.workspace.Deadline;
import dev.tarmac.deploy.config.TarmacConfig;
import dev.tarmac.deploy.store.BuildConfigs;
import dev.tarmac.distributor.model.BuildRecord;
import dev.tarmac.distributor.store.ArtifactStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The build, in order — read this class to know what a build does:
 *
 * <ol>
 *   <li>checkout the tag (fetch into the app's mirror, write the tag's tree, no {@code .git})
 *   <li>read {@code tarmac.yml} at the tag
 *   <li>restore the app's build cache ({@code build.cache}) into the sandbox, its key in the log
 *   <li>run the app's own build commands ({@code build.commands}: {@code npm ci}, {@code npm run
 *       build}, {@code composer install}…) — the Sass sources are still there; commands run in a
 *       {@link BuildSandbox} (another user, a clean environment, namespaces where bubblewrap works)
 *   <li>compile Sass ({@code build.sass}; load paths such as {@code node_modules} now exist)
 *   <li>minify JS and CSS ({@code build.minify}), including what the commands produced
 *   <li>run the {@code build.after} commands (they see compiled, minified assets)
 *   <li>stage the build cache (saved in place of the app's once the build is published)
 *   <li>fingerprint ({@code build.fingerprint}): content-hashed copies of the static files, CSS
 *       references rewritten, the manifest {@code tarmac-assets.json}
 *   <li>drop excluded paths, every Sass source, and the directories these removals left empty
 *   <li>pack a deterministic tarball and its manifest
 *   <li>publish: blobs first, the build record last; then the staged cache becomes the app's
 * </ol>
 */
public final class BuildPipeline {
  private final ArtifactStore store;
  private final GitMirrors mirrors;
  private final Clock clock;
  private final BuildSandbox sandbox;
  private final BuildCache cache;

  public BuildPipeline(
      ArtifactStore store,
      GitMirrors mirrors,
      Clock clock,
      BuildSandbox sandbox,
      BuildCache cache) {
    this.sandbox = sandbox;
    this.cache = cache;
    this.store = store;
    this.mirrors = mirrors;
    this.clock = clock;
  }

  /** Runs every step in {@code work} (an empty directory the caller removes afterwards). */
  public BuildResult run(BuildRequest request, Path work, BuildLog log) {
    Timer timer = new Timer(log);
    Instant startedAt = clock.instant();
    Path tree = work.resolve("tree");
    String app = request.app();
    String version = request.version();
    log.line(
        "build "
            + app
            + " "
            + version
            + (request.kind() == null ? "" : " (" + request.what() + ", not a tag)")
            + " from "
            + request.repo());
    log.line("isolation: " + sandbox.describe());

    var checkout =
        timer.step(
            "checkout",
            new CheckoutTagStep(
                mirrors,
                app,
                request.repo(),
                request.tag(),
                request.commit(),
                request.what(),
                tree,
                log));
    var config = timer.step("read config", new ReadConfigStep(tree, app, version));
    TarmacConfig.Build build = config.config().build();
    Optional<CachePlan> plan =
        build.cache().isEmpty()
            ? Optional.empty()
            : Optional.of(
                new CachePlan(
                    cache,
                    new BuildCache.Plan(
                        app,
                        build.cache(),
                        BuildCache.key(app, build.cache(), build.cacheKey(), tree))));
    try (Staged staged =
        new Staged(
            treeSteps(
                timer,
                tree,
                config.config(),
                environment(build, request, checkout.commit()),
                sandbox,
                // one path for the app's builds: its bundlers' caches keep valid paths
                app,
                log,
                plan))) {
      BuildResult result =
          packAndPublish(request, work, log, timer, startedAt, checkout, config, staged.deadline);
      staged.commit(version, log);
      return result;
    } catch (RuntimeException e) {
      if (plan.isPresent()) {
        // a failed build's cache is no input of the next (docs/architecture.md, "The build cache")
        log.line("cache: not saved: the build failed");
      }
      throw e;
    }
  }

  /** The staged cache of a build, if any: put in place after publishing, else removed. */
  private static final class Staged implements AutoCloseable {
    private final Optional<BuildCache.Staged> staged;
    final Deadline deadline;

    Staged(TreeSteps steps) {
      this.staged = steps.staged();
      this.deadline = steps.deadline();
    }

    /** The build is published: its cache becomes the app's (a failure here fails no build). */
    void commit(String version, BuildLog log) {
      if (staged.isPresent()) {
        try {
          staged.get().commit(version);
        } catch (java.io.IOException | RuntimeException e) {
          log.line("cache: not saved: " + e);
        }
      }
    }

    @Override
    public void close() {
      staged.ifPresent(BuildCache.Staged::close);
    }
  }

  private BuildResult packAndPublish(
      BuildRequest request,
      Path work,
      BuildLog log,
      Timer timer,
      Instant startedAt,
      CheckoutTagStep.CheckedOut checkout,
      ReadConfigStep.Config config,
      Deadline deadline) {
    Path tree = work.resolve("tree");
    String app = request.app();
    String version = request.version();
    TarmacConfig.Build build = config.config().build();
    var packed =
        timer.step(
            "pack",
            new PackTarballStep(
                    tree, work.resolve("artifact.tar.gz"), checkout.commitTime(), build.timeout())
                .ending(deadline));
    log.line(
        "pack: "
            + packed.size()
            + " bytes, "
            + packed.manifest().entries().size()
            + " files, sha256 "
            + packed.sha256());
    byte[] manifest = packed.manifest().bytes();
    BuildRecord record =
        new BuildRecord(
            app,
            version,
            request.tag(),
            checkout.commit(),
            packed.sha256(),
            packed.size(),
            packed.manifest().entries().size(),
            dev.tarmac.distributor.store.Hashing.sha256Hex(manifest),
            config.text(),
            request.queuedAt(),
            startedAt,
            clock.instant(),
            request.kind() == null ? BuildRecord.TAG : request.kind(),
            request.ref());
    var published =
        timer.step(
            "publish",
            new PublishArtifactStep(store, record, packed.artifact(), manifest, log.file()));
    if (published.won()) {
      // parsed once per build: what releases it and the retention after it use
      BuildConfigs.shared().remember(published.record(), config.config());
    }
    return new BuildResult(published.record(), published.won(), timer.timings);
  }

  /**
   * The steps between reading the config and packing, on a checked-out {@code tree}: the same for a
   * tag ({@link #run}) and for a working copy ({@link LocalBuild}). Commands run in {@code
   * sandbox}, named {@code name}. With a {@code cache} plan, the app's cache is restored before the
   * commands and what they left staged after the last one (returned: the caller saves it once the
   * build is published). Returns too the deadline of the service's own steps over the tree
   * (fingerprint, exclude, pack): one {@code build.timeout} from the sandbox's end.
   */
  static TreeSteps treeSteps(
      Timer timer,
      Path tree,
      TarmacConfig config,
      Map<String, String> environment,
      BuildSandbox sandbox,
      String name,
      BuildLog log,
      Optional<CachePlan> cache) {
    TarmacConfig.Build build = config.build();
    Optional<BuildCache.Staged> staged = Optional.empty();
    // one sandbox, one uid for everything that runs the repository's code or reads its files
    // (docs/architecture.md, "Build isolation"); between steps no process of the build lives
    try (BuildSandbox.Session session = sandbox.open(name, tree)) {
      if (cache.isPresent()) {
        CachePlan c = cache.get();
        timer.step("restore cache", new RestoreCacheStep(c.cache(), c.plan(), session, log));
      }
      timer.step(
          "commands",
          new RunBuildCommandsStep(
              session, "build.commands", build.commands(), environment, build.timeout(), log));
      timer.step("compile sass", new CompileSassStep(session, build.sass(), build.timeout(), log));
      timer.step(
          "minify",
          new MinifyAssetsStep(
              session, build.minify(), build.minifyTargets(), build.timeout(), log));
      timer.step(
          "after",
          new RunBuildCommandsStep(
              session, "build.after", build.after(), environment, build.timeout(), log));
      if (cache.isPresent()) {
        CachePlan c = cache.get();
        staged = timer.step("save cache", new SaveCacheStep(c.cache(), c.plan(), session, log));
      }
    } catch (BuildException e) {
      staged.ifPresent(BuildCache.Staged::close);
      throw e;
    } catch (Exception e) {
      staged.ifPresent(BuildCache.Staged::close);
      throw new BuildException("the build sandbox could not be closed: " + e.getMessage(), e);
    }
    // the service's own steps over the tree share one build.timeout, checked at every file
    Deadline deadline = Deadline.after(build.timeout());
    try {
      timer.step(
          "fingerprint",
          new FingerprintAssetsStep(
                  tree,
                  build.fingerprint(),
                  build.exclude(),
                  config.release().cdn().map(TarmacConfig.Cdn::url),
                  log)
              .ending(deadline));
      timer.step("exclude", new ExcludePathsStep(tree, build.exclude(), log).ending(deadline));
    } catch (RuntimeException e) {
      staged.ifPresent(BuildCache.Staged::close);
      throw e;
    }
    return new TreeSteps(staged, deadline);
  }

  /** What the tree steps leave: the staged cache, if any, and the deadline of the steps after. */
  record TreeSteps(Optional<BuildCache.Staged> staged, Deadline deadline) {}

  /** What build commands get besides PATH, HOME and LANG: the app's build.env, then TARMAC_*. */
  static Map<String, String> environment(
      TarmacConfig.Build build, BuildRequest request, String commit) {
    Map<String, String> env = new LinkedHashMap<>(build.env());
    env.put("TARMAC_APP", request.app());
    env.put("TARMAC_VERSION", request.version());
    // a branch's or a commit's build has no tag: TARMAC_TAG is empty, TARMAC_REF names what it is
    env.put("TARMAC_TAG", request.tag() == null ? "" : request.tag());
    if (request.kind() != null) {
      env.put("TARMAC_REF", request.ref());
    }
    env.put("TARMAC_COMMIT", commit);
    return env;
  }

  /** Runs steps, timing each and naming the step in any failure. */
  static final class Timer {
    private final BuildLog log;
    final List<StepTiming> timings = new ArrayList<>();

    Timer(BuildLog log) {
      this.log = log;
    }

    <R> R step(String name, BuildStep<R> step) {
      long start = System.nanoTime();
      try {
        R result = step.run();
        long millis = (System.nanoTime() - start) / 1_000_000;
        timings.add(new StepTiming(name, millis));
        log.line("step " + name + " done in " + millis + " ms");
        return result;
      } catch (BuildException e) {
        log.line("step " + name + " FAILED: " + e.getMessage());
        throw e;
      } catch (dev.tarmac.deploy.config.ConfigException e) {
        log.line("step " + name + " FAILED: " + e.getMessage());
        throw new BuildException(e.getMessage(), e);
      } catch (Exception e) {
        log.line("step " + name + " FAILED: " + e);
        throw new BuildException("step " + name + " failed: " + e.getMessage(), e);
      }
    }
  }
}
