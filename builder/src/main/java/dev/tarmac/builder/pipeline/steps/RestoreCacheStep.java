package dev.tarmac.builder.pipeline.steps;

import dev.tarmac.builder.sandbox.BuildCache;
import dev.tarmac.builder.sandbox.BuildSandbox;
import dev.tarmac.builder.workspace.BuildLog;

/**
 * Copies the app's saved build cache ({@code build.cache}) into this build's sandbox, before its
 * commands, and says in the build log what it restored and from which build (docs/architecture.md,
 * "The build cache").
 */
public final class RestoreCacheStep implements BuildStep<BuildCache.Restored> {
  private final BuildCache cache;
  private final BuildCache.Plan plan;
  private final BuildSandbox.Session session;
  private final BuildLog log;

  public RestoreCacheStep(
      BuildCache cache, BuildCache.Plan plan, BuildSandbox.Session session, BuildLog log) {
    this.cache = cache;
    this.plan = plan;
    this.session = session;
    this.log = log;
  }

  @Override
  public BuildCache.Restored run() throws Exception {
    log.line("cache: key " + plan.key().value() + " (" + plan.key().description() + ")");
    BuildCache.Restored restored = cache.restore(session, plan);
    log.line(restored.line());
    return restored;
  }
}
