package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.deploy.config.TarmacConfig.Host;
import dev.tarmac.deploy.remote.SshTransport;
import dev.tarmac.deploy.testing.CurrentPoller;
import dev.tarmac.deploy.testing.DeployFixture;
import dev.tarmac.deploy.testing.SshHosts;
import dev.tarmac.distributor.model.AppName;
import dev.tarmac.distributor.model.EnvName;
import dev.tarmac.distributor.model.Version;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Hosts as real servers often are: the deploy user logs in with bash, whose {@code .bashrc} starts
 * a version manager (0.2–0.6 s, every shell). The switch is still simultaneous, seen from outside:
 * every host's {@code current} polled in a tight loop changes within 50 ms, on release and on
 * rollback; and each host opens at most 3 sessions per run (the login cost is paid once).
 */
class SlowLoginIT {

  @Test
  void releaseAndRollbackSwitchEveryHostWithinFiftyMillisecondsSeenFromOutside() throws Exception {
    Path work = DeployFixture.workDir("slow-login-");
    try (SshHosts ssh = new SshHosts(work.resolve("hosts"), 3, 41, SshHosts.Login.SLOW);
        DeployFixture fx =
            new DeployFixture(work.resolve("fx"), Transports.standard(ssh.settings()))) {
      String config =
          ssh.tarmacYml(
              "slow",
              "release:\n"
                  + "  shared: [public/uploads]\n"
                  + "  hooks:\n"
                  + "    prepare: [\"test -x bin/tool\"]\n"
                  + "    activate: [\"echo activated > ../../activated.txt\"]\n");
      fx.publish("slow", "v1", config);
      fx.publish("slow", "v2", config);

      // the host really is slow to log in to: one new session and one command
      SshHosts.Host h1 = ssh.host("host1");
      Instant t0 = Instant.now();
      try (SshTransport t =
          SshTransport.connect(
              new Host("host1", h1.address(), h1.port(), ssh.user(), ssh.deployTo(), List.of()),
              ssh.settings(),
              false)) {
        assertThat(t.run("true", Duration.ofSeconds(10)).ok()).isTrue();
      }
      assertThat(Duration.between(t0, Instant.now())).isGreaterThan(Duration.ofMillis(200));

      fx.deployer.release(AppName.of("slow"), EnvName.of("prod"), Version.of("v1"), fx.options());
      List<Path> links = ssh.hosts().stream().map(h -> h.root().resolve("current")).toList();
      try (CurrentPoller poller = new CurrentPoller(links)) {
        ReleaseRecord v2 =
            fx.deployer.release(
                AppName.of("slow"), EnvName.of("prod"), Version.of("v2"), fx.options());
        Duration released = poller.window("releases/v2");
        poller.reset();
        ReleaseRecord back =
            fx.deployer.rollback(
                AppName.of("slow"),
                EnvName.of("prod"),
                Optional.empty(),
                false,
                false,
                fx.options());
        Duration rolledBack = poller.window("releases/v1");
        System.out.printf(
            "slow-login hosts: release window %.1f ms (recorded %d ms), rollback window %.1f ms"
                + " (recorded %d ms), %d polls%n",
            released.toNanos() / 1e6,
            v2.activationWindowMs(),
            rolledBack.toNanos() / 1e6,
            back.activationWindowMs(),
            poller.loops());
        assertThat(released).isLessThanOrEqualTo(Duration.ofMillis(50));
        assertThat(rolledBack).isLessThanOrEqualTo(Duration.ofMillis(50));
        for (ReleaseRecord r : List.of(v2, back)) {
          assertThat(r.status()).isEqualTo(ReleaseStatus.LIVE);
          assertThat(r.hosts()).allSatisfy(h -> assertThat(h.sessions()).isBetween(1, 3));
        }
      }
      for (SshHosts.Host h : ssh.hosts()) {
        assertThat(h.root().resolve("activated.txt")).content().isEqualTo("activated\n");
      }
    }
  }
}
