package dev.tarmac.deploy.store;

import dev.tarmac.deploy.DeployException;
import dev.tarmac.deploy.config.TarmacConfig;
import dev.tarmac.distributor.model.BuildRecord;
import dev.tarmac.distributor.model.Names;
import dev.tarmac.distributor.records.BuildRecords;
import dev.tarmac.distributor.store.ArtifactStore;
import java.util.Optional;

/**
 * The built versions a release can use (docs/architecture.md, "The store's domain layer"): a build
 * record read once with the {@code tarmac.yml} it carries ({@link BuildConfigs}), handed on as a
 * {@link Built} so that nothing after it reads {@code build.json} again.
 */
public final class Builds {
  /** A published build with its {@code tarmac.yml}, parsed. */
  public record Built(BuildRecord record, TarmacConfig config) {
    public String app() {
      return record.app();
    }

    public String version() {
      return record.version();
    }
  }

  private final BuildRecords records;
  private final BuildConfigs configs;

  public Builds(ArtifactStore store) {
    this(store, BuildConfigs.shared());
  }

  public Builds(ArtifactStore store, BuildConfigs configs) {
    this.records = new BuildRecords(store);
    this.configs = configs;
  }

  /** The build with its config; empty when it is not published. */
  public Optional<Built> find(String app, String version) {
    return records.find(Names.app(app), Names.version(version)).map(this::of);
  }

  /**
   * The build with its config.
   *
   * @throws DeployException when it is not published, saying how to build it
   */
  public Built require(String app, String version) {
    return find(app, version)
        .orElseThrow(
            () ->
                new DeployException(
                    "there is no build of "
                        + app
                        + " "
                        + version
                        + "; build it first (tarmac build "
                        + app
                        + " "
                        + version
                        + ")"));
  }

  /** A build record already read, with its config. */
  public Built of(BuildRecord record) {
    return new Built(record, configs.of(record));
  }

  /** The config of a build record already read (parsed once: {@link BuildConfigs}). */
  public TarmacConfig config(BuildRecord record) {
    return configs.of(record);
  }
}
