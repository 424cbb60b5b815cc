package dev.tarmac.deploy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@code build.cache} and {@code build.cache_key}: what a build may keep for the app's next. */
class BuildCacheConfigTest {
  private static final String ENVIRONMENTS =
      "environments:\n  demo: { deploy_to: /srv/shop, hosts: [{ name: a, address: local }] }\n";

  private static TarmacConfig read(String build) {
    return ConfigReader.read("app: shop\nbuild:\n" + build + ENVIRONMENTS, "tarmac.yml");
  }

  @Test
  void pathsUnderHomeAndInTheTreeAreRead() {
    TarmacConfig config =
        read(
            "  cache: [~/.npm, node_modules/.cache/, ~/.cache/pip]\n"
                + "  cache_key: [package-lock.json, requirements.txt]\n");

    assertThat(config.build().cache())
        .containsExactly("~/.npm", "node_modules/.cache", "~/.cache/pip");
    assertThat(config.build().cacheKey()).containsExactly("package-lock.json", "requirements.txt");
  }

  @Test
  void noCacheIsEmpty() {
    assertThat(read("  commands: [make]\n").build().cache()).isEmpty();
    assertThat(read("  commands: [make]\n").build().cacheKey()).isEmpty();
  }

  @Test
  void pathsOutsideHomeAndTreeAreRefusedWithTheirLine() {
    assertThatThrownBy(
            () -> read("  cache:\n    - /var/cache/npm\n    - ~/../etc\n    - '~'\n    - ./x\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "line 4: build.cache[0]: expected a path under the build's HOME (~/.npm) or in the"
                + " tree (node_modules/.cache), without .. or . and not absolute, got"
                + " '/var/cache/npm'")
        .hasMessageContaining("line 5: build.cache[1]: expected a path under the build's HOME")
        .hasMessageContaining("got '~/../etc'")
        .hasMessageContaining("line 6: build.cache[2]: expected a path")
        .hasMessageContaining("got '~'")
        .hasMessageContaining("line 7: build.cache[3]: expected a path")
        .hasMessageContaining("got './x'");
  }

  @Test
  void overlappingPathsAreRefused() {
    assertThatThrownBy(() -> read("  cache: [~/.npm, ~/.npm/_cacache, node_modules]\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "line 3: build.cache[1]: '~/.npm/_cacache' overlaps build.cache[0] ('~/.npm'); keep"
                + " one of them");
  }

  @Test
  void aKeyWithoutCachePathsAndAKeyFileOutsideTheTreeAreRefused() {
    assertThatThrownBy(() -> read("  cache_key: [../package-lock.json]\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "line 3: build.cache_key: needs build.cache: the paths the key is for, such as"
                + " build.cache: [~/.npm]")
        .hasMessageContaining(
            "line 3: build.cache_key[0]: expected a relative path inside the repository (no ..,"
                + " no leading /), got '../package-lock.json'");
  }

  @Test
  void moreThanSixteenPathsAreRefused() {
    StringBuilder paths = new StringBuilder();
    for (int i = 0; i < 17; i++) {
      paths.append(i == 0 ? "" : ", ").append("c").append(i);
    }
    assertThatThrownBy(() -> read("  cache: [" + paths + "]\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "line 3: build.cache: has 17 paths, more than 16; cache the directories that hold"
                + " them instead");
  }
}
