package dev.tarmac.builder.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import dev.tarmac.builder.testing.SampleRepo;
import io.restassured.http.ContentType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * An app released twice (v2.0.0, then v2.1.0) to {@code prod} on three {@code local} hosts through
 * the real API, for the dashboard's tests; one host can then be switched back by hand (drift).
 */
final class DashboardFixture {
  final String app;
  final Path hosts;
  private final SampleRepo repo;
  private final String yml;

  DashboardFixture(String app, int hostCount) throws Exception {
    this.app = app;
    Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "dashboard-");
    hosts = Files.createDirectories(dir.resolve("hosts"));
    repo = new SampleRepo(dir.resolve("repo"));
    StringBuilder yml =
        new StringBuilder(
            SampleRepo.TARMAC_YML
                    .substring(0, SampleRepo.TARMAC_YML.indexOf("environments:"))
                    .replace("app: shop", "app: " + app)
                + "environments:\n  prod:\n    hosts:\n");
    for (int i = 0; i < hostCount; i++) {
      yml.append("      - { name: h")
          .append(i + 1)
          .append(", address: local, deploy_to: ")
          .append(hosts.resolve("h" + (i + 1)))
          .append(i == 0 ? ", roles: [web, db] }\n" : " }\n");
    }
    this.yml = yml.toString();
    repo.write("tarmac.yml", this.yml);
    repo.commitAndTag("local hosts", "v2.0.0");
    repo.write("public/index.html", "<p>second</p>\n");
    repo.commitAndTag("second", "v2.1.0");
    // v2.2.0 takes a few seconds to prepare: a release a browser can watch while it runs
    repo.write(
        "tarmac.yml",
        yml.toString()
            .replace(
                "  shared: [public/uploads]\n",
                "  shared: [public/uploads]\n  hooks:\n    prepare: [\"sleep 4\"]\n"));
    repo.commitAndTag("slow prepare", "v2.2.0");
    Api.registerApp(app, repo.url(), false);
    for (String v : List.of("v2.0.0", "v2.1.0", "v2.2.0")) {
      Api.requestBuild(app, v);
      Api.awaitBuild(app, v).then().body("status", equalTo("SUCCEEDED"));
    }
    Api.registerEnv(app, "prod", "v2.0.0");
    release("v2.0.0");
    release("v2.1.0");
  }

  /**
   * Tags and builds {@code version}, whose prepare hook fails on every host after a second: a
   * release of it fails, and what was live stays live.
   */
  void buildFailingVersion(String version) throws Exception {
    repo.write(
        "tarmac.yml",
        yml.replace(
            "  shared: [public/uploads]\n",
            "  shared: [public/uploads]\n  hooks:\n    prepare: [\"sleep 1; echo no database >&2;"
                + " exit 3\"]\n"));
    repo.commitAndTag("failing prepare", version);
    Api.requestBuild(app, version);
    Api.awaitBuild(app, version).then().body("status", equalTo("SUCCEEDED"));
  }

  /**
   * Registers {@code name}, whose only tag's {@code tarmac.yml} has several problems, and builds
   * it: the build fails with one line per problem. Returns the build's error.
   */
  static String failedBuild(String name) throws Exception {
    SampleRepo broken =
        new SampleRepo(Files.createTempDirectory(Path.of("target").toAbsolutePath(), name + "-"));
    broken.write(
        "tarmac.yml",
        "app: " + name + "\nkeep_releases: -1\nenvironments:\n  prod:\n    hosts: []\n");
    broken.commitAndTag("two problems", "v0.1.0");
    Api.registerApp(name, broken.url(), false);
    Api.requestBuild(name, "v0.1.0");
    return Api.awaitBuild(name, "v0.1.0")
        .then()
        .body("status", equalTo("FAILED"))
        .extract()
        .jsonPath()
        .getString("error");
  }

  void release(String version) throws InterruptedException {
    Api.awaitRelease(app, "prod", start(version)).then().body("status", equalTo("LIVE"));
  }

  /** Starts a release through the API, as the CLI does; returns its number. */
  long start(String version) {
    return given()
        .auth()
        .oauth2(Api.TOKEN)
        .contentType(ContentType.JSON)
        .body(Map.of("version", version))
        .post("/api/apps/" + app + "/envs/prod/releases")
        .then()
        .statusCode(202)
        .extract()
        .jsonPath()
        .getLong("id");
  }

  /** Switches one host's {@code current} to another release by hand, as a person might. */
  void driftByHand(String host, String version) throws Exception {
    Path h = hosts.resolve(host);
    Path tmp = h.resolve("current.hand");
    Files.deleteIfExists(tmp);
    Files.createSymbolicLink(tmp, Path.of("releases/" + version));
    Files.move(
        tmp,
        h.resolve("current"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }
}
