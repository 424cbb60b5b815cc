package dev.tarmac.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** {@code tarmac config}: its words, a secret from standard input, the list's table. */
class ConfigCommandTest {
  static JsonNode json(String s) throws Exception {
    return new ObjectMapper().readTree(s);
  }

  @Test
  void theSecondWordIsTheEnvironmentUnlessItHoldsAnEqualsSign() {
    Map<String, String> v = new TreeMap<>();
    assertThat(ConfigCommand.split(List.of("prod", "A=1", "B=x=y"), v, false)).isEqualTo("prod");
    assertThat(v).containsExactly(Map.entry("A", "1"), Map.entry("B", "x=y"));
    v.clear();
    assertThat(ConfigCommand.split(List.of("A="), v, false)).isNull();
    assertThat(v).containsExactly(Map.entry("A", ""));
    assertThatThrownBy(
            () -> ConfigCommand.split(List.of("prod", "staging"), new TreeMap<>(), false))
        .isInstanceOf(CliException.class)
        .hasMessage(
            "'staging' is not NAME=value; give the environment first, once (tarmac config set APP"
                + " [ENV] NAME=value…)");
    assertThatThrownBy(() -> ConfigCommand.split(List.of("prod"), new TreeMap<>(), false))
        .hasMessage(
            "nothing to set: give NAME=value, or --secret NAME to read a secret from standard"
                + " input");
    assertThat(ConfigCommand.split(List.of("prod"), new TreeMap<>(), true)).isEqualTo("prod");
    assertThat(ConfigCommand.path("shop", null)).isEqualTo("/api/apps/shop/config");
    assertThat(ConfigCommand.path("shop", "prod")).isEqualTo("/api/apps/shop/envs/prod/config");
  }

  @Test
  void aSecretIsStandardInputLessOneFinalNewlineAndBounded() {
    assertThat(ConfigCommand.readSecret("S", in("line one\nline two\n")))
        .isEqualTo("line one\nline two");
    assertThat(ConfigCommand.readSecret("S", in("no newline"))).isEqualTo("no newline");
    assertThatThrownBy(() -> ConfigCommand.readSecret("JWT", in("")))
        .isInstanceOf(CliException.class)
        .hasMessage(
            "standard input is empty: pipe the value of JWT in (printf '%s' \"$VALUE\" | tarmac"
                + " config set … --secret JWT)");
    assertThatThrownBy(() -> ConfigCommand.readSecret("BIG", in("x".repeat(64 * 1024 + 2))))
        .hasMessage(
            "the value of BIG on standard input is longer than 65536 bytes (64 KiB); nothing was"
                + " sent");
  }

  private static ByteArrayInputStream in(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theListShowsASecretAsItsFingerprintAndTheEnvironmentOverTheApp() throws Exception {
    JsonNode app =
        json(
            "{\"values\":{\"HOST\":{\"secret\":false,\"value\":\"0.0.0.0\",\"by\":\"ann\","
                + "\"at\":\"2026-12-07T10:00:00Z\"},\"LOG\":{\"secret\":false,\"value\":\"info\","
                + "\"by\":\"ann\",\"at\":\"2026-12-07T10:00:00Z\"}}}");
    JsonNode env =
        json(
            "{\"values\":{\"LOG\":{\"secret\":false,\"value\":\"warn\",\"by\":\"bob\","
                + "\"at\":\"2026-12-07T11:00:00Z\"},\"JWT\":{\"secret\":true,"
                + "\"fingerprint\":\"hmac-sha256:0123456789abcdef\",\"by\":\"ann\","
                + "\"at\":\"2026-12-07T12:00:00Z\"}}}");
    String table = ConfigCommand.table("shop", "prod", app, env);
    assertThat(table.lines().toList().get(0)).startsWith("NAME").contains("VALUE", "FROM", "BY");
    assertThat(table)
        .containsPattern("HOST +0\\.0\\.0\\.0 +shop +ann")
        .containsPattern("JWT +\\(secret\\) hmac-sha256:0123456789abcdef +prod +ann")
        .containsPattern("LOG +warn +prod +bob")
        .doesNotContain("info");
    assertThat(ConfigCommand.table("shop", null, json("{\"values\":{}}"), null))
        .isEqualTo("no configuration for shop; set some: tarmac config set shop NAME=value\n");
    assertThat(
            ConfigCommand.changed(
                "shop", "prod", json("{\"revision\":3,\"changed\":[\"JWT\",\"LOG\"]}")))
        .isEqualTo(
            "shop prod: revision 3, JWT, LOG; released with the next release (tarmac release shop"
                + " VERSION --env prod)");
    assertThat(ConfigCommand.changed("shop", null, json("{\"revision\":3,\"changed\":[]}")))
        .isEqualTo("shop (every environment): nothing changed (revision 3)");
  }

  @Test
  void thePlanSaysWhichNamesChangeAndWhichAreMissing() throws Exception {
    assertThat(
            ReleaseCommand.configLine(
                json("{\"app\":2,\"env\":3,\"changed\":[\"JWT\",\"LOG\"],\"missing\":[]}")))
        .isEqualTo("Config: app r2, env r3; changes against the live release: JWT, LOG");
    assertThat(
            ReleaseCommand.configLine(
                json("{\"app\":0,\"env\":1,\"changed\":[],\"missing\":[\"DB_PW\"]}")))
        .isEqualTo(
            "Config: app r0, env r1; no name changes against the live release; MISSING (the"
                + " release would be refused): DB_PW (tarmac config set)");
    assertThat(ReleaseCommand.configLine(json("{}").path("config"))).isNull();
  }
}
