package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.deploy.testing.DeployFixture;
import dev.tarmac.deploy.testing.SshHosts;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A server dies in the middle of prepare: nothing is activated anywhere. */
class SshFaultIT {

  @Test
  void aHostWhoseSshdIsKilledDuringPrepareFailsTheReleaseAndNothingSwitches() throws Exception {
    Path work = DeployFixture.workDir("ssh-fault-");
    try (SshHosts ssh = new SshHosts(work.resolve("hosts"), 3, 5);
        DeployFixture fx =
            new DeployFixture(work.resolve("fx"), Transports.standard(ssh.settings()))) {
      String config =
          "app: fault\n"
              + "environments:\n"
              + "  prod:\n"
              + "    deploy_to: "
              + ssh.deployTo()
              + "\n"
              + "    hosts:\n"
              + ssh.hostsYaml("      ");
      fx.publish("fault", "v1", config);
      fx.publish("fault", "v2", config);
      fx.deployer.release("fault", "prod", "v1", fx.options());

      fx.onEvent(
          e -> {
            if ("host2".equals(e.host())
                && e.task().startsWith("download")
                && e.kind() == ReleaseEvent.Kind.STARTED) {
              ssh.kill("host2");
            }
          });
      assertThatThrownBy(() -> fx.deployer.release("fault", "prod", "v2", fx.options()))
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
      ReleaseRecord failed = fx.deployer.history("fault", "prod").get(0);
      assertThat(failed.status()).isEqualTo(ReleaseStatus.FAILED);
      assertThat(failed.hosts().get(0).tasks())
          .extracting(ReleaseRecord.TaskRecord::name)
          .doesNotContain("switch");
    }
  }
}
