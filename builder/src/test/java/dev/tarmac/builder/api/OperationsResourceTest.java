package dev.tarmac.builder.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.tarmac.builder.testing.SampleRepo;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.fs.FsArtifactStore;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code /q/health} (open), {@code /q/metrics} and {@code /q/openapi} (token): see
 * docs/operations.md.
 */
@QuarkusTest
class OperationsResourceTest {
  @Inject ArtifactStore store;

  @BeforeEach
  void token() {
    Api.authenticateByDefault();
  }

  @Test
  void healthIsOpenAndReadyWhileTheStoreAnswers() {
    given()
        .auth()
        .none()
        .get("/q/health/live")
        .then()
        .statusCode(200)
        .body("status", equalTo("UP"));
    given()
        .auth()
        .none()
        .get("/q/health/ready")
        .then()
        .statusCode(200)
        .body("status", equalTo("UP"))
        .body("checks.name", hasItem("store"));
    given().auth().none().get("/q/health").then().statusCode(200).body("status", equalTo("UP"));
  }

  @Test
  void healthSaysWhichBuildIsolationIsInForce() {
    given()
        .auth()
        .none()
        .get("/q/health/live")
        .then()
        .statusCode(200)
        .body(
            "checks.find { it.name == 'build isolation' }.data.isolation",
            org.hamcrest.Matchers.startsWith(
                "bubblewrap, as a uid of its own per build (tarmac.build.uids 700000-700255)"))
        .body("checks.find { it.name == 'build isolation' }.data.builds", equalTo("run"));
  }

  @Test
  void notReadyWhenTheStoreDirectoryIsGone() throws Exception {
    // as on a disk that was unmounted: the directory the fs store writes to is not there
    Path objects = ((FsArtifactStore) store).path("health/probe").getParent().getParent();
    Path away = objects.resolveSibling("objects.away");
    Files.move(objects, away);
    try {
      Files.writeString(objects, "not a directory");
      String body =
          given()
              .auth()
              .none()
              .get("/q/health/ready")
              .then()
              .statusCode(503)
              .body("status", equalTo("DOWN"))
              .extract()
              .asString();
      // anyone may ask: the answer names no path
      assertThat(body).doesNotContain(objects.toString());
    } finally {
      Files.deleteIfExists(objects);
      Files.move(away, objects);
    }
    given().auth().none().get("/q/health/ready").then().statusCode(200);
  }

  @Test
  void metricsAndOpenApiNeedAToken() {
    for (String path : new String[] {"/q/metrics", "/q/openapi"}) {
      given()
          .auth()
          .none()
          .get(path)
          .then()
          .statusCode(401)
          .contentType("application/problem+json")
          .body("detail", org.hamcrest.Matchers.containsString("needs a token"));
      given().auth().oauth2("not-a-token").get(path).then().statusCode(401);
    }
    String viewer = AuthResourceTest.createToken("ops-prometheus", "viewer", java.util.List.of());
    given().auth().oauth2(viewer).get("/q/metrics").then().statusCode(200);
  }

  @Test
  void buildsAreCountedInPrometheusFormat() throws Exception {
    SampleRepo repo =
        new SampleRepo(Files.createTempDirectory(Path.of("target"), "ops-repo-").toAbsolutePath());
    repo.write("tarmac.yml", SampleRepo.TARMAC_YML.replace("app: shop", "app: opsmetrics"));
    repo.commitAndTag("named for this test", "v1.0.1");
    Api.registerApp("opsmetrics", repo.url(), false);
    Api.requestBuild("opsmetrics", "v1.0.1").then().statusCode(202);
    Api.awaitBuild("opsmetrics", "v1.0.1").then().body("status", equalTo("SUCCEEDED"));
    Api.requestBuild("opsmetrics", "v9.9.9").then().statusCode(202); // no such tag
    Api.awaitBuild("opsmetrics", "v9.9.9").then().body("status", equalTo("FAILED"));

    String text = given().get("/q/metrics").then().statusCode(200).extract().asString();

    assertThat(text)
        .contains("tarmac_builds_started_total{app=\"opsmetrics\"} 2.0")
        .contains("tarmac_builds_finished_total{app=\"opsmetrics\",outcome=\"succeeded\"} 1.0")
        .contains("tarmac_builds_finished_total{app=\"opsmetrics\",outcome=\"failed\"} 1.0")
        .contains("tarmac_build_duration_seconds_count{app=\"opsmetrics\",outcome=\"succeeded\"} 1")
        .contains("tarmac_builds_queued ");
  }

  @Test
  void openApiListsTheReleaseEndpoints() {
    Map<String, Object> paths =
        given()
            .queryParam("format", "json")
            .get("/q/openapi")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getMap("paths");
    assertThat(paths)
        .containsKey("/api/apps/{app}/envs/{env}/releases")
        .containsKey("/api/apps/{app}/builds");
  }
}
