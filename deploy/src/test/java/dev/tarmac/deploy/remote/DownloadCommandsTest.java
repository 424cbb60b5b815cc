package dev.tarmac.deploy.remote;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.tarmac.deploy.testing.TestBuilds;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The download commands: exact strings, and a resumed download against a real HTTP server. */
class DownloadCommandsTest {
  private final ReleaseLayout layout = new ReleaseLayout("/srv/shop/");

  @Test
  void fetchExactString() {
    String cmd =
        DownloadCommands.fetch(
                layout,
                "v1.4.0",
                new DownloadCommands.Download(
                    URI.create("http://store:8080/api/store/a?sig=x&e=1"),
                    "a".repeat(64),
                    1234,
                    URI.create("http://store:8080/m"),
                    "b".repeat(64),
                    Optional.of("5M")))
            .text();
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
              if curl --fail --silent --show-error --location --connect-timeout 10 --limit-rate 5M --continue-at - --output "$dl" 'http://store:8080/api/store/a?sig=x&e=1'; then
                if [ "$(wc -c < "$dl")" -le "$have" ]; then rm -f "$dl"; rm -rf releases/v1.4.0.partial; echo "the store has no more than $have bytes of the 1234 the build record says: the artifact does not match its record; the download was deleted" >&2; exit 7; fi
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
            if (from >= body.length) {
              // a range at the end answered with nothing, as the tests' store server
              // (FsStoreHttpServer) does: curl succeeds without a byte more
              ex.getResponseHeaders()
                  .add(
                      "Content-Range",
                      "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
              ex.sendResponseHeaders(206, 0);
              ex.close();
              return;
            }
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
      DownloadCommands.Download dl =
          new DownloadCommands.Download(
              URI.create(base + "/a"),
              TestBuilds.sha256(artifact),
              artifact.length,
              URI.create(base + "/m"),
              TestBuilds.sha256(manifestBytes),
              Optional.empty());
      LocalTransport sh = new LocalTransport("here");
      CommandResult first =
          sh.run(DownloadCommands.fetch(host, "v7", dl).text(), Duration.ofSeconds(30));
      assertThat(first.ok()).as(first.output()).isTrue();
      assertThat(first.stdout().strip()).isEqualTo("downloaded");
      assertThat(DownloadCommands.fetch(host, "v7", dl).parse(first)).isTrue();
      assertThat(ranges).containsExactly("bytes=" + half + "-");
      assertThat(dir.resolve("host/releases/v7/bin/tool")).isExecutable();
      assertThat(dir.resolve("host/releases/v7.partial")).doesNotExist();
      assertThat(dir.resolve("host/.tarmac/downloads/v7.tar.gz")).doesNotExist();

      CommandResult again =
          sh.run(DownloadCommands.fetch(host, "v7", dl).text(), Duration.ofSeconds(30));
      assertThat(again.stdout().strip()).isEqualTo("present");
      assertThat(DownloadCommands.fetch(host, "v7", dl).parse(again)).isFalse();
      assertThat(ranges).hasSize(1);

      // the store holds fewer bytes than the build record says (a replaced artifact) and answers
      // the resumed range with nothing: curl succeeded again and again, without a byte more,
      // until the command's limit; now it is a checksum failure at once, and nothing is kept
      DownloadCommands.Download shorter =
          new DownloadCommands.Download(
              URI.create(base + "/a"),
              TestBuilds.sha256(artifact),
              artifact.length + 1000,
              URI.create(base + "/m"),
              TestBuilds.sha256(manifestBytes),
              Optional.empty());
      Instant t0 = Instant.now();
      CommandResult cut =
          sh.run(DownloadCommands.fetch(host, "v8", shorter).text(), Duration.ofSeconds(30));
      assertThat(cut.exitCode()).as(cut.output()).isEqualTo(7);
      assertThat(cut.stderr()).contains("the store has no more than " + artifact.length + " bytes");
      assertThat(Duration.between(t0, Instant.now())).isLessThan(Duration.ofSeconds(10));
      assertThat(dir.resolve("host/.tarmac/downloads/v8.tar.gz")).doesNotExist();
      assertThat(dir.resolve("host/releases/v8.partial")).doesNotExist();
    } finally {
      server.stop(0);
    }
  }

  @Test
  void downloadedBytesExactString() {
    assertThat(DownloadCommands.downloadedBytes(layout, "v2").text())
        .isEqualTo("wc -c < /srv/shop/.tarmac/downloads/v2.tar.gz 2>/dev/null || echo 0");
    assertThat(
            DownloadCommands.downloadedBytes(layout, "v2")
                .parse(new CommandResult(0, "1234\n", "", Instant.EPOCH, Instant.EPOCH)))
        .isEqualTo(1234L);
  }

  @Test
  void fetchDeltaExactString() {
    assertThat(
            DownloadCommands.fetchDelta(
                    layout,
                    "v2",
                    new DownloadCommands.DeltaDownload(
                        "v1", URI.create("http://store/d?s=1"), "c".repeat(64)))
                .text())
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
