package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.deploy.release.EnvStatus.HostStatus;
import dev.tarmac.deploy.remote.HostSessions;
import dev.tarmac.deploy.testing.DeployFixture;
import dev.tarmac.deploy.testing.SshHosts;
import dev.tarmac.distributor.model.AppName;
import dev.tarmac.distributor.model.EnvName;
import dev.tarmac.distributor.model.Version;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Status and plan reads borrow host sessions kept open between reads (docs/architecture.md,
 * "Sessions kept for reads"), against two real {@code sshd} hosts on 127.0.0.90-91. Logins are
 * counted on the hosts' side, in each sshd's log ("Accepted publickey").
 */
class KeptSessionsIT {
  static Path work;
  static SshHosts ssh;

  @BeforeAll
  static void hosts() throws Exception {
    work = DeployFixture.workDir("kept-sessions-");
    ssh = new SshHosts(work.resolve("hosts"), 2, 90);
  }

  @AfterAll
  static void stop() {
    if (ssh != null) {
      ssh.close();
    }
  }

  @Test
  void laterReadsLogInToNoHostAndARestartedSshdIsLoggedInToAgain() throws Exception {
    try (HostSessions sessions = HostSessions.ssh(ssh.settings(), Duration.ofSeconds(60));
        DeployFixture fx = fixture("reuse", sessions)) {
      String config = config("reuse");
      fx.publish("reuse", "v1", config);
      fx.publish("reuse", "v2", config);
      fx.deployer.release(AppName.of("reuse"), EnvName.of("prod"), Version.of("v1"), fx.options());

      Map<String, Integer> before = logins();
      assertAnswering(fx.deployer.status(AppName.of("reuse"), EnvName.of("prod")), "v1");
      assertThat(since(before))
          .as("the first read logs in")
          .containsOnly(one("host1"), one("host2"));

      before = logins();
      for (int i = 0; i < 3; i++) {
        assertAnswering(fx.deployer.status(AppName.of("reuse"), EnvName.of("prod")), "v1");
      }
      ReleasePreview plan =
          fx.deployer.plan(AppName.of("reuse"), EnvName.of("prod"), Version.of("v2"));
      assertThat(plan.hosts()).allSatisfy(h -> assertThat(h.problem()).isNull());
      assertThat(plan.hosts()).allSatisfy(h -> assertThat(h.serves()).isEqualTo("v1"));
      assertThat(since(before))
          .as("three more status reads and a plan log in to no host: they reuse the sessions")
          .containsOnly(none("host1"), none("host2"));
      assertThat(sessions.open()).isEqualTo(2);

      // a release opens its own sessions (and logs in), and leaves the kept ones alone
      before = logins();
      fx.deployer.release(AppName.of("reuse"), EnvName.of("prod"), Version.of("v2"), fx.options());
      assertThat(since(before).values()).allSatisfy(n -> assertThat(n).isBetween(1, 3));
      before = logins();
      assertAnswering(fx.deployer.status(AppName.of("reuse"), EnvName.of("prod")), "v2");
      assertThat(since(before)).containsOnly(none("host1"), none("host2"));

      // host1's sshd restarts: its connections are gone; the next read logs in there again
      ssh.restart("host1");
      before = logins();
      assertAnswering(fx.deployer.status(AppName.of("reuse"), EnvName.of("prod")), "v2");
      assertThat(since(before)).containsOnly(one("host1"), none("host2"));
      before = logins();
      assertAnswering(fx.deployer.status(AppName.of("reuse"), EnvName.of("prod")), "v2");
      assertThat(since(before)).containsOnly(none("host1"), none("host2"));
      assertThat(sessions.open()).isEqualTo(2);
    }
  }

  @Test
  void aChangedEnvironmentReadsTheNewHostNotTheOldSession() throws Exception {
    try (HostSessions sessions = HostSessions.ssh(ssh.settings(), Duration.ofSeconds(60));
        DeployFixture fx = fixture("moved", sessions)) {
      String config = config("moved");
      fx.publish("moved", "v1", config);
      fx.deployer.release(AppName.of("moved"), EnvName.of("prod"), Version.of("v1"), fx.options());
      assertAnswering(
          fx.deployer.status(AppName.of("moved"), EnvName.of("prod")),
          "v1"); // sessions kept for both

      // v2's tarmac.yml names the machines the other way round: host1 is 127.0.0.91 now
      String swapped =
          config
              .replace("name: host1,", "name: @@,")
              .replace("name: host2,", "name: host1,")
              .replace("name: @@,", "name: host2,");
      fx.publish("moved", "v2", swapped);
      fx.deployer.release(AppName.of("moved"), EnvName.of("prod"), Version.of("v2"), fx.options());
      // by hand, the machine at 127.0.0.90 (host2 now) serves v1 again
      Path current = ssh.host("host1").root().resolve("moved/current");
      Files.delete(current);
      Files.createSymbolicLink(current, Path.of("releases/v1"));

      Map<String, Integer> before = logins();
      EnvStatus status = fx.deployer.status(AppName.of("moved"), EnvName.of("prod"));
      Map<String, HostStatus> byName = new LinkedHashMap<>();
      status.hosts().forEach(h -> byName.put(h.name(), h));
      assertThat(byName.get("host1").error()).isNull();
      assertThat(byName.get("host1").live()).isEqualTo("v2");
      assertThat(byName.get("host1").drift()).isFalse();
      assertThat(byName.get("host2").live()).as("read on 127.0.0.90").isEqualTo("v1");
      assertThat(byName.get("host2").drift()).isTrue();
      assertThat(since(before))
          .as("both hosts changed address: both logged in to again, no old session used")
          .containsOnly(one("host1"), one("host2"));
    }
  }

