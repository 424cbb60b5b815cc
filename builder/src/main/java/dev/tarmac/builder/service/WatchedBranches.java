package dev.tarmac.builder.service;

import dev.tarmac.builder.git.RepoUrls;
import dev.tarmac.distributor.model.Names;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What the watcher knows of the branches of each watched app that has {@code branches} globs: for
 * every matching branch, the commit last decided on, kept as {@code BRANCH COMMIT} lines in {@code
 * <state>/<app>.branches} after the repository's URL (its password redacted). A poll lists the
 * repository's branches and asks for a build of each matching branch whose head is not the commit
 * kept ({@link BuildService#requestRef}: a commit is built once, whichever ref or webhook names
 * it), so every new commit of a matching branch is built once, its branch's head when first seen
 * included (the branch as it is now, as a webhook's push builds it). Every decision is said once,
 * through {@code say} (docs/architecture.md, "Builds from any ref").
 */
final class WatchedBranches {
  private final Path dir;
  private final Function<App, Map<String, String>> heads;
  private final BiFunction<String, String, BuildView> requestRef;
  private final Consumer<String> say;
  private final Consumer<String> warn;

  /**
   * {@code heads} lists an app's branches and their commits (the remote's); {@code requestRef}
   * queues a build of an app's branch as it is now, or answers the build of that commit there is.
   */
  WatchedBranches(
      Path dir,
      Function<App, Map<String, String>> heads,
      BiFunction<String, String, BuildView> requestRef,
      Consumer<String> say,
      Consumer<String> warn) {
    this.dir = dir;
    this.heads = heads;
    this.requestRef = requestRef;
    this.say = say;
    this.warn = warn;
  }

  private Path file(String app) {
    return dir.resolve(Names.app(app) + ".branches");
  }

  /** Forgets what was kept for {@code app} (removed, no longer watched, or another repository). */
  void forget(String app) {
    try {
      Files.deleteIfExists(file(app));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * One poll of {@code app}'s branches (the caller holds the app's lock): every matching branch
   * whose head is new is decided (and said); returns the builds asked for. A branch whose build
   * cannot be asked for (the queue is full, the ref moved away) is decided again at the next poll.
   * Throws when the branches cannot be listed (nothing changed).
   */
  List<BuildView> poll(App app) {
    if (!app.watch() || app.branches().isEmpty()) {
      return List.of();
    }
    Map<String, String> decided = read(app);
    Map<String, String> listed = new TreeMap<>(heads.apply(app));
    List<BuildView> queued = new ArrayList<>();
    for (Map.Entry<String, String> head : listed.entrySet()) {
      String branch = head.getKey();
      String commit = head.getValue();
      if (!app.buildsBranch(branch) || commit.equals(decided.get(branch))) {
        continue;
      }
      String prefix =
          "branch watcher: " + app.name() + ": branch " + branch + " at " + shortId(commit);
      if (!Names.isBranch(branch)) {
        say.accept(prefix + " is not a branch name Tarmac builds; not built");
        decided.put(branch, commit);
        continue;
      }
      BuildView view;
      try {
        view = requestRef.apply(app.name(), branch);
      } catch (ApiProblem e) {
        warn.accept(prefix + ": not queued (" + e.getMessage() + "); asked again at the next poll");
        continue;
      }
      say.accept(prefix + ": " + said(app.name(), branch, view));
      queued.add(view);
      // the commit the build is of: a push since the listing is then not asked for twice
      decided.put(branch, view.commit() != null ? view.commit() : commit);
      write(app, decided);
    }
    // a branch deleted from the repository is forgotten: pushed again, its head is new
    if (decided.keySet().retainAll(listed.keySet())) {
      write(app, decided);
    }
    return queued;
  }

  private static String said(String app, String branch, BuildView view) {
    return switch (view.status()) {
      case QUEUED -> "build " + view.version() + " queued";
      case RUNNING -> "build " + view.version() + " is already running; not queued again";
      case SUCCEEDED -> "this commit is already built (" + view.version() + "); skipped";
      case FAILED ->
          "this commit's build "
              + view.version()
              + " FAILED; not built again (tarmac build "
              + app
              + " --ref "
              + branch
              + " tries again)";
    };
  }

  private static String shortId(String commit) {
    return commit.length() > 7 ? commit.substring(0, 7) : commit;
  }

  /** The branches decided on for {@code app}; none when nothing is kept or for another URL. */
  private Map<String, String> read(App app) {
    Map<String, String> decided = new TreeMap<>();
    Path file = file(app.name());
    if (!Files.exists(file)) {
      return decided;
    }
    try {
      List<String> lines = Files.readAllLines(file);
      if (lines.isEmpty() || !lines.get(0).equals(RepoUrls.redact(app.repo()))) {
        return decided;
      }
      for (String line : lines.subList(1, lines.size())) {
        int space = line.lastIndexOf(' ');
        if (space > 0) {
          decided.put(line.substring(0, space), line.substring(space + 1));
        }
      }
      return decided;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void write(App app, Map<String, String> decided) {
    List<String> lines = new ArrayList<>();
    lines.add(RepoUrls.redact(app.repo()));
    decided.forEach((branch, commit) -> lines.add(branch + " " + commit));
    WatchedTags.write(file(app.name()), lines);
  }
}
