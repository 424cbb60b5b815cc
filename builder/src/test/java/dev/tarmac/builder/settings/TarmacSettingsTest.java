package dev.tarmac.builder.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The one mapping of the service's {@code tarmac.*} settings, read the way Quarkus reads it (a
 * SmallRye config with the mapping registered): every name docs/configuration.md lists maps to it,
 * the defaults are the documented ones, and a bad value stops the start naming its key.
 */
class TarmacSettingsTest {
  private static final Path DOC = Path.of("..", "docs", "configuration.md");

  /** What every start sets (application.properties gives these three). */
  private static final Map<String, String> REQUIRED =
      Map.of(
          "tarmac.data-dir", "/srv/tarmac",
          "tarmac.ssh.private-key", "/srv/key",
          "tarmac.ssh.known-hosts", "/srv/known_hosts");

  /** A valid value for the documented keys that are not free text. */
  private static final Map<String, String> SAMPLES =
      Map.ofEntries(
          Map.entry("tarmac.store", "s3"),
          Map.entry("tarmac.store.s3.endpoint", "http://127.0.0.1:9000"),
          Map.entry("tarmac.public-url", "http://127.0.0.1:8080"),
          Map.entry("tarmac.builds.concurrency", "2"),
          Map.entry("tarmac.apps.shop.watch", "true"),
          Map.entry("tarmac.ssh.max-logins", "4"),
          Map.entry("tarmac.ssh.keep-sessions", "30s"),
          Map.entry("tarmac.limits.max-body-size", "2M"),
          Map.entry("tarmac.limits.max-webhook-body-size", "30M"),
          Map.entry("tarmac.health.store-timeout", "5s"));

  static TarmacSettings read(Map<String, String> properties) {
    Map<String, String> all = new HashMap<>(REQUIRED);
    all.putAll(properties);
    SmallRyeConfig config =
        new SmallRyeConfigBuilder()
            // Quarkus' own converters, as the service has them (60s, 1M)
            .withConverter(Duration.class, 100, new DurationConverter())
            .withConverter(MemorySize.class, 100, new MemorySizeConverter())
            .withSources(new PropertiesConfigSource(all, "test", 500))
            .withMapping(TarmacSettings.class)
            .withValidateUnknown(true)
            .build();
    return TarmacSettings.checked(config.getConfigMapping(TarmacSettings.class));
  }

  /** The {@code tarmac.*} names in the first column of the docs' table, spelled out in full. */
  static List<String> documentedNames() throws Exception {
    List<String> names = new ArrayList<>();
    Pattern code = Pattern.compile("`([^`]+)`");
    for (String line : Files.readAllLines(DOC)) {
      if (!line.startsWith("| `tarmac.")) {
        continue;
      }
      String first = line.split("\\|")[1];
      String full = null;
      Matcher m = code.matcher(first);
      while (m.find()) {
        String name = m.group(1).replace("<name>", "shop");
        if (name.startsWith("tarmac.")) {
          full = name;
        } else if (full != null && name.startsWith(".")) {
          name = full.substring(0, full.lastIndexOf('.')) + name;
        } else if (full != null && name.matches("[a-z-]+")) {
          name = full.substring(0, full.lastIndexOf('.') + 1) + name;
        } else {
          continue; // (TARMAC_API_TOKEN) and the like
        }
        names.add(name);
      }
    }
    return names;
  }

  @Test
  void everyDocumentedNameMapsToTheOneMapping() throws Exception {
    List<String> names = documentedNames();
    assertThat(names)
        .contains(
            "tarmac.data-dir",
            "tarmac.store.s3.secret-key",
            "tarmac.apps.shop.repo",
            "tarmac.apps.shop.watch",
            "tarmac.build.cache-max-size",
            "tarmac.health.store-timeout")
        .hasSizeGreaterThan(25);
    Map<String, String> properties = new LinkedHashMap<>();
    for (String name : names) {
      properties.put(name, SAMPLES.getOrDefault(name, "x"));
    }

    TarmacSettings settings = read(properties);

    assertThat(settings.store().kind()).isEqualTo("s3");
    assertThat(settings.store().s3().secretKey()).contains("x");
    assertThat(settings.apps().get("shop").repo()).contains("x");
    assertThat(settings.apps().get("shop").watch()).isTrue();
    assertThat(settings.build().cacheMaxSize()).contains("x");
    assertThat(settings.builds().concurrency()).isEqualTo(2);
  }

