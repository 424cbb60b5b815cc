package dev.tarmac.deploy.release;

import dev.tarmac.deploy.config.TarmacConfig;
import dev.tarmac.deploy.config.TarmacConfig.Environment;
import dev.tarmac.deploy.release.ReleaseRecord.Backup;
import dev.tarmac.distributor.store.ArtifactStore;
import java.time.Duration;

/**
 * What a {@link Phase} is given: the run it is part of. Everything here is fixed when the {@link
 * Runner} has taken the lock and made the record, but two results a phase hands on: the database
 * {@link #backup} (taken in prepare, named by the migration's error and kept in the record) and the
 * activation {@link #window} (measured by the switch).
 */
final class Run {
  final ArtifactStore store;
  final ReleaseOptions options;
  final String app;
  final String envName;
  final Environment env;
  final Target target;
  final Fleet fleet;
  final ReleaseHistory history;
  private final long id;
  private volatile Backup backup;
  private volatile Duration window;
  private final java.util.concurrent.CopyOnWriteArrayList<Fleet.AlsoSwitch> alsoSwitch =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * What a run puts live: {@code version} (built from {@code commit}), with the {@code config} its
   * activation uses; {@code liveConfig} is the one the hosts' current release came with (its
   * activate hooks run again when switching back); {@code live} is the version live now (null:
   * none).
   */
  record Target(
      String version, String commit, String live, TarmacConfig config, TarmacConfig liveConfig) {}

  Run(
      ArtifactStore store,
      ReleaseOptions options,
      String app,
      String envName,
      Target target,
      Fleet fleet,
      ReleaseHistory history,
      long id) {
    this.store = store;
    this.options = options;
    this.app = app;
    this.envName = envName;
    this.env = target.config().environment(envName);
    this.target = target;
    this.fleet = fleet;
    this.history = history;
    this.id = id;
  }

  /** The run's record number. */
  long id() {
    return id;
  }

  String version() {
    return target.version();
  }

  TarmacConfig config() {
    return target.config();
  }

  Backup backup() {
    return backup;
  }

  void backup(Backup b) {
    this.backup = b;
  }

  Duration window() {
    return window;
  }

  void window(Duration w) {
    this.window = w;
  }

  /**
   * What the switch (and the switch back) changes besides {@code current}: the proxy, the live
   * version's configuration file.
   */
  Fleet.AlsoSwitch alsoSwitch() {
    return Fleet.AlsoSwitch.both(java.util.List.copyOf(alsoSwitch));
  }

  /**
   * Added by a prepare phase that staged what the switch changes too ({@link Processes}, {@link
   * RenderConfig}); each part once, in the order first added.
   */
  void alsoSwitch(Fleet.AlsoSwitch also) {
    alsoSwitch.addIfAbsent(also);
  }

  /** Whether {@code m} is the environment's primary db host (the migration runs there, once). */
  boolean isPrimaryDb(Fleet.Member m) {
    return env.primaryDb().map(h -> h.name().equals(m.name())).orElse(false);
  }
}
