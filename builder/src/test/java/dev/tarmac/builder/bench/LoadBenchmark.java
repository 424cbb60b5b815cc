package dev.tarmac.builder.bench;

import static io.restassured.RestAssured.given;

import dev.tarmac.builder.testing.SampleRepo;
import dev.tarmac.builder.testing.SshFleetResource;
import dev.tarmac.deploy.testing.SshHosts;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The load benchmark of issue 25: 50 clients × 40 mixed requests (apps, builds, releases, lock,
 * status, artifact, metrics, history) while a release goes to 16 OpenSSH hosts (127.0.4.21–36). Run
 * by {@code builder/bench/load-benchmark}, which gives the JVM {@code -Xmx512m}; the service and
 * the clients share that JVM (a {@code @QuarkusTest}), so RSS and threads are both's. Not part of
 * the suite (its name is no test pattern). Writes the {@code load-benchmark} section of
 * docs/benchmarks.md. Target: 0 errors, p99 ≤ 1 s, RSS ≤ 768 MB, the release LIVE.
 */
@QuarkusTest
@WithTestResource(
    value = SshFleetResource.class,
    initArgs = {
      @ResourceArg(name = "hosts", value = "16"),
      @ResourceArg(name = "first-address", value = "1045")
    })
class LoadBenchmark {
  static final String TOKEN = "test-token";
  static final int CLIENTS = 50;
  static final int REQUESTS = 40;

  @io.quarkus.test.common.http.TestHTTPResource("/")
  java.net.URI base;

