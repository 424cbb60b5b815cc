package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.deploy.release.ReleaseRecord.TaskRecord;
import dev.tarmac.deploy.testing.DeployFixture;
import dev.tarmac.deploy.testing.LocalServers;
import dev.tarmac.deploy.testing.SshHosts;
import dev.tarmac.distributor.model.AppName;
import dev.tarmac.distributor.model.EnvName;
import dev.tarmac.distributor.model.Version;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code release.purge} from the hosts against a real Varnish (Debian's {@code varnish}, started
 * here on loopback with a VCL that caches everything and accepts PURGE from 127.0.0.0/8) in front
 * of nginx serving {@code current/public} of two sshd hosts (one virtual host each, purged with
 * {@code Host: {host}}). Without a purge Varnish keeps serving the old page; with it, the new one;
 * a required purge that fails switches every host back (and purges again, for the version live
 * again); one that is not required is a warning.
 */
class VarnishPurgeIT {
  @Test
  void varnishServesTheNewPageOnlyAfterThePurge() throws Exception {
    Path work = DeployFixture.workDir("varnish-");
    int nginxPort = LocalServers.freePort();
    int varnishPort = LocalServers.freePort();
    try (SshHosts ssh = new SshHosts(work.resolve("hosts"), 2, 41)) {
      Path nginxDir = Files.createDirectories(work.resolve("nginx"));
      StringBuilder servers = new StringBuilder();
      for (SshHosts.Host h : ssh.hosts()) {
        servers
            .append("  server {\n    listen 127.0.0.1:")
            .append(nginxPort)
            .append(";\n    server_name ")
            .append(h.name())
            .append(";\n    root ")
            .append(h.root().resolve("current/public"))
            // the embedded store's cdn/site/ from disk: the "CDN" the pages' assets come from
            .append(";\n    location /cdn/site/ { alias ")
            .append(work.resolve("fx/store/objects/cdn/site"))
            .append("/; }\n  }\n");
      }
      Path varnishDir = Files.createDirectories(work.resolve("varnish"));
      Files.writeString(
          varnishDir.resolve("default.vcl"),
          "vcl 4.1;\n"
              + "backend nginx { .host = \"127.0.0.1\"; .port = \""
              + nginxPort
              + "\"; }\n"
              + "acl purgers { \"127.0.0.0\"/8; }\n"
              + "sub vcl_recv {\n"
              // the test's HttpClient may not set Host; X-Host stands in for it
              + "  if (req.http.X-Host) { set req.http.host = req.http.X-Host; }\n"
              + "  if (req.method == \"PURGE\") {\n"
              + "    if (client.ip !~ purgers) { return (synth(405, \"not allowed\")); }\n"
              + "    return (purge);\n"
              + "  }\n"
              + "}\n"
              + "sub vcl_backend_response { set beresp.ttl = 1h; }\n");
      Process nginx = LocalServers.nginx(nginxDir, servers.toString());
      Process varnish =
          LocalServers.start(
              varnishDir.resolve("varnish.out"),
              "/usr/sbin/varnishd",
              "-F",
              "-a",
              "127.0.0.1:" + varnishPort,
              "-T",
              "none",
              "-f",
              varnishDir.resolve("default.vcl").toString(),
              "-n",
              varnishDir.resolve("work").toString(),
              "-s",
              "malloc,32m");
      try {
        LocalServers.waitForPort(nginxPort, nginx, nginxDir.resolve("nginx.out"));
        LocalServers.waitForPort(varnishPort, varnish, varnishDir.resolve("varnish.out"));
        String purge =
            "release:\n  purge:\n    - { url: \"http://127.0.0.1:"
                + varnishPort
                + "/index.html\", headers: { Host: \"{host}\" } }\n";
        String failingPurge =
            "release:\n  purge:\n    - { url: \"http://127.0.0.1:9/{version}\", required: REQ }\n";
        try (DeployFixture fx =
            new DeployFixture(
                work.resolve("fx"),
                dev.tarmac.deploy.release.Transports.standard(ssh.settings()))) {
          fx.publish("site", "v1", ssh.tarmacYml("site", purge));
          fx.publish("site", "v2", ssh.tarmacYml("site", "")); // no purge
          fx.publish("site", "v3", ssh.tarmacYml("site", purge));
          fx.publish("site", "v4", ssh.tarmacYml("site", failingPurge.replace("REQ", "true")));
          fx.publish("site", "v5", ssh.tarmacYml("site", failingPurge.replace("REQ", "false")));
          String fromService =
              "release:\n  purge:\n"
                  + "    - { url: \"http://127.0.0.1:"
                  + varnishPort
                  + "/index.html\", from: service, headers: { X-Host: host1 }, required: true }\n"
                  + "    - { url: \"http://127.0.0.1:"
                  + varnishPort
                  + "/index.html\", from: service, headers: { X-Host: host2 }, required: true }\n";
          fx.publish("site", "v6", ssh.tarmacYml("site", fromService));

          fx.deployer.release(
              AppName.of("site"), EnvName.of("prod"), Version.of("v1"), fx.options());
          assertThat(pages(ssh, varnishPort)).containsOnly("<h1>release v1</h1>");
          assertThat(pages(ssh, varnishPort)).containsOnly("<h1>release v1</h1>"); // cached now

          fx.deployer.release(
              AppName.of("site"), EnvName.of("prod"), Version.of("v2"), fx.options());
          // the hosts serve v2, but the cache in front still answers v1: nothing cleared it
          assertThat(ssh.host("host1").root().resolve("current/public/index.html"))
              .content()
              .contains("v2");
          assertThat(pages(ssh, varnishPort)).containsOnly("<h1>release v1</h1>");

          ReleaseRecord v3 =
              fx.deployer.release(
                  AppName.of("site"), EnvName.of("prod"), Version.of("v3"), fx.options());
          assertThat(pages(ssh, varnishPort)).containsOnly("<h1>release v3</h1>");
          for (ReleaseRecord.HostRecord h : v3.hosts()) {
            TaskRecord t = task(h, "purge");
            assertThat(t.ok()).as(h.name()).isTrue();
            assertThat(t.detail()).as(h.name()).isEqualTo("200");
          }

          // required and failing: every host switched back to v3
          assertThatThrownBy(
                  () ->
                      fx.deployer.release(
                          AppName.of("site"), EnvName.of("prod"), Version.of("v4"), fx.options()))
              .isInstanceOf(ReleaseFailedException.class)
              .hasMessageContaining("activation failed; every host was switched back")
              .hasMessageContaining("host1: purge failed")
              .hasMessageContaining("PURGE http://127.0.0.1:9/v4 answered");
          for (SshHosts.Host h : ssh.hosts()) {
            assertThat(Files.readSymbolicLink(h.root().resolve("current")).toString())
                .isEqualTo("releases/v3");
          }

          // not required: a warning in the timeline, the release is live
          ReleaseRecord v5 =
              fx.deployer.release(
                  AppName.of("site"), EnvName.of("prod"), Version.of("v5"), fx.options());
          assertThat(v5.status()).isEqualTo(ReleaseStatus.LIVE);
          assertThat(v5.hosts()).allSatisfy(h -> assertThat(task(h, "purge").ok()).isFalse());

          // from the service, once per entry (a CDN's purge API would be called so)
          ReleaseRecord v6 =
              fx.deployer.release(
                  AppName.of("site"), EnvName.of("prod"), Version.of("v6"), fx.options());
          assertThat(pages(ssh, varnishPort)).containsOnly("<h1>release v6</h1>");
          ReleaseRecord.HostRecord service =
              v6.hosts().stream()
                  .filter(h -> h.name().equals("(service)"))
                  .findFirst()
                  .orElseThrow();
          assertThat(service.tasks())
              .extracting(TaskRecord::name, TaskRecord::ok)
              .containsExactly(
                  org.assertj.core.groups.Tuple.tuple("purge 1", true),
                  org.assertj.core.groups.Tuple.tuple("purge 2", true));

          // pages that name fingerprinted assets: a request loop through a release never gets a
          // page whose stylesheet is missing (pushed before the barrier, purged after the switch)
          String cdn =
              "build:\n  fingerprint: { root: public }\n"
                  + purge.replace(
                      "release:\n", "release:\n  cdn: { url: \"http://127.0.0.1/cdn/site\" }\n");
          publishWithAsset(fx, work, "v7", ssh.tarmacYml("site", cdn));
          publishWithAsset(fx, work, "v8", ssh.tarmacYml("site", cdn));
          fx.deployer.release(
              AppName.of("site"), EnvName.of("prod"), Version.of("v7"), fx.options());
          assertThat(pageAndAsset(ssh.hosts().get(0).name(), varnishPort)).contains("v7");
          java.util.concurrent.atomic.AtomicBoolean stop =
              new java.util.concurrent.atomic.AtomicBoolean();
          List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
          java.util.concurrent.CompletableFuture<Void> loop =
              java.util.concurrent.CompletableFuture.runAsync(
                  () -> {
                    for (int i = 0; i < 100_000 && !stop.get(); i++) {
                      try {
                        seen.add(pageAndAsset(ssh.hosts().get(i % 2).name(), varnishPort));
                      } catch (Throwable e) {
                        seen.add("FAILED " + e.getMessage());
                        return;
                      }
                    }
                  });
          Thread.sleep(200);
          ReleaseRecord v8 =
              fx.deployer.release(
                  AppName.of("site"), EnvName.of("prod"), Version.of("v8"), fx.options());
          Thread.sleep(200);
          stop.set(true);
          loop.get(60, java.util.concurrent.TimeUnit.SECONDS);
          assertThat(seen).noneMatch(p -> p.startsWith("FAILED"));
          assertThat(seen).anyMatch(p -> p.contains("v7")).anyMatch(p -> p.contains("v8"));
          // what each host's purge answered, to tell a failed purge from a fetch that was in
          // flight across it (the suite saw v7 here after v8's release in some runs)
          String purges =
              v8.hosts().stream()
                  .flatMap(h -> h.tasks().stream().map(t -> h.name() + " " + t))
                  .filter(t -> t.contains("purge"))
                  .toList()
                  .toString();
          assertThat(seen.get(seen.size() - 1))
              .as("last of %d answers; v8's purges: %s", seen.size(), purges)
              .contains("v8");

          // a release that fails after its pages were cached: the switch back purges again, so
          // the cache does not keep serving the version that was live for a moment. The failing
          // (required) purge is a server that first reads both pages through Varnish, as any
          // visitor might during the activation, then answers 500.
          List<String> cachedDuringWindow = new java.util.concurrent.CopyOnWriteArrayList<>();
          com.sun.net.httpserver.HttpServer slow =
              com.sun.net.httpserver.HttpServer.create(
                  new java.net.InetSocketAddress("127.0.0.1", 0), 0);
          slow.createContext(
              "/",
              x -> {
                try {
                  cachedDuringWindow.addAll(pages(ssh, varnishPort));
                } catch (Exception e) {
                  cachedDuringWindow.add("FAILED " + e);
                }
                x.sendResponseHeaders(500, -1);
                x.close();
              });
          slow.start();
          try {
            String failsLate =
                cdn
                    + "    - { url: \"http://127.0.0.1:"
                    + slow.getAddress().getPort()
                    + "/purge\", from: service, required: true }\n";
            publishWithAsset(fx, work, "v9", ssh.tarmacYml("site", failsLate));
            assertThatThrownBy(
                    () ->
                        fx.deployer.release(
                            AppName.of("site"), EnvName.of("prod"), Version.of("v9"), fx.options()))
                .isInstanceOf(ReleaseFailedException.class)
                .hasMessageContaining("activation failed; every host was switched back");
          } finally {
            slow.stop(0);
          }
          assertThat(cachedDuringWindow).hasSize(2).allMatch(p -> p.contains("release v9"));
          for (SshHosts.Host h : ssh.hosts()) {
            assertThat(Files.readSymbolicLink(h.root().resolve("current")).toString())
                .isEqualTo("releases/v8");
          }
          assertThat(pages(ssh, varnishPort))
              .as("the cache after the switch back")
              .allMatch(p -> p.contains("<h1>release v8</h1>"));
          ReleaseRecord v9 = fx.deployer.history(AppName.of("site"), EnvName.of("prod")).get(0);
          assertThat(v9.version()).isEqualTo("v9");
          for (ReleaseRecord.HostRecord h : v9.hosts()) {
            if (!h.name().equals("(service)")) {
              assertThat(task(h, "purge again").ok()).as(h.name()).isTrue();
            }
          }
        }
      } finally {
        LocalServers.stop(varnish);
        LocalServers.stop(nginx);
      }
    }
  }

