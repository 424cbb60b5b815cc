package dev.tarmac.deploy.remote;

import dev.tarmac.distributor.model.Names;

/**
 * What changes which release a host serves: {@code current} switched atomically (staged link, then
 * one rename), or taken away; pure functions returning each command as a {@link HostCommand} (its
 * exact string, its parser) (docs/architecture.md, "One shell per host").
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
  public static HostCommand<CommandResult> switchCurrent(ReleaseLayout layout, String version) {
    return stageCurrent(layout, version).then(swapCurrent(layout, version));
  }

  /** The first half of {@link #switchCurrent}: the new link, under a temporary name. */
  public static HostCommand<CommandResult> stageCurrent(ReleaseLayout layout, String version) {
    return HostCommand.of(
        "stage",
        "ln -sfn "
            + Shell.quote("releases/" + Names.version(version))
            + " "
            + Shell.quote(stagedCurrent(layout, version)));
  }

  /** The second half of {@link #switchCurrent}: one rename over {@code current}. */
  public static HostCommand<CommandResult> swapCurrent(ReleaseLayout layout, String version) {
    return HostCommand.of(
        "switch",
        "mv -T "
            + Shell.quote(stagedCurrent(layout, version))
            + " "
            + Shell.quote(layout.current()));
  }

  private static String stagedCurrent(ReleaseLayout layout, String version) {
    return layout.deployTo() + "/.current." + Names.version(version) + ".tmp";
  }

  /** Takes {@code current} away: how a host that had no release before is switched back. */
  public static HostCommand<CommandResult> removeCurrent(ReleaseLayout layout) {
    return HostCommand.of("remove current", "rm -f " + Shell.quote(layout.current()));
  }

  /** {@code releases/v1.2.0} (what {@code readlink current} prints) → {@code v1.2.0}; else null. */
  public static String versionOf(String readlink) {
    String v = readlink.strip();
    int nl = v.lastIndexOf('\n');
    v = nl < 0 ? v : v.substring(nl + 1);
    return v.startsWith("releases/") ? v.substring("releases/".length()) : null;
  }
}
