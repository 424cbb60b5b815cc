package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.deploy.store.ConfigValues.Change;
import dev.tarmac.deploy.store.SecretBox;
import dev.tarmac.deploy.testing.DeployFixture;
import dev.tarmac.deploy.testing.SshHosts;
import dev.tarmac.distributor.model.AppName;
import dev.tarmac.distributor.model.EnvName;
import dev.tarmac.distributor.model.Json;
import dev.tarmac.distributor.model.Version;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Configuration and secrets rendered at release on three real OpenSSH hosts (127.0.2.1-3, ports
 * 22000-22002): two plain values and two secrets in every host's file, mode 600, owned by the
 * deploy user; in the hooks' environment; cut out of what hooks print; nowhere in the store, the
 * records or the events; a host added later gets the file at its first release; a missing required
 * name refuses the release before any host is touched; a changed secret released with the live
 * version, then a rollback to the old value.
 */
class ConfigReleaseIT {
  static final String JWT_OLD = "jwt-old-4f0c9a1e7b2d";
  static final String JWT_NEW = "jwt-new-9e3b77c1d0aa";
  static final String DB_PASSWORD = "db-pw-'quoted' $HOME \"x\"";

  static SshHosts ssh;
  static Path work;

  @BeforeAll
  static void startHosts() throws Exception {
    work = DeployFixture.workDir("config-release-");
    ssh = new SshHosts(work.resolve("hosts"), 3, 2 * 256 + 1, SshHosts.Login.FAST, 22000);
  }

  @AfterAll
  static void stopHosts() {
    if (ssh != null) {
      ssh.close();
    }
  }

  /** A tarmac.yml of {@code app} on the first {@code hosts} hosts. */
  static String yml(String app, int hosts) {
    String all = ssh.hostsYaml("      ");
    String some = String.join("\n", all.lines().limit(hosts).toList()) + "\n";
    return "app: "
        + app
        + "\n"
        + "config:\n"
        + "  required: [HOST, LOG_LEVEL, JWT_SECRET, DB_PASSWORD]\n"
        + "release:\n"
        + "  hooks:\n"
        + "    prepare:\n"
        + "      - echo \"jwt is $JWT_SECRET\"\n"
        + "      - printf '%s|%s' \"$HOST\" \"$JWT_SECRET\" > prepare.seen\n"
        + "    activate:\n"
        + "      - printf '%s' \"$DB_PASSWORD\" > activate.seen\n"
        + "environments:\n"
        + "  prod:\n"
        + "    deploy_to: "
        + ssh.deployTo()
        + "/"
        + app
        + "\n"
        + "    hosts:\n"
        + some;
  }

  static String file(SshHosts.Host h, String app, String version) {
    return h.root().resolve(app).resolve("releases").resolve(version).resolve(".env").toString();
  }

  static String dotenv(String app, String version, long envRevision, String jwt) {
    return "# written by Tarmac for "
        + app
        + " prod "
        + version
        + " (config app r2, prod r"
        + envRevision
        + "); set values with tarmac config set, not here\n"
        + "DB_PASSWORD=\"db-pw-'quoted' \\$HOME \\\"x\\\"\"\n"
        + "HOST=\"0.0.0.0\"\n"
        + "JWT_SECRET=\""
        + jwt
        + "\"\n"
        + "LOG_LEVEL=\"warn\"\n";
  }

