package dev.tarmac.deploy.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host's layout commands: exact strings, and their behaviour on a real directory. */
class HostCommandsTest {
  private static final Duration T = Duration.ofSeconds(10);
  private final ReleaseLayout layout = new ReleaseLayout("/srv/shop/");

  @Test
  void checkHostExactString() {
    assertThat(HostCommands.checkHost(layout, "v1.4.0", 2_000_000).text())
        .isEqualTo(
            """
            for c in sh curl tar gzip sha256sum timeout; do command -v "$c" >/dev/null 2>&1 || { echo "missing command: $c (install it on this host)" >&2; exit 3; }; done
            if [ -e /srv/shop/current ] && [ ! -L /srv/shop/current ]; then echo '/srv/shop/current is a real file or directory, not a symlink: Tarmac switches releases by replacing that symlink. Move it away (e.g. to /srv/shop/current.old) and release again' >&2; exit 11; fi
            mkdir -p /srv/shop/releases /srv/shop/shared /srv/shop/.tarmac/downloads || exit 4
            set -- $(df -Pk /srv/shop | tail -n 1)
            [ "$4" -ge 1954 ] || { echo "only $4 KiB free under /srv/shop, the release needs 1954 KiB (twice the artifact)" >&2; exit 5; }
            [ ! -d /srv/shop/releases/v1.4.0 ] || echo present
            cd /srv/shop || exit 4
            c=
            if [ -L current ] && cd -P current 2>/dev/null; then
              c=$PWD; cd /srv/shop
              if cd -P releases 2>/dev/null; then
                case $c in "$PWD"/*/*) ;; "$PWD"/?*) c=releases/${c#"$PWD"/} ;; esac
                cd /srv/shop
              fi
            fi
            [ -z "$c" ] || printf '%s\\n' "$c\"""");
  }

  @Test
  void theCheckSaysWhetherTheVersionIsOnTheHostAndWhatIsLive(@TempDir Path dir) throws Exception {
    ReleaseLayout host = new ReleaseLayout(dir.toString());
    try (LocalTransport sh = new LocalTransport("here")) {
      assertThat(sh.run(HostCommands.checkHost(host, "v2", 1).text(), T).stdout()).isEmpty();
      Files.createDirectories(dir.resolve("releases/v1"));
      Files.createDirectories(dir.resolve("releases/v2.partial"));
      Files.createSymbolicLink(dir.resolve("current"), Path.of("releases/v1"));
      CommandResult partial = sh.run(HostCommands.checkHost(host, "v2", 1).text(), T);
      assertThat(partial.stdout()).isEqualTo("releases/v1\n");
      assertThat(HostCommands.checkHost(host, "v2", 1).parse(partial))
          .isEqualTo(new HostCommands.Checked("v1", false));
      Files.createDirectories(dir.resolve("releases/v2"));
      CommandResult there = sh.run(HostCommands.checkHost(host, "v2", 1).text(), T);
      assertThat(there.stdout()).isEqualTo("present\nreleases/v1\n");
      assertThat(HostCommands.checkHost(host, "v2", 1).parse(there))
          .isEqualTo(new HostCommands.Checked("v1", true));
      assertThat(SwitchCommands.versionOf(there.stdout())).isEqualTo("v1");
      // an absolute link to a release: live, as status says too (readlink named no version here)
      Files.delete(dir.resolve("current"));
      Files.createSymbolicLink(dir.resolve("current"), dir.resolve("releases/v1"));
      assertThat(
              SwitchCommands.versionOf(
                  sh.run(HostCommands.checkHost(host, "v2", 1).text(), T).stdout()))
          .isEqualTo("v1");
      assertThat(
              HostCommands.OnDisk.parse(sh.read(HostCommands.status(host).text(), T).stdout())
                  .live())
          .isEqualTo("v1");
      Files.delete(dir.resolve("current"));
      // nothing live: the last line is no link, so no version
      assertThat(
              SwitchCommands.versionOf(
                  sh.run(HostCommands.checkHost(host, "v2", 1).text(), T).stdout()))
          .isNull();
    }
  }

