package dev.tarmac.deploy.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.deploy.DeployException;
import dev.tarmac.deploy.config.ConfigException;
import dev.tarmac.distributor.records.BuildRecords;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.StoreException;
import dev.tarmac.distributor.testing.FsStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A built version with its config, on a real fs store in a temp dir. */
class BuildsTest {
  @TempDir Path root;
  ArtifactStore store;
  BuildConfigs configs;
  Builds builds;

  @BeforeEach
  void store() {
    store = FsStores.in(root);
    configs = new BuildConfigs(8);
    builds = new Builds(store, configs);
  }

  @Test
  void aBuiltVersionComesWithItsConfig() {
    new BuildRecords(store).publish(BuildConfigsTest.record("shop", "v1", BuildConfigsTest.YML));
    Builds.Built b = builds.require("shop", "v1");
    assertThat(b.app()).isEqualTo("shop");
    assertThat(b.version()).isEqualTo("v1");
    assertThat(b.record().commit()).isEqualTo("c0ffee");
    assertThat(b.config().environments()).containsOnlyKeys("prod");
    assertThat(builds.find("shop", "v1")).isPresent();
    builds.require("shop", "v1");
    assertThat(configs.parses()).isEqualTo(1);
  }

  @Test
  void aVersionNotBuiltSaysHowToBuildIt() {
    assertThat(builds.find("shop", "v2")).isEmpty();
    assertThatThrownBy(() -> builds.require("shop", "v2"))
        .isInstanceOf(DeployException.class)
        .hasMessage("there is no build of shop v2; build it first (tarmac build shop v2)");
  }

  @Test
  void aDamagedRecordNamesItsKey() {
    store.put(BuildRecords.recordKey("shop", "v1"), "{\"app\":".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> builds.require("shop", "v1"))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("apps/shop/builds/v1/build.json in the store is not a readable");
  }

  @Test
  void aRecordWhoseConfigDoesNotParseNamesTheVersion() {
    new BuildRecords(store).publish(BuildConfigsTest.record("shop", "v3", "environments: 3\n"));
    assertThatThrownBy(() -> builds.require("shop", "v3"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tarmac.yml at v3");
  }

  @Test
  void badNamesAreRefused() {
    assertThatThrownBy(() -> builds.find("shop", "v1/../v2"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
