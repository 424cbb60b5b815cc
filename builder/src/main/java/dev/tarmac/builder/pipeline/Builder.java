package dev.tarmac.builder.pipeline;

import dev.tarmac.builder.git.RepoSecrets;
import dev.tarmac.builder.pipeline.steps.GitMirrors;
import dev.tarmac.builder.sandbox.BuildCache;
import dev.tarmac.builder.sandbox.BuildSandbox;
import dev.tarmac.builder.workspace.BuildException;
import dev.tarmac.builder.workspace.BuildLog;
import dev.tarmac.builder.workspace.TreeFiles;
import dev.tarmac.distributor.model.BuildRecord;
import dev.tarmac.distributor.model.Names;
import dev.tarmac.distributor.records.BuildRecords;
import dev.tarmac.distributor.store.ArtifactStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;

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
  private final GitMirrors mirrors;
  private final BuildCache cache;

  /**
   * {@code dataDir} holds the git mirrors ({@code git/}), tools ({@code cache/}) and work dirs;
   * build commands run in a sandbox with the default settings, and a build cache holds up to its
   * default size (the service passes its own: {@code ServiceConfig#sandbox}).
   */
  public Builder(ArtifactStore store, Path dataDir, Clock clock) {
    this(store, dataDir, clock, BuildSandbox.Settings.defaults());
  }

  public Builder(
      ArtifactStore store, Path dataDir, Clock clock, BuildSandbox.Settings sandboxSettings) {
    this(store, dataDir, clock, sandboxSettings, BuildCache.DEFAULT_MAX_BYTES);
  }

  /** {@code cacheMaxBytes}: {@code tarmac.build.cache-max-size}, the most one app's cache holds. */
  public Builder(
      ArtifactStore store,
      Path dataDir,
      Clock clock,
      BuildSandbox.Settings sandboxSettings,
      long cacheMaxBytes) {
    dataDir = dataDir.toAbsolutePath();
    this.store = store;
    this.workRoot = dataDir.resolve("work");
    this.sandbox = new BuildSandbox(sandboxSettings, dataDir);
    this.mirrors = new GitMirrors(dataDir.resolve("git"), new RepoSecrets(dataDir));
    this.cache = new BuildCache(dataDir.resolve("build-cache"), cacheMaxBytes);
    this.pipeline = new BuildPipeline(store, mirrors, clock, sandbox, cache);
  }

  public Optional<BuildRecord> published(String app, String version) {
    return new BuildRecords(store).find(app, version);
  }

  /**
   * The build of {@code ref} (a branch, else a commit id of 7 to 40 hex digits) of {@code app} as
   * the repository has it now: fetches the app's mirror and names the commit (docs/architecture.md,
   * "Builds from any ref"). A branch wins over a commit id of the same name.
   */
  public BuildRequest resolve(String app, String repo, String ref, java.time.Instant queuedAt) {
    if (!Names.isBranch(ref) && !Names.isCommit(ref)) {
      throw new BuildException(
          "'"
              + ref
              + "' is not a ref Tarmac builds: give a branch (1 to 100 of A-Z a-z 0-9 . _ - /, not"
              + " starting with - or /, without .. or //) or a commit id (7 to 40 of 0-9 a-f)");
    }
    try (Repository repository = mirrors.update(app, repo)) {
      Ref branch = Names.isBranch(ref) ? repository.exactRef("refs/heads/" + ref) : null;
      if (branch != null) {
        ObjectId commit = repository.resolve("refs/heads/" + ref + "^{commit}");
        return BuildRequest.ofRef(app, repo, ref, commit.name(), queuedAt);
      }
      if (Names.isCommit(ref)) {
        ObjectId commit;
        try {
          commit = repository.resolve(ref + "^{commit}");
        } catch (org.eclipse.jgit.errors.AmbiguousObjectException e) {
          throw new BuildException(
              "commit " + ref + " is ambiguous in " + repo + "; give more of its digits");
        }
        if (commit != null) {
          return BuildRequest.ofRef(app, repo, null, commit.name(), queuedAt);
        }
      }
      List<String> branches = new java.util.ArrayList<>();
      for (Ref r : repository.getRefDatabase().getRefsByPrefix("refs/heads/")) {
        branches.add(r.getName().substring("refs/heads/".length()));
      }
      java.util.Collections.sort(branches);
      throw new BuildException(
          ref
              + " is neither a branch nor a commit of "
              + repo
              + (branches.isEmpty()
                  ? " (it has no branches)"
                  : "; its branches: " + String.join(", ", branches.stream().limit(10).toList()))
              + ". Push it (git push origin "
              + ref
              + ") and build again");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the mirror of " + app, e);
    }
  }

  /**
   * The published build of {@code commit}, whatever named it (a tag, a branch, the commit): a
   * commit is built once (docs/architecture.md, "Builds from any ref").
   */
  public Optional<BuildRecord> builtCommit(String app, String commit) {
    return new BuildRecords(store)
        .list(app).stream().filter(r -> commit.equals(r.commit())).findFirst();
  }

  /**
   * Builds {@code request}; {@code logFile} receives the log (it is also published with the build).
   */
  public BuildResult build(BuildRequest request, Path logFile) {
    Optional<BuildRecord> existing = published(request.app(), request.version());
    if (existing.isEmpty() && request.kind() != null) {
      existing = builtCommit(request.app(), request.commit());
    }
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
    cache.cleanAbandoned();
  }
}
