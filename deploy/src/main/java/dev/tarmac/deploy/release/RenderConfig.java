package dev.tarmac.deploy.release;

import dev.tarmac.deploy.config.TarmacConfig;
import dev.tarmac.deploy.release.Fleet.Member;
import dev.tarmac.deploy.release.Phase.Stage;
import dev.tarmac.deploy.remote.ConfigCommands;
import dev.tarmac.deploy.remote.ReleaseLayout;
import dev.tarmac.deploy.store.ConfigValues;
import java.util.List;

/**
 * The app's configuration in a release (docs/configuration-and-secrets.md): the values resolved
 * before the run started (the app's overlaid by the environment's, secrets opened), written into
 * the release directory on every host during prepare — while the old release serves — as {@code
 * config.file}, mode 600, and loaded into every hook's and process's environment.
 */
final class RenderConfig {
  private final TarmacConfig config;
  private final ConfigValues.Resolved values;

  RenderConfig(TarmacConfig config, ConfigValues.Resolved values) {
    this.config = config;
    this.values = values;
  }

  /** The phase that writes the file on each host, when {@code tarmac.yml} has {@code config:}. */
  Phase write() {
    return Phase.when(
        config.config().isPresent(), Phase.eachHost("write config", Stage.PREPARE, this::writeOn));
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
    run.fleet.change(
        m,
        ConfigCommands.write(
            m.layout.release(run.version()),
            config.config().get().file(),
            ConfigCommands.dotenv(header, values.values())));
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
