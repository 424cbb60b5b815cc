package dev.tarmac.deploy.remote;

import dev.tarmac.distributor.model.Names;

/**
 * The shell commands a release runs on a host: pure functions returning the exact string, run by a
 * transport (SSH or local). Every argument is validated or quoted here.
 */
public final class ReleaseCommands {
  private ReleaseCommands() {}

  /**
   * Points {@code current} at {@code releases/<version>} atomically: {@code ln -s} to a temporary
   * name, then {@code mv -T} over {@code current} (one rename(2)); never {@code rm} then {@code
   * ln}. The link is relative, so the layout can be moved or bind-mounted.
   */
  public static String switchCurrent(ReleaseLayout layout, String version) {
    String tmp = layout.deployTo() + "/.current." + Names.version(version) + ".tmp";
    return "ln -sfn "
        + Shell.quote("releases/" + version)
        + " "
        + Shell.quote(tmp)
        + " && mv -T "
        + Shell.quote(tmp)
        + " "
        + Shell.quote(layout.current());
  }

  /** The release {@code current} points at ({@code releases/<version>}), empty when none. */
  public static String readCurrent(ReleaseLayout layout) {
    return "readlink " + Shell.quote(layout.current()) + " || true";
  }
}
