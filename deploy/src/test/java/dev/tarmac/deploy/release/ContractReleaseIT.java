package dev.tarmac.deploy.release;

import static dev.tarmac.deploy.release.DatabaseReleaseIT.PSQL;
import static dev.tarmac.deploy.release.DatabaseReleaseIT.sql;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.deploy.testing.DeployFixture;
import dev.tarmac.deploy.testing.SshHosts;
import dev.tarmac.distributor.model.AppName;
import dev.tarmac.distributor.model.EnvName;
import dev.tarmac.distributor.model.Version;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Expand and contract (docs/releasing.md, "Expand and contract") on PostgreSQL (127.0.0.1:5432,
 * database {@code test}) behind three SSH hosts, host1 holding the {@code db} role: v2's migration
 * adds {@code title} next to v1's {@code legacy}, its contract drops {@code legacy} once every host
 * serves v2 — the contract hook itself reads every host's {@code current} — and a rollback to v1
 * across that contract is refused unless the database is restored or {@code --across-contract} says
 * v1 runs without the column. A contract that fails leaves the new version live, with a warning.
 */
class ContractReleaseIT {

  /** {@code cmd} as a YAML double-quoted scalar. */
  static String q(String cmd) {
    return "\"" + cmd.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  static String config(String deployTo, String hostsYaml, String migration, List<String> contract) {
    StringBuilder y =
        new StringBuilder("app: db\nrelease:\n  hooks:\n")
            .append("    backup: [")
            .append(
                q(
                    "pg_dump -h 127.0.0.1 -U postgres -n tarmac_it test | gzip >"
                        + " \"$TARMAC_BACKUP_FILE\""))
            .append("]\n")
            .append("    migrate: [")
            .append(q(PSQL + " -c \"" + migration + "\""))
            .append("]\n")
            .append("    restore:\n")
            .append("      - ")
            .append(q(PSQL + " -c 'DROP SCHEMA IF EXISTS tarmac_it CASCADE'"))
            .append("\n      - ")
            .append(q("gunzip -c \"$TARMAC_BACKUP_FILE\" | " + PSQL))
            .append("\n");
    if (!contract.isEmpty()) {
      y.append("    contract:\n");
      contract.forEach(c -> y.append("      - ").append(q(c)).append("\n"));
    }
    return y.append("environments:\n  prod:\n    deploy_to: ")
        .append(deployTo)
        .append("\n    hosts:\n")
        .append(hostsYaml)
        .toString();
  }

  static String legacyColumns() throws Exception {
    return sql(
        "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'tarmac_it'"
            + " AND table_name = 'items' AND column_name = 'legacy'");
  }

  static String current(SshHosts ssh) throws Exception {
    StringBuilder out = new StringBuilder();
    for (SshHosts.Host h : ssh.hosts()) {
      out.append(Files.readSymbolicLink(h.root().resolve("current"))).append("\n");
    }
    return out.toString();
  }

  static ReleaseRecord.TaskRecord task(ReleaseRecord r, String host, String name) {
    return r.hosts().stream()
        .filter(h -> h.name().equals(host))
        .flatMap(h -> h.tasks().stream())
        .filter(t -> t.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError(host + " has no task " + name + ": " + r));
  }

  @Test
  void theContractRunsOnceEveryHostServesAndARollbackAcrossItIsRefusedUnlessAsked()
      throws Exception {
    sql("DROP SCHEMA IF EXISTS tarmac_it CASCADE");
    Path work = DeployFixture.workDir("db-contract-");
    try (SshHosts ssh = new SshHosts(work.resolve("hosts"), 3, 8);
        DeployFixture fx =
            new DeployFixture(work.resolve("fx"), Transports.standard(ssh.settings()))) {
      String hosts = ssh.hostsYaml("      ");
      Path saw = ssh.host("host1").root().resolve("contract-saw");
      String readLinks =
          ssh.hosts().stream()
                  .map(h -> "readlink " + h.root().resolve("current"))
                  .collect(Collectors.joining("; ", "{ ", "; }"))
              + " > "
              + saw;
      String drop = PSQL + " -c 'ALTER TABLE tarmac_it.items DROP COLUMN IF EXISTS legacy'";
      fx.publish(
          "db",
          "v1",
          config(
              ssh.deployTo(),
              hosts,
              "CREATE SCHEMA IF NOT EXISTS tarmac_it;"
                  + " CREATE TABLE IF NOT EXISTS tarmac_it.items(id int primary key, legacy text);"
                  + " INSERT INTO tarmac_it.items VALUES (1, 'first') ON CONFLICT DO NOTHING",
              List.of()));
      fx.publish(
          "db",
          "v2",
          config(
              ssh.deployTo(),
              hosts,
              "ALTER TABLE tarmac_it.items ADD COLUMN IF NOT EXISTS title text;"
                  + " UPDATE tarmac_it.items SET title = legacy",
              List.of(readLinks, drop)));
      fx.publish("db", "v3", config(ssh.deployTo(), hosts, "SELECT 1", List.of()));
      fx.publish(
          "db",
          "v4",
          config(
              ssh.deployTo(), hosts, "SELECT 1", List.of("echo the contract broke >&2; exit 3")));

      fx.deployer.release(AppName.of("db"), EnvName.of("prod"), Version.of("v1"), fx.options());
      ReleaseRecord v2 =
          fx.deployer.release(AppName.of("db"), EnvName.of("prod"), Version.of("v2"), fx.options());

      // the contract ran once, on host1, when every host served v2: after the last switch, and the
      // hook itself saw every current link on v2
      assertThat(v2.status()).isEqualTo(ReleaseStatus.LIVE);
      assertThat(v2.warnings()).isEmpty();
      assertThat(v2.contractOn()).isEqualTo("host1");
      assertThat(v2.contractOk()).isTrue();
      assertThat(Files.readString(saw)).isEqualTo("releases/v2\n".repeat(3));
      assertThat(legacyColumns()).isEqualTo("0");
      assertThat(sql("SELECT title FROM tarmac_it.items")).isEqualTo("first");
      Instant contractAt = task(v2, "host1", "contract").startedAt();
      for (String h : List.of("host1", "host2", "host3")) {
        assertThat(task(v2, h, "switch").finishedAt()).isBeforeOrEqualTo(contractAt);
      }
      assertThat(v2.hosts().get(1).tasks())
          .extracting(ReleaseRecord.TaskRecord::name)
          .doesNotContain("contract");

      // back to v1 without restoring: refused, nothing changed
      int records = fx.deployer.history(AppName.of("db"), EnvName.of("prod")).size();
      assertThatThrownBy(
              () ->
                  fx.deployer.rollback(
                      AppName.of("db"),
                      EnvName.of("prod"),
                      Optional.empty(),
                      false,
                      false,
                      fx.options()))
          .hasMessage(
              "cannot roll back to v1: the contract migration of #2 v2 on host1 ran after v1 was"
                  + " live, and dropped what v1 may still use; nothing was changed. Restore the"
                  + " database from before v2: tarmac rollback db --env prod --to v1"
                  + " --restore-database; or, if v1 runs on the schema as it is: tarmac rollback"
                  + " db --env prod --to v1 --across-contract");
      assertThat(current(ssh)).isEqualTo("releases/v2\n".repeat(3));
      assertThat(fx.deployer.history(AppName.of("db"), EnvName.of("prod"))).hasSize(records);

      // with the dump taken before v2: the column is back
      fx.deployer.rollback(
          AppName.of("db"), EnvName.of("prod"), Optional.empty(), true, false, fx.options());
      assertThat(legacyColumns()).isEqualTo("1");
      assertThat(current(ssh)).isEqualTo("releases/v1\n".repeat(3));

      // v2 again (its contract again), then v3: the dump before v3 does not undo v2's contract
      assertThat(
              fx.deployer
                  .release(AppName.of("db"), EnvName.of("prod"), Version.of("v2"), fx.options())
                  .contractOn())
          .isEqualTo("host1");
      assertThat(
              fx.deployer
                  .release(AppName.of("db"), EnvName.of("prod"), Version.of("v3"), fx.options())
                  .contractOn())
          .isNull();
      assertThatThrownBy(
              () ->
                  fx.deployer.rollback(
                      AppName.of("db"),
                      EnvName.of("prod"),
                      Optional.of(Version.of("v1")),
                      true,
                      false,
                      fx.options()))
          .hasMessageStartingWith(
              "cannot roll back to v1: the contract migration of #4 v2 on host1 ran after v1")
          .hasMessageContaining(
              "--restore-database brings back only the schema from before v3 (the dump taken"
                  + " before it), not what an older contract dropped")
          .hasMessageEndingWith(
              "tarmac rollback db --env prod --to v1 --restore-database --across-contract");
      assertThat(current(ssh)).isEqualTo("releases/v3\n".repeat(3));

      // asked for: v1 on the contracted schema
      ReleaseRecord back =
          fx.deployer.rollback(
              AppName.of("db"),
              EnvName.of("prod"),
              Optional.of(Version.of("v1")),
              false,
              true,
              fx.options());
      assertThat(back.status()).isEqualTo(ReleaseStatus.LIVE);
      assertThat(current(ssh)).isEqualTo("releases/v1\n".repeat(3));
      assertThat(legacyColumns()).isEqualTo("0");

      // a contract that fails: v4 stays live, the record warns, a rollback across it is refused
      ReleaseRecord v4 =
          fx.deployer.release(AppName.of("db"), EnvName.of("prod"), Version.of("v4"), fx.options());
      assertThat(v4.status()).isEqualTo(ReleaseStatus.LIVE);
      assertThat(current(ssh)).isEqualTo("releases/v4\n".repeat(3));
      assertThat(v4.contractOn()).isEqualTo("host1");
      assertThat(v4.contractOk()).isFalse();
      assertThat(v4.warnings())
          .singleElement()
          .asString()
          .startsWith(
              "contract failed after the switch (the release is live): the contract migration of"
                  + " v4 failed on host1; v4 serves on every host and stays live (nothing was"
                  + " switched back); the contract may be partly applied")
          .contains("a rollback to a release older than v4 is refused without")
          .contains("the contract broke");
      assertThatThrownBy(
              () ->
                  fx.deployer.rollback(
                      AppName.of("db"),
                      EnvName.of("prod"),
                      Optional.empty(),
                      false,
                      false,
                      fx.options()))
          .hasMessageStartingWith(
              "cannot roll back to v1: the contract migration of #7 v4 on host1 (failed: it may"
                  + " be partly applied) ran after v1 was live");
      assertThat(current(ssh)).isEqualTo("releases/v4\n".repeat(3));
    } finally {
      sql("DROP SCHEMA IF EXISTS tarmac_it CASCADE");
    }
  }
}
