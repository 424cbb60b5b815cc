package dev.tarmac.builder.service;

import dev.tarmac.builder.git.RepoUrls;
import dev.tarmac.distributor.model.Names;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What the tag watcher knows of each watched app: the tags already decided on, kept one a line in
 * {@code <state>/<app>.tags}. The tags there when the app is registered are that file's first
 * content (written before the registration is kept, so no poll can see the app without it); a poll
 * decides on every listed tag not in it and adds each tag once it is decided, so a tag pushed while
 * a poll lists is new at the next one. Every decision is said once, through {@code say}.
 */
final class WatchedTags {
  /** The builds the watcher asks for: what is known of a version, and a new request. */
  interface Builds {
    Optional<BuildView> find(String app, String tag);

    BuildView request(String app, String tag);
  }

  private static final int NAMED = 5;

  private final Path dir;
  private final Function<App, List<String>> tags;
  private final Builds builds;
  private final Consumer<String> say;
  private final Consumer<String> warn;
  private final Map<String, Object> locks = new ConcurrentHashMap<>();

  /**
   * {@code tags} lists an app's tags (the remote's, in the service); {@code say} and {@code warn}
   * take one log line each.
   */
  WatchedTags(
      Path dir,
      Function<App, List<String>> tags,
      Builds builds,
      Consumer<String> say,
      Consumer<String> warn) {
    this.dir = dir;
    this.tags = tags;
    this.builds = builds;
    this.say = say;
    this.warn = warn;
  }

  private Object lock(String app) {
    return locks.computeIfAbsent(app, a -> new Object());
  }

  private Path file(String app) {
    return dir.resolve(Names.app(app) + ".tags");
  }

  /**
   * Registers {@code app} ({@code before}: its registration until now, if any) by running {@code
   * keep}, no poll of it in between: when it is watched, the tags there now are listed first and
   * kept as not to build, unless it was already watched on the same repository (then the tags
   * pushed since its last poll are still new); when it is not, what was kept is forgotten. Throws
   * (nothing kept, {@code keep} not run) when the tags cannot be listed.
   */
  void register(App app, Optional<App> before, Runnable keep) {
    synchronized (lock(app.name())) {
      Path file = file(app.name());
      if (!app.watch()) {
        delete(file);
        keep.run();
        return;
      }
      if (before.filter(b -> b.watch() && b.repo().equals(app.repo())).isPresent()
          && Files.exists(file)) {
        keep.run();
        return;
      }
      List<String> there;
      try {
        there = tags.apply(app);
      } catch (RuntimeException e) {
        String why = RepoUrls.redact(e.getMessage());
        throw ApiProblem.badRequest(
            "cannot watch "
                + app.name()
                + " for new tags: "
                + (why.endsWith(".") ? why.substring(0, why.length() - 1) : why)
                + "; nothing was registered. Check the URL and the credential, or register it"
                + " without watching: tarmac apps add "
                + app.name()
                + " "
                + RepoUrls.redact(app.repo())
                + " --no-watch");
      }
      write(file, there);
      try {
        keep.run();
      } catch (RuntimeException e) {
        delete(file);
        throw e;
      }
      started(app, "its registration", there);
    }
  }

  /** Forgets {@code app} by running {@code remove}, and what was kept for it. */
  void forget(String app, Runnable remove) {
    synchronized (lock(app)) {
      remove.run();
      delete(file(app));
    }
  }

  /**
   * One poll of the app {@code name}, as {@code current} finds it now (nothing when it is not, or
   * not watched): every listed tag not yet decided on is decided (and said); returns the builds
   * queued. A tag whose build cannot be asked for (the queue is full) is not kept, so the next poll
   * asks again. Throws when the tags cannot be listed (nothing changed).
   */
  List<BuildView> poll(String name, Function<String, Optional<App>> current) {
    return poll(name, current, app -> List.of());
  }