  @Test
  void aCurrentThatIsARealDirectoryFailsTheCheckAndNothingIsMade(@TempDir Path dir)
      throws Exception {
    Files.createDirectories(dir.resolve("current"));
    try (LocalTransport sh = new LocalTransport("here")) {
      CommandResult r =
          sh.run(HostCommands.checkHost(new ReleaseLayout(dir.toString()), "v1", 1).text(), T);
      assertThat(r.exitCode()).isEqualTo(11);
      assertThat(r.stderr()).contains(dir.resolve("current") + " is a real file or directory");
      assertThat(dir.resolve("releases")).doesNotExist();
    }
  }

  @Test
  void hostLockCarriesItsOwnerAndGenerationAndIsRemovedOnlyByItsOwner() {
    assertThat(
            HostCommands.lockHost(layout, "shop/prod#7 release v1.4.0 by ann's ci", "7-kf3", null)
                .text())
        .isEqualTo(
            """
            mkdir -p /srv/shop/.tarmac || exit 4
            if mkdir /srv/shop/.tarmac/lock 2>/dev/null; then printf '%s\\n' 'shop/prod#7 release v1.4.0 by ann'\\''s ci' > /srv/shop/.tarmac/lock/owner && printf '%s\\n' 7-kf3 > /srv/shop/.tarmac/lock/id; else printf 'locked-by=%s\\nlocked-id=%s\\n' "$(cat /srv/shop/.tarmac/lock/owner 2>/dev/null)" "$(cat /srv/shop/.tarmac/lock/id 2>/dev/null)"; exit 75; fi""");
    assertThat(HostCommands.lockHost(layout, "o", "8-kf3", "7-kf3").text())
        .isEqualTo(
            """
            mkdir -p /srv/shop/.tarmac || exit 4
            tarmac_old=
            if [ "$(cat /srv/shop/.tarmac/lock/id 2>/dev/null)" = 7-kf3 ]; then tarmac_old=$(cat /srv/shop/.tarmac/lock/pids 2>/dev/null); rm -rf /srv/shop/.tarmac/lock; fi
            if mkdir /srv/shop/.tarmac/lock 2>/dev/null; then printf '%s\\n' o > /srv/shop/.tarmac/lock/owner && printf '%s\\n' 8-kf3 > /srv/shop/.tarmac/lock/id && { [ -z "$tarmac_old" ] || printf '%s\\n' "$tarmac_old" | { tarmac_tree() { kill -STOP "$1" 2>/dev/null || return 0; tarmac_all="$tarmac_all $1"; for f in /proc/"$1"/task/*/children; do for c in $(cat "$f" 2>/dev/null); do tarmac_tree "$c"; done; done; }; tarmac_all=; tarmac_n=0; while read -r p s; do set -- $(cat /proc/"$p"/stat 2>/dev/null); [ "$#" -ge 22 ] && [ "${22}" = "$s" ] || continue; tarmac_tree "$p"; tarmac_n=$((tarmac_n + 1)); done; [ -z "$tarmac_all" ] || { kill -KILL $tarmac_all; kill -CONT $tarmac_all; echo "ended $tarmac_n commands of the old run"; } 2>/dev/null; }; }; else printf 'locked-by=%s\\nlocked-id=%s\\n' "$(cat /srv/shop/.tarmac/lock/owner 2>/dev/null)" "$(cat /srv/shop/.tarmac/lock/id 2>/dev/null)"; exit 75; fi""");
    assertThat(HostCommands.unlockHost(layout, "7-kf3").text())
        .isEqualTo(
            "if [ \"$(cat /srv/shop/.tarmac/lock/id 2>/dev/null)\" = 7-kf3 ]; then rm -rf"
                + " /srv/shop/.tarmac/lock; else echo 'the host lock is not this run'\\''s any"
                + " more; left as it is'; fi");
    assertThat(HostCommands.fenced(layout, "7-kf3", HostCommand.of("t", "mv -T a b")).text())
        .isEqualTo(
            """
            g=; read -r g < /srv/shop/.tarmac/lock/id 2>/dev/null; [ "$g" = 7-kf3 ] || { echo "fenced: the host lock now belongs to $(cat /srv/shop/.tarmac/lock/owner 2>/dev/null || echo nobody); this run (generation 7-kf3) changes nothing more here" >&2; exit 76; }
            read -r tarmac_p _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ tarmac_s _ < /proc/self/stat 2>/dev/null && printf '%s %s\\n' "$tarmac_p" "$tarmac_s" >> /srv/shop/.tarmac/lock/pids
            mv -T a b""");
    // the switch's rename ends at once: checked, not written into the lock
    assertThat(HostCommands.fencedInstant(layout, "7-kf3", HostCommand.of("t", "mv -T a b")).text())
        .isEqualTo(
            """
            g=; read -r g < /srv/shop/.tarmac/lock/id 2>/dev/null; [ "$g" = 7-kf3 ] || { echo "fenced: the host lock now belongs to $(cat /srv/shop/.tarmac/lock/owner 2>/dev/null || echo nobody); this run (generation 7-kf3) changes nothing more here" >&2; exit 76; }
            mv -T a b""");
    assertThat(HostCommands.Holder.parse("locked-by=shop/prod#7 release\nlocked-id=7\n"))
        .isEqualTo(new HostCommands.Holder("shop/prod#7 release", "7"));
  }