  @Test
  void fiftyClientsDuringAReleaseTo16Hosts() throws Exception {
    String machine = BenchSetup.machine();
    SshHosts ssh = SshFleetResource.hosts;
    SampleRepo repo =
        new SampleRepo(Files.createTempDirectory(Path.of("target").toAbsolutePath(), "load-repo-"));
    repo.write(
        "tarmac.yml",
        SampleRepo.TARMAC_YML
                .substring(0, SampleRepo.TARMAC_YML.indexOf("environments:"))
                .replace("app: shop", "app: load")
            + "environments:\n  prod:\n    deploy_to: "
            + ssh.deployTo()
            + "/load\n    parallel: 16\n    hosts:\n"
            + ssh.hostsYaml("      "));
    repo.commitAndTag("16 ssh hosts", "v3.0.0");
    repo.write("public/index.html", "<p>changed</p>\n");
    repo.commitAndTag("one file changed", "v3.1.0");
    given()
        .auth()
        .oauth2(TOKEN)
        .contentType(ContentType.JSON)
        .body(Map.of("name", "load", "repo", repo.url(), "watch", false))
        .post("/api/apps")
        .then()
        .statusCode(201);
    for (String tag : List.of("v3.0.0", "v3.1.0")) {
      given()
          .auth()
          .oauth2(TOKEN)
          .contentType(ContentType.JSON)
          .body(Map.of("tag", tag))
          .post("/api/apps/load/builds")
          .then()
          .statusCode(202);
      BenchSetup.await(TOKEN, "/api/apps/load/builds/" + tag, List.of("SUCCEEDED"));
    }
    // where code runs is registered in the service (docs/environments.md)
    given()
        .auth()
        .oauth2(TOKEN)
        .contentType(ContentType.JSON)
        .body(Map.of("from", "v3.0.0"))
        .post("/api/apps/load/envs/prod/import")
        .then()
        .statusCode(200);
    BenchSetup.await(
        TOKEN, "/api/apps/load/envs/prod/releases/" + release("v3.0.0"), List.of("LIVE"));

    String[] paths = {
      "/api/apps",
      "/api/apps/load/builds",
      "/api/apps/load/envs/prod/releases",
      "/api/apps/load/envs/prod/lock",
      "/api/apps/load/envs/prod/status",
      "/api/apps/load/builds/v3.0.0/artifact",
      "/api/apps/load/envs/prod/metrics",
      "/api/apps/load/envs/prod/releases/1",
    };
    AtomicBoolean sampling = new AtomicBoolean(true);
    AtomicLong maxRss = new AtomicLong();
    AtomicLong maxThreads = new AtomicLong();
    long rssBefore = status("VmRSS");
    long threadsBefore = status("Threads");
    Thread sampler =
        new Thread(
            () -> {
              while (sampling.get()) {
                maxRss.accumulateAndGet(status("VmRSS"), Math::max);
                maxThreads.accumulateAndGet(status("Threads"), Math::max);
                try {
                  Thread.sleep(100);
                } catch (InterruptedException e) {
                  return;
                }
              }
            });
    sampler.start();
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    // the JDK's client, shared by the 50 client threads as a load generator would (a connection
    // per request in flight, a small pool of its own threads): RestAssured's CPU (Groovy, per
    // request) ran in this JVM beside the service and was counted in every latency, and one JDK
    // client per thread added ~200 threads of their own to the figures
    ExecutorService clientThreads = Executors.newFixedThreadPool(2);
    java.net.http.HttpClient http =
        java.net.http.HttpClient.newBuilder()
            .version(java.net.http.HttpClient.Version.HTTP_1_1)
            .connectTimeout(java.time.Duration.ofSeconds(10))
            .executor(clientThreads)
            .build();
    List<Future<double[]>> all = new ArrayList<>();
    // the window as visitors' servers see it: every host's current, polled from outside
    dev.tarmac.deploy.testing.CurrentPoller poller =
        new dev.tarmac.deploy.testing.CurrentPoller(
            ssh.hosts().stream().map(h -> h.root().resolve("load").resolve("current")).toList());
    long t0 = System.nanoTime();
    long id = release("v3.1.0");
    for (int c = 0; c < CLIENTS; c++) {
      int client = c;
      all.add(
          pool.submit(
              () -> {
                double[] out = new double[REQUESTS * 2];
                for (int r = 0; r < REQUESTS; r++) {
                  String path = paths[(client + r) % paths.length];
                  long s0 = System.nanoTime();
                  int code;
                  try {
                    code =
                        http.send(
                                java.net.http.HttpRequest.newBuilder(base.resolve(path))
                                    .header("Authorization", "Bearer " + TOKEN)
                                    .timeout(java.time.Duration.ofSeconds(30))
                                    .build(),
                                java.net.http.HttpResponse.BodyHandlers.discarding())
                            .statusCode();
                  } catch (java.io.IOException | RuntimeException e) {
                    code = -1;
                  }
                  out[r * 2] = (System.nanoTime() - s0) / 1e6;
                  out[r * 2 + 1] = code;
                }
                return out;
              }));
    }
    List<Double> ms = new ArrayList<>();
    Map<String, List<Double>> perPath = new java.util.LinkedHashMap<>();
    for (String p : paths) {
      perPath.put(p, new ArrayList<>());
    }
    int errors = 0;
    int refused = 0;
    for (int c = 0; c < all.size(); c++) {
      double[] out = all.get(c).get(10, TimeUnit.MINUTES);
      for (int r = 0; r < REQUESTS; r++) {
        ms.add(out[r * 2]);
        perPath.get(paths[(c + r) % paths.length]).add(out[r * 2]);
        int code = (int) out[r * 2 + 1];
        if (code == 503) {
          refused++;
        } else if (code != 200) {
          errors++;
        }
      }
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    pool.shutdown();
    clientThreads.shutdown();
    BenchSetup.await(TOKEN, "/api/apps/load/envs/prod/releases/" + id, List.of("LIVE", "FAILED"));
    sampling.set(false);
    sampler.join();
    poller.close();
    java.time.Duration polled;
    try {
      polled = poller.window("releases/v3.1.0");
    } catch (AssertionError e) {
      polled = null; // some host never switched: the record's status says why
    }
    var record = given().auth().oauth2(TOKEN).get("/api/apps/load/envs/prod/releases/" + id);
    String status = record.jsonPath().getString("status");
    Object window = record.jsonPath().get("activationWindowMs");
    Collections.sort(ms);
    double p50 = ms.get(ms.size() / 2);
    double p99 = ms.get((int) (ms.size() * 0.99));
    boolean met =
        errors == 0
            && refused == 0
            && p99 <= 1000
            && maxRss.get() <= 768 * 1024
            && "LIVE".equals(status)
            && polled != null
            && polled.toNanos() <= 50_000_000L;
    String section =
        String.format(
            Locale.ROOT,
            "Machine: %s; JVM max heap %d MB (service and clients in one JVM).%n%n"
                + "| clients × requests | errors | 503 | p50 | p99 | max | all in | RSS before → max"
                + " | threads before → max | release | window (record) | window (polled) | target |%n"
                + "|---|---|---|---|---|---|---|---|---|---|---|---|---|%n"
                + "| %d × %d | %d | %d | %.0f ms | %.0f ms | %.0f ms | %.1f s | %d → %d MB | %d → %d"
                + " | %s | %s ms | %s | %s |%n",
            machine,
            Runtime.getRuntime().maxMemory() >> 20,
            CLIENTS,
            REQUESTS,
            errors,
            refused,
            p50,
            p99,
            ms.get(ms.size() - 1),
            wall,
            rssBefore >> 10,
            maxRss.get() >> 10,
            threadsBefore,
            maxThreads.get(),
            status,
            window,
            polled == null
                ? "not seen on every host"
                : String.format(Locale.ROOT, "%.1f ms", polled.toNanos() / 1e6),
            met ? "met" : "NOT met");
    StringBuilder each = new StringBuilder("\n| request | p50 | p99 | max |\n|---|---|---|---|\n");
    perPath.forEach(
        (p, list) -> {
          Collections.sort(list);
          each.append(
              String.format(
                  Locale.ROOT,
                  "| `%s` | %.0f ms | %.0f ms | %.0f ms |%n",
                  p.replace("/api/apps/load", "…"),
                  list.get(list.size() / 2),
                  list.get((int) (list.size() * 0.99)),
                  list.get(list.size() - 1)));
        });
    BenchSetup.writeSection("load-benchmark", section + each);
  }

  private static long release(String version) {
    return given()
        .auth()
        .oauth2(TOKEN)
        .contentType(ContentType.JSON)
        .body(Map.of("version", version))
        .post("/api/apps/load/envs/prod/releases")
        .then()
        .statusCode(202)
        .extract()
        .jsonPath()
        .getLong("id");
  }

  /** A figure of /proc/self/status (kB for VmRSS). */
  private static long status(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(field + ":")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (Exception e) {
      return -1;
    }
    return -1;
  }
}
