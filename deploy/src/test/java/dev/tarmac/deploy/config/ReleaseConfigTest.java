package dev.tarmac.deploy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.deploy.config.TarmacConfig.Hook;
import dev.tarmac.deploy.config.TarmacConfig.Hooks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The release section: hooks by role, shared paths that may not overlap. */
class ReleaseConfigTest {

  @Test
  void theDocumentedExampleRunsTheWorkerHookOnWorkersOnly() throws Exception {
    TarmacConfig config =
        ConfigReader.read(
            Files.readString(Path.of("../docs/examples/tarmac.yml")), "docs/examples/tarmac.yml");
    List<Hook> activate = config.release().hooks().activate();
    assertThat(activate)
        .containsExactly(
            new Hook("sudo systemctl reload shop", List.of()),
            new Hook("sudo systemctl restart shop-worker", List.of("worker")));
    TarmacConfig.Environment production = config.environment("production");
    TarmacConfig.Host web1 = production.hosts().get(0);
    TarmacConfig.Host worker1 =
        new TarmacConfig.Host("worker1", "10.0.0.21", 22, "deploy", "/srv/shop", List.of("worker"));
    assertThat(Hooks.on(activate, web1)).containsExactly("sudo systemctl reload shop");
    assertThat(Hooks.on(activate, worker1))
        .containsExactly("sudo systemctl reload shop", "sudo systemctl restart shop-worker");
  }

  static String withRelease(String release) {
    return "app: shop\n"
        + "release:\n"
        + release
        + "environments:\n"
        + "  prod:\n"
        + "    deploy_to: /srv/shop\n"
        + "    hosts: [{ name: web1 }]\n";
  }

  @Test
  void aRoleHookNeedsACommandAndRoleNames() {
    assertThatThrownBy(
            () ->
                ConfigReader.read(
                    withRelease(
                        "  hooks:\n    activate:\n      - { roles: [worker] }\n"
                            + "      - { run: x, roles: [Worker!] }\n"),
                    "tarmac.yml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("release.hooks.activate[0].run is required")
        .hasMessageContaining("release.hooks.activate[1].roles")
        .hasMessageContaining("'Worker!' is not a role name");
  }

  @Test
  void onceOnlyPhasesTakeNoRoles() {
    assertThatThrownBy(
            () ->
                ConfigReader.read(
                    withRelease("  hooks:\n    migrate:\n      - { run: x, roles: [db] }\n"),
                    "tarmac.yml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("release.hooks.migrate[0]")
        .hasMessageContaining("runs once, on the primary db host");
  }

  @Test
  void theContractHookIsReadAndTakesNoRoles() throws Exception {
    TarmacConfig config =
        ConfigReader.read(
            withRelease(
                "  hooks:\n    migrate: [\"./migrate up\"]\n"
                    + "    contract: [\"./migrate contract\", \"./notify\"]\n"),
            "tarmac.yml");
    assertThat(Hooks.commands(config.release().hooks().contract()))
        .containsExactly("./migrate contract", "./notify");
    assertThat(
            ConfigReader.read(withRelease("  hooks:\n    migrate: [x]\n"), "tarmac.yml")
                .release()
                .hooks()
                .contract())
        .isEmpty();
    assertThatThrownBy(
            () ->
                ConfigReader.read(
                    withRelease("  hooks:\n    contract:\n      - { run: x, roles: [db] }\n"),
                    "tarmac.yml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("release.hooks.contract[0]")
        .hasMessageContaining("runs once, on the primary db host");
    assertThatThrownBy(
            () -> ConfigReader.read(withRelease("  hooks:\n    contract: 3\n"), "tarmac.yml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("release.hooks.contract");
  }

  @Test
  void overlappingSharedPathsAreRefused() {
    assertThatThrownBy(
            () ->
                ConfigReader.read(
                    withRelease("  shared: [public, public/uploads]\n"), "tarmac.yml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("release.shared")
        .hasMessageContaining("'public/uploads' lies inside 'public'");
    // a common prefix that is not a parent is fine
    assertThat(
            ConfigReader.read(withRelease("  shared: [public, public2]\n"), "tarmac.yml")
                .release()
                .shared())
        .containsExactly("public", "public2");
  }

  @Test
  void keepBuildsDefaultsTo20AndTakesAPositiveNumber() {
    assertThat(ConfigReader.read(withRelease("  keep: 3\n"), "tarmac.yml").release().keepBuilds())
        .isEqualTo(20);
    assertThat(
            ConfigReader.read(withRelease("  keep_builds: 2\n"), "tarmac.yml")
                .release()
                .keepBuilds())
        .isEqualTo(2);
    // withRelease puts the release section's first key on line 3
    for (String bad : List.of("0", "-4")) {
      assertThatThrownBy(
              () -> ConfigReader.read(withRelease("  keep_builds: " + bad + "\n"), "tarmac.yml"))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining(
              "line 3: release.keep_builds: expected a number from 1 to 100000, got " + bad);
    }
    assertThatThrownBy(
            () -> ConfigReader.read(withRelease("  keep_builds: twenty\n"), "tarmac.yml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("line 3: release.keep_builds: expected a whole number, got 'twenty'");
  }
}