  @Test
  void statusOnARealHost(@TempDir Path dir) throws Exception {
    ReleaseLayout host = new ReleaseLayout(dir.toString());
    try (LocalTransport sh = new LocalTransport("here")) {
      CommandResult empty = sh.run(HostCommands.status(host).text(), T);
      assertThat(empty.stdout()).isEqualTo("current=\nrevision=\n");
      assertThat(empty.stderr()).isEmpty();
      Files.createDirectories(dir.resolve("releases/v1"));
      Files.createDirectories(dir.resolve("releases/v2"));
      Files.createDirectories(dir.resolve(".tarmac/bad"));
      Files.writeString(dir.resolve(".tarmac/bad/v1"), "");
      Files.writeString(dir.resolve("releases/v2/REVISION"), "abc123"); // no newline
      Files.createSymbolicLink(dir.resolve("current"), Path.of("releases/v2"));
      CommandResult r = sh.run(HostCommands.status(host).text(), T);
      assertThat(r.stdout())
          .isEqualTo("current=releases/v2\nrevision=abc123\nrelease=v1\nrelease=v2\nbad=v1\n");
      assertThat(r.stderr()).isEmpty();
      assertThat(HostCommands.OnDisk.parse(r.stdout()))
          .isEqualTo(new HostCommands.OnDisk("v2", "abc123", List.of("v1", "v2"), List.of("v1")));
      Files.writeString(dir.resolve("releases/v2/REVISION"), "def456\nmore\n");
      assertThat(
              HostCommands.OnDisk.parse(sh.run(HostCommands.status(host).text(), T).stdout())
                  .revision())
          .isEqualTo("def456");
      // as the dashboard reads it: a read frame, the same answer
      assertThat(sh.read(HostCommands.status(host).text(), T).stdout())
          .isEqualTo("current=releases/v2\nrevision=def456\nrelease=v1\nrelease=v2\nbad=v1\n");
    }
  }