  /** A page naming its stylesheet by hashed name under /cdn/site/, with the manifest. */
  private static void publishWithAsset(DeployFixture fx, Path work, String version, String config)
      throws Exception {
    Path tree =
        dev.tarmac.deploy.testing.TestBuilds.sampleTree(work.resolve("tree-" + version), version);
    String css = "h1{content:\"" + version + "\"}\n";
    String hashed =
        "css/app."
            + dev.tarmac.deploy.testing.TestBuilds.sha256(css.getBytes()).substring(0, 12)
            + ".css";
    Files.createDirectories(tree.resolve("public/css"));
    Files.writeString(tree.resolve("public/" + hashed), css);
    Files.writeString(tree.resolve("public/css/app.css"), css);
    Files.writeString(
        tree.resolve("public/tarmac-assets.json"),
        "{\"paths\":{\"css/app.css\":\"" + hashed + "\"},\"version\":1}\n");
    Files.writeString(
        tree.resolve("public/index.html"),
        "<link rel=stylesheet href=\"/cdn/site/"
            + hashed
            + "\"><h1>release "
            + version
            + "</h1>\n");
    Files.writeString(tree.resolve("tarmac.yml"), config);
    dev.tarmac.deploy.testing.TestBuilds.publish(fx.store, "site", version, tree, config);
  }

