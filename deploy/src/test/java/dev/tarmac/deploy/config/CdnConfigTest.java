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

    assertThat(config.release().cdn().orElseThrow().grace()).hasHours(24);
    assertThat(
            read(
                    "  fingerprint: { root: public }\n",
                    "  cdn: { url: https://cdn.example.com/shop, grace: 0s }\n")
                .release()
                .cdn())
        .contains(new TarmacConfig.Cdn("https://cdn.example.com/shop", java.time.Duration.ZERO));
    assertThat(
            read(
                    "  fingerprint: { root: public }\n",
                    "  cdn: { url: https://cdn.example.com/shop, grace: 90m }\n")
                .release()
                .cdn()
                .orElseThrow()
                .grace())
        .hasMinutes(90);

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
    assertThatThrownBy(
            () ->
                read(
                    "  fingerprint: { root: public }\n",
                    "  cdn:\n    url: https://cdn.example.com/shop\n    grace: a day\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "line 7: release.cdn.grace: expected a duration from 0s to 8760h, such as 500ms, 30s,"
                + " 10m or 1h, got 'a day'");
    assertThatThrownBy(
            () ->
                read(
                    "  fingerprint: { root: public }\n",
                    "  cdn: { url: https://cdn.example.com/shop, grace: 9000h }\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "line 5: release.cdn.grace: expected a duration from 0s to 8760h, such as 500ms, 30s,"
                + " 10m or 1h, got '9000h'");
  }

  @Test
  void purgeEntries() {
    TarmacConfig config =
        read(
            "  timeout: 1m\n",
            "  purge:\n"
                + "    - { url: \"http://127.0.0.1:6081/{version}\", headers: { X-Host: \"{host}\" } }\n"
                + "    - { url: \"https://api.cdn.example/purge\", method: POST, from: service,"
                + " required: true }\n");
    assertThat(config.release().purge())
        .containsExactly(
            new TarmacConfig.Purge(
                "http://127.0.0.1:6081/{version}",
                "PURGE",
                java.util.Map.of("X-Host", "{host}"),
                true,
                false),
            new TarmacConfig.Purge(
                "https://api.cdn.example/purge", "POST", java.util.Map.of(), false, true));
    assertThat(read("  timeout: 1m\n", "  keep: 3\n").release().purge()).isEmpty();
  }

  @Test
  void badPurgeEntriesNameKeyAndLine() {
    assertThatThrownBy(
            () ->
                read(
                    "  timeout: 1m\n",
                    "  purge:\n"
                        + "    - { url: \"ftp://x\", method: FLUSH, from: everywhere }\n"
                        + "    - { url: \"http://{host}/\", from: service, headers: { \"a b\": x } }\n"
                        + "    - { method: PURGE, requird: true }\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("line 6: release.purge[0].url: expected an http:// or https:// URL")
        .hasMessageContaining("release.purge[0].method: expected PURGE, BAN, POST")
        .hasMessageContaining("release.purge[0].from: expected hosts")
        .hasMessageContaining(
            "line 7: release.purge[1].url: {host} is filled in only with from: hosts")
        .hasMessageContaining("release.purge[1].headers.a b: expected a header name")
        .hasMessageContaining("release.purge[2].url is required")
        .hasMessageContaining("release.purge[2].requird: unknown key; did you mean `required`?");
  }
}
