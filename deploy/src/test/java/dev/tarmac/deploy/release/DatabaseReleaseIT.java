package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.deploy.testing.DeployFixture;
import dev.tarmac.deploy.testing.SshHosts;
import dev.tarmac.distributor.model.AppName;
import dev.tarmac.distributor.model.EnvName;
import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.model.Version;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL (127.0.0.1:5432, database {@code test}) behind three SSH hosts, host1 holding the
 * {@code db} role: the backup hook runs {@code pg_dump}, the migrate hook {@code psql}; the
 * migration runs once, the dump lands in the store, and {@code --restore-database} brings the old
 * schema back.
 */
class DatabaseReleaseIT {
  static final String PSQL = "psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres -d test";

  static String config(String deployTo, String hostsYaml, String migration) {
    return "app: db\n"
        + "release:\n"
        + "  hooks:\n"
        + "    backup: [\"pg_dump -h 127.0.0.1 -U postgres -n tarmac_it test | gzip > \\\"$TARMAC_BACKUP_FILE\\\"\"]\n"
        + "    migrate:\n"
        + "      - \""
        + PSQL
        + " -c \\\""
        + migration
        + "\\\"\"\n"
        + "      - \""
        + PSQL
        + " -c \\\"INSERT INTO tarmac_it.migration_runs VALUES ('$TARMAC_VERSION', '$TARMAC_HOST')\\\"\"\n"
        + "    restore:\n"
        + "      - \""
        + PSQL
        + " -c 'DROP SCHEMA IF EXISTS tarmac_it CASCADE'\"\n"
        + "      - \"gunzip -c \\\"$TARMAC_BACKUP_FILE\\\" | "
        + PSQL
        + "\"\n"
        + "environments:\n"
        + "  prod:\n"
        + "    deploy_to: "
        + deployTo
        + "\n"
        + "    hosts:\n"
        + hostsYaml;
  }

  static String sql(String query) throws Exception {
    Process p =
        new ProcessBuilder(
                "psql", "-X", "-tA", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-c", query)
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes()).strip();
    if (p.waitFor() != 0) {
      throw new IllegalStateException(query + ": " + out);
    }
    return out;
  }

  @Test
  void migratesOnceBacksUpToTheStoreAndRestoresTheOldSchemaOnRollback() throws Exception {
    sql("DROP SCHEMA IF EXISTS tarmac_it CASCADE");
    Path work = DeployFixture.workDir("db-release-");
    try (SshHosts ssh = new SshHosts(work.resolve("hosts"), 3, 8);
        DeployFixture fx =
            new DeployFixture(work.resolve("fx"), Transports.standard(ssh.settings()))) {
      String hosts = ssh.hostsYaml("      ");
      fx.publish(
          "db",
          "v1",
          config(
              ssh.deployTo(),
              hosts,
              "CREATE SCHEMA IF NOT EXISTS tarmac_it;"
                  + " CREATE TABLE IF NOT EXISTS tarmac_it.migration_runs(version text, host text);"
                  + " CREATE TABLE IF NOT EXISTS tarmac_it.items(id int primary key, name text);"
                  + " INSERT INTO tarmac_it.items VALUES (1, 'first') ON CONFLICT DO NOTHING"));
      fx.publish(
          "db",
          "v2",
          config(
              ssh.deployTo(),
              hosts,
              "ALTER TABLE tarmac_it.items ADD COLUMN price numeric NOT NULL DEFAULT 0"));

      fx.deployer.release(AppName.of("db"), EnvName.of("prod"), Version.of("v1"), fx.options());
      ReleaseRecord v2 =
          fx.deployer.release(AppName.of("db"), EnvName.of("prod"), Version.of("v2"), fx.options());

      assertThat(sql("SELECT version || ' ' || host FROM tarmac_it.migration_runs ORDER BY 1"))
          .isEqualTo("v1 host1\nv2 host1");
      assertThat(
              sql(
                  "SELECT count(*) FROM information_schema.columns"
                      + " WHERE table_schema = 'tarmac_it' AND table_name = 'items' AND column_name = 'price'"))
          .isEqualTo("1");
      assertThat(v2.backup()).isNotNull();
      assertThat(v2.backup().key()).isEqualTo(StoreLayout.backup("db", "prod", "v2"));
      assertThat(fx.store.stat(v2.backup().key()).orElseThrow().size())
          .isEqualTo(v2.backup().size())
          .isGreaterThan(100);
      // the migration and backup ran on host1 only
      assertThat(v2.hosts().get(0).tasks())
          .extracting(ReleaseRecord.TaskRecord::name)
          .contains("backup", "upload backup", "migrate");
      assertThat(v2.hosts().get(1).tasks())
          .extracting(ReleaseRecord.TaskRecord::name)
          .doesNotContain("backup", "migrate");

      fx.deployer.rollback(
          AppName.of("db"), EnvName.of("prod"), Optional.empty(), true, false, fx.options());
      assertThat(
              sql(
                  "SELECT count(*) FROM information_schema.columns"
                      + " WHERE table_schema = 'tarmac_it' AND table_name = 'items' AND column_name = 'price'"))
          .isEqualTo("0");
      assertThat(sql("SELECT name FROM tarmac_it.items")).isEqualTo("first");
      assertThat(Files.readSymbolicLink(ssh.host("host3").root().resolve("current")).toString())
          .isEqualTo("releases/v1");

      // the live release now is a rollback: there is no dump taken before it
      fx.publish("db", "v3", config(ssh.deployTo(), hosts, "SELECT 1"));
      assertThatThrownBy(
              () ->
                  fx.deployer.rollback(
                      AppName.of("db"),
                      EnvName.of("prod"),
                      Optional.of(Version.of("v2")),
                      true,
                      false,
                      fx.options()))
          .hasMessageContaining("no database backup was taken before v1")
          .hasMessageContaining("nothing was changed");
      assertThat(Files.readSymbolicLink(ssh.host("host1").root().resolve("current")).toString())
          .isEqualTo("releases/v1");
    } finally {
      sql("DROP SCHEMA IF EXISTS tarmac_it CASCADE");
    }
  }
}
