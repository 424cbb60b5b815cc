package dev.tarmac.deploy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigReaderTest {

  @Test
  void theDocumentedExampleIsValidAndReadAsDocumented() throws Exception {
    String text = Files.readString(Path.of("../docs/examples/tarmac.yml"));

    TarmacConfig config = ConfigReader.read(text, "docs/examples/tarmac.yml");

    assertThat(config.app()).isEqualTo("shop");
    assertThat(config.build().sass())
        .containsExactly(
            new TarmacConfig.SassEntry("assets/scss/main.scss", "public/css/main.css"));
    assertThat(config.build().minify()).containsExactly("public/js/**/*.js", "public/css/**/*.css");
    assertThat(config.build().timeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(config.release().shared()).containsExactly("public/uploads", ".env");
    assertThat(config.release().keep()).isEqualTo(5);
    assertThat(config.release().keepBuilds()).isEqualTo(20);
    assertThat(config.release().hooks().migrate()).hasSize(1);
    assertThat(TarmacConfig.Hooks.commands(config.release().hooks().contract()))
        .containsExactly("psql -v ON_ERROR_STOP=1 -d shop -f migrations/contract.sql");
    assertThat(config.release().health().orElseThrow().timeout()).isEqualTo(Duration.ofSeconds(10));
    TarmacConfig.Environment production = config.environment("production");
    assertThat(production.parallel()).isEqualTo(50);
    assertThat(production.hosts())
        .containsExactly(
            new TarmacConfig.Host(
                "web1",
                "web1.example.com",
                22,
                "deploy",
                "/srv/shop",
                java.util.List.of("web", "db")),
            new TarmacConfig.Host(
                "web2", "10.0.0.12", 2222, "deploy", "/srv/shop", java.util.List.of("web")));
    assertThat(production.primaryDb().orElseThrow().name()).isEqualTo("web1");
    assertThat(config.environment("staging").hosts().get(0).address()).isEqualTo("stage1");
  }

  @Test
  void aMinimalFileGetsTheDefaults() {
    TarmacConfig config =
        ConfigReader.read(
            "app: blog\nenvironments:\n  demo: { deploy_to: /srv/blog, hosts: [{ name: a, address: local }] }\n",
            "tarmac.yml");

    assertThat(config.build().commands()).isEmpty();
    assertThat(config.release().keep()).isEqualTo(5);
    assertThat(config.release().keepBuilds()).isEqualTo(20);
    assertThat(config.environment("demo").parallel()).isEqualTo(10);
    assertThat(config.environment("demo").hosts().get(0).isLocal()).isTrue();
    assertThat(config.environment("demo").hosts().get(0).roles()).containsExactly("web");
  }

  @Test
  void anUnknownKeyIsReportedWithItsLineAndTheKeysExpected() {
    assertThatThrownBy(
            () -> ConfigReader.read("app: shop\nbiuld:\n  sass: []\n", "tarmac.yml at v1"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tarmac.yml at v1 is invalid")
        .hasMessageContaining(
            "line 2: biuld: unknown key; did you mean `build`? expected one of: app, build, config, environments, release");
  }

  @Test
  void wrongTypesAndValuesAreAllReportedAtOnce() {
    String text =
        """
        app: Shop!
        build:
          sass: { from: a.scss }
          timeout: soon
        environments:
          production:
            deploy_to: srv/shop
            hosts:
              - { name: web1, port: 99999 }
              - { name: web1 }
        """;

    assertThatThrownBy(() -> ConfigReader.read(text, "tarmac.yml"))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .contains(
                        "line 1: app: expected 1 to 63 of a-z 0-9 _ -, got 'Shop!'",
                        "line 3: build.sass: expected a list, got a mapping",
                        "line 4: build.timeout: expected a duration from 1s to 24h, such as 500ms, 30s, 10m or 1h, got 'soon'",
                        "line 7: environments.production.deploy_to: expected an absolute path such as /srv/shop (letters, digits, ._-/@+), got 'srv/shop'",
                        "line 9: environments.production.hosts[0].port: expected a number from 1 to 65535, got 99999",
                        "line 10: environments.production.hosts[1].name: 'web1' is listed twice"));
  }

  /**
   * Numbers past what a duration or an int holds, negative ones and 0 where it means nothing are
   * reported like any other wrong value (before, {@code 99999999999999999999h} escaped as
   * NumberFormatException's {@code For input string: …}, with no line or key).
   */
  @Test
  void numbersOutOfRangeNameTheKeyTheLineTheValueAndWhatIsAccepted() {
    String text =
        """
        app: shop
        build:
          timeout: 99999999999999999999h
        release:
          keep: 99999999999999999999
          keep_builds: -1
          health: { url: "http://localhost/", timeout: 0s }
        environments:
          production:
            deploy_to: /srv/shop
            parallel: 0
            hosts:
              - { name: web1, port: -22 }
              - { name: web2, port: 99999999999999999999 }
        """;

    assertThatThrownBy(() -> ConfigReader.read(text, "tarmac.yml"))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .containsExactly(
                        "line 3: build.timeout: expected a duration from 1s to 24h, such as 500ms,"
                            + " 30s, 10m or 1h, got '99999999999999999999h'",
                        "line 5: release.keep: expected a number from 2 to 1000, got"
                            + " '99999999999999999999'",
                        "line 6: release.keep_builds: expected a number from 1 to 100000, got -1",
                        "line 7: release.health.timeout: expected a duration from 1s to 1h, such"
                            + " as 500ms, 30s, 10m or 1h, got '0s'",
                        "line 11: environments.production.parallel: expected a number from 1 to"
                            + " 1000, got 0",
                        "line 13: environments.production.hosts[0].port: expected a number from 1"
                            + " to 65535, got -22",
                        "line 14: environments.production.hosts[1].port: expected a number from 1"
                            + " to 65535, got '99999999999999999999'"));
  }

  /** Each duration key, with numbers past a long and past what a Duration of its unit holds. */
  @Test
  void everyDurationTakesHugeNumbersAsOutOfRange() {
    Map<String, String> keys =
        Map.of(
            "build.timeout",
            "build:\n  timeout: %s\n",
            "release.health.timeout",
            "release:\n  health: { url: \"http://localhost/\", timeout: %s }\n",
            "release.cdn.grace",
            "build:\n  fingerprint: { root: public }\nrelease:\n  cdn:\n"
                + "    { url: \"https://cdn.example.com/shop\", grace: %s }\n");
    Map<String, String> accepted =
        Map.of(
            "build.timeout", "from 1s to 24h",
            "release.health.timeout", "from 1s to 1h",
            "release.cdn.grace", "from 0s to 8760h");
    for (String key : keys.keySet()) {
      for (String value :
          List.of("9999999999999999h", "99999999999999999999ms", "2562047788016m", "-1s")) {
        String text = "app: shop\n" + keys.get(key).formatted(value);
        int line = (int) text.lines().takeWhile(l -> !l.contains(value)).count() + 1;
        assertThatThrownBy(() -> ConfigReader.read(text, "tarmac.yml at v1"))
            .isInstanceOf(ConfigException.class)
            .hasMessage(
                "tarmac.yml at v1 is invalid:\n  - line "
                    + line
                    + ": "
                    + key
                    + ": expected a duration "
                    + accepted.get(key)
                    + ", such as 500ms, 30s, 10m or 1h, got '"
                    + value
                    + "'\nFix it and tag again; `tarmac init` writes a commented example.");
      }
    }
  }

  @Test
  void missingRequiredKeysAreNamed() {
    assertThatThrownBy(() -> ConfigReader.read("build: {}\n", "tarmac.yml"))
        .hasMessageContaining("app is required");
    assertThatThrownBy(() -> ConfigReader.read("", "tarmac.yml")).hasMessageContaining("empty");
  }

  @Test
  void pathsThatLeaveTheTreeAreRefused() {
    assertThatThrownBy(
            () ->
                ConfigReader.read(
                    "app: a\nbuild:\n  sass: [{ from: ../x.scss, to: /etc/x.css }]\nrelease:\n  shared: [../../etc]\n",
                    "tarmac.yml"))
        .hasMessageContaining("line 3: build.sass[0].from: expected a relative path")
        .hasMessageContaining("line 3: build.sass[0].to: expected a relative path")
        .hasMessageContaining("line 5: release.shared[0]: expected a relative path");
  }

  @Test
  void brokenYamlIsReportedWithItsLine() {
    assertThatThrownBy(() -> ConfigReader.read("app: a\nbuild:\n  sass: [\n", "tarmac.yml"))
        .hasMessageContaining("not valid YAML");
  }

  @Test
  void anUnknownEnvironmentNamesTheDefinedOnes() throws Exception {
    TarmacConfig config =
        ConfigReader.read(Files.readString(Path.of("../docs/examples/tarmac.yml")), "tarmac.yml");

    assertThatThrownBy(() -> config.environment("prod"))
        .hasMessageContaining("environments.prod is not defined; defined: staging, production");
  }

  @Test
  void twoLocalHostsMayNotShareADeployTo() {
    assertThatThrownBy(
            () ->
                ConfigReader.read(
                    "app: a\nenvironments:\n  demo:\n    deploy_to: /tmp/x\n    hosts:\n"
                        + "      - { name: one, address: local }\n"
                        + "      - { name: two, address: local }\n",
                    "tarmac.yml"))
        .hasMessageContaining(
            "line 7: environments.demo.hosts[1].deploy_to: hosts one and two are both local with"
                + " deploy_to /tmp/x");
    // remote hosts share one deploy_to path, each on its own machine
    ConfigReader.read(
        "app: a\nenvironments:\n  prod:\n    deploy_to: /srv/a\n    hosts:\n"
            + "      - { name: one }\n      - { name: two }\n",
        "tarmac.yml");
  }

  @Test
  void theTwoServerExampleOfTheGuideIsValid() throws Exception {
    TarmacConfig config =
        ConfigReader.read(
            Files.readString(Path.of("../docs/examples/two-servers.tarmac.yml")), "tarmac.yml");
    TarmacConfig.Environment production = config.environment("production");
    assertThat(production.hosts())
        .extracting(TarmacConfig.Host::address)
        .containsExactly("10.0.0.11", "10.0.0.12");
    assertThat(production.primaryDb().orElseThrow().name()).isEqualTo("web1");
    assertThat(production.hosts().get(1).user()).isEqualTo("deploy");
    assertThat(config.release().health().orElseThrow().contains()).contains("{version}");
  }

  private static final String ENVS =
      "environments:\n  demo: { deploy_to: /srv/blog, hosts: [{ name: a, address: local }] }\n";

  @Test
  void theFrontEndBuildKeysAreRead() {
    TarmacConfig config =
        ConfigReader.read(
            "app: blog\n"
                + "build:\n"
                + "  sass_load_paths: [node_modules]\n"
                + "  sass:\n"
                + "    - { from: a/main.scss, to: b/main.css, load_paths: [_sass, node_modules/],"
                + " source_map: true }\n"
                + "    - { from: a/admin.scss, to: b/admin.css }\n"
                + "  minify_target: \"chrome58, Safari10\"\n"
                + "  after: [\"sh bin/fingerprint\"]\n"
                + ENVS,
            "tarmac.yml");

    TarmacConfig.Build build = config.build();
    assertThat(build.sass())
        .containsExactly(
            new TarmacConfig.SassEntry(
                "a/main.scss", "b/main.css", java.util.List.of("_sass", "node_modules"), true),
            new TarmacConfig.SassEntry(
                "a/admin.scss", "b/admin.css", java.util.List.of("node_modules"), false));
    assertThat(build.minifyTargets()).containsExactly("chrome58", "safari10");
    assertThat(build.after()).containsExactly("sh bin/fingerprint");
    assertThat(ConfigReader.read("app: blog\nbuild: { minify_target: [es5] }\n" + ENVS, "t"))
        .extracting(c -> c.build().minifyTargets())
        .isEqualTo(java.util.List.of("es5"));
  }

  @Test
  void badFrontEndBuildKeysAreNamedWithTheirLine() {
    assertThatThrownBy(
            () ->
                ConfigReader.read(
                    "app: blog\n"
                        + "build:\n"
                        + "  sass:\n"
                        + "    - { from: a.scss, to: a.css, load_paths: [../outside] }\n"
                        + "  minify_target: ie11, netscape4\n"
                        + ENVS,
                    "tarmac.yml"))
        .hasMessageContaining("line 4: build.sass[0].load_paths[0]: expected a relative path")
        .hasMessageContaining("line 5: build.minify_target: 'netscape4' is not an esbuild target");
  }
}
