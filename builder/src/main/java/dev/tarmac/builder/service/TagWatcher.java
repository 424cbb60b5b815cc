package dev.tarmac.builder.service;

import dev.tarmac.builder.git.RepoSecrets;
import dev.tarmac.builder.git.RepoUrls;
import dev.tarmac.builder.pipeline.steps.GitMirrors;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Polls the repository of every app registered with {@code watch: true} every {@code
 * tarmac.watch.interval} (default 60s) and builds every tag pushed since its registration, once
 * each: the tags there when it was registered are listed then, and are not built (older tags are
 * built on request). What is kept per app, and every decision said in the log, is {@link
 * WatchedTags}. An app with {@code branches} globs also has each new commit of a matching branch
 * built once, as a webhook's push of it would ({@link WatchedBranches}).
 */
@ApplicationScoped
public class TagWatcher {
  @Inject AppRegistry apps;
  @Inject BuildService builds;
  @Inject ServiceConfig config;
  @Inject RepoSecrets secrets;

  private WatchedTags watched;
  private WatchedBranches branches;

  @PostConstruct
  void start() {
    watched =
        new WatchedTags(
            config.dataDir().resolve("state/watch"),
            app -> GitMirrors.remoteTags(app.repo(), secrets.transport(app.name())),
            new WatchedTags.Builds() {
              @Override
              public Optional<BuildView> find(String app, String tag) {
                return builds.find(app, tag);
              }

              @Override
              public BuildView request(String app, String tag) {
                return builds.request(app, tag);
              }
            },
            line -> Log.info(line),
            line -> Log.warn(line));
    branches =
        new WatchedBranches(
            config.dataDir().resolve("state/watch"),
            app -> GitMirrors.remoteBranches(app.repo(), secrets.transport(app.name())),
            builds::requestRef,
            line -> Log.info(line),
            line -> Log.warn(line));
  }

  @Scheduled(
      every = "${tarmac.watch.interval:60s}",
      delayed = "${tarmac.watch.delay:10s}",
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  void scheduled() {
    poll();
  }

  /**
   * {@link AppRegistry#register} keeps {@code app} by {@code keep} ({@code before}: what was kept
   * until now): a watched app's tags are listed first. Throws (nothing kept) when they cannot be.
   */
  void register(App app, Optional<App> before, Runnable keep) {
    watched.register(app, before, keep);
  }

  /** {@link AppRegistry#remove} forgets {@code app} by {@code remove}. */
  void forget(String app, Runnable remove) {
    watched.forget(app, remove);
    branches.forget(app);
  }

  /** One poll of every watched app; returns the builds it queued. */
  public synchronized List<BuildView> poll() {
    List<BuildView> queued = new ArrayList<>();
    for (App app : apps.all()) {
      if (!app.watch()) {
        continue;
      }
      try {
        // read again under the app's lock: it may have been registered again meanwhile
        queued.addAll(watched.poll(app.name(), apps::find, branches::poll));
      } catch (RuntimeException e) {
        Log.warnf(
            "tag watcher: cannot poll %s (%s): %s; tried again at the next poll",
            app.name(), RepoUrls.redact(app.repo()), RepoUrls.redact(e.getMessage()));
      }
    }
    return queued;
  }
}
