package dev.tarmac.deploy.remote;

import dev.tarmac.distributor.model.Names;

/**
 * What changes which release a host serves: {@code current} switched atomically (staged link, then
 * one rename), or taken away; pure functions returning the exact string (docs/architecture.md,
 * "Commands").
 */
public final class SwitchCommands {
  private SwitchCommands() {}

  /**
   * Points {@code current} at {@code releases/<version>} atomically: {@code ln -s} to a temporary
   * name, then {@code mv -T} over {@code current} (one rename(2)); never {@code rm} then {@code
   * ln}. The link is relative, so the layout can be moved or bind-mounted. Activation runs the two
   * halves separately ({@link #stageCurrent} on every host, then {@link #swapCurrent} on every host
   * at once) so that the moment of the switch is one {@code mv}.
   */
  public static String switchCurrent(ReleaseLayout layout, String version) {
    return stageCurrent(layout, version) + " && " + swapCurrent(layout, version);
  }

  /** The first half of {@link #switchCurrent}: the new link, under a temporary name. */
  public static String stageCurrent(ReleaseLayout layout, String version) {
    return "ln -sfn "
        + Shell.quote("releases/" + Names.version(version))
        + " "
        + Shell.quote(stagedCurrent(layout, version));
  }

  /** The second half of {@link #switchCurrent}: one rename over {@code current}. */
  public static String swapCurrent(ReleaseLayout layout, String version) {
    return "mv -T "
        + Shell.quote(stagedCurrent(layout, version))
        + " "
        + Shell.quote(layout.current());
  }

  private static String stagedCurrent(ReleaseLayout layout, String version) {
    return layout.deployTo() + "/.current." + Names.version(version) + ".tmp";
  }

  /** Takes {@code current} away: how a host that had no release before is switched back. */
  public static String removeCurrent(ReleaseLayout layout) {
    return "rm -f " + Shell.quote(layout.current());
  }

  /** {@code releases/v1.2.0} (what {@code readlink current} prints) → {@code v1.2.0}; else null. */
  public static String versionOf(String readlink) {
    String v = readlink.strip();
    int nl = v.lastIndexOf('\n');
    v = nl < 0 ? v : v.substring(nl + 1);
    return v.startsWith("releases/") ? v.substring("releases/".length()) : null;
  }
}