  @Test
  void aNameTheMappingDoesNotKnowIsReportedByTheCheckAbove() {
    // the check above would pass for any name if the mapping accepted unknown ones
    assertThatThrownBy(() -> read(Map.of("tarmac.ssh.max-login", "4")))
        .hasStackTraceContaining("tarmac.ssh.max-login");
  }

  @Test
  void theDefaultsAreTheDocumentedOnes() {
    TarmacSettings settings = read(Map.of());

    assertThat(settings.publicUrl()).hasToString("http://127.0.0.1:8080");
    assertThat(settings.store().kind()).isEqualTo("fs");
    assertThat(settings.store().s3().region()).isEqualTo("us-east-1");
    assertThat(settings.store().s3().endpoint()).isEmpty();
    assertThat(settings.apiToken()).isEmpty();
    assertThat(settings.webhookSecret()).isEmpty();
    assertThat(settings.builds().concurrency()).isEqualTo(1);
    assertThat(settings.watch().interval()).isEqualTo("60s");
    assertThat(settings.ssh().maxLogins()).isEqualTo(8);
    assertThat(settings.ssh().keepSessions()).isEqualTo(Duration.ofSeconds(60));
    assertThat(settings.release().localHosts()).isEmpty();
    assertThat(settings.release().localUser()).isEmpty();
    assertThat(settings.build().isolation()).isEmpty();
    assertThat(settings.build().cacheMaxSize()).isEmpty();
    assertThat(settings.limits().maxBodySize().asLongValue()).isEqualTo(1L << 20);
    assertThat(settings.limits().maxWebhookBodySize().asLongValue()).isEqualTo(25L << 20);
    assertThat(settings.health().storeTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(settings.apps()).isEmpty();
  }

  @Test
  void aCommaSeparatedListStaysAListOfLocalHostDirectories() {
    TarmacSettings settings = read(Map.of("tarmac.release.local-hosts", "/srv/a,/srv/b"));

    assertThat(settings.release().localHosts()).contains(List.of("/srv/a", "/srv/b"));
  }

  @Test
  void aValueThatIsNotANumberStopsTheStartNamingItsKey() {
    assertThatThrownBy(() -> read(Map.of("tarmac.ssh.max-logins", "eight")))
        .hasStackTraceContaining("tarmac.ssh.max-logins")
        .hasStackTraceContaining("eight");
  }

  @Test
  void aValueThatIsNotADurationStopsTheStartNamingItsKey() {
    assertThatThrownBy(() -> read(Map.of("tarmac.health.store-timeout", "soon")))
        .hasStackTraceContaining("tarmac.health.store-timeout")
        .hasStackTraceContaining("soon");
  }

  @Test
  void aCountBelowOneIsRefusedNamingItsKey() {
    assertThatThrownBy(() -> read(Map.of("tarmac.builds.concurrency", "-1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tarmac.builds.concurrency must be 1 or more (it was -1)");
    assertThatThrownBy(() -> read(Map.of("tarmac.ssh.max-logins", "0")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tarmac.ssh.max-logins must be 1 or more (it was 0)");
  }

  @Test
  void aNegativeStoreTimeoutIsRefusedNamingItsKey() {
    assertThatThrownBy(() -> read(Map.of("tarmac.health.store-timeout", "-3s")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "tarmac.health.store-timeout is negative (PT-3S); set it to a duration such as 3s (the"
                + " default)");
  }

  @Test
  void aWatchWithoutARepoConfiguresNoApp() {
    TarmacSettings settings = read(Map.of("tarmac.apps.shop.watch", "true"));

    assertThat(settings.apps().get("shop").repo()).isEmpty();
  }
}
