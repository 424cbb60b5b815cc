package dev.tarmac.builder.service;

import dev.tarmac.builder.auth.TokenStore;
import dev.tarmac.builder.git.RepoSecrets;
import dev.tarmac.builder.settings.TarmacSettings;
import dev.tarmac.deploy.remote.SshSettings;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.fs.FsArtifactStore;
import dev.tarmac.distributor.store.fs.UrlSigner;
import dev.tarmac.distributor.store.s3.S3ArtifactStore;
import dev.tarmac.distributor.store.s3.S3Settings;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;

/**
 * What the service makes of its configuration ({@code tarmac.*} properties, also as environment
 * variables, read into {@link TarmacSettings}): the data directory, the store, the API tokens.
 */
@ApplicationScoped
public class ServiceConfig {
  /** Every {@code tarmac.*} setting (one mapping); what this bean makes of them is below. */
  @jakarta.inject.Inject TarmacSettings settings;

  private Path dataDir;

  @jakarta.annotation.PostConstruct
  void absolute() {
    TarmacSettings.checked(settings);
    dataDir = settings.dataDir().toAbsolutePath();
    keepPrivate(dataDir);
  }

  /**
   * The data directory is the service's alone (docs/operations.md, "Data directory"): made mode 700
   * when missing, whatever the umask; one that other users can write is refused, since they could
   * replace builds in the fs store, the secrets or the tokens.
   */
  static void keepPrivate(Path dir) {
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir.getParent());
        try {
          Files.createDirectory(
              dir,
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (java.nio.file.FileAlreadyExistsException e) {
          // made at the same moment by another start: checked below like any other
        }
      }
      java.util.Set<java.nio.file.attribute.PosixFilePermission> perms =
          Files.getPosixFilePermissions(dir);
      if (perms.contains(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE)
          || perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE)) {
        throw new IllegalStateException(
            "tarmac.data-dir "
                + dir
                + " is writable by other users (mode "
                + PosixFilePermissions.toString(perms)
                + "): they could replace its builds, secrets and tokens. Check nothing in it was"
                + " changed, then chmod 700 "
                + dir
                + " (or set tarmac.data-dir to a directory only the service's user can write)");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir + " (check tarmac.data-dir)", e);
    }
  }

  /** Makes (or reads back) the first admin token at start, not on the first call that needs it. */
  void start(
      @jakarta.enterprise.event.Observes io.quarkus.runtime.StartupEvent event, TokenStore tokens) {
    tokens.bootstrap();
  }

  public Path dataDir() {
    return dataDir;
  }

  public URI publicUrl() {
    return settings.publicUrl();
  }

  /** Every {@code tarmac.*} setting, for the beans that read one of their own. */
  public TarmacSettings settings() {
    return settings;
  }

  /**
   * The build sandbox's settings ({@code tarmac.build.*}; docs/architecture.md, "Build isolation").
   */
  public dev.tarmac.builder.sandbox.BuildSandbox.Settings sandbox() {
    TarmacSettings.Build b = settings.build();
    return dev.tarmac.builder.sandbox.BuildSandbox.Settings.parse(
        b.isolation(), b.user(), b.sandboxDir(), b.hide(), b.uids(), b.memory());
  }

  /** {@code tarmac.build.cache-max-size} in bytes (docs/architecture.md, "The build cache"). */
  public long buildCacheMaxBytes() {
    return settings
        .build()
        .cacheMaxSize()
        .map(dev.tarmac.builder.sandbox.BuildCache::parseSize)
        .orElse(dev.tarmac.builder.sandbox.BuildCache.DEFAULT_MAX_BYTES);
  }

  /** How releases reach hosts over SSH: the key to log in with and the known hosts file. */
  /**
   * Which local hosts run, and as whom (docs/configuration.md, "Local hosts"): never in the data
   * dir or the build sandboxes.
   */
  public dev.tarmac.deploy.remote.LocalHosts localHosts() {
    return new dev.tarmac.deploy.remote.LocalHosts(
        java.util.Optional.of(
            settings.release().localHosts().orElse(java.util.List.of()).stream()
                .map(String::trim)
                .filter(d -> !d.isEmpty())
                .map(Path::of)
                .toList()),
        settings.release().localUser().map(String::trim).filter(u -> !u.isEmpty()),
        java.util.List.of(dataDir, sandbox().root()),
        dev.tarmac.deploy.remote.LocalHosts.serviceIsRoot());
  }

  /**
   * SSH logins started at once, by releases and reads together ({@code tarmac.ssh.max-logins},
   * docs/architecture.md, "Logins").
   */
  private SshSettings ssh;

  /** One for the service: its logins share one cap. */
  public synchronized SshSettings ssh() {
    if (ssh == null) {
      ssh =
          new SshSettings(
              settings.ssh().privateKey(),
              settings.ssh().knownHosts(),
              dev.tarmac.deploy.remote.Logins.of(settings.ssh().maxLogins()));
    }
    return ssh;
  }

  /**
   * How long a host session opened by a status or plan read is kept open without a read ({@code
   * tarmac.ssh.keep-sessions}, docs/architecture.md, "Sessions kept for reads"); zero: none is
   * kept, every read logs in again.
   */
  public java.time.Duration sshKeepSessions() {
    java.time.Duration sshKeepSessions = settings.ssh().keepSessions();
    if (sshKeepSessions.isNegative()) {
      throw new IllegalStateException(
          "tarmac.ssh.keep-sessions is negative ("
              + sshKeepSessions
              + "); set it to a duration such as 60s, or 0s to keep no session between reads");
    }
    return sshKeepSessions;
  }

  @Produces
  @Singleton
  Clock clock() {
    return Clock.systemUTC();
  }

  /** The API's named tokens (see {@link TokenStore}). */
  @Produces
  @Singleton
  TokenStore tokens(Clock clock) {
    return new TokenStore(dataDir, settings.apiToken(), clock);
  }

  /** The apps' repository credentials, under {@code <data-dir>/secrets/} (mode 700). */
  @Produces
  @Singleton
  RepoSecrets repoSecrets() {
    return new RepoSecrets(dataDir);
  }

  @Produces
  @Singleton
  ArtifactStore store(Clock clock) {
    TarmacSettings.S3 s3 = settings.store().s3();
    String storeKind = settings.store().kind();
    return switch (storeKind) {
      case "fs" ->
          new FsArtifactStore(
              dataDir.resolve("store"),
              publicUrl(),
              new UrlSigner(secret("signing.key", 32), clock));
      case "s3" ->
          new S3ArtifactStore(
                  new S3Settings(
                      s3.endpoint().orElse(null),
                      s3.region(),
                      s3.bucket().orElse(null),
                      s3.accessKey().orElse(null),
                      s3.secretKey().orElse(null)))
              .ensureBucket();
      default ->
          throw new IllegalArgumentException(
              "tarmac.store is '" + storeKind + "'; expected fs (the default) or s3");
    };
  }

  /** A secret kept in the data directory (mode 600), made from {@code bytes} random bytes once. */
  private byte[] secret(String name, int bytes) {
    Path file = dataDir.resolve(name);
    try {
      if (!Files.exists(file)) {
        Files.createDirectories(dataDir);
        byte[] random = new byte[bytes];
        new SecureRandom().nextBytes(random);
        Path tmp =
            Files.createTempFile(
                dataDir,
                name,
                ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(
            tmp, HexFormat.of().formatHex(random) + "\n", StandardOpenOption.TRUNCATE_EXISTING);
        try {
          Files.createLink(file, tmp);
        } catch (java.nio.file.FileAlreadyExistsException e) {
          // another start made it first: use that one
        } finally {
          Files.delete(tmp);
        }
      }
      return Files.readString(file).trim().getBytes(StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read or create " + file + " (check tarmac.data-dir)", e);
    }
  }
}
