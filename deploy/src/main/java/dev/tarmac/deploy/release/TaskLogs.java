package dev.tarmac.deploy.release;

import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.store.ArtifactStore;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The whole output of a run's tasks whose record keeps only the ends ({@value Fleet#TASK_TEXT}
 * characters): one object per task in the store ({@code apps/<app>/envs/<env>/logs/<run>/<host>/
 * <task>.log}), written when the task ends, read on demand (docs/architecture.md, "Bounded
 * records"). Issue 25: a hook printing 30 MB on 3 hosts made a 6.3 MB record that every history
 * read sent whole.
 */
public final class TaskLogs {
  private final ArtifactStore store;
  private final String app;
  private final String env;

  public TaskLogs(ArtifactStore store, String app, String env) {
    this.store = store;
    this.app = app;
    this.env = env;
  }

  /** Keeps {@code text} as run {@code run}'s log of {@code task} on {@code host}. */
  void keep(long run, String host, String task, String text) {
    store.put(
        StoreLayout.taskLog(app, env, run, host, task), text.getBytes(StandardCharsets.UTF_8));
  }

  /** The whole output of {@code task} on {@code host} in run {@code run}; empty: none was kept. */
  public Optional<byte[]> read(long run, String host, String task) {
    String key;
    try {
      key = StoreLayout.taskLog(app, env, run, host, task);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    if (!store.exists(key)) {
      return Optional.empty();
    }
    return Optional.of(store.readAllBytes(key));
  }
}
