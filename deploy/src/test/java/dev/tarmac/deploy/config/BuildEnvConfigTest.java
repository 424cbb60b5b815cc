package dev.tarmac.deploy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code build.env}: the variables an app gives its build commands. */
class BuildEnvConfigTest {
  private static final String ENVIRONMENTS =
      "environments:\n  demo: { deploy_to: /srv/shop, hosts: [{ name: a, address: local }] }\n";

  private static TarmacConfig read(String build) {
    return ConfigReader.read("app: shop\nbuild:\n" + build + ENVIRONMENTS, "tarmac.yml");
  }

  @Test
  void variablesAreReadInOrder() {
    TarmacConfig config =
        read("  env:\n    NODE_ENV: production\n    COMPOSER_NO_DEV: 1\n    EMPTY: ''\n");

    assertThat(config.build().env())
        .containsExactly(
            Map.entry("NODE_ENV", "production"),
            Map.entry("COMPOSER_NO_DEV", "1"),
            Map.entry("EMPTY", ""));
  }

  @Test
  void noEnvIsEmpty() {
    assertThat(read("  commands: [make]\n").build().env()).isEmpty();
  }

  @Test
  void tarmacsOwnNamesAndBadNamesAreRefusedWithTheirLine() {
    assertThatThrownBy(
            () ->
                read(
                    "  env:\n    TARMAC_APP: other\n    HOME: /root\n    1BAD: x\n    LIST: [a, b]\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("line 4: build.env.TARMAC_APP: is set by Tarmac for every build")
        .hasMessageContaining("line 5: build.env.HOME: is set by Tarmac for every build")
        .hasMessageContaining("line 6: build.env.1BAD: not a variable name")
        .hasMessageContaining("line 7: build.env.LIST: expected a single value, got a list");
  }

  @Test
  void envMustBeAMapping() {
    assertThatThrownBy(() -> read("  env: [NODE_ENV=production]\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "line 3: build.env: expected a mapping of keys to values, got a list");
  }
}
