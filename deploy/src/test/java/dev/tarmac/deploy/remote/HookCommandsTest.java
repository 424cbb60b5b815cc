package dev.tarmac.deploy.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Hooks, backup and restore, health: exact strings. */
class HookCommandsTest {
  private final ReleaseLayout layout = new ReleaseLayout("/srv/shop/");

  @Test
  void hooksRunInTheReleaseWithTheTarmacVariables() {
    assertThat(
            HookCommands.hooks(
                    layout.release("v1.4.0"),
                    new HookEnv("shop", "v1.4.0", "prod", "web1", null).variables(layout),
                    List.of("python manage.py migrate", "echo 'done'"))
                .text())
        .isEqualTo(
            """
            cd /srv/shop/releases/v1.4.0 || exit 1
            export TARMAC_APP=shop TARMAC_VERSION=v1.4.0 TARMAC_ENV=prod TARMAC_HOST=web1 \
            TARMAC_RELEASE_DIR=/srv/shop/releases/v1.4.0 TARMAC_DEPLOY_TO=/srv/shop \
            TARMAC_SHARED_DIR=/srv/shop/shared TARMAC_PREVIOUS_VERSION=''
            sh -c 'python manage.py migrate' || exit $?
            sh -c 'echo '\\''done'\\''' || exit $?""");
  }

  @Test
  void backupUploadDownloadAndHealthExactStrings() {
    assertThat(
            HookCommands.uploadBackup(layout, "v1.4.0", URI.create("http://store/put?x=1")).text())
        .isEqualTo(
            """
            [ -s /srv/shop/.tarmac/backups/v1.4.0.sql.gz ] || { echo "the backup hook wrote nothing to /srv/shop/.tarmac/backups/v1.4.0.sql.gz ($TARMAC_BACKUP_FILE)" >&2; exit 9; }
            curl --fail --silent --show-error --retry 3 --upload-file /srv/shop/.tarmac/backups/v1.4.0.sql.gz 'http://store/put?x=1' || exit 10
            set -- $(sha256sum /srv/shop/.tarmac/backups/v1.4.0.sql.gz) && printf '%s %s\\n' "$1" "$(wc -c < /srv/shop/.tarmac/backups/v1.4.0.sql.gz)\"""");
    assertThat(
            HookCommands.health(layout, "http://localhost:8000/health", 10, Optional.of("v1.4.0"))
                .text())
        .isEqualTo(
            """
            end=$(( $(date +%s) + 10 ))
            while :; do
              code=$(curl --silent --show-error --max-time 5 --output /srv/shop/.tarmac/health.body --write-out '%{http_code}' http://localhost:8000/health 2>&1) || true
              if [ "$code" = 200 ]; then case "$(cat /srv/shop/.tarmac/health.body)" in *v1.4.0*) exit 0;; esac; why='answered 200 without the expected text'; else why="answered $code"; fi
              [ "$(date +%s)" -lt "$end" ] || { printf 'health check %s failed after %s s: %s\\n' http://localhost:8000/health 10 "$why" >&2; exit 1; }
              sleep 0.2
            done""");
    assertThat(HookCommands.prepareBackup(layout, "v1.4.0").text())
        .isEqualTo(
            "mkdir -p /srv/shop/.tarmac/backups && rm -f /srv/shop/.tarmac/backups/v1.4.0.sql.gz");
    assertThat(
            HookCommands.downloadBackup(
                    layout, "v1.4.0", URI.create("http://store/get?x=1"), "d".repeat(64))
                .text())
        .isEqualTo(
            """
            mkdir -p /srv/shop/.tarmac/backups && curl --fail --silent --show-error --retry 3 --output /srv/shop/.tarmac/backups/v1.4.0.sql.gz 'http://store/get?x=1' || exit 10
            set -- $(sha256sum /srv/shop/.tarmac/backups/v1.4.0.sql.gz)
            [ "$1" = DDD ] || { rm -f /srv/shop/.tarmac/backups/v1.4.0.sql.gz; echo "the dump has sha256 $1, the release record says DDD; it was not restored" >&2; exit 7; }"""
                .replace("DDD", "d".repeat(64)));
  }

  @Test
  void aDumpChangedInTheStoreIsNeverRestored(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path dump = dir.resolve("stored.sql.gz");
    java.nio.file.Files.writeString(dump, "the dump taken before v2");
    String good = dev.tarmac.deploy.testing.TestBuilds.sha256(dump);
    ReleaseLayout host = new ReleaseLayout(dir.resolve("host").toString());
    java.time.Duration t = java.time.Duration.ofSeconds(10);
    try (LocalTransport sh = new LocalTransport("db1")) {
      assertThat(sh.run(HookCommands.downloadBackup(host, "v2", dump.toUri(), good).text(), t).ok())
          .isTrue();
      java.nio.file.Files.writeString(dump, "DROP TABLE users; -- changed in the store");
      CommandResult tampered =
          sh.run(HookCommands.downloadBackup(host, "v2", dump.toUri(), good).text(), t);
      assertThat(tampered.exitCode()).isEqualTo(7);
      assertThat(tampered.stderr()).contains("it was not restored");
      assertThat(dir.resolve("host/.tarmac/backups/v2.sql.gz")).doesNotExist();
    }
  }

  @Test
  void theUploadAnswerIsParsedBesideItsCommand() {
    HookCommands.Uploaded u = HookCommands.Uploaded.parse("%s 1234\n".formatted("e".repeat(64)));
    assertThat(u.sha256()).isEqualTo("e".repeat(64));
    assertThat(u.size()).isEqualTo(1234);
    assertThatThrownBy(() -> HookCommands.Uploaded.parse("curl: (7) refused"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
