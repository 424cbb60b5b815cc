package dev.tarmac.builder.service;

import dev.tarmac.builder.git.RepoSecrets;
import dev.tarmac.builder.git.RepoUrls;
import dev.tarmac.builder.pipeline.steps.GitMirrors;
import dev.tarmac.distributor.model.Names;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Polls the repository of every app registered with {@code watch: true} every {@code
 * tarmac.watch.interval} (default 60s) and builds the tags that appeared since the last poll. The
 * first poll of an app only records the tags that exist (older tags are built on request).
 */
@ApplicationScoped
public class TagWatcher {
  @Inject AppRegistry apps;
  @Inject BuildService builds;
  @Inject ServiceConfig config;
  @Inject RepoSecrets secrets;

  @Scheduled(
      every = "${tarmac.watch.interval:60s}",
      delayed = "${tarmac.watch.delay:10s}",
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  void scheduled() {
    poll();
  }

  /** One poll of every watched app; returns the builds it queued. */
  public synchronized List<BuildView> poll() {
    List<BuildView> queued = new ArrayList<>();
    for (App app : apps.all()) {
      if (!app.watch()) {
        continue;
      }
      try {
        List<String> tags = GitMirrors.remoteTags(app.repo(), secrets.transport(app.name()));
        Path seenFile = config.dataDir().resolve("state/watch").resolve(app.name() + ".tags");
        boolean first = !Files.exists(seenFile);
        Set<String> seen =
            first ? new LinkedHashSet<>() : new LinkedHashSet<>(Files.readAllLines(seenFile));
        for (String tag : tags) {
          if (!first && !seen.contains(tag) && Names.isVersion(tag)) {
            Log.infof("tag watcher: new tag %s on %s", tag, app.name());
            queued.add(builds.request(app.name(), tag));
          }
        }
        seen.addAll(tags);
        Files.createDirectories(seenFile.getParent());
        Path tmp = Files.createTempFile(seenFile.getParent(), ".tags", ".tmp");
        Files.write(tmp, seen);
        Files.move(
            tmp,
            seenFile,
            java.nio.file.StandardCopyOption.ATOMIC_MOVE,
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException | RuntimeException e) {
        Log.warnf(
            "tag watcher: cannot poll %s (%s): %s",
            app.name(), RepoUrls.redact(app.repo()), RepoUrls.redact(e.getMessage()));
      }
    }
    return queued;
  }
}