  /**
   * A configuration change released as a new release of the live version is all or nothing: a
   * failure before the switch (a prepare hook on one host) or after it (an activate hook on one
   * host: every host switched back) leaves every host's live file as it was, and the live version
   * not marked bad; the release that makes it changes every host's file at the switch.
   */
  @Test
  void aFailedReleaseOfTheLiveVersionLeavesItsFileAsItWas() throws Exception {
    SecretBox box = SecretBox.open(work.resolve("data2"));
    try (DeployFixture fx =
        new DeployFixture(work.resolve("fx2"), Transports.standard(ssh.settings()), box)) {
      String app = "cfg2";
      String yml =
          yml(app, 3)
              .replace(
                  "    prepare:\n",
                  "    prepare:\n      - test ! -e \"$TARMAC_DEPLOY_TO/fail-prepare\"\n")
              .replace(
                  "    activate:\n",
                  "    activate:\n      - test ! -e \"$TARMAC_DEPLOY_TO/fail-activate\"\n");
      fx.publish(app, "v1", yml);
      var values = fx.deployer.configValues();
      setAll(values, app);
      assertThat(
              fx.deployer
                  .release(AppName.of(app), EnvName.of("prod"), Version.of("v1"), fx.options())
                  .status())
          .isEqualTo(ReleaseStatus.LIVE);
      values.set(app, "prod", "bob", new Change().secret("JWT_SECRET", JWT_NEW));
      Path last = ssh.hosts().get(2).root().resolve(app);

      Files.writeString(last.resolve("fail-prepare"), "");
      ReleaseRecord before =
          failed(
              () ->
                  fx.deployer.release(
                      AppName.of(app), EnvName.of("prod"), Version.of("v1"), fx.options()));
      assertThat(before.status()).isEqualTo(ReleaseStatus.FAILED);
      assertThat(before.error()).contains("nothing was activated (v1 still serves)");
      everyHostHas(app, dotenv(app, "v1", 1, JWT_OLD));
      Files.delete(last.resolve("fail-prepare"));

      Files.writeString(last.resolve("fail-activate"), "");
      ReleaseRecord after =
          failed(
              () ->
                  fx.deployer.release(
                      AppName.of(app), EnvName.of("prod"), Version.of("v1"), fx.options()));
      assertThat(after.status()).isEqualTo(ReleaseStatus.FAILED);
      assertThat(after.error()).contains("every host was switched back");
      everyHostHas(app, dotenv(app, "v1", 1, JWT_OLD));
      Files.delete(last.resolve("fail-activate"));

      ReleaseRecord made =
          fx.deployer.release(AppName.of(app), EnvName.of("prod"), Version.of("v1"), fx.options());
      assertThat(made.status()).isEqualTo(ReleaseStatus.LIVE);
      everyHostHas(app, dotenv(app, "v1", 2, JWT_NEW));
      for (SshHosts.Host h : ssh.hosts()) {
        // the rotated secret's old value is not left in the live release's directory
        Path release = h.root().resolve(app).resolve("releases/v1");
        try (Stream<Path> files = Files.walk(release)) {
          for (Path f : files.filter(Files::isRegularFile).toList()) {
            assertThat(Files.readString(f, StandardCharsets.ISO_8859_1))
                .as(f.toString())
                .doesNotContain(JWT_OLD);
          }
        }
      }
      for (SshHosts.Host h : ssh.hosts()) {
        assertThat(Path.of(file(h, app, "v1")).resolveSibling("prepare.seen"))
            .content()
            .isEqualTo("0.0.0.0|" + JWT_NEW);
      }
    }
  }

  /** Every required name: the app's in two changes (app r2), prod's in one (prod r1). */
  private static void setAll(dev.tarmac.deploy.store.ConfigValues values, String app) {
    values.set(app, null, "ann", new Change().plain("HOST", "0.0.0.0"));
    setTheRest(values, app);
  }

  private static void setTheRest(dev.tarmac.deploy.store.ConfigValues values, String app) {
    values.set(app, null, "ann", new Change().secret("DB_PASSWORD", DB_PASSWORD));
    values.set(
        app, "prod", "bob", new Change().plain("LOG_LEVEL", "warn").secret("JWT_SECRET", JWT_OLD));
  }

  private static ReleaseRecord failed(org.assertj.core.api.ThrowableAssert.ThrowingCallable run) {
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(run);
    assertThat(t).isInstanceOf(ReleaseFailedException.class);
    return ((ReleaseFailedException) t).record();
  }