  /** Where {@code current} points, however it was made, read with no program run. */
  @Test
  void statusSaysWhereCurrentLandsWithoutRunningAProgram(@TempDir Path dir) throws Exception {
    Path real = Files.createDirectories(dir.resolve("real/shop"));
    Path viaLink = Files.createSymbolicLink(dir.resolve("srv"), dir.resolve("real"));
    ReleaseLayout host = new ReleaseLayout(viaLink.resolve("shop").toString());
    Files.createDirectories(real.resolve("releases/v1"));
    Files.createDirectories(real.resolve("releases/v2/public"));
    Files.createDirectories(dir.resolve("elsewhere"));
    Path current = real.resolve("current");
    try (LocalTransport sh = new LocalTransport("here")) {
      java.util.function.Supplier<String> live =
          () ->
              sh.read(HostCommands.status(host).text(), T)
                  .stdout()
                  .lines()
                  .findFirst()
                  .orElseThrow();
      Files.createSymbolicLink(current, Path.of("releases/v1"));
      assertThat(live.get()).isEqualTo("current=releases/v1"); // deploy_to through a link
      Files.delete(current);
      Files.createSymbolicLink(current, real.resolve("releases/v2")); // absolute
      assertThat(live.get()).isEqualTo("current=releases/v2");
      Files.delete(current);
      Files.createSymbolicLink(current, Path.of("releases/v9")); // dangling: nothing serves
      assertThat(live.get()).isEqualTo("current=");
      Files.delete(current);
      Files.createSymbolicLink(current, Path.of("releases/v2/public")); // not a release
      assertThat(live.get()).isEqualTo("current=" + real.toRealPath() + "/releases/v2/public");
      Files.delete(current);
      Files.createSymbolicLink(current, dir.resolve("elsewhere"));
      assertThat(live.get()).isEqualTo("current=" + dir.toRealPath() + "/elsewhere");
      assertThat(HostCommands.OnDisk.parse(live.get()).live()).isNull();
      Files.delete(current);
      Files.createDirectories(current); // a directory, as a hand-made host might have
      assertThat(live.get()).isEqualTo("current=");
    }
  }

