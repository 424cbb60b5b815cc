package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.deploy.config.ConfigException;
import dev.tarmac.deploy.testing.DeployFixture;
import dev.tarmac.deploy.testing.SshHosts;
import dev.tarmac.distributor.model.AppName;
import dev.tarmac.distributor.model.EnvName;
import dev.tarmac.distributor.model.Version;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code roles} and {@code start: after_switch} on real hosts (docs/processes.md, "Workers: per
 * role, and the ones that must not run twice"): two sshd hosts, each with its own supervisord (from
 * docs/examples/processes/supervisord.conf, as {@link ProcessesIT}), {@code host2} with the role
 * {@code worker}. A worker with {@code roles: [worker]} runs on host2 only; a {@code cron} with
 * {@code start: after_switch} on both appends {@code start}/{@code stop} lines with the time to a
 * file on its host: through a release, a rollback and a release whose activation fails, no host
 * ever has two copies, and the failed one leaves the old copy running.
 */
class ProcessRolesIT {
  /** Appends {@code start <version> <ns>} and, on TERM, {@code stop <version> <ns>}. */
  static final String CRON =
      String.join(
          "\n",
          "log=\"$TARMAC_DEPLOY_TO/cron.log\"",
          "echo \"start $TARMAC_VERSION $(date +%s%N)\" >> \"$log\"",
          "trap 'echo \"stop $TARMAC_VERSION $(date +%s%N)\" >> \"$log\"; exit 0' TERM",
          "while true; do sleep 0.2; done",
          "");

  static SshHosts ssh;
  static Path work;
  static DeployFixture fx;

  @BeforeAll
  static void startHosts() throws Exception {
    work = DeployFixture.workDir("roles-");
    ssh = new SshHosts(work.resolve("hosts"), 2, 95);
    for (int i = 0; i < 2; i++) {
      ProcessesIT.startSupervisord(ssh, i, "roles");
    }
    fx =
        new DeployFixture(
            work.resolve("fx"),
            Transports.standard(ssh.settings()),
            Transports.standard(ssh.settings()));
  }

  @AfterAll
  static void stopHosts() throws Exception {
    if (fx != null) {
      fx.close();
    }
    if (ssh == null) {
      return;
    }
    for (SshHosts.Host h : ssh.hosts()) {
      ProcessesIT.stop(h.root().resolve("sv/supervisord.pid"), "TERM"); // by its pid file
    }
    ssh.close();
  }

  /** host2 has the role worker; {@code more}: further lines of the release block. */
  static String config(String workerRole, String more) {
    String d = ssh.deployTo();
    return ssh.tarmacYml(
            "roles",
            "release:\n"
                + "  processes:\n"
                + "    worker: { command: \"exec sleep 1000\", roles: ["
                + workerRole
                + "] }\n"
                + "    cron: { command: \"exec sh cron.sh\", start: after_switch, drain: 0s }\n"
                + more)
        .replaceFirst("(name: host2, .*roles: \\[web)\\]", "$1, worker]")
        .replace(
            "    deploy_to: " + d + "\n",
            "    deploy_to: "
                + d
                + "/roles\n"
                + "    supervisor: { conf: "
                + d
                + "/sv/supervisord.conf, include: "
                + d
                + "/sv/conf.d }\n");
  }

  static Map<String, String> running(String host) throws Exception {
    return ProcessesIT.running(ssh, host);
  }

  static List<String> cronLog(SshHosts.Host h) throws Exception {
    Path log = h.root().resolve("roles/cron.log");
    return Files.exists(log) ? Files.readAllLines(log) : List.of();
  }

  ReleaseRecord release(String version) {
    return fx.deployer.release(
        AppName.of("roles"), EnvName.of("prod"), Version.of(version), fx.options());
  }

  @Test
  void aWorkerRunsOnItsRoleOnlyAndAnAfterSwitchOneNeverTwice() throws Exception {
    Map<String, String> app = Map.of("cron.sh", CRON);
    fx.publish("roles", "v1", config("worker", ""), app);
    fx.publish("roles", "v2", config("worker", ""), app);
    assertThat(release("v1").status()).isEqualTo(ReleaseStatus.LIVE);
    assertThat(running("host1")).containsOnlyKeys("roles-prod-cron-blue");
    assertThat(running("host2")).containsOnlyKeys("roles-prod-worker-blue", "roles-prod-cron-blue");
    // host1 has no worker's program at all
    assertThat(ssh.hosts().get(0).root().resolve("sv/conf.d/roles-prod-worker-blue.conf"))
        .doesNotExist();

    assertThat(release("v2").status()).isEqualTo(ReleaseStatus.LIVE);
    assertThat(running("host1")).containsOnlyKeys("roles-prod-cron-green");
    assertThat(running("host2"))
        .containsOnlyKeys("roles-prod-worker-green", "roles-prod-cron-green");

    ReleaseRecord back =
        fx.deployer.rollback(
            AppName.of("roles"), EnvName.of("prod"), Optional.empty(), false, false, fx.options());
    assertThat(back.status()).isEqualTo(ReleaseStatus.LIVE);
    assertThat(running("host1")).containsOnlyKeys("roles-prod-cron-blue");
    assertThat(running("host2")).containsOnlyKeys("roles-prod-worker-blue", "roles-prod-cron-blue");
    Map<String, String> before1 = running("host1");
    Map<String, String> before2 = running("host2");

    // an activation that fails: switched back before the finish, the old cron never stopped
    fx.publish("roles", "v3", config("worker", "  hooks: { activate: [\"exit 3\"] }\n"), app);
    assertThatThrownBy(() -> release("v3"))
        .isInstanceOf(ReleaseFailedException.class)
        .hasMessageContaining("every host was switched back");
    assertThat(running("host1")).isEqualTo(before1);
    assertThat(running("host2")).isEqualTo(before2);

    // a role no host has: refused when asked, nothing started
    fx.publish("roles", "v4", config("queue", ""), app);
    assertThatThrownBy(() -> release("v4"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "release.processes.worker runs on hosts with the role queue, and no host of"
                + " environments.prod has it (its roles: db, web, worker); nothing was started");
    assertThat(running("host1")).isEqualTo(before1);
    assertThat(running("host2")).isEqualTo(before2);

    for (SshHosts.Host h : ssh.hosts()) {
      List<String> log = cronLog(h);
      // v1 starts, v1 stops before v2 starts, v2 stops before v1 starts again; v3 never started
      assertThat(log.stream().map(l -> l.substring(0, l.lastIndexOf(' '))).toList())
          .as("%s: %s", h.name(), log)
          .containsExactly("start v1", "stop v1", "start v2", "stop v2", "start v1");
      List<Long> at = new ArrayList<>();
      log.forEach(l -> at.add(Long.parseLong(l.substring(l.lastIndexOf(' ') + 1))));
      assertThat(at).as("%s: in time order", h.name()).isSorted();
      System.out.printf(
          "%s: after_switch gaps (stop to start) %.0f ms, %.0f ms%n",
          h.name(), (at.get(2) - at.get(1)) / 1e6, (at.get(4) - at.get(3)) / 1e6);
    }
  }
}
