package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.deploy.remote.SshSettings;
import dev.tarmac.deploy.testing.DeployFixture;
import dev.tarmac.deploy.testing.SshHosts;
import dev.tarmac.distributor.model.AppName;
import dev.tarmac.distributor.model.EnvName;
import dev.tarmac.distributor.model.Version;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Releases over SSH to three real OpenSSH servers on 127.0.0.2-4, one deploy_to each. */
class SshReleaseIT {
  static SshHosts ssh;
  static Path work;

  @BeforeAll
  static void startHosts() throws Exception {
    work = DeployFixture.workDir("ssh-release-");
    ssh = new SshHosts(work.resolve("hosts"), 3, 2);
  }

  @AfterAll
  static void stopHosts() {
    ssh.close();
  }

  static String config(String app, boolean acceptNew) {
    return "app: "
        + app
        + "\n"
        + "release:\n"
        + "  shared: [public/uploads]\n"
        + "  hooks:\n"
        + "    prepare: [\"test -x bin/tool && bin/tool > tool.out\"]\n"
        + "environments:\n"
        + "  prod:\n"
        + "    deploy_to: "
        + ssh.deployTo()
        + "/"
        + app
        + "\n"
        + "    accept_new_host_keys: "
        + acceptNew
        + "\n"
        + "    hosts:\n"
        + ssh.hostsYaml("      ");
  }

  static String live(String host, String app) throws Exception {
    Path link = ssh.host(host).root().resolve(app).resolve("current");
    return Files.isSymbolicLink(link) ? Files.readSymbolicLink(link).toString() : null;
  }

  @Test
  void releasesOverSshAndEachHostHasItsOwnDeployTo() throws Exception {
    try (DeployFixture fx =
        new DeployFixture(work.resolve("fx1"), Transports.standard(ssh.settings()))) {
      fx.publish("web", "v1", config("web", false));
      fx.publish("web", "v2", config("web", false));
      ReleaseRecord r1 =
          fx.deployer.release(
              AppName.of("web"), EnvName.of("prod"), Version.of("v1"), fx.options());
      ReleaseRecord r2 =
          fx.deployer.release(
              AppName.of("web"), EnvName.of("prod"), Version.of("v2"), fx.options());
      assertThat(r2.status()).isEqualTo(ReleaseStatus.LIVE);
      assertThat(r2.activationWindowMs()).isLessThan(1000);
      for (SshHosts.Host h : ssh.hosts()) {
        Path root = h.root().resolve("web");
        assertThat(live(h.name(), "web")).isEqualTo("releases/v2");
        assertThat(root.resolve("current/tool.out")).content().isEqualTo("tool v2\n");
        assertThat(root.resolve("releases/v1/public/index.html")).content().contains("release v1");
      }
      // the shared deploy_to outside every namespace stays empty: each host wrote only its own
      assertThat(Path.of(ssh.deployTo()).resolve("web")).doesNotExist();
      EnvStatus status = fx.deployer.status(AppName.of("web"), EnvName.of("prod"));
      assertThat(status.hosts()).extracting(EnvStatus.HostStatus::live).containsOnly("v2");
      assertThat(status.hosts()).extracting(EnvStatus.HostStatus::revision).containsOnly("c0ffee2");
      ReleaseRecord back =
          fx.deployer.rollback(
              AppName.of("web"), EnvName.of("prod"), Optional.empty(), false, false, fx.options());
      assertThat(back.version()).isEqualTo(r1.version());
      for (SshHosts.Host h : ssh.hosts()) {
        assertThat(live(h.name(), "web")).isEqualTo("releases/v1");
      }
    }
  }

  @Test
  void anUnknownHostKeyIsRefusedUnlessTheEnvironmentAcceptsNewKeys() throws Exception {
    Path emptyKnownHosts = work.resolve("known_hosts_empty");
    Files.deleteIfExists(emptyKnownHosts);
    SshSettings strict = new SshSettings(ssh.settings().privateKey(), emptyKnownHosts);
    try (DeployFixture fx = new DeployFixture(work.resolve("fx2"), Transports.standard(strict))) {
      fx.publish("keys", "v1", config("keys", false));
      assertThatThrownBy(
              () ->
                  fx.deployer.release(
                      AppName.of("keys"), EnvName.of("prod"), Version.of("v1"), fx.options()))
          .isInstanceOf(ReleaseFailedException.class)
          .hasMessageContaining("host1: connect failed: host1 (tarmac-test@127.0.0.2:")
          .hasMessageContaining("host key unknown")
          .hasMessageContaining("accept_new_host_keys");
      for (SshHosts.Host h : ssh.hosts()) {
        assertThat(h.root().resolve("keys")).doesNotExist();
      }
      assertThat(Files.readString(emptyKnownHosts)).isEmpty();

      fx.publish("keys", "v2", config("keys", true));
      fx.deployer.release(AppName.of("keys"), EnvName.of("prod"), Version.of("v2"), fx.options());
      assertThat(Files.readString(emptyKnownHosts).lines())
          .hasSize(3)
          .allMatch(l -> l.startsWith("[127.0.0.") && l.contains(" ssh-ed25519 "));
      assertThat(live("host3", "keys")).isEqualTo("releases/v2");
    }
  }

  @Test
  void aChangedHostKeyIsRefusedEvenWhenNewKeysAreAccepted() throws Exception {
    Path forged = work.resolve("known_hosts_forged");
    String real = Files.readString(ssh.knownHosts());
    String otherKey =
        Files.readString(ssh.settings().privateKey().resolveSibling("client_key.pub"));
    String firstHost = real.lines().findFirst().orElseThrow().split(" ")[0];
    Files.writeString(
        forged,
        firstHost
            + " "
            + otherKey.strip().split(" ")[0]
            + " "
            + otherKey.strip().split(" ")[1]
            + "\n"
            + real.lines().skip(1).reduce("", (a, b) -> a + b + "\n"));
    try (DeployFixture fx =
        new DeployFixture(
            work.resolve("fx3"),
            Transports.standard(new SshSettings(ssh.settings().privateKey(), forged)))) {
      fx.publish("changed", "v1", config("changed", true));
      assertThatThrownBy(
              () ->
                  fx.deployer.release(
                      AppName.of("changed"), EnvName.of("prod"), Version.of("v1"), fx.options()))
          .hasMessageContaining("host1: connect failed: host1 (tarmac-test@127.0.0.2:")
          .hasMessageContaining("HOST KEY CHANGED");
      for (SshHosts.Host h : ssh.hosts()) {
        assertThat(live(h.name(), "changed")).isNull();
      }
    }
  }
}