  @Test
  void aHostKeyRemovedFromKnownHostsEndsItsKeptSession() throws Exception {
    String known = Files.readString(ssh.knownHosts());
    try (HostSessions sessions = HostSessions.ssh(ssh.settings(), Duration.ofSeconds(60));
        DeployFixture fx = fixture("keys", sessions)) {
      String config = config("keys");
      fx.publish("keys", "v1", config);
      fx.deployer.release(AppName.of("keys"), EnvName.of("prod"), Version.of("v1"), fx.options());
      assertAnswering(fx.deployer.status(AppName.of("keys"), EnvName.of("prod")), "v1");

      SshHosts.Host h2 = ssh.host("host2");
      Files.writeString(
          ssh.knownHosts(),
          known
              .lines()
              .filter(l -> !l.startsWith("[" + h2.address() + "]:" + h2.port() + " "))
              .reduce("", (a, l) -> a + l + "\n"));
      Map<String, Integer> before = logins();
      EnvStatus status = fx.deployer.status(AppName.of("keys"), EnvName.of("prod"));
      assertThat(status.hosts().get(0).error()).isNull();
      assertThat(status.hosts().get(1).error()).contains("host2").contains("host key unknown");
      assertThat(since(before)).containsOnly(none("host1"), none("host2"));
    } finally {
      Files.writeString(ssh.knownHosts(), known);
    }
  }

  @Test
  void idleSessionsAreClosedAndClosingThePoolClosesTheRest() throws Exception {
    try (HostSessions sessions = HostSessions.ssh(ssh.settings(), Duration.ofSeconds(2));
        DeployFixture fx = fixture("idle", sessions)) {
      String config = config("idle");
      fx.publish("idle", "v1", config);
      fx.deployer.release(AppName.of("idle"), EnvName.of("prod"), Version.of("v1"), fx.options());
      awaitNoSessions("host1", Duration.ofSeconds(10)); // the release's own, closed at its end
      assertAnswering(fx.deployer.status(AppName.of("idle"), EnvName.of("prod")), "v1");
      assertThat(ssh.sessionProcesses("host1")).as("the kept session, on the host").isNotEmpty();
      long t0 = System.nanoTime();
      awaitNoSessions("host1", Duration.ofSeconds(10));
      awaitNoSessions("host2", Duration.ofSeconds(10));
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThan(Duration.ofMillis(1500));
      assertThat(sessions.open()).isZero();

      Map<String, Integer> before = logins();
      assertAnswering(fx.deployer.status(AppName.of("idle"), EnvName.of("prod")), "v1");
      assertThat(since(before)).containsOnly(one("host1"), one("host2"));
    }
    try (HostSessions sessions = HostSessions.ssh(ssh.settings(), Duration.ofSeconds(60));
        DeployFixture fx = fixture("idle-close", sessions)) {
      fx.publish("idle-close", "v1", config("idle-close"));
      fx.deployer.release(
          AppName.of("idle-close"), EnvName.of("prod"), Version.of("v1"), fx.options());
      assertAnswering(fx.deployer.status(AppName.of("idle-close"), EnvName.of("prod")), "v1");
      assertThat(ssh.sessionProcesses("host2")).isNotEmpty();
      sessions.close(); // the service stopping
      awaitNoSessions("host1", Duration.ofSeconds(5));
      awaitNoSessions("host2", Duration.ofSeconds(5));
      assertThat(sessions.open()).isZero();
    }
  }

  private static DeployFixture fixture(String app, HostSessions sessions) throws Exception {
    return new DeployFixture(
        work.resolve("fx-" + app), Transports.standard(ssh.settings()), Transports.kept(sessions));
  }

  /** An environment {@code prod} on both hosts, each app in its own directory. */
  private static String config(String app) {
    return ssh.tarmacYml(app, "")
        .replace("deploy_to: " + ssh.deployTo(), "deploy_to: " + ssh.deployTo() + "/" + app);
  }

  private static void assertAnswering(EnvStatus status, String live) {
    assertThat(status.hosts()).hasSize(2);
    for (HostStatus h : status.hosts()) {
      assertThat(h.error()).as(h.name()).isNull();
      assertThat(h.live()).as(h.name()).isEqualTo(live);
    }
  }

  private static Map<String, Integer> logins() throws Exception {
    Map<String, Integer> n = new LinkedHashMap<>();
    for (SshHosts.Host h : ssh.hosts()) {
      n.put(h.name(), ssh.logins(h.name()));
    }
    return n;
  }

  private static Map<String, Integer> since(Map<String, Integer> before) throws Exception {
    Map<String, Integer> n = logins();
    n.replaceAll((host, count) -> count - before.get(host));
    return n;
  }

  private static Map.Entry<String, Integer> one(String host) {
    return Map.entry(host, 1);
  }

  private static Map.Entry<String, Integer> none(String host) {
    return Map.entry(host, 0);
  }

  private static void awaitNoSessions(String host, Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!ssh.sessionProcesses(host).isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            host
                + " still serves a session after "
                + limit.toSeconds()
                + " s: "
                + ssh.sessionProcesses(host).stream()
                    .map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
                    .toList());
      }
      Thread.sleep(50);
    }
  }
}
