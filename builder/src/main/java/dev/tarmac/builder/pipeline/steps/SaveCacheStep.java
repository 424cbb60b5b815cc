package dev.tarmac.builder.pipeline.steps;

import dev.tarmac.builder.sandbox.BuildCache;
import dev.tarmac.builder.sandbox.BuildSandbox;
import dev.tarmac.builder.workspace.BuildLog;
import java.util.Optional;

/**
 * Copies what the build left in its {@code build.cache} paths aside, once no process of the build
 * lives; the pipeline puts it in place of the app's saved cache only when the build is published.
 * What is refused (a symlink, FIFO, hard link, a file of another owner, too many bytes) is one line
 * of the build log and fails nothing (docs/architecture.md, "The build cache").
 */
public final class SaveCacheStep implements BuildStep<Optional<BuildCache.Staged>> {
  private final BuildCache cache;
  private final BuildCache.Plan plan;
  private final BuildSandbox.Session session;
  private final BuildLog log;

  public SaveCacheStep(
      BuildCache cache, BuildCache.Plan plan, BuildSandbox.Session session, BuildLog log) {
    this.cache = cache;
    this.plan = plan;
    this.session = session;
    this.log = log;
  }

  @Override
  public Optional<BuildCache.Staged> run() throws Exception {
    // what the build's last command left running has ended: nothing moves under the copy
    session.endProcesses();
    BuildCache.Staging staging = cache.stage(session, plan);
    log.line(staging.line());
    return staging.staged();
  }
}
