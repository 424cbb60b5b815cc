package dev.tarmac.deploy.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.deploy.config.ConfigException;
import dev.tarmac.deploy.config.ConfigReader;
import dev.tarmac.deploy.config.TarmacConfig;
import dev.tarmac.distributor.model.BuildRecord;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A build's tarmac.yml parsed once, the last ones used kept. */
class BuildConfigsTest {
  static final String YML =
      "app: shop\nenvironments:\n  prod:\n    hosts:\n      - { name: a, address: 127.0.0.21, deploy_to: /srv/shop }\n";

  static BuildRecord record(String app, String version, String config) {
    Instant t = Instant.parse("2026-01-02T03:04:05Z");
    return new BuildRecord(app, version, version, "c0ffee", "ab", 1, 1, "cd", config, t, t, t);
  }

  @Test
  void parsesOnceAndHandsTheSameConfig() {
    BuildConfigs configs = new BuildConfigs(4);
    TarmacConfig first = configs.of(record("shop", "v1", YML));
    TarmacConfig again = configs.of(record("shop", "v1", YML));
    assertThat(again).isSameAs(first);
    assertThat(configs.parses()).isEqualTo(1);
    assertThat(first.environments()).containsOnlyKeys("prod");
  }

  @Test
  void anotherTextOfTheSameVersionIsParsedAgain() {
    // a version removed by the retention and built again from a moved tag
    BuildConfigs configs = new BuildConfigs(4);
    configs.of(record("shop", "v1", YML));
    TarmacConfig moved = configs.of(record("shop", "v1", YML.replace("prod", "qa")));
    assertThat(moved.environments()).containsOnlyKeys("qa");
    assertThat(configs.parses()).isEqualTo(2);
  }

  @Test
  void keepsTheLastUsedWithinItsSize() {
    BuildConfigs configs = new BuildConfigs(2);
    configs.of(record("shop", "v1", YML));
    configs.of(record("shop", "v2", YML));
    configs.of(record("shop", "v1", YML)); // v1 used last: v2 goes first
    configs.of(record("shop", "v3", YML));
    assertThat(configs.cached()).isEqualTo(2);
    assertThat(configs.parses()).isEqualTo(3);
    configs.of(record("shop", "v1", YML));
    assertThat(configs.parses()).isEqualTo(3);
    configs.of(record("shop", "v2", YML));
    assertThat(configs.parses()).isEqualTo(4);
  }

  @Test
  void aConfigParsedByTheBuildIsRemembered() {
    BuildConfigs configs = new BuildConfigs(4);
    TarmacConfig parsed = ConfigReader.read(YML, "tarmac.yml at v1");
    configs.remember(record("shop", "v1", YML), parsed);
    assertThat(configs.of(record("shop", "v1", YML))).isSameAs(parsed);
    assertThat(configs.parses()).isZero();
  }

  @Test
  void aBadTextNamesTheVersionAndIsNotKept() {
    BuildConfigs configs = new BuildConfigs(4);
    assertThatThrownBy(() -> configs.of(record("shop", "v7", "app: [")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tarmac.yml at v7");
    assertThat(configs.cached()).isZero();
    assertThatThrownBy(() -> new BuildConfigs(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