  @Test
  void fencingOnARealHost(@TempDir Path dir) throws Exception {
    ReleaseLayout host = new ReleaseLayout(dir.toString());
    try (LocalTransport sh = new LocalTransport("here")) {
      assertThat(sh.run(HostCommands.lockHost(host, "run 7", "7-kf3", null).text(), T).ok())
          .isTrue();
      CommandResult held = sh.run(HostCommands.lockHost(host, "run 8", "8-kf3", null).text(), T);
      assertThat(held.exitCode()).isEqualTo(HostCommands.HOST_LOCKED);
      assertThat(HostCommands.Holder.parse(held.stdout()))
          .isEqualTo(new HostCommands.Holder("run 7", "7-kf3"));
      // run 8 breaks the lock it judged stale (generation 7-kf3) and takes it
      assertThat(sh.run(HostCommands.lockHost(host, "run 8", "8-kf3", "7-kf3").text(), T).ok())
          .isTrue();
      // run 7 is fenced off: it changes nothing, and cannot remove run 8's lock
      Path marker = dir.resolve("changed-by-7");
      CommandResult fenced =
          sh.run(
              HostCommands.fenced(host, "7-kf3", HostCommand.of("t", "touch " + marker)).text(), T);
      assertThat(fenced.exitCode()).isEqualTo(HostCommands.FENCED);
      assertThat(fenced.stderr()).contains("belongs to run 8");
      assertThat(marker).doesNotExist();
      assertThat(sh.run(HostCommands.unlockHost(host, "7-kf3").text(), T).ok()).isTrue();
      assertThat(dir.resolve(".tarmac/lock/id")).content().isEqualTo("8-kf3\n");
      // breaking only happens if the lock is still the one judged stale
      assertThat(
              sh.run(HostCommands.lockHost(host, "run 9", "9-kf3", "7-kf3").text(), T).exitCode())
          .isEqualTo(HostCommands.HOST_LOCKED);
      assertThat(
              sh.run(
                      HostCommands.fenced(host, "8-kf3", HostCommand.of("t", "touch " + marker))
                          .text(),
                      T)
                  .ok())
          .isTrue();
      assertThat(sh.run(HostCommands.unlockHost(host, "8-kf3").text(), T).ok()).isTrue();
      assertThat(dir.resolve(".tarmac/lock")).doesNotExist();
      // two stores' runs #7: the same number is not the same generation
      assertThat(sh.run(HostCommands.lockHost(host, "run 7", "7-kf3", null).text(), T).ok())
          .isTrue();
      assertThat(
              sh.run(
                      HostCommands.fenced(host, "7-x1", HostCommand.of("t", "touch " + marker))
                          .text(),
                      T)
                  .exitCode())
          .isEqualTo(HostCommands.FENCED);
      assertThat(sh.run(HostCommands.unlockHost(host, "7-x1").text(), T).ok()).isTrue();
      assertThat(dir.resolve(".tarmac/lock/id")).content().isEqualTo("7-kf3\n");
      // a generation is never more than one word in a command
      assertThatThrownBy(
              () -> HostCommands.fenced(host, "7; rm -rf /", HostCommand.of("t", "true")).text())
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  /**
   * Issue 21 item 8: a run that breaks a stale host lock first ends what the old run still has
   * running there (its migration, a hook), the whole process tree, so that nothing of the old run
   * works in directories the new run is about to change.
   */
  @Test
  void breakingAStaleLockEndsTheOldRunsCommandsOnTheHost(@TempDir Path dir) throws Exception {
    ReleaseLayout host = new ReleaseLayout(dir.toString());
    Path child = dir.resolve("child.pid");
    try (LocalTransport old = new LocalTransport("here");
        LocalTransport taking = new LocalTransport("here")) {
      assertThat(old.run(HostCommands.lockHost(host, "run 7", "7-kf3", null).text(), T).ok())
          .isTrue();
      // a finished command of run 7 leaves its pid behind: it must not be mistaken for a live one
      assertThat(
              old.run(HostCommands.fenced(host, "7-kf3", HostCommand.of("t", "true")).text(), T)
                  .ok())
          .isTrue();
      java.util.concurrent.CompletableFuture<CommandResult> migrating =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () ->
                  old.run(
                      HostCommands.fenced(
                              host,
                              "7-kf3",
                              HostCommand.of("t", "sleep 60 & echo $! > " + child + "; wait"))
                          .text(),
                      Duration.ofSeconds(90)));
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!(Files.exists(child) && Files.size(child) > 0) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      long sleeper = Long.parseLong(Files.readString(child).strip());
      assertThat(ProcessHandle.of(sleeper)).isPresent();
      assertThat(Files.readAllLines(dir.resolve(".tarmac/lock/pids"))).hasSize(2);

      CommandResult took =
          taking.run(HostCommands.lockHost(host, "run 8", "8-kf3", "7-kf3").text(), T);
      assertThat(took.ok()).isTrue();
      assertThat(took.stdout().strip()).isEqualTo("ended 1 commands of the old run");
      CommandResult ended = migrating.get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(ended.exitCode()).isEqualTo(137);
      deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (ProcessHandle.of(sleeper).map(ProcessHandle::isAlive).orElse(false)
          && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(ProcessHandle.of(sleeper).map(ProcessHandle::isAlive).orElse(false)).isFalse();
      assertThat(dir.resolve(".tarmac/lock/id")).content().isEqualTo("8-kf3\n");
      assertThat(dir.resolve(".tarmac/lock/pids")).doesNotExist();
    }
  }

  @Test
  void cleanupExactString() {
    assertThat(HostCommands.cleanup(layout, "v1.4.0", "v1.3.2", 5, false).text())
        .isEqualTo(
            """
            cd /srv/shop/releases || exit 0
            live=$(readlink ../current) || live=
            kept=' v1.4.0 v1.3.2 '
            seen=' v1.4.0 '
            n=1
            if [ -f ../.tarmac/revisions.log ]; then
              newest=
              while read -r _ v _; do newest="$v $newest"; done < ../.tarmac/revisions.log
              for v in $newest; do
                case "$seen" in *" $v "*) continue;; esac
                seen="$seen$v "
                [ "$n" -lt 5 ] || break
                kept="$kept$v "
                n=$((n + 1))
              done
            fi
            for d in *; do
              [ -d "$d" ] && [ ! -L "$d" ] || continue
              case "$d" in *.partial) continue;; esac
              [ "releases/$d" != "$live" ] || continue
              case "$kept" in *" $d "*) continue;; esac
              rm -rf -- "$d" && echo "$d"
            done
            if [ -d ../.tarmac/backups ]; then
              ls -1t ../.tarmac/backups | tail -n +6 | while read -r f; do f=../.tarmac/backups/$f; rm -f -- "$f" && echo "backup ${f##*/}"; done
            fi
            exit 0""");
    assertThat(HostCommands.cleanup(layout, "v2", null, 3, true).text())
        .contains("kept=' v2 '")
        .contains("  echo \"$d\"\n")
        .doesNotContain("rm ");
  }

  @Test
  void keptReleasesExactStringAndThroughSh(@TempDir Path dir) throws Exception {
    assertThat(HostCommands.keptReleases(layout).text())
        .isEqualTo(
            """
            cd /srv/shop/releases 2>/dev/null || { echo 'cannot read '/srv/shop/releases >&2; exit 1; }
            for d in *; do
              [ -d "$d" ] && [ ! -L "$d" ] || continue
              case "$d" in *.partial) continue;; esac
              printf '%s\\n' "$d"
            done
            exit 0""");
    ReleaseLayout host = new ReleaseLayout(dir.toString());
    try (LocalTransport sh = new LocalTransport("h")) {
      // no releases/ (after a release there is one): a failure, so the clean-up counts this
      // environment's whole history rather than believe it keeps nothing
      CommandResult none = sh.run(HostCommands.keptReleases(host).text(), T);
      assertThat(none.ok()).isFalse();
      assertThat(none.stdout()).isEmpty();
      assertThat(none.stderr()).isEqualTo("cannot read " + dir.resolve("releases") + "\n");
      for (String v : List.of("v1", "v2", "v3.partial")) {
        Files.createDirectories(dir.resolve("releases/" + v));
      }
      Files.writeString(dir.resolve("releases/notes.txt"), "a file");
      Files.createSymbolicLink(dir.resolve("releases/v9"), dir.resolve("releases/v1"));
      CommandResult r = sh.run(HostCommands.keptReleases(host).text(), T);
      assertThat(r.ok()).isTrue();
      assertThat(r.stdout().lines()).containsExactly("v1", "v2");
      assertThat(HostCommands.keptReleases(host).parse(r)).containsExactly("v1", "v2");
    }
  }

  /**
   * Clean-up decides from the host's own revision log: what another service released there (so not
   * in this store's history) is kept while it is among the newest {@code keep}.
   */
  @Test
  void cleanupKeepsWhatTheHostCanRollBackTo(@TempDir Path dir) throws Exception {
    ReleaseLayout host = new ReleaseLayout(dir.toString());
    for (String v : List.of("v1", "v2", "v3", "v4", "v5", "other1", "v6.partial")) {
      Files.createDirectories(dir.resolve("releases/" + v));
    }
    Files.createDirectories(dir.resolve(".tarmac/backups"));
    for (int i = 1; i <= 4; i++) {
      Path dump = dir.resolve(".tarmac/backups/v" + i + ".sql.gz");
      Files.writeString(dump, "dump");
      Files.setLastModifiedTime(dump, java.nio.file.attribute.FileTime.fromMillis(i * 1000L));
    }
    Files.writeString(
        dir.resolve(".tarmac/revisions.log"),
        """
        2026-01-01T00:00:00Z v1 c1 #1 by a
        2026-01-02T00:00:00Z v2 c2 #2 by a
        2026-01-03T00:00:00Z other1 c9 #1 by the other service
        2026-01-04T00:00:00Z v3 c3 #3 by a
        2026-01-05T00:00:00Z v2 c2 #4 rollback by a
        2026-01-06T00:00:00Z v5 c5 #5 by a
        """);
    Files.createSymbolicLink(dir.resolve("current"), Path.of("releases/v5"));
    try (LocalTransport sh = new LocalTransport("here")) {
      CommandResult dry = sh.run(HostCommands.cleanup(host, "v5", "v2", 3, true).text(), T);
      assertThat(dry.stdout().lines())
          .containsExactlyInAnyOrder("v1", "other1", "v4", "backup v1.sql.gz");
      assertThat(dir.resolve("releases/v1")).exists();
      // keep 4: the newest distinct versions of the log are v5, v2, v3, other1
      CommandResult removed = sh.run(HostCommands.cleanup(host, "v5", "v2", 4, false).text(), T);
      assertThat(removed.stdout().lines()).containsExactlyInAnyOrder("v1", "v4");
      try (var left = Files.list(dir.resolve("releases"))) {
        assertThat(left.map(p -> p.getFileName().toString()))
            .containsExactlyInAnyOrder("v2", "v3", "v5", "other1", "v6.partial");
      }
      assertThat(dir.resolve(".tarmac/backups/v1.sql.gz")).exists();
    }
  }

  @Test
  void cleanupNeverRemovesTheLiveReleaseAndLinkingNeverOverwritesShared(@TempDir Path dir)
      throws Exception {
    ReleaseLayout host = new ReleaseLayout(dir.toString());
    for (String v : List.of("v1", "v2", "v3", "v4")) {
      Files.createDirectories(dir.resolve("releases/" + v + "/public/uploads"));
    }
    Files.createDirectories(dir.resolve("shared/public/uploads"));
    Files.writeString(dir.resolve("shared/public/uploads/photo.jpg"), "kept");
    Files.writeString(dir.resolve("releases/v4/.env"), "FROM_RELEASE=1");
    try (LocalTransport sh = new LocalTransport("here")) {
      List<String> shared = List.of("public/uploads", ".env");
      assertThat(sh.run(HostCommands.linkShared(host, "v4", shared, "c").text(), T).ok()).isTrue();
      assertThat(dir.resolve("releases/v4/public/uploads/photo.jpg")).content().isEqualTo("kept");
      assertThat(dir.resolve("shared/.env")).content().isEqualTo("FROM_RELEASE=1");
      Files.writeString(dir.resolve("shared/.env"), "EDITED_ON_HOST=1");
      assertThat(sh.run(HostCommands.linkShared(host, "v4", shared, "c").text(), T).ok()).isTrue();
      assertThat(dir.resolve("shared/.env")).content().isEqualTo("EDITED_ON_HOST=1");

      assertThat(sh.run(SwitchCommands.switchCurrent(host, "v1").text(), T).ok()).isTrue();
      CommandResult removed = sh.run(HostCommands.cleanup(host, "v4", "v3", 2, false).text(), T);
      assertThat(removed.stdout().lines()).containsExactly("v2");
      try (var left = Files.list(dir.resolve("releases"))) {
        assertThat(left.map(p -> p.getFileName().toString()))
            .containsExactlyInAnyOrder("v1", "v3", "v4");
      }
    }
  }

  /** A shared path under a directory that the artifact made a symlink is refused, not followed. */
  @Test
  void linkingASharedPathNeverGoesThroughASymlinkedParent(@TempDir Path dir) throws Exception {
    ReleaseLayout host = new ReleaseLayout(dir.resolve("app").toString());
    Path victim = Files.createDirectories(dir.resolve("outside/uploads"));
    Files.writeString(victim.resolve("precious.txt"), "keep me");
    Files.createDirectories(dir.resolve("app/releases/v1"));
    Files.createSymbolicLink(dir.resolve("app/releases/v1/public"), dir.resolve("outside"));
    try (LocalTransport sh = new LocalTransport("here")) {
      CommandResult r =
          sh.run(HostCommands.linkShared(host, "v1", List.of("public/uploads"), "c").text(), T);
      assertThat(r.exitCode()).isEqualTo(12);
      assertThat(r.stderr()).contains("releases/v1/public is a symlink");
    }
    assertThat(victim.resolve("precious.txt")).content().isEqualTo("keep me");
  }

  /**
   * The task a command runs as, in the timeline, the record and the CLI: as before it was a type.
   */
  @Test
  void eachCommandCarriesItsTaskName() {
    assertThat(
            List.of(
                HostCommands.checkHost(layout, "v1", 1).label(),
                HostCommands.lockHost(layout, "o", "7", null).label(),
                HostCommands.unlockHost(layout, "7").label(),
                HostCommands.linkShared(layout, "v1", List.of(), "abc").label(),
                HostCommands.logRevision(layout, "x")
                    .then(HostCommands.clearBad(layout, "v1"))
                    .label(),
                HostCommands.markBad(layout, "v1").label(),
                HostCommands.discard(layout, "v1", true).label(),
                HostCommands.cleanup(layout, "v1", null, 3, false).label(),
                HostCommands.keptReleases(layout).label(),
                HostCommands.status(layout).label(),
                HostCommands.fenced(layout, "7", HostCommands.markBad(layout, "v1")).label()))
        .containsExactly(
            "check",
            "lock host",
            "unlock",
            "link shared",
            "log revision",
            "mark bad",
            "discard",
            "cleanup",
            "kept releases",
            "status",
            "mark bad");
  }

  @Test
  void statusIsParsedBesideItsCommand() {
    HostCommands.OnDisk disk =
        HostCommands.OnDisk.parse(
            "current=releases/v2\nrevision=abc\nrelease=v1\nrelease=v2\nbad=v3\n");
    assertThat(disk)
        .isEqualTo(new HostCommands.OnDisk("v2", "abc", List.of("v1", "v2"), List.of("v3")));
  }

  @Test
  void linkSharedExactString() {
    assertThat(
            HostCommands.linkShared(layout, "v1.4.0", List.of("public/uploads", ".env"), "abc123")
                .text())
        .isEqualTo(
            """
            set -e
            cd /srv/shop
            if [ -L releases/v1.4.0/public ]; then echo 'releases/v1.4.0/public is a symlink in the artifact; shared path public/uploads would be linked through it: refusing (make it a directory in the repository)' >&2; exit 12; fi
            if [ ! -e shared/public/uploads ] && [ ! -L shared/public/uploads ]; then
              mkdir -p shared/public
              if [ -f releases/v1.4.0/public/uploads ]; then cp -p releases/v1.4.0/public/uploads shared/public/uploads; else mkdir -p shared/public/uploads; fi
            fi
            rm -rf releases/v1.4.0/public/uploads
            mkdir -p releases/v1.4.0/public
            ln -s ../../../shared/public/uploads releases/v1.4.0/public/uploads
            if [ ! -e shared/.env ] && [ ! -L shared/.env ]; then
              mkdir -p shared
              if [ -f releases/v1.4.0/.env ]; then cp -p releases/v1.4.0/.env shared/.env; else : > shared/.env; fi
            fi
            rm -rf releases/v1.4.0/.env
            mkdir -p releases/v1.4.0
            ln -s ../../shared/.env releases/v1.4.0/.env
            printf '%s\\n' abc123 > releases/v1.4.0/REVISION""");
    assertThatThrownBy(() -> HostCommands.linkShared(layout, "v1", List.of("../etc"), "x").text())
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void discardStatusMarksAndRevisionLogExactStrings() {
    assertThat(HostCommands.discard(layout, "v1.4.0", true).text())
        .isEqualTo(
            "rm -rf /srv/shop/releases/v1.4.0.partial && { [ \"$(readlink /srv/shop/current)\" ="
                + " releases/v1.4.0 ] || rm -rf /srv/shop/releases/v1.4.0; }");
    assertThat(HostCommands.discard(layout, "v1.4.0", false).text())
        .isEqualTo("rm -rf /srv/shop/releases/v1.4.0.partial");
    assertThat(HostCommands.status(layout).text())
        .isEqualTo(
            """
            cd /srv/shop 2>/dev/null || { echo current=; exit 0; }
            c=
            if [ -L current ] && cd -P current 2>/dev/null; then
              c=$PWD; cd /srv/shop
              if cd -P releases 2>/dev/null; then
                case $c in "$PWD"/*/*) ;; "$PWD"/?*) c=releases/${c#"$PWD"/} ;; esac
                cd /srv/shop
              fi
            fi
            printf 'current=%s\\n' "$c"
            rev=; read -r rev 2>/dev/null < current/REVISION
            printf 'revision=%s\\n' "$rev"
            for d in releases/*; do [ -d "$d" ] && printf 'release=%s\\n' "${d#releases/}"; done
            for b in .tarmac/bad/*; do [ -e "$b" ] && printf 'bad=%s\\n' "${b#.tarmac/bad/}"; done
            exit 0""");
    assertThat(HostCommands.markBad(layout, "v2").text())
        .isEqualTo("mkdir -p /srv/shop/.tarmac/bad && : > /srv/shop/.tarmac/bad/v2");
    assertThat(HostCommands.logRevision(layout, "2026 v2 abc #3 by ann").text())
        .isEqualTo("printf '%s\\n' '2026 v2 abc #3 by ann' >> /srv/shop/.tarmac/revisions.log");
    assertThat(HostCommands.clearBad(layout, "v2").text())
        .isEqualTo("rm -f /srv/shop/.tarmac/bad/v2");
  }
}
