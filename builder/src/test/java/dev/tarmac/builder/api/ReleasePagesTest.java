package dev.tarmac.builder.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.tarmac.builder.testing.FixedPortProfile;
import dev.tarmac.builder.testing.SampleRepo;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bounded records and paged lists (issue 25): a prepare hook printing 30 MB and failing on 3 {@code
 * local} hosts made a 6.3 MB record that the history answered whole. Now the record keeps each
 * host's output once (its ends), the whole is a log of its own fetched on demand, and the history
 * pages and carries no task details. Before: the record was over 200 KB, the task had no log,
 * {@code ?limit} was ignored and the history carried every detail.
 */
@QuarkusTest
@TestProfile(FixedPortProfile.class)
class ReleasePagesTest {
  static SampleRepo repo;

  @BeforeEach
  void token() {
    Api.authenticateByDefault();
  }

  @BeforeAll
  static void makeRepo() throws Exception {
    Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "release-pages-");
    Path hosts = Files.createDirectories(dir.resolve("hosts"));
    repo = new SampleRepo(dir.resolve("repo"));
    StringBuilder yml =
        new StringBuilder(
            SampleRepo.TARMAC_YML
                .substring(0, SampleRepo.TARMAC_YML.indexOf("environments:"))
                .replace("app: shop", "app: loud"));
    yml.append("  hooks:\n")
        .append("    prepare: [\"head -c 31457280 /dev/zero | tr -c x x;")
        .append(" echo; echo the hook ends here; exit 1\"]\n")
        .append("environments:\n  prod:\n    hosts:\n");
    for (String h : List.of("a", "b", "c")) {
      yml.append("      - { name: ")
          .append(h)
          .append(", address: local, deploy_to: ")
          .append(hosts.resolve(h))
          .append(" }\n");
    }
    repo.write("tarmac.yml", yml.toString());
    repo.commitAndTag("a loud hook", "v2.0.0");
  }

  @Test
  void aThirtyMegabyteFailingHookOnThreeHostsLeavesASmallRecordAndItsLogs() throws Exception {
    Api.registerApp("loud", repo.url(), false);
    Api.requestBuild("loud", "v2.0.0");
    Api.awaitBuild("loud", "v2.0.0").then().body("status", equalTo("SUCCEEDED"));
    // where code runs is registered in the service (docs/environments.md)
    Api.registerEnv("loud", "prod", "v2.0.0");

    long id =
        given()
            .contentType(ContentType.JSON)
            .body(Map.of("version", "v2.0.0"))
            .post("/api/apps/loud/envs/prod/releases")
            .then()
            .statusCode(202)
            .extract()
            .jsonPath()
            .getLong("id");
    Response done = Api.awaitRelease("loud", "prod", id);
    done.then().body("status", equalTo("FAILED"));

    byte[] record = given().get("/api/apps/loud/envs/prod/releases/" + id).asByteArray();
    assertThat(record.length).isLessThan(40_000);
    String error = done.jsonPath().getString("error");
    assertThat(error)
        .startsWith("loud v2.0.0 to prod: prepare failed on 3 of 3 hosts; nothing was activated:")
        .endsWith("the hook ends here");
    assertThat(error.length()).isLessThan(3 * 700);
    for (String h : List.of("a", "b", "c")) {
      Map<String, Object> hook =
          done.jsonPath().getMap("hosts.find { it.name == '" + h + "' }.tasks.find { !it.ok }");
      assertThat(hook.get("name")).isEqualTo("prepare hooks");
      assertThat(hook.get("log")).isEqualTo(h + "/prepare hooks");
      assertThat((String) hook.get("detail")).endsWith("the hook ends here");
      String log =
          given()
              .get("/api/apps/loud/envs/prod/releases/" + id + "/tasks/" + h + "/prepare hooks/log")
              .then()
              .statusCode(200)
              .contentType(ContentType.TEXT)
              .extract()
              .asString();
      // the host sends its last MiB of each stream; all of it is in the log
      assertThat(log.length()).isGreaterThan(1 << 20).isLessThan(3 << 20);
      assertThat(log)
          .startsWith(
              h
                  + ": prepare hooks failed (exit 1): [output over 1 MiB: only its last MiB is kept]\n")
          .endsWith("xxxxxxxx\nthe hook ends here");
    }
    given()
        .get("/api/apps/loud/envs/prod/releases/" + id + "/tasks/a/lock host/log")
        .then()
        .statusCode(404)
        .body(
            "detail",
            equalTo(
                "release #"
                    + id
                    + " of loud in prod kept no log of a/lock host: when its output was cut, the"
                    + " task's record names its log; the record itself is GET"
                    + " /api/apps/loud/envs/prod/releases/"
                    + id));

    // the history: pages, no task details
    for (int i = 0; i < 2; i++) {
      given()
          .contentType(ContentType.JSON)
          .body(Map.of("version", "v2.0.0"))
          .post("/api/apps/loud/envs/prod/releases");
      Api.awaitRelease("loud", "prod", id + 1 + i);
    }
    byte[] history = given().get("/api/apps/loud/envs/prod/releases").asByteArray();
    assertThat(history.length).isLessThan(20_000);
    given()
        .get("/api/apps/loud/envs/prod/releases")
        .then()
        .statusCode(200)
        .body("id", equalTo(List.of((int) id + 2, (int) id + 1, (int) id)))
        .body("hosts[0].tasks.flatten().findAll { it.detail != null }", equalTo(List.of()))
        .body("hosts[0][0].tasks.find { !it.ok }.log", equalTo("a/prepare hooks"));
    given()
        .get("/api/apps/loud/envs/prod/releases?limit=1&before=" + (id + 2))
        .then()
        .statusCode(200)
        .body("id", equalTo(List.of((int) id + 1)));
    given()
        .get("/api/apps/loud/envs/prod/releases?limit=101")
        .then()
        .statusCode(400)
        .body("detail", equalTo("limit must be a whole number from 1 to 100; got \"101\""));
  }
}