  /**
   * The page of {@code host} through Varnish, and the stylesheet it names: both must answer 200.
   */
  private static String pageAndAsset(String host, int port) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpResponse<String> page =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/index.html"))
                .header("X-Host", host)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("href=\"(/cdn/site/[^\"]+)\"").matcher(page.body());
    if (page.statusCode() != 200 || !m.find()) {
      throw new AssertionError(host + ": page " + page.statusCode() + " " + page.body());
    }
    HttpResponse<String> asset =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + m.group(1)))
                .header("X-Host", host)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (asset.statusCode() != 200) {
      throw new AssertionError(
          host + ": " + page.body().strip() + " names " + m.group(1) + ": " + asset.statusCode());
    }
    return page.body().strip() + " + " + asset.body().strip();
  }

  private static TaskRecord task(ReleaseRecord.HostRecord h, String name) {
    return h.tasks().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
  }

  /** index.html of every host, through Varnish. */
  private static List<String> pages(SshHosts ssh, int port) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    List<String> out = new ArrayList<>();
    for (SshHosts.Host h : ssh.hosts()) {
      HttpResponse<String> r =
          client.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/index.html"))
                  .header("X-Host", h.name())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(h.name()).isEqualTo(200);
      out.add(r.body().strip());
    }
    return out;
  }
}
