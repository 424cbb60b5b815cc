package dev.tarmac.deploy.remote;

import dev.tarmac.deploy.config.TarmacConfig.Host;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Which {@code address: local} hosts this service runs, and as whom (docs/configuration.md, "Local
 * hosts"). A repository's {@code tarmac.yml} comes from a tag, so whoever pushes a tag would choose
 * to run hooks on the service's own machine: that is the operator's choice instead ({@code
 * tarmac.release.local-hosts}, the directories a local host may deploy to; none by default). Never
 * inside {@code forbidden} (the data dir, the build sandbox dir); commands run with a clean
 * environment, as {@code user} when set.
 */
public record LocalHosts(
    Optional<List<Path>> allowed, Optional<String> user, List<Path> forbidden, boolean asRoot) {
  /** Every local host, as the caller's own user (a library user's own machine, the tests). */
  public static final LocalHosts ANY =
      new LocalHosts(Optional.empty(), Optional.empty(), List.of(), false);

  /** As {@link #LocalHosts(Optional, Optional, List, boolean)}, for a service not run as root. */
  public LocalHosts(Optional<List<Path>> allowed, Optional<String> user, List<Path> forbidden) {
    this(allowed, user, forbidden, false);
  }

  /** Whether this process runs as root (uid 0). */
  public static boolean serviceIsRoot() {
    return dev.tarmac.distributor.files.Owned.ownUid() == 0;
  }

  /** None, unless the operator says which directories (the service's default). */
  public static LocalHosts none(List<Path> forbidden) {
    return new LocalHosts(Optional.of(List.of()), Optional.empty(), forbidden, false);
  }

  /** The transport to {@code host}, or why this service refuses to run it. */
  public LocalTransport open(Host host, String env) {
    String where = host.deployTo();
    Path dir = where == null ? null : real(Path.of(where).toAbsolutePath().normalize());
    if (dir != null) {
      for (Path f : forbidden) {
        if (dir.startsWith(f) || f.startsWith(dir)) {
          throw refused(
              host,
              env,
              "its deploy_to ("
                  + where
                  + ") holds or is inside "
                  + f
                  + ", which is the service's own (data dir, build sandboxes); choose another"
                  + " deploy_to");
        }
      }
    }
    if (allowed.isPresent()) {
      if (allowed.get().isEmpty()) {
        throw refused(
            host,
            env,
            "this service runs no local hosts (tarmac.release.local-hosts is not set): a"
                + " repository cannot choose to run its hooks on the Tarmac machine. An operator who"
                + " wants it sets tarmac.release.local-hosts to the directories local hosts may"
                + " deploy to (docs/configuration.md, \"Local hosts\")");
      }
      if (dir == null || allowed.get().stream().noneMatch(dir::startsWith)) {
        throw refused(
            host,
            env,
            "its deploy_to ("
                + where
                + ") is not under tarmac.release.local-hosts ("
                + String.join(", ", allowed.get().stream().map(Path::toString).toList())
                + "); deploy it there, or ask the operator to add the directory");
      }
      if (user.isEmpty() && asRoot) {
        throw refused(
            host,
            env,
            "this service runs as root and tarmac.release.local-user is not set, so the hooks of"
                + " a repository's local host would run as root on the Tarmac machine. The"
                + " operator sets tarmac.release.local-user to an unprivileged user that can write"
                + " deploy_to (e.g. www-data), or to root to accept that (docs/configuration.md,"
                + " \"Local hosts\")");
      }
    }
    return new LocalTransport(host.name(), user, asRoot);
  }

  /**
   * {@code dir} with the links of its longest existing part followed: a link left under an allowed
   * directory (by an earlier release's hook, say) must not lead into the data dir.
   */
  static Path real(Path dir) {
    Path existing = dir;
    while (existing != null && !java.nio.file.Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      return dir;
    }
    try {
      return existing.toRealPath().resolve(existing.relativize(dir));
    } catch (java.io.IOException e) {
      return dir;
    }
  }

  private static TransportException refused(Host host, String env, String why) {
    return new TransportException(
        host.name() + " (address: local, environment " + env + ") is refused: " + why, null);
  }
}