  /**
   * As {@link #poll(String, Function)}, then {@code alsoUnderLock} for the app found (its branches:
   * {@link WatchedBranches#poll}), under the same lock, so no registration comes in between.
   */
  List<BuildView> poll(
      String name,
      Function<String, Optional<App>> current,
      Function<App, List<BuildView>> alsoUnderLock) {
    synchronized (lock(name)) {
      Optional<App> found = current.apply(name).filter(App::watch);
      if (found.isEmpty()) {
        return List.of();
      }
      App app = found.get();
      Path file = file(app.name());
      boolean known = Files.exists(file);
      List<String> listed = tags.apply(app);
      if (!known) {
        // an app watched before its registration listed its tags (configured, or kept by an
        // older service): the tags there at its first poll are taken as there at registration
        write(file, listed);
        started(app, "its first poll", listed);
        return alsoUnderLock.apply(app);
      }
      Set<String> seen = new LinkedHashSet<>(read(file));
      List<BuildView> queued = new ArrayList<>();
      for (String tag : listed) {
        if (seen.contains(tag)) {
          continue;
        }
        if (decide(app.name(), tag, queued)) {
          seen.add(tag);
          write(file, seen);
        }
      }
      queued.addAll(alsoUnderLock.apply(app));
      return queued;
    }
  }

  /** Decides on a new tag and says what; false when it is to be decided again at the next poll. */
  private boolean decide(String app, String tag, List<BuildView> queued) {
    String prefix = "tag watcher: " + app + ": new tag " + tag;
    if (!Names.isVersion(tag)) {
      say.accept(
          "tag watcher: "
              + app
              + ": new tag '"
              + tag
              + "' is not a version name (1 to 128 of A-Z a-z 0-9 . _ -); not built");
      return true;
    }
    Optional<BuildView> known = builds.find(app, tag);
    if (known.isPresent()) {
      BuildView.Status status = known.get().status();
      say.accept(
          switch (status) {
            case SUCCEEDED -> prefix + " is already built; skipped";
            case QUEUED, RUNNING ->
                prefix + " is already being built (" + status + "); not queued again";
            case FAILED ->
                prefix
                    + " was already built and that build FAILED; not built again (tarmac build "
                    + app
                    + " "
                    + tag
                    + " tries again)";
          });
      return true;
    }
    try {
      queued.add(builds.request(app, tag));
    } catch (ApiProblem e) {
      warn.accept(prefix + ": not queued (" + e.getMessage() + "); asked again at the next poll");
      return false;
    }
    say.accept(prefix + ": build queued");
    return true;
  }

  /** Says that watching {@code app} starts {@code from}, and that the tags there are not built. */
  private void started(App app, String from, List<String> there) {
    say.accept(
        "tag watcher: watching "
            + app.name()
            + " ("
            + RepoUrls.redact(app.repo())
            + ") from "
            + from
            + ": "
            + present(app.name(), there));
  }

  private static String present(String app, List<String> there) {
    if (there.isEmpty()) {
      return "no tags yet; every tag pushed from now on is built";
    }
    String named =
        String.join(", ", there.subList(0, Math.min(NAMED, there.size())))
            + (there.size() > NAMED ? ", … " + (there.size() - NAMED) + " more" : "");
    return there.size()
        + (there.size() == 1 ? " tag there now is" : " tags there now are")
        + " not built ("
        + named
        + "; tarmac build "
        + app
        + " TAG builds one); every tag pushed from now on is";
  }

  private static List<String> read(Path file) {
    try {
      return Files.readAllLines(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Replaces {@code file} by {@code tags} (any lines) at once (a crash leaves the old or the new).
   */
  static void write(Path file, java.util.Collection<String> tags) {
    try {
      Files.createDirectories(file.getParent());
      Path tmp = Files.createTempFile(file.getParent(), ".tags", ".tmp");
      Files.write(tmp, tags);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void delete(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
