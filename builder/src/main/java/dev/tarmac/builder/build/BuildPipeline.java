package dev.tarmac.builder.build;

import dev.tarmac.builder.build.steps.CheckoutTagStep;
import dev.tarmac.builder.build.steps.CompileSassStep;
import dev.tarmac.builder.build.steps.ExcludePathsStep;
import dev.tarmac.builder.build.steps.MinifyAssetsStep;
import dev.tarmac.builder.build.steps.PackTarballStep;
import dev.tarmac.builder.build.steps.PublishArtifactStep;
import dev.tarmac.builder.build.steps.ReadConfigStep;
import dev.tarmac.builder.build.steps.RunBuildCommandsStep;
import dev.tarmac.builder.git.GitMirrors;
import dev.tarmac.deploy.config.TarmacConfig;
import dev.tarmac.distributor.model.BuildRecord;
import dev.tarmac.distributor.store.ArtifactStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The build, in order — read this class to know what a build does:
 *
 * <ol>
 *   <li>checkout the tag (fetch into the app's mirror, write the tag's tree, no {@code .git})
 *   <li>read {@code tarmac.yml} at the tag
 *   <li>compile Sass
 *   <li>minify JS and CSS
 *   <li>run the app's own build commands (in a {@link BuildSandbox}: another user, a clean
 *       environment, namespaces where bubblewrap works)
 *   <li>drop excluded paths
 *   <li>pack a deterministic tarball and its manifest
 *   <li>publish: blobs first, the build record last
 * </ol>
 */
public final class BuildPipeline {
  private final ArtifactStore store;
  private final GitMirrors mirrors;
  private final Path cacheDir;
  private final Clock clock;
  private final BuildSandbox sandbox;

  public BuildPipeline(
      ArtifactStore store, GitMirrors mirrors, Path cacheDir, Clock clock, BuildSandbox sandbox) {
    this.sandbox = sandbox;
    this.store = store;
    this.mirrors = mirrors;
    this.cacheDir = cacheDir;
    this.clock = clock;
  }

  /** Runs every step in {@code work} (an empty directory the caller removes afterwards). */
  public BuildResult run(BuildRequest request, Path work, BuildLog log) {
    Timer timer = new Timer(log);
    Instant startedAt = clock.instant();
    Path tree = work.resolve("tree");
    String app = request.app();
    String version = request.version();
    log.line("build " + app + " " + version + " from " + request.repo());
    log.line("isolation: " + sandbox.describe());

    var checkout =
        timer.step(
            "checkout",
            new CheckoutTagStep(mirrors, app, request.repo(), request.tag(), tree, log));
    var config = timer.step("read config", new ReadConfigStep(tree, app, request.tag()));
    TarmacConfig.Build build = config.config().build();
    timer.step("compile sass", new CompileSassStep(tree, build.sass(), log));
    timer.step("minify", new MinifyAssetsStep(cacheDir, tree, build.minify(), log));
    timer.step(
        "commands",
        new RunBuildCommandsStep(
            sandbox,
            app + "-" + version,
            tree,
            build.commands(),
            environment(build, request, checkout.commit()),
            build.timeout(),
            log));
    timer.step("exclude", new ExcludePathsStep(tree, build.exclude(), log));
    var packed =
        timer.step(
            "pack",
            new PackTarballStep(tree, work.resolve("artifact.tar.gz"), checkout.commitTime()));
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
            clock.instant());
    var published =
        timer.step(
            "publish",
            new PublishArtifactStep(store, record, packed.artifact(), manifest, log.file()));
    return new BuildResult(published.record(), published.won(), timer.timings);
  }

  /** What build commands get besides PATH, HOME and LANG: the app's build.env, then TARMAC_*. */
  private static Map<String, String> environment(
      TarmacConfig.Build build, BuildRequest request, String commit) {
    Map<String, String> env = new LinkedHashMap<>(build.env());
    env.put("TARMAC_APP", request.app());
    env.put("TARMAC_VERSION", request.version());
    env.put("TARMAC_TAG", request.tag());
    env.put("TARMAC_COMMIT", commit);
    return env;
  }

  /** Runs steps, timing each and naming the step in any failure. */
  private static final class Timer {
    private final BuildLog log;
    private final List<StepTiming> timings = new ArrayList<>();

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
