package dev.tarmac.builder.settings;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithParentName;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every {@code tarmac.*} setting of the service, in one place (docs/configuration.md,
 * "Configuration and operations", its table): each method's name is the property's, each default is
 * the documented one. Quarkus reads and converts them all at start, so a value that cannot be
 * converted (a number that is not one, a duration or size that is not one) stops the start with an
 * error naming the key; the checks conversion cannot make (a count below one, a negative timeout)
 * are in {@link #checked(TarmacSettings)}, run at start too; the store's kind and a negative {@code
 * tarmac.ssh.keep-sessions} are refused where they are used ({@code ServiceConfig}).
 */
@ConfigMapping(prefix = "tarmac")
public interface TarmacSettings {
  /** {@code tarmac.data-dir}: git mirrors, work dirs, the embedded store, tokens. */
  Path dataDir();

  /** {@code tarmac.public-url}: how servers reach the service. */
  @WithDefault("http://127.0.0.1:8080")
  URI publicUrl();

  /** {@code tarmac.api-token}: when set, the admin token. */
  Optional<String> apiToken();

  /** {@code tarmac.webhook-secret}: none, webhooks are off. */
  Optional<String> webhookSecret();

  Store store();

  Ssh ssh();

  Release release();

  Build build();

  Builds builds();

  Watch watch();

  Limits limits();

  Health health();

  /** {@code tarmac.apps.<name>.repo}, {@code .watch}: apps from configuration. */
  Map<String, App> apps();

  /** {@code tarmac.store} ({@code fs} or {@code s3}) and {@code tarmac.store.s3.*}. */
  interface Store {
    @WithParentName
    @WithDefault("fs")
    String kind();

    S3 s3();
  }

  interface S3 {
    Optional<URI> endpoint();

    @WithDefault("us-east-1")
    String region();

    Optional<String> bucket();

    Optional<String> accessKey();

    Optional<String> secretKey();
  }

  interface Ssh {
    Path privateKey();

    Path knownHosts();

    @WithDefault("60s")
    Duration keepSessions();

    @WithDefault("8")
    int maxLogins();
  }

  interface Release {
    /** Directories {@code address: local} hosts may deploy to; none: no local host is run. */
    Optional<List<String>> localHosts();

    /** The user local hosts' commands run as (setpriv; the service must be root). */
    Optional<String> localUser();
  }

  /**
   * {@code tarmac.build.*}: kept as text here and parsed by {@code BuildSandbox.Settings.parse} and
   * {@code BuildCache.parseSize}, whose errors name the key and say what is expected.
   */
  interface Build {
    Optional<String> isolation();

    Optional<String> user();

    Optional<String> sandboxDir();

    Optional<String> hide();

    Optional<String> uids();

    Optional<String> memory();

    Optional<String> cacheMaxSize();
  }

  interface Builds {
    @WithDefault("1")
    int concurrency();
  }

  /** {@code tarmac.watch.*}: read by the tag watcher's schedule ({@code TagWatcher}). */
  interface Watch {
    /** A duration such as {@code 60s}, or {@code off}. */
    @WithDefault("60s")
    String interval();

    @WithDefault("10s")
    String delay();
  }

  interface Limits {
    @WithDefault("1M")
    MemorySize maxBodySize();

    @WithDefault("25M")
    MemorySize maxWebhookBodySize();
  }

  interface Health {
    @WithDefault("3s")
    Duration storeTimeout();
  }

  interface App {
    /** None: the app is not configured (as before the mapping: {@code .watch} alone is ignored). */
    Optional<String> repo();

    @WithDefault("false")
    boolean watch();
  }

  /**
   * {@code settings}, after the checks a converter cannot make; a bad value is refused with the
   * key, the value and what is expected.
   */
  static TarmacSettings checked(TarmacSettings settings) {
    atLeast("tarmac.ssh.max-logins", settings.ssh().maxLogins(), 1);
    atLeast("tarmac.builds.concurrency", settings.builds().concurrency(), 1);
    if (settings.health().storeTimeout().isNegative()) {
      throw new IllegalArgumentException(
          "tarmac.health.store-timeout is negative ("
              + settings.health().storeTimeout()
              + "); set it to a duration such as 3s (the default)");
    }
    return settings;
  }

  private static void atLeast(String key, int value, int least) {
    if (value < least) {
      throw new IllegalArgumentException(
          key + " must be " + least + " or more (it was " + value + ")");
    }
  }
}
