package dev.tarmac.deploy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The {@code config:} block: the rendered file and the names a release needs. */
class ConfigBlockTest {

  private static String yml(String release, String config) {
    return "app: shop\n"
        + release
        + config
        + "environments:\n"
        + "  prod:\n"
        + "    deploy_to: /srv/shop\n"
        + "    hosts:\n"
        + "      - { name: web1, address: 10.0.0.1 }\n";
  }

  @Test
  void noBlockIsNoConfig() {
    assertThat(ConfigReader.read(yml("", ""), "tarmac.yml").config()).isEmpty();
  }

  @Test
  void theFileDefaultsToDotEnvAndRequiredNamesAreKeptInOrder() {
    TarmacConfig c =
        ConfigReader.read(yml("", "config:\n  required: [JWT_SECRET, DB_URL]\n"), "tarmac.yml");
    assertThat(c.config())
        .isEqualTo(Optional.of(new TarmacConfig.Config(".env", List.of("JWT_SECRET", "DB_URL"))));
    TarmacConfig other =
        ConfigReader.read(yml("", "config: { file: config/app.env }\n"), "tarmac.yml");
    assertThat(other.config().get().file()).isEqualTo("config/app.env");
  }

  @Test
  void badFilesAndNamesAreNamedWithTheirLine() {
    assertThatThrownBy(
            () ->
                ConfigReader.read(
                    yml("", "config:\n  file: ../.env\n  required: [jwt, A, A]\n"), "tarmac.yml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "line 3: config.file: expected a file name relative to the release directory (no ..,"
                + " no leading /, not under .tarmac), got '../.env'")
        .hasMessageContaining(
            "line 4: config.required[0]: expected a name of A-Z 0-9 _ (not starting with a digit,"
                + " at most 128), got 'jwt'")
        .hasMessageContaining("line 4: config.required[2]: A is listed twice");
  }

  @Test
  void theFileMayNotBeASharedPath() {
    assertThatThrownBy(
            () ->
                ConfigReader.read(
                    yml("release:\n  shared: [.env]\n", "config: {}\n"), "tarmac.yml"))
        .hasMessageContaining(
            "line 4: config.file: '.env' is under release.shared '.env': Tarmac writes it into"
                + " each release; remove it from release.shared"
                + " (docs/configuration-and-secrets.md)");
  }
}