  /** Every host's live file reads {@code expected}, mode 600, and v1 is not marked bad there. */
  private static void everyHostHas(String app, String expected) throws Exception {
    for (SshHosts.Host h : ssh.hosts()) {
      Path env = Path.of(file(h, app, "v1"));
      assertThat(env).as(h.name()).content().isEqualTo(expected);
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(env)))
          .isEqualTo("rw-------");
      assertThat(h.root().resolve(app).resolve(".tarmac/bad/v1")).as(h.name()).doesNotExist();
    }
  }

  @Test
  void aReleaseRendersValuesAndSecretsOnEveryHostAndNoSecretLeavesTheFile() throws Exception {
    SecretBox box = SecretBox.open(work.resolve("data"));
    try (DeployFixture fx =
        new DeployFixture(work.resolve("fx1"), Transports.standard(ssh.settings()), box)) {
      String app = "cfg";
      fx.publish(app, "v1", yml(app, 2));
      fx.publish(app, "v2", yml(app, 3));
      fx.publish(app, "v3", yml(app, 3));
      var values = fx.deployer.configValues();
      values.set(app, null, "ann", new Change().plain("HOST", "0.0.0.0"));

      // a required name missing: refused before the lock, the record and any host
      assertThatThrownBy(
              () ->
                  fx.deployer.release(
                      AppName.of(app), EnvName.of("prod"), Version.of("v1"), fx.options()))
          .isInstanceOf(MissingConfigException.class)
          .hasMessage(
              "the release of cfg v1 to prod is refused: tarmac.yml at v1 requires LOG_LEVEL,"
                  + " JWT_SECRET, DB_PASSWORD, set neither for cfg nor for prod; no host was"
                  + " touched. Set each: tarmac config set cfg prod --secret LOG_LEVEL (a secret,"
                  + " read from standard input), or tarmac config set cfg prod LOG_LEVEL=<value>"
                  + " (a plain value); leave out prod to set it for every environment of cfg");
      for (SshHosts.Host h : ssh.hosts()) {
        assertThat(h.root().resolve(app)).doesNotExist();
      }
      assertThat(fx.store.list("apps/cfg/envs/")).isEmpty();

      setTheRest(values, app);

      ReleaseRecord r1 =
          fx.deployer.release(AppName.of(app), EnvName.of("prod"), Version.of("v1"), fx.options());
      assertThat(r1.config())
          .isEqualTo(
              new ReleaseRecord.ConfigUsed(
                  2, 1, List.of("DB_PASSWORD", "HOST", "JWT_SECRET", "LOG_LEVEL")));
      for (SshHosts.Host h : ssh.hosts().subList(0, 2)) {
        Path env = Path.of(file(h, app, "v1"));
        assertThat(env).content().isEqualTo(dotenv(app, "v1", 1, JWT_OLD));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(env)))
            .isEqualTo("rw-------");
        assertThat(Files.getOwner(env).getName()).isEqualTo(ssh.user());
        Path release = env.getParent();
        assertThat(release.resolve("prepare.seen")).content().isEqualTo("0.0.0.0|" + JWT_OLD);
        assertThat(release.resolve("activate.seen")).content().isEqualTo(DB_PASSWORD);
      }
      // what the hook printed is kept, its secret cut out
      assertThat(fx.events)
          .anyMatch(e -> e.message() != null && e.message().contains("jwt is [secret]"));

      // a host added later gets the same file at its first release
      ReleaseRecord r2 =
          fx.deployer.release(AppName.of(app), EnvName.of("prod"), Version.of("v2"), fx.options());
      assertThat(r2.status()).isEqualTo(ReleaseStatus.LIVE);
      for (SshHosts.Host h : ssh.hosts()) {
        assertThat(Path.of(file(h, app, "v2"))).content().isEqualTo(dotenv(app, "v2", 1, JWT_OLD));
      }
      fx.deployer.release(AppName.of(app), EnvName.of("prod"), Version.of("v3"), fx.options());

      // the secret changes: the plan names it (never a value), the live version released again
      values.set(app, "prod", "bob", new Change().secret("JWT_SECRET", JWT_NEW));
      ReleasePreview plan = fx.deployer.plan(AppName.of(app), EnvName.of("prod"), Version.of("v3"));
      assertThat(plan.config())
          .isEqualTo(new ReleasePreview.ConfigPlan(2, 2, List.of("JWT_SECRET"), List.of()));
      ReleaseRecord again =
          fx.deployer.release(AppName.of(app), EnvName.of("prod"), Version.of("v3"), fx.options());
      assertThat(again.status()).isEqualTo(ReleaseStatus.LIVE);
      assertThat(again.config().env()).isEqualTo(2);
      for (SshHosts.Host h : ssh.hosts()) {
        assertThat(Path.of(file(h, app, "v3"))).content().isEqualTo(dotenv(app, "v3", 2, JWT_NEW));
        assertThat(Path.of(file(h, app, "v3")).resolveSibling("prepare.seen"))
            .content()
            .isEqualTo("0.0.0.0|" + JWT_NEW);
      }

      // rolling back restores the old value with the old release
      ReleaseRecord back =
          fx.deployer.rollback(
              AppName.of(app), EnvName.of("prod"), Optional.empty(), false, false, fx.options());
      assertThat(back.version()).isEqualTo("v2");
      assertThat(back.config().env()).isEqualTo(1);
      for (SshHosts.Host h : ssh.hosts()) {
        assertThat(Files.readSymbolicLink(h.root().resolve(app).resolve("current")))
            .hasToString("releases/v2");
        assertThat(Path.of(file(h, app, "v2"))).content().isEqualTo(dotenv(app, "v2", 1, JWT_OLD));
      }

      // no secret in the store (records, revisions, locks), the events, or the history as JSON
      List<String> secrets = List.of(JWT_OLD, JWT_NEW, DB_PASSWORD);
      try (Stream<Path> files = Files.walk(fx.dir.resolve("store"))) {
        for (Path p : files.filter(Files::isRegularFile).toList()) {
          String text = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
          for (String s : secrets) {
            assertThat(text).as(p.toString()).doesNotContain(s);
          }
        }
      }
      String events = Json.MAPPER.writeValueAsString(fx.events);
      String history =
          Json.MAPPER.writeValueAsString(fx.deployer.history(AppName.of(app), EnvName.of("prod")));
      String planJson = Json.MAPPER.writeValueAsString(plan);
      for (String s : secrets) {
        assertThat(events).doesNotContain(s);
        assertThat(history).doesNotContain(s);
        assertThat(planJson).doesNotContain(s);
      }
    }
  }
}
