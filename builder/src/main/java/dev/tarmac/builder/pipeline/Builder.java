package dev.tarmac.builder.pipeline;

import dev.tarmac.builder.git.RepoSecrets;
import dev.tarmac.builder.pipeline.steps.GitMirrors;
import dev.tarmac.builder.sandbox.BuildCache;
import dev.tarmac.builder.sandbox.BuildSandbox;
import dev.tarmac.builder.workspace.BuildLog;
import dev.tarmac.builder.workspace.TreeFiles;
import dev.tarmac.distributor.model.BuildRecord;
import dev.tarmac.distributor.records.BuildRecords;
import dev.tarmac.distributor.store.ArtifactStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * Builds a tag once. A version already published is returned at once, doing no work (no fetch, no
 * checkout); otherwise {@link BuildPipeline} runs in a fresh work directory that is removed
 * afterwards, whatever happens.
 */
public final class Builder {
  private final ArtifactStore store;
  private final BuildPipeline pipeline;
  private final Path workRoot;
  private final BuildSandbox sandbox;

  /**
   * {@code dataDir} holds the git mirrors ({@code git/}), tools ({@code cache/}) and work dirs;
   * build commands run in a sandbox set by the {@code tarmac.build.*} properties.
   */
  public Builder(ArtifactStore store, Path dataDir, Clock clock) {
    this(store, dataDir, clock, BuildSandbox.Settings.fromConfig());
  }

  public Builder(
      ArtifactStore store, Path dataDir, Clock clock, BuildSandbox.Settings sandboxSettings) {
    dataDir = dataDir.toAbsolutePath();
    this.store = store;
    this.workRoot = dataDir.resolve("work");
    this.sandbox = new BuildSandbox(sandboxSettings, dataDir);
    this.pipeline =
        new BuildPipeline(
            store,
            new GitMirrors(dataDir.resolve("git"), new RepoSecrets(dataDir)),
            clock,
            sandbox,
            new BuildCache(dataDir.resolve("build-cache"), BuildCache.maxBytesFromConfig()));
  }

  public Optional<BuildRecord> published(String app, String version) {
    return new BuildRecords(store).find(app, version);
  }

  /**
   * Builds {@code request}; {@code logFile} receives the log (it is also published with the build).
   */
  public BuildResult build(BuildRequest request, Path logFile) {
    Optional<BuildRecord> existing = published(request.app(), request.version());
    if (existing.isPresent()) {
      return new BuildResult(existing.get(), false, List.of());
    }
    Path work;
    try {
      Files.createDirectories(workRoot);
      work = Files.createTempDirectory(workRoot, request.app() + "-" + request.version() + "-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a work directory under " + workRoot, e);
    }
    try (BuildLog log = new BuildLog(logFile)) {
      return pipeline.run(request, work, log);
    } finally {
      TreeFiles.deleteRecursively(work);
    }
  }

  /**
   * What isolation builds get here, in one line, or why builds are refused (bubblewrap missing with
   * {@code tarmac.build.isolation=auto}): said at start and by {@code /q/health}.
   */
  public String isolation() {
    try {
      return sandbox.describe();
    } catch (dev.tarmac.builder.workspace.BuildException e) {
      return "builds refused: " + e.getMessage();
    }
  }

  /**
   * Removes work directories and sandboxes left by a build that was running when the service
   * stopped.
   */
  public void cleanAbandonedWork() {
    TreeFiles.deleteRecursively(workRoot);
    sandbox.cleanAbandoned();
  }
}
