package dev.tarmac.deploy.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.tarmac.deploy.testing.TestBuilds;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReleaseCommandsTest {
  private final ReleaseLayout layout = new ReleaseLayout("/srv/shop/");

  @Test
  void switchCurrentIsLinkThenRenameNeverRemove() {
    assertThat(ReleaseCommands.switchCurrent(layout, "v1.4.0"))
        .isEqualTo(
            "ln -sfn releases/v1.4.0 /srv/shop/.current.v1.4.0.tmp && mv -T /srv/shop/.current.v1.4.0.tmp /srv/shop/current");
  }

  @Test
  void versionsAndPathsThatCouldReachAShellAreRefused() {
    assertThatThrownBy(() -> ReleaseCommands.switchCurrent(layout, "v1;rm -rf /"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ReleaseLayout("srv/shop"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ReleaseLayout("/srv/../etc"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void quotingKeepsOneWord() {
    assertThat(Shell.quote("plain/path-1.0")).isEqualTo("plain/path-1.0");
    assertThat(Shell.quote("it's $HOME")).isEqualTo("'it'\\''s $HOME'");
    assertThat(Shell.quote("")).isEqualTo("''");
  }

  @Test
  void theSwitchReallyReplacesCurrentInOneStep(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("releases/v1"));
    Files.createDirectories(dir.resolve("releases/v2"));
    ReleaseLayout real = new ReleaseLayout(dir.toString());
    for (String version : new String[] {"v1", "v2"}) {
      Process p =
          new ProcessBuilder("sh", "-c", ReleaseCommands.switchCurrent(real, version))
              .redirectErrorStream(true)
              .start();
      assertThat(p.waitFor()).as(new String(p.getInputStream().readAllBytes())).isZero();
    }

    assertThat(Files.readSymbolicLink(dir.resolve("current"))).isEqualTo(Path.of("releases/v2"));
    try (var entries = Files.list(dir)) {
      assertThat(entries.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("current", "releases");
    }
  }

  @Test
  void checkHostExactString() {
    assertThat(ReleaseCommands.checkHost(layout, 2_000_000))
        .isEqualTo(
            """
            for c in sh curl tar gzip sha256sum; do command -v "$c" >/dev/null 2>&1 || { echo "missing command: $c (install it on this host)" >&2; exit 3; }; done
            mkdir -p /srv/shop/releases /srv/shop/shared /srv/shop/.tarmac/downloads || exit 4
            set -- $(df -Pk /srv/shop | tail -n 1)
            [ "$4" -ge 1954 ] || { echo "only $4 KiB free under /srv/shop, the release needs 1954 KiB (twice the artifact)" >&2; exit 5; }
            readlink /srv/shop/current || true""");
  }

  @Test
  void hostLockIsAnAtomicMkdirNamingItsOwner() {
    assertThat(ReleaseCommands.lockHost(layout, "shop/prod#7 release v1.4.0 by ann's ci"))
        .isEqualTo(
            "mkdir -p /srv/shop/.tarmac && if mkdir /srv/shop/.tarmac/lock 2>/dev/null; then"
                + " printf '%s\\n' 'shop/prod#7 release v1.4.0 by ann'\\''s ci' >"
                + " /srv/shop/.tarmac/lock/owner; else echo \"locked by: $(cat"
                + " /srv/shop/.tarmac/lock/owner 2>/dev/null)\"; exit 75; fi");
    assertThat(ReleaseCommands.unlockHost(layout)).isEqualTo("rm -rf /srv/shop/.tarmac/lock");
  }

  @Test
  void fetchExactString() {
    String cmd =
        ReleaseCommands.fetch(
            layout,
            "v1.4.0",
            new ReleaseCommands.Download(
                URI.create("http://store:8080/api/store/a?sig=x&e=1"),
                "a".repeat(64),
                1234,
                URI.create("http://store:8080/m"),
                "b".repeat(64),
                Optional.of("5M")));
    assertThat(cmd)
        .isEqualTo(
            """
            set -e
            cd /srv/shop
            if [ -d releases/v1.4.0 ]; then echo present; exit 0; fi
            dl=.tarmac/downloads/v1.4.0.tar.gz
            mf=.tarmac/downloads/v1.4.0.manifest.sha256
            mkdir -p .tarmac/downloads releases
            rm -rf releases/v1.4.0.partial
            mkdir releases/v1.4.0.partial
            unpacked=no
            sum=.tarmac/downloads/v1.4.0.sha256
            rm -f "$sum" "$sum.fifo"
            if [ ! -s "$dl" ]; then
              mkfifo "$sum.fifo"
              sha256sum < "$sum.fifo" > "$sum" &
              if curl --fail --silent --show-error --location --connect-timeout 10 --limit-rate 5M 'http://store:8080/api/store/a?sig=x&e=1' | tee "$dl" "$sum.fifo" | tar -xzf - --no-same-owner -C releases/v1.4.0.partial; then unpacked=yes; fi
              wait
              rm -f "$sum.fifo"
            fi
            i=0
            while :; do
              if [ -f "$dl" ]; then have=$(wc -c < "$dl"); else have=0; fi
              [ "$have" -lt 1234 ] || break
              unpacked=no
              rm -f "$sum"
              i=$((i + 1))
              if curl --fail --silent --show-error --location --connect-timeout 10 --limit-rate 5M --continue-at - --output "$dl" 'http://store:8080/api/store/a?sig=x&e=1'; then :
              elif [ "$i" -ge 5 ]; then rm -rf releases/v1.4.0.partial; echo "download failed 5 times; $have of 1234 bytes are kept in $PWD/$dl and the next release resumes from there" >&2; exit 6
              else sleep 1; fi
            done
            if [ -s "$sum" ]; then set -- $(cat "$sum"); else set -- $(sha256sum "$dl"); fi
            rm -f "$sum"
            if [ "$1" != AAA ]; then rm -f "$dl"; rm -rf releases/v1.4.0.partial; echo "the downloaded artifact has sha256 $1, the build record says AAA; it was deleted" >&2; exit 7; fi
            if [ "$unpacked" = no ]; then rm -rf releases/v1.4.0.partial; mkdir releases/v1.4.0.partial; tar -xzf "$dl" --no-same-owner -C releases/v1.4.0.partial; fi
            curl --fail --silent --show-error --location --connect-timeout 10 --limit-rate 5M --retry 3 --output "$mf" http://store:8080/m
            set -- $(sha256sum "$mf")
            if [ "$1" != BBB ]; then rm -f "$mf"; rm -rf releases/v1.4.0.partial; echo "the downloaded manifest has sha256 $1, the build record says BBB" >&2; exit 7; fi
            if ! (cd releases/v1.4.0.partial && sha256sum -c --quiet --strict "../../$mf" >&2); then rm -rf releases/v1.4.0.partial; echo "unpacked files differ from the manifest" >&2; exit 8; fi
            mv -T releases/v1.4.0.partial releases/v1.4.0
            rm -f "$dl" "$mf"
            echo downloaded"""
                .replace("AAA", "a".repeat(64))
                .replace("BBB", "b".repeat(64)));
  }

  @Test
  void linkSharedExactString() {
    assertThat(
            ReleaseCommands.linkShared(
                layout, "v1.4.0", List.of("public/uploads", ".env"), "abc123"))
        .isEqualTo(
            """
            set -e
            cd /srv/shop
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
    assertThatThrownBy(() -> ReleaseCommands.linkShared(layout, "v1", List.of("../etc"), "x"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void hooksRunInTheReleaseWithTheTarmacVariables() {
    assertThat(
            ReleaseCommands.hooks(
                layout.release("v1.4.0"),
                new HookEnv("shop", "v1.4.0", "prod", "web1", null).variables(layout),
                List.of("python manage.py migrate", "echo 'done'")))
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
  void backupUploadHealthCleanupDiscardStatusExactStrings() {
    assertThat(ReleaseCommands.uploadBackup(layout, "v1.4.0", URI.create("http://store/put?x=1")))
        .isEqualTo(
            """
            [ -s /srv/shop/.tarmac/backups/v1.4.0.sql.gz ] || { echo "the backup hook wrote nothing to /srv/shop/.tarmac/backups/v1.4.0.sql.gz ($TARMAC_BACKUP_FILE)" >&2; exit 9; }
            curl --fail --silent --show-error --retry 3 --upload-file /srv/shop/.tarmac/backups/v1.4.0.sql.gz 'http://store/put?x=1' || exit 10
            set -- $(sha256sum /srv/shop/.tarmac/backups/v1.4.0.sql.gz) && printf '%s %s\\n' "$1" "$(wc -c < /srv/shop/.tarmac/backups/v1.4.0.sql.gz)\"""");
    assertThat(
            ReleaseCommands.health(
                layout, "http://localhost:8000/health", 10, Optional.of("v1.4.0")))
        .isEqualTo(
            """
            end=$(( $(date +%s) + 10 ))
            while :; do
              code=$(curl --silent --show-error --max-time 5 --output /srv/shop/.tarmac/health.body --write-out '%{http_code}' http://localhost:8000/health 2>&1) || true
              if [ "$code" = 200 ]; then case "$(cat /srv/shop/.tarmac/health.body)" in *v1.4.0*) exit 0;; esac; why='answered 200 without the expected text'; else why="answered $code"; fi
              [ "$(date +%s)" -lt "$end" ] || { printf 'health check %s failed after %s s: %s\\n' http://localhost:8000/health 10 "$why" >&2; exit 1; }
              sleep 0.2
            done""");
    assertThat(ReleaseCommands.cleanup(layout, List.of("v1.4.0", "v1.3.2")))
        .isEqualTo(
            """
            cd /srv/shop/releases || exit 0
            live=$(readlink ../current) || live=
            for d in *; do
              [ -e "$d" ] || continue
              [ "releases/$d" != "$live" ] || continue
              case "$d" in v1.4.0|v1.3.2) ;; *) rm -rf -- "$d" && echo "$d";; esac
            done""");
    assertThat(ReleaseCommands.discard(layout, "v1.4.0", true))
        .isEqualTo(
            "rm -rf /srv/shop/releases/v1.4.0.partial && { [ \"$(readlink /srv/shop/current)\" ="
                + " releases/v1.4.0 ] || rm -rf /srv/shop/releases/v1.4.0; }");
    assertThat(ReleaseCommands.discard(layout, "v1.4.0", false))
        .isEqualTo("rm -rf /srv/shop/releases/v1.4.0.partial");
    assertThat(ReleaseCommands.status(layout))
        .isEqualTo(
            """
            cd /srv/shop 2>/dev/null || { echo current=; exit 0; }
            printf 'current=%s\\n' "$(readlink current 2>/dev/null)"
            printf 'revision=%s\\n' "$(cat current/REVISION 2>/dev/null)"
            for d in releases/*; do [ -d "$d" ] && printf 'release=%s\\n' "${d#releases/}"; done
            for b in .tarmac/bad/*; do [ -e "$b" ] && printf 'bad=%s\\n' "${b#.tarmac/bad/}"; done
            exit 0""");
    assertThat(ReleaseCommands.markBad(layout, "v2"))
        .isEqualTo("mkdir -p /srv/shop/.tarmac/bad && : > /srv/shop/.tarmac/bad/v2");
    assertThat(ReleaseCommands.removeCurrent(layout)).isEqualTo("rm -f /srv/shop/current");
    assertThat(ReleaseCommands.logRevision(layout, "2026 v2 abc #3 by ann"))
        .isEqualTo("printf '%s\\n' '2026 v2 abc #3 by ann' >> /srv/shop/.tarmac/revisions.log");
  }

  /** An interrupted download resumes from where it stopped; a complete release is not fetched. */
  @Test
  void fetchResumesAnInterruptedDownloadAndSkipsACompleteRelease(@TempDir Path dir)
      throws Exception {
    Path tree = TestBuilds.sampleTree(Files.createDirectories(dir.resolve("tree")), "v7");
    Files.write(
        tree.resolve("big.bin"),
        new java.util.Random(7)
            .ints(300_000)
            .collect(java.io.ByteArrayOutputStream::new, (o, i) -> o.write(i), (a, b) -> {})
            .toByteArray());
    Path tar = dir.resolve("a.tar.gz");
    assertThat(
            new ProcessBuilder("tar", "-czf", tar.toString(), "-C", tree.toString(), ".")
                .start()
                .waitFor())
        .isZero();
    byte[] artifact = Files.readAllBytes(tar);
    StringBuilder manifest = new StringBuilder();
    try (var files = Files.walk(tree)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        manifest
            .append(TestBuilds.sha256(Files.readAllBytes(f)))
            .append("  ")
            .append(tree.relativize(f))
            .append('\n');
      }
    }
    byte[] manifestBytes = manifest.toString().getBytes(StandardCharsets.UTF_8);
    List<String> ranges = new CopyOnWriteArrayList<>();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        ex -> {
          byte[] body = ex.getRequestURI().getPath().equals("/m") ? manifestBytes : artifact;
          String range = ex.getRequestHeaders().getFirst("Range");
          if (range != null) {
            ranges.add(range);
            int from = Integer.parseInt(range.replaceAll("bytes=(\\d+)-.*", "$1"));
            ex.getResponseHeaders()
                .add(
                    "Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
            ex.sendResponseHeaders(206, body.length - from);
            ex.getResponseBody().write(body, from, body.length - from);
          } else {
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
          }
          ex.close();
        });
    server.start();
    try {
      ReleaseLayout host = new ReleaseLayout(dir.resolve("host").toString());
      Files.createDirectories(dir.resolve("host/.tarmac/downloads"));
      int half = artifact.length / 2;
      Files.write(
          dir.resolve("host/.tarmac/downloads/v7.tar.gz"), java.util.Arrays.copyOf(artifact, half));
      String base = "http://127.0.0.1:" + server.getAddress().getPort();
      ReleaseCommands.Download dl =
          new ReleaseCommands.Download(
              URI.create(base + "/a"),
              TestBuilds.sha256(artifact),
              artifact.length,
              URI.create(base + "/m"),
              TestBuilds.sha256(manifestBytes),
              Optional.empty());
      LocalTransport sh = new LocalTransport("here");
      CommandResult first = sh.run(ReleaseCommands.fetch(host, "v7", dl), Duration.ofSeconds(30));
      assertThat(first.ok()).as(first.output()).isTrue();
      assertThat(first.stdout().strip()).isEqualTo("downloaded");
      assertThat(ranges).containsExactly("bytes=" + half + "-");
      assertThat(dir.resolve("host/releases/v7/bin/tool")).isExecutable();
      assertThat(dir.resolve("host/releases/v7.partial")).doesNotExist();
      assertThat(dir.resolve("host/.tarmac/downloads/v7.tar.gz")).doesNotExist();

      CommandResult again = sh.run(ReleaseCommands.fetch(host, "v7", dl), Duration.ofSeconds(30));
      assertThat(again.stdout().strip()).isEqualTo("present");
      assertThat(ranges).hasSize(1);
    } finally {
      server.stop(0);
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
    LocalTransport sh = new LocalTransport("here");
    Duration t = Duration.ofSeconds(10);
    List<String> shared = List.of("public/uploads", ".env");
    assertThat(sh.run(ReleaseCommands.linkShared(host, "v4", shared, "c"), t).ok()).isTrue();
    assertThat(dir.resolve("releases/v4/public/uploads/photo.jpg")).content().isEqualTo("kept");
    assertThat(dir.resolve("shared/.env")).content().isEqualTo("FROM_RELEASE=1");
    Files.writeString(dir.resolve("shared/.env"), "EDITED_ON_HOST=1");
    assertThat(sh.run(ReleaseCommands.linkShared(host, "v4", shared, "c"), t).ok()).isTrue();
    assertThat(dir.resolve("shared/.env")).content().isEqualTo("EDITED_ON_HOST=1");

    assertThat(sh.run(ReleaseCommands.switchCurrent(host, "v1"), t).ok()).isTrue();
    CommandResult removed = sh.run(ReleaseCommands.cleanup(host, List.of("v4", "v3")), t);
    assertThat(removed.stdout().lines()).containsExactly("v2");
    try (var left = Files.list(dir.resolve("releases"))) {
      assertThat(left.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("v1", "v3", "v4");
    }
  }

  @Test
  void theSwitchIsStagedThenOneRenameReleasedByASignal() {
    assertThat(ReleaseCommands.stageCurrent(layout, "v2"))
        .isEqualTo("ln -sfn releases/v2 /srv/shop/.current.v2.tmp");
    assertThat(ReleaseCommands.swapCurrent(layout, "v2"))
        .isEqualTo("mv -T /srv/shop/.current.v2.tmp /srv/shop/current");
    assertThat(ReleaseCommands.onSignal("mv -T a b"))
        .isEqualTo("read -r signal && [ \"$signal\" = go ] && {\nmv -T a b\n}");
  }

  @Test
  void aPreparedCommandRunsOnlyOnItsSignal(@TempDir Path dir) throws Exception {
    LocalTransport sh = new LocalTransport("here");
    Path marker = dir.resolve("ran");
    Transport.Prepared cancelled = sh.prepare("touch " + marker, Duration.ofSeconds(5));
    cancelled.cancel();
    Thread.sleep(200);
    assertThat(marker).doesNotExist();

    Transport.Prepared ready = sh.prepare("touch " + marker + " && echo ok", Duration.ofSeconds(5));
    Thread.sleep(100);
    assertThat(marker).doesNotExist();
    CommandResult r = ready.run();
    assertThat(r.ok()).isTrue();
    assertThat(r.stdout()).isEqualTo("ok\n");
    assertThat(marker).exists();
  }

  @Test
  void downloadedBytesExactString() {
    assertThat(ReleaseCommands.downloadedBytes(layout, "v2"))
        .isEqualTo("wc -c < /srv/shop/.tarmac/downloads/v2.tar.gz 2>/dev/null || echo 0");
  }

  @Test
  void fetchDeltaExactString() {
    assertThat(
            ReleaseCommands.fetchDelta(
                layout,
                "v2",
                new ReleaseCommands.DeltaDownload(
                    "v1", URI.create("http://store/d?s=1"), "c".repeat(64))))
        .isEqualTo(
            """
            set -e
            cd /srv/shop
            if [ -d releases/v2 ]; then echo present; exit 0; fi
            if [ ! -d releases/v1 ]; then echo "releases/v1 is not on this host" >&2; exit 20; fi
            dl=.tarmac/downloads/v1..v2.delta.tar.gz
            mf=.tarmac/downloads/v2.manifest.sha256
            mkdir -p .tarmac/downloads
            rm -rf releases/v2.partial
            mkdir releases/v2.partial
            if ! curl --fail --silent --show-error --location --connect-timeout 10 --retry 3 --output "$dl" 'http://store/d?s=1'; then rm -rf releases/v2.partial; echo "the delta could not be downloaded" >&2; exit 21; fi
            set -- $(sha256sum "$dl")
            if [ "$1" != CCC ]; then rm -f "$dl"; rm -rf releases/v2.partial; echo "the delta has sha256 $1, its record says CCC" >&2; exit 22; fi
            tar -xzf "$dl" --no-same-owner -C releases/v2.partial
            d=releases/v2.partial/.tarmac-delta
            tar -C releases/v1 --no-recursion --verbatim-files-from -T "$d/unchanged.txt" -cf - | tar -xf - --no-same-owner -C releases/v2.partial
            mv "$d/manifest.sha256" "$mf"
            rm -rf "$d"
            if ! (cd releases/v2.partial && sha256sum -c --quiet --strict "../../$mf" >&2); then rm -rf releases/v2.partial; rm -f "$dl" "$mf"; echo "the files made from releases/v1 and the delta differ from the manifest of v2 (was releases/v1 changed on this host?)" >&2; exit 24; fi
            mv -T releases/v2.partial releases/v2
            rm -f "$dl" "$mf"
            echo delta"""
                .replace("CCC", "c".repeat(64)));
  }
}
