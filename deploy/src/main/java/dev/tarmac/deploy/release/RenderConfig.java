package dev.tarmac.deploy.release;

import dev.tarmac.deploy.config.TarmacConfig;
import dev.tarmac.deploy.release.Fleet.Member;
import dev.tarmac.deploy.release.Phase.Stage;
import dev.tarmac.deploy.remote.CommandResult;
import dev.tarmac.deploy.remote.ConfigCommands;
import dev.tarmac.deploy.remote.HostCommand;
import dev.tarmac.deploy.remote.ReleaseLayout;
import dev.tarmac.deploy.store.ConfigValues;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The app's configuration in a release (docs/configuration-and-secrets.md): the values resolved
 * before the run started (the app's overlaid by the environment's, secrets opened), written into
 * the release directory on every host during prepare — while the old release serves — as a file of
 * its own per revision pair ({@code .tarmac-config/a<app>-e<env>.env}, mode 600), which {@code
 * config.file} links to, and loaded into every hook's and process's environment. Where the version
 * released is the one live on the host (a configuration change released), the link is switched with
 * {@code current} instead (this is then an {@link Fleet.AlsoSwitch}): a run that fails before the
 * switch leaves the live file as it was, one switched back puts it back.
 */
final class RenderConfig implements Fleet.AlsoSwitch {
  private final TarmacConfig config;
  private final ConfigValues.Resolved values;

  /** The hosts whose live release's link this run switches (the version released is live there). */
  private final Set<String> switched = ConcurrentHashMap.newKeySet();

  private volatile String version;

  RenderConfig(TarmacConfig config, ConfigValues.Resolved values) {
    this.config = config;
    this.values = values;
  }

  /** The phase that writes the file on each host, when {@code tarmac.yml} has {@code config:}. */
  Phase write() {
    return Phase.when(
        config.config().isPresent(), Phase.eachHost("write config", Stage.PREPARE, this::writeOn));
  }

  /**
   * After the switch, on every host: the files rendered before in the target's directory are
   * removed, the one it links to kept (a warning when it fails, as every finish step).
   */
  Phase forget() {
    return Phase.when(
        config.config().isPresent(),
        Phase.eachHost(
            "forget old config",
            Stage.FINISH,
            (run, m) ->
                run.fleet.change(
                    m,
                    ConfigCommands.forget(
                        m.layout.release(run.version()), config.config().get().file(), name()))));
  }

  private void writeOn(Run run, Member m) {
    String header =
        "written by Tarmac for "
            + run.app
            + " "
            + run.envName
            + " "
            + run.version()
            + " (config app r"
            + values.appRevision()
            + ", "
            + run.envName
            + " r"
            + values.envRevision()
            + "); set values with tarmac config set, not here";
    version = run.version();
    boolean live = run.version().equals(m.previous);
    run.fleet.change(
        m,
        ConfigCommands.write(
            m.layout.release(run.version()),
            config.config().get().file(),
            name(),
            ConfigCommands.dotenv(header, values.values()),
            !live));
    if (live) {
      switched.add(m.name());
      run.alsoSwitch(this);
    }
  }

  private String name() {
    return ConfigCommands.rendered(values.appRevision(), values.envRevision());
  }

  @Override
  public HostCommand<CommandResult> stage(Member m, String v, boolean back) {
    if (!switched.contains(m.name()) || !v.equals(version)) {
      return null;
    }
    // going back, the staging was done going forward: nothing to send but the swap
    return back
        ? HostCommand.of("stage config back", ":")
        : ConfigCommands.stageLink(m.layout.release(v), config.config().get().file(), name());
  }

  @Override
  public HostCommand<CommandResult> swap(Member m, String v, boolean back) {
    return ConfigCommands.swapLink(m.layout.release(v), config.config().get().file(), back);
  }

  /**
   * What goes first in this run's hooks and processes on a host: the line that loads the file it
   * rendered (the live release's link still points at the one before until the switch), or, without
   * {@code config:}, nothing.
   */
  String load(ReleaseLayout layout, String v) {
    return config
        .config()
        .map(
            c ->
                ConfigCommands.load(
                        layout.release(v) + "/" + ConfigCommands.RENDERED + "/" + name())
                    + "\n")
        .orElse("");
  }

  List<String> secrets() {
    return List.copyOf(values.secretValues());
  }

  ReleaseRecord.ConfigUsed used() {
    return config.config().isEmpty() && values.isEmpty()
        ? null
        : new ReleaseRecord.ConfigUsed(
            values.appRevision(), values.envRevision(), List.copyOf(values.values().keySet()));
  }

  /**
   * What goes first in a hook's command on a host: the line that loads {@code version}'s file (that
   * version's {@code config.file}), or nothing when its {@code tarmac.yml} has no {@code config:}.
   */
  static String load(TarmacConfig config, ReleaseLayout layout, String version) {
    return config
        .config()
        .map(c -> ConfigCommands.load(layout.release(version) + "/" + c.file()) + "\n")
        .orElse("");
  }
}
