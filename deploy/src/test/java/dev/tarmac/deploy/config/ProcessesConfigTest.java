package dev.tarmac.deploy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.deploy.config.TarmacConfig.AppProcess;
import dev.tarmac.deploy.config.TarmacConfig.ProcessHealth;
import dev.tarmac.deploy.config.TarmacConfig.Proxy;
import dev.tarmac.deploy.config.TarmacConfig.Supervisor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code release.processes}, {@code release.proxy}, {@code environments.<name>.supervisor}. */
class ProcessesConfigTest {

  @Test
  void theDocumentedExampleReadsAsShown() throws Exception {
    TarmacConfig config =
        ConfigReader.read(
            Files.readString(Path.of("../docs/examples/processes/tarmac.yml")),
            "docs/examples/processes/tarmac.yml");
    assertThat(config.release().processes().values())
        .containsExactly(
            new AppProcess(
                "web",
                "node server.js",
                true,
                Optional.of(
                    new ProcessHealth("/health", Optional.of("{version}"), Duration.ofSeconds(30))),
                Duration.ofSeconds(30)),
            new AppProcess(
                "worker",
                "node worker.js",
                false,
                Optional.empty(),
                Duration.ofSeconds(10),
                java.util.List.of("worker"),
                false),
            new AppProcess(
                "scheduler",
                "node scheduler.js",
                false,
                Optional.empty(),
                Duration.ofSeconds(10),
                java.util.List.of("worker"),
                true));
    assertThat(config.release().served()).extracting(AppProcess::name).containsExactly("web");
    assertThat(config.release().proxy())
        .contains(new Proxy("/etc/nginx/tarmac/shop.conf", "sudo /usr/sbin/nginx -s reload"));
    TarmacConfig.Environment prod = config.environment("production");
    assertThat(prod.supervisor())
        .contains(
            new Supervisor(
                "/etc/tarmac-supervisor/supervisord.conf", "/etc/tarmac-supervisor/conf.d"));
    assertThat(prod.hosts()).allMatch(h -> h.ports() == 3100);
    assertThat(config.release().keepWarm()).isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void keepWarmIsADurationUpToADayZeroWithout() {
    String processes = "  processes: { worker: { command: w } }\n";
    assertThat(ConfigReader.read(yml(processes, SUPERVISOR), "tarmac.yml").release().keepWarm())
        .isZero();
    assertThat(
            ConfigReader.read(yml(processes + "  keep_warm: 90s\n", SUPERVISOR), "tarmac.yml")
                .release()
                .keepWarm())
        .isEqualTo(Duration.ofSeconds(90));
    assertThatThrownBy(
            () -> ConfigReader.read(yml(processes + "  keep_warm: 2d\n", SUPERVISOR), "tarmac.yml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "line 4: release.keep_warm: expected a duration from 0s to 24h, such as 500ms, 30s,"
                + " 10m or 1h, got '2d'");
    assertThatThrownBy(
            () ->
                ConfigReader.read(yml(processes + "  keep_warm: soon\n", SUPERVISOR), "tarmac.yml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("release.keep_warm: expected a duration from 0s to 24h");
    assertThatThrownBy(() -> ConfigReader.read(yml("  keep_warm: 10m\n", ""), "tarmac.yml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "line 3: release.keep_warm: keeps the previous release's processes running, and"
                + " release.processes has none");
    // with a contract migration: the warm processes would run on a contracted schema
    assertThatThrownBy(
            () ->
                ConfigReader.read(
                    yml(
                        processes + "  keep_warm: 10m\n  hooks:\n    contract: [\"drop it\"]\n",
                        SUPERVISOR),
                    "tarmac.yml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "line 4: release.keep_warm: keeps the previous release's processes running, and"
                + " release.hooks.contract drops what they use (a rollback across it is refused);"
                + " remove one of the two");
  }

  static String yml(String release, String env) {
    return "app: shop\nrelease:\n"
        + release
        + "environments:\n  prod:\n    deploy_to: /srv/shop\n"
        + env
        + "    hosts: [{ name: web1 }, { name: web2, ports: 4100 }]\n";
  }

  static final String SUPERVISOR =
      "    supervisor: { conf: /etc/s/supervisord.conf, include: /etc/s/conf.d }\n";

  @Test
  void portsComeFromTheEnvironmentOrTheHost() {
    TarmacConfig c =
        ConfigReader.read(
            yml("  processes: { worker: { command: w } }\n", SUPERVISOR + "    ports: 5000\n"),
            "tarmac.yml");
    assertThat(c.environment("prod").hosts())
        .extracting(h -> h.ports())
        .containsExactly(5000, 4100);
  }

  @Test
  void appsWithoutProcessesReadAsBefore() {
    TarmacConfig c = ConfigReader.read(yml("  keep: 3\n", ""), "tarmac.yml");
    assertThat(c.release().processes()).isEmpty();
    assertThat(c.release().proxy()).isEmpty();
    assertThat(c.environment("prod").supervisor()).isEmpty();
    assertThat(c.environment("prod").hosts().get(0).ports()).isEqualTo(3100);
  }

  @Test
  void everyMistakeIsNamedWithItsLineAndKey() {
    assertThatThrownBy(
            () ->
                ConfigReader.read(
                    yml(
                        "  processes:\n"
                            + "    web: { command: \"node s.js\", port: yes, helth: {} }\n"
                            + "    Bad!: { command: x }\n"
                            + "    api: { port: true, health: { path: nohealth } }\n"
                            + "    job: { command: j, health: { path: /h }, drain: 2d }\n",
                        "    supervisor: { conf: ../s.conf }\n    ports: 80\n"),
                    "tarmac.yml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "line 4: release.processes.web.helth: unknown key; did you mean `health`?")
        .hasMessageContaining(
            "line 4: release.processes.web.port: expected true or false, got 'yes'")
        .hasMessageContaining(
            "line 5: release.processes.Bad!: a process name is 1 to 32 of a-z 0-9 _ -")
        .hasMessageContaining("release.processes.api.command is required")
        .hasMessageContaining(
            "line 6: release.processes.api.health.path: expected a path on the process's port,"
                + " such as /health, got 'nohealth'")
        .hasMessageContaining(
            "line 7: release.processes.job.health: is checked on the process's own port: it needs"
                + " port: true")
        .hasMessageContaining(
            "line 7: release.processes.job.drain: expected a duration from 0s to 1h")
        .hasMessageContaining(
            "line 11: environments.prod.supervisor.include: is required: the directory its"
                + " [include] reads")
        .hasMessageContaining(
            "line 11: environments.prod.supervisor.conf: expected an absolute path such as"
                + " /etc/nginx/tarmac/shop.conf, or one under the host's deploy_to such as"
                + " nginx/shop.conf (letters, digits, ._-/@+, no ..), got '../s.conf'")
        .hasMessageContaining(
            "line 12: environments.prod.ports: expected a number from 1024 to 65000, got 80");
  }

  @Test
  void aServedProcessNeedsTheProxyAndEveryEnvironmentASupervisor() {
    assertThatThrownBy(
            () ->
                ConfigReader.read(
                    yml("  processes:\n    web: { command: x, port: true }\n", ""), "tarmac.yml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "line 4: release.processes: a process with port: true needs release.proxy")
        .hasMessageContaining("environments.prod.supervisor is required by release.processes");
    assertThatThrownBy(
            () ->
                ConfigReader.read(
                    yml(
                        "  processes: { worker: { command: x } }\n  proxy: { nginx: /etc/n.conf }\n",
                        SUPERVISOR),
                    "tarmac.yml"))
        .hasMessageContaining(
            "line 4: release.proxy: no process of release.processes has port: true");
    assertThatThrownBy(
            () ->
                ConfigReader.read(
                    yml(
                        "  processes: { web: { command: x, port: true } }\n"
                            + "  proxy: { reload: \"a\\nb\" }\n",
                        SUPERVISOR),
                    "tarmac.yml"))
        .hasMessageContaining("line 4: release.proxy.nginx: is required")
        .hasMessageContaining("line 4: release.proxy.reload: expected a one-line command");
  }

  @Test
  void theReloadDefaultsToNginxItself() {
    TarmacConfig c =
        ConfigReader.read(
            yml(
                "  processes: { web: { command: x, port: true } }\n"
                    + "  proxy: { nginx: /etc/nginx/tarmac/shop.conf }\n",
                SUPERVISOR),
            "tarmac.yml");
    assertThat(c.release().proxy().orElseThrow().reload()).isEqualTo("nginx -s reload");
  }

  @Test
  void relativePathsAreUnderEachHostsDeployTo() {
    TarmacConfig c =
        ConfigReader.read(
            yml(
                "  processes: { web: { command: x, port: true } }\n"
                    + "  proxy: { nginx: nginx/upstream.conf, reload: \"kill -HUP 1\" }\n",
                "    supervisor: { conf: sv/supervisord.conf, include: sv/conf.d/ }\n"),
            "tarmac.yml");
    Proxy proxy = c.release().proxy().orElseThrow();
    assertThat(proxy).isEqualTo(new Proxy("nginx/upstream.conf", "kill -HUP 1"));
    assertThat(proxy.on("/srv/hosts/web1/"))
        .isEqualTo(new Proxy("/srv/hosts/web1/nginx/upstream.conf", "kill -HUP 1"));
    Supervisor sv = c.environment("prod").supervisor().orElseThrow();
    assertThat(sv.on("/srv/hosts/web2"))
        .isEqualTo(
            new Supervisor("/srv/hosts/web2/sv/supervisord.conf", "/srv/hosts/web2/sv/conf.d"));
    // an absolute path stays as it is on every host
    assertThat(new Proxy("/etc/n.conf", "r").on("/srv/x")).isEqualTo(new Proxy("/etc/n.conf", "r"));
  }

  @Test
  void rolesAndStartAfterSwitchAreReadAndTheirMistakesNamed() {
    TarmacConfig c =
        ConfigReader.read(
            yml(
                "  processes:\n"
                    + "    worker: { command: w, roles: [worker, jobs] }\n"
                    + "    cron: { command: c, roles: [cron], start: after_switch }\n"
                    + "    queue: { command: q, start: prepare }\n",
                SUPERVISOR),
            "tarmac.yml");
    assertThat(c.release().processes().values())
        .containsExactly(
            new AppProcess(
                "worker",
                "w",
                false,
                Optional.empty(),
                AppProcess.DEFAULT_DRAIN,
                java.util.List.of("worker", "jobs"),
                false),
            new AppProcess(
                "cron",
                "c",
                false,
                Optional.empty(),
                AppProcess.DEFAULT_DRAIN,
                java.util.List.of("cron"),
                true),
            new AppProcess("queue", "q", false, Optional.empty(), AppProcess.DEFAULT_DRAIN));
    TarmacConfig.Host web1 = c.environment("prod").hosts().get(0);
    assertThat(web1.roles()).containsExactly("web");
    assertThat(c.release().processes().get("worker").runsOn(web1)).isFalse();
    assertThat(c.release().processes().get("queue").runsOn(web1)).isTrue();
    assertThatThrownBy(
            () ->
                ConfigReader.read(
                    yml(
                        "  processes:\n"
                            + "    a: { command: a, roles: worker }\n"
                            + "    b: { command: b, roles: [], start: later }\n"
                            + "    c: { command: c, roles: [Big] }\n"
                            + "    d: { command: d, port: true, roles: [web] }\n"
                            + "    e: { command: e, port: true, start: after_switch }\n"
                            + "    f: { command: f, role: [x] }\n"
                            + "  proxy: { nginx: /n.conf, reload: r }\n",
                        SUPERVISOR),
                    "tarmac.yml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("line 4: release.processes.a.roles: expected a list")
        .hasMessageContaining(
            "line 5: release.processes.b.roles: expected at least one role, e.g. [worker]")
        .hasMessageContaining(
            "line 5: release.processes.b.start: expected prepare (the default: next to the live"
                + " one, before the switch) or after_switch (never two copies: the old one stops,"
                + " then the new one starts), got 'later'")
        .hasMessageContaining(
            "line 6: release.processes.c.roles: 'Big' is not a role name (a-z 0-9 _ -)")
        .hasMessageContaining(
            "line 7: release.processes.d.roles: a process with port: true runs on every host"
                + " (each host's proxy sends it requests); roles are for processes without a port")
        .hasMessageContaining(
            "line 8: release.processes.e.start: after_switch starts the process once the proxy"
                + " switched, so nothing could send it requests or check it first: remove port:"
                + " true (and health), or start")
        .hasMessageContaining(
            "line 9: release.processes.f.role: unknown key; did you mean `roles`?");
  }
}
