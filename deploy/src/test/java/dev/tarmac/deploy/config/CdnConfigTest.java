package dev.tarmac.deploy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.deploy.config.TarmacConfig.Fingerprint;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code build.fingerprint} and {@code release.cdn}: values, defaults, errors with their line. */
class CdnConfigTest {
  private static TarmacConfig read(String build, String release) {
    return ConfigReader.read(
        "app: shop\n"
            + "build:\n"
            + build
            + "release:\n"
            + release
            + "environments:\n"
            + "  prod:\n"
            + "    deploy_to: /srv/shop\n"
            + "    hosts: [{ name: web1 }]\n",
        "tarmac.yml");
  }

  @Test
  void valuesAndDefaults() {
    TarmacConfig config =
        read(
            "  fingerprint: { root: public/, rewrite_html: true }\n",
            "  cdn: { url: https://cdn.example.com/shop/ }\n");
    assertThat(config.build().fingerprint())
        .contains(new Fingerprint("public", Fingerprint.DEFAULT_INCLUDE, true));
    assertThat(config.release().cdn())
        .contains(new TarmacConfig.Cdn("https://cdn.example.com/shop"));

    TarmacConfig plain = read("  timeout: 1m\n", "  keep: 3\n");
    assertThat(plain.build().fingerprint()).isEmpty();
    assertThat(plain.release().cdn()).isEmpty();

    assertThatThrownBy(() -> read("  timeout: 1m\n", "  cdn: { url: https://cdn.example.com }\n"))
        .hasMessageContaining("release.cdn needs build.fingerprint");
    assertThat(
            read("  fingerprint: { root: web, include: [\"**/*.css\"] }\n", "  keep: 3\n")
                .build()
                .fingerprint())
        .isEqualTo(Optional.of(new Fingerprint("web", List.of("**/*.css"), false)));
  }

  @Test
  void badValuesNameKeyAndLine() {
    assertThatThrownBy(
            () ->
                read(
                    "  fingerprint: { root: ../up, include: [\"/abs/**\"], rewrite_htm: true }\n",
                    "  cdn: { url: \"ftp://x\" }\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("line 3: build.fingerprint.root: expected a relative path")
        .hasMessageContaining("line 3: build.fingerprint.include: '/abs/**' must be a glob")
        .hasMessageContaining(
            "build.fingerprint.rewrite_htm: unknown key; did you mean `rewrite_html`?")
        .hasMessageContaining("line 5: release.cdn.url: expected the public http(s) URL")
        .hasMessageContaining("got 'ftp://x'");
    assertThatThrownBy(() -> read("  fingerprint: { include: [] }\n", "  cdn: {}\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("build.fingerprint.root is required")
        .hasMessageContaining("build.fingerprint.include: is empty")
        .hasMessageContaining("release.cdn.url is required");
  }
}
