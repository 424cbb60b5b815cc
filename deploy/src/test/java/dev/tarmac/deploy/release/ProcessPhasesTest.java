package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.deploy.config.ConfigReader;
import dev.tarmac.deploy.config.TarmacConfig;
import dev.tarmac.distributor.model.BuildRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Where the process phases stand in a release's declared list, and that they are optional. */
class ProcessPhasesTest {

  static List<String> names(TarmacConfig config) {
    BuildRecord build =
        new BuildRecord(
            "shop",
            "v2",
            "v2",
            "c0ffee",
            "0".repeat(64),
            1,
            1,
            "0".repeat(64),
            "",
            null,
            null,
            Instant.EPOCH);
    return new Release(
            new dev.tarmac.deploy.store.Builds.Built(build, config),
            null,
            v -> config,
            dev.tarmac.deploy.store.ConfigValues.Resolved.none())
        .phases().stream().map(p -> p.stage() + " " + p.name()).toList();
  }

  @Test
  void processesStartAndAreCheckedBeforeTheBarrierAndTheOldOnesStopInTheFinish() throws Exception {
    TarmacConfig config =
        ConfigReader.read(
            Files.readString(Path.of("../docs/examples/processes/tarmac.yml")), "tarmac.yml");
    assertThat(names(config))
        .containsSubsequence(
            "PREPARE prepare hooks",
            "PREPARE start processes",
            "PREPARE check processes",
            "PREPARE backup",
            "BEFORE_SWITCH migrate",
            "ACTIVATE switch",
            "FINISH stop old processes",
            "FINISH log revision and clean up");
  }

  @Test
  void theContractRunsInTheFinishOnceTheOldProcessesStopped() throws Exception {
    TarmacConfig config =
        ConfigReader.read(
            Files.readString(Path.of("../docs/examples/processes/tarmac.yml"))
                // keep_warm is refused with a contract (ProcessesConfigTest)
                .replace("  keep_warm: 10m\n", "")
                .replace(
                    "release:\n", "release:\n  hooks:\n    contract: [\"./migrate contract\"]\n"),
            "tarmac.yml");
    List<String> names = names(config);
    assertThat(names)
        .containsSubsequence(
            "BEFORE_SWITCH migrate",
            "ACTIVATE switch",
            "ACTIVATE health",
            "FINISH stop old processes",
            "FINISH contract",
            "FINISH log revision and clean up");
    assertThat(names.get(names.indexOf("FINISH contract") - 1))
        .isEqualTo("FINISH stop old processes");
    // without a contract hook, no contract phase
    assertThat(
            names(
                ConfigReader.read(
                    Files.readString(Path.of("../docs/examples/processes/tarmac.yml")),
                    "tarmac.yml")))
        .noneMatch(n -> n.contains("contract"));
  }

  @Test
  void anAppWithoutProcessesHasNoneOfTheirPhases() throws Exception {
    TarmacConfig config =
        ConfigReader.read(Files.readString(Path.of("../docs/examples/tarmac.yml")), "tarmac.yml");
    assertThat(names(config)).noneMatch(n -> n.contains("processes"));
  }

  @Test
  void aRoleNoHostHasIsRefusedWhenTheReleaseIsAsked() {
    String yml =
        "app: shop\nrelease:\n  processes:\n"
            + "    web: { command: w }\n"
            + "    worker: { command: q, roles: [worker, jobs] }\n"
            + "environments:\n"
            + "  prod:\n    deploy_to: /srv/shop\n"
            + "    supervisor: { conf: /s.conf, include: /s.d }\n"
            + "    hosts: [{ name: web1, roles: [web, db] }, { name: web2 }]\n"
            + "  staging:\n    deploy_to: /srv/shop\n"
            + "    supervisor: { conf: /s.conf, include: /s.d }\n"
            + "    hosts: [{ name: s1, roles: [web, jobs] }]\n";
    TarmacConfig config = ConfigReader.read(yml, "tarmac.yml");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Processes.checkRoles(config, "prod"))
        .isInstanceOf(dev.tarmac.deploy.config.ConfigException.class)
        .hasMessage(
            "tarmac.yml is invalid:\n"
                + "  - release.processes.worker runs on hosts with the role worker or jobs, and no"
                + " host of environments.prod has it (its roles: db, web); nothing was started\n"
                + "Give a host that role (hosts[].roles) or change the process's roles.");
    Processes.checkRoles(config, "staging"); // s1 has jobs
  }
}
