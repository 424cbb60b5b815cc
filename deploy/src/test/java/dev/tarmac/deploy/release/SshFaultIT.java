package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.deploy.testing.CurrentPoller;
import dev.tarmac.deploy.testing.DeployFixture;
import dev.tarmac.deploy.testing.SshHosts;
import dev.tarmac.distributor.model.AppName;
import dev.tarmac.distributor.model.EnvName;
import dev.tarmac.distributor.model.Version;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A server dies in the middle of prepare: nothing is activated anywhere. */
class SshFaultIT {

  @Test
  void aHostWhoseSshdIsKilledDuringPrepareFailsTheReleaseAndNothingSwitches() throws Exception {
    Path work = DeployFixture.workDir("ssh-fault-");
    try (SshHosts ssh = new SshHosts(work.resolve("hosts"), 3, 5);
        DeployFixture fx =
            new DeployFixture(work.resolve("fx"), Transports.standard(ssh.settings()))) {
      String config = ssh.tarmacYml("fault", "");
      fx.publish("fault", "v1", config);
      fx.publish("fault", "v2", config);
      fx.deployer.release(AppName.of("fault"), EnvName.of("prod"), Version.of("v1"), fx.options());

      fx.onEvent(
          e -> {
            if ("host2".equals(e.host())
                && e.task().startsWith("download")
                && e.kind() == ReleaseEvent.Kind.STARTED) {
              ssh.kill("host2");
            }
          });
      assertThatThrownBy(
              () ->
                  fx.deployer.release(
                      AppName.of("fault"), EnvName.of("prod"), Version.of("v2"), fx.options()))
          .isInstanceOf(ReleaseFailedException.class)
          .hasMessageContaining(
              "prepare failed on 1 of 3 hosts; nothing was activated (v1 still serves)")
          .hasMessageContaining("host2: download failed: the shell ended (connection lost)");
      for (String h : new String[] {"host1", "host2", "host3"}) {
        Path root = ssh.host(h).root();
        assertThat(Files.readSymbolicLink(root.resolve("current")).toString())
            .isEqualTo("releases/v1");
        assertThat(root.resolve("releases/v2.partial")).doesNotExist();
      }
      for (String h : new String[] {"host1", "host3"}) {
        Path root = ssh.host(h).root();
        assertThat(root.resolve("releases/v2")).doesNotExist();
        assertThat(root.resolve(".tarmac/lock")).doesNotExist();
      }
      ReleaseRecord failed = fx.deployer.history(AppName.of("fault"), EnvName.of("prod")).get(0);
      assertThat(failed.status()).isEqualTo(ReleaseStatus.FAILED);
      assertThat(failed.hosts().get(0).tasks())
          .extracting(ReleaseRecord.TaskRecord::name)
          .doesNotContain("switch");
    }
  }

  private static String config(SshHosts ssh, String app) {
    return ssh.tarmacYml(app, "release:\n  hooks:\n    prepare: [\"sleep 2\"]\n");
  }

  private static void assertEveryHostServes(SshHosts ssh, String version) throws Exception {
    for (SshHosts.Host h : ssh.hosts()) {
      assertThat(Files.readSymbolicLink(h.root().resolve("current")).toString())
          .as(h.name())
          .isEqualTo("releases/" + version);
    }
  }

  /** A host that never acknowledges that it is staged: nobody is switched. */
  @Test
  void aHostThatNeverAcknowledgesTheSwitchSwitchesNobody() throws Exception {
    Path work = DeployFixture.workDir("ssh-noack-");
    try (SshHosts ssh = new SshHosts(work.resolve("hosts"), 3, 50);
        DeployFixture fx =
            new DeployFixture(work.resolve("fx"), Transports.standard(ssh.settings()))) {
      fx.publish("noack", "v1", config(ssh, "noack"));
      fx.publish("noack", "v2", config(ssh, "noack"));
      fx.deployer.release(AppName.of("noack"), EnvName.of("prod"), Version.of("v1"), fx.options());
      List<Path> links = ssh.hosts().stream().map(h -> h.root().resolve("current")).toList();
      fx.onEvent(
          e -> {
            if ("host2".equals(e.host())
                && "stage switch".equals(e.task())
                && e.kind() == ReleaseEvent.Kind.OK) {
              ssh.signal("host2", "STOP", ""); // the host freezes before it reads the switch
            }
          });
      try (CurrentPoller poller = new CurrentPoller(links)) {
        assertThatThrownBy(
                () ->
                    fx.deployer.release(
                        AppName.of("noack"),
                        EnvName.of("prod"),
                        Version.of("v2"),
                        fx.options().withSwitchAck(java.time.Duration.ofSeconds(2))))
            .isInstanceOf(ReleaseFailedException.class)
            .hasMessageContaining("activation failed")
            .hasMessageContaining(
                "host2: switch: the host did not acknowledge that it is staged within 2 s, so no"
                    + " host was switched");
        assertThat(poller.changes()).isEmpty();
      } finally {
        ssh.signal("host2", "CONT", "");
      }
      assertEveryHostServes(ssh, "v1");
      assertThat(fx.deployer.history(AppName.of("noack"), EnvName.of("prod")).get(0).status())
          .isEqualTo(ReleaseStatus.FAILED);
    }
  }

  /** The host's shell dies in the middle of prepare: that host is named, nothing is switched. */
  @Test
  void aHostWhoseShellDiesDuringPrepareIsNamedAndNothingSwitches() throws Exception {
    Path work = DeployFixture.workDir("ssh-shell-dies-");
    try (SshHosts ssh = new SshHosts(work.resolve("hosts"), 3, 53);
        DeployFixture fx =
            new DeployFixture(work.resolve("fx"), Transports.standard(ssh.settings()))) {
      fx.publish("dies", "v1", config(ssh, "dies"));
      fx.publish("dies", "v2", config(ssh, "dies"));
      fx.deployer.release(AppName.of("dies"), EnvName.of("prod"), Version.of("v1"), fx.options());
      fx.onEvent(
          e -> {
            if ("host2".equals(e.host())
                && "prepare hooks".equals(e.task())
                && e.kind() == ReleaseEvent.Kind.STARTED) {
              try {
                Thread.sleep(300); // the hook is running
              } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
              }
              ssh.signal("host2", "KILL", "@@tarmac hello");
            }
          });
      assertThatThrownBy(
              () ->
                  fx.deployer.release(
                      AppName.of("dies"), EnvName.of("prod"), Version.of("v2"), fx.options()))
          .isInstanceOf(ReleaseFailedException.class)
          .hasMessageContaining("prepare failed on 1 of 3 hosts; nothing was activated")
          .hasMessageContaining("host2: prepare hooks failed: the shell ended (connection lost)");
      assertEveryHostServes(ssh, "v1");
      for (String h : new String[] {"host1", "host3"}) {
        assertThat(ssh.host(h).root().resolve("releases/v2")).doesNotExist();
      }
    }
  }
}
