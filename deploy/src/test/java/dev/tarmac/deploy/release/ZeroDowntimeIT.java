package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.deploy.remote.LocalTransport;
import dev.tarmac.deploy.testing.DeployFixture;
import dev.tarmac.deploy.testing.LocalServers;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * nginx (Debian's package) serves {@code current/public} of a host while a new release is activated
 * there: a request loop running through the switch sees no failed response, and every page names
 * the old or the new release.
 */
class ZeroDowntimeIT {

  @Test
  void nginxAnswersEveryRequestDuringActivation() throws Exception {
    Path work = DeployFixture.workDir("zero-downtime-");
    Path hosts = Files.createDirectories(work.resolve("hosts"));
    String config =
        "app: site\n"
            + "environments:\n"
            + "  prod:\n"
            + "    hosts:\n"
            + "      - { name: web1, address: local, deploy_to: "
            + hosts.resolve("web1")
            + " }\n"
            + "      - { name: web2, address: local, deploy_to: "
            + hosts.resolve("web2")
            + " }\n";
    try (DeployFixture fx =
        new DeployFixture(work.resolve("fx"), (h, e) -> new LocalTransport(h.name()))) {
      fx.publish("site", "v1", config);
      fx.publish("site", "v2", config);
      fx.deployer.release(AppName.of("site"), EnvName.of("prod"), Version.of("v1"), fx.options());

      int port = LocalServers.freePort();
      Path nginxDir = Files.createDirectories(work.resolve("nginx"));
      Process nginx =
          LocalServers.nginx(
              nginxDir,
              "  server {\n    listen 127.0.0.1:"
                  + port
                  + ";\n    root "
                  + hosts.resolve("web1/current/public")
                  + ";\n  }\n");
      try {
        LocalServers.waitForPort(port, nginx, nginxDir.resolve("nginx.out"));
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request =
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/index.html"))
                .timeout(Duration.ofSeconds(2))
                .build();
        AtomicBoolean stop = new AtomicBoolean();
        List<String> failures = new ArrayList<>();
        List<String> bodies = new ArrayList<>();
        CompletableFuture<Void> loop =
            CompletableFuture.runAsync(
                () -> {
                  // bounded: at most 200,000 requests, and it stops when the release is done
                  for (int i = 0; i < 200_000 && !stop.get(); i++) {
                    try {
                      HttpResponse<String> r =
                          client.send(request, HttpResponse.BodyHandlers.ofString());
                      if (r.statusCode() != 200) {
                        failures.add(r.statusCode() + " " + r.body());
                      } else {
                        bodies.add(r.body().strip());
                      }
                    } catch (Exception e) {
                      failures.add(e.toString());
                    }
                  }
                });
        Thread.sleep(300);
        ReleaseRecord r2 =
            fx.deployer.release(
                AppName.of("site"), EnvName.of("prod"), Version.of("v2"), fx.options());
        Thread.sleep(300);
        stop.set(true);
        loop.get(30, TimeUnit.SECONDS);

        assertThat(r2.status()).isEqualTo(ReleaseStatus.LIVE);
        assertThat(failures).isEmpty();
        assertThat(bodies).hasSizeGreaterThan(100);
        assertThat(bodies)
            .allMatch(b -> b.equals("<h1>release v1</h1>") || b.equals("<h1>release v2</h1>"));
        assertThat(bodies.get(0)).isEqualTo("<h1>release v1</h1>");
        assertThat(bodies.get(bodies.size() - 1)).isEqualTo("<h1>release v2</h1>");
        // once the new release answered, the old one never came back
        int firstNew = bodies.indexOf("<h1>release v2</h1>");
        assertThat(bodies.subList(firstNew, bodies.size())).allMatch(b -> b.contains("v2"));
      } finally {
        LocalServers.stop(nginx);
      }
    }
  }
}
