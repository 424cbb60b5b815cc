package dev.tarmac.builder.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.tarmac.builder.testing.FixedPortProfile;
import dev.tarmac.builder.testing.SampleRepo;
import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.store.ArtifactStore;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Retention in the store through the real service: {@code release.keep_builds: 2}, builds made by
 * the build queue, releases to {@code local} hosts by the release API; the clean-up that follows
 * each build answered by {@code GET /api/apps/{app}}.
 */
@QuarkusTest
@TestProfile(FixedPortProfile.class)
class RetentionResourceTest {
  @Inject ArtifactStore store;

  @BeforeEach
  void token() {
    Api.authenticateByDefault();
  }

  static Response release(String version) throws InterruptedException {
    return await(
        given()
            .contentType(ContentType.JSON)
            .body(Map.of("version", version))
            .post("/api/apps/kept/envs/prod/releases"));
  }

  static Response await(Response started) throws InterruptedException {
    started.then().statusCode(202);
    return Api.awaitRelease("kept", "prod", started.jsonPath().getLong("id"));
  }

  static void build(String version) throws InterruptedException {
    Api.requestBuild("kept", version).then().statusCode(202);
    Api.awaitBuild("kept", version).then().body("status", equalTo("SUCCEEDED"));
  }

  static String tarmacYml(Path hosts, String keepBuilds) {
    return "app: kept\n"
        + "release:\n"
        + "  keep: 2\n"
        + keepBuilds
        + "environments:\n"
        + "  prod:\n"
        + "    hosts: [{ name: a, address: local, deploy_to: "
        + hosts.resolve("a")
        + " }]\n";
  }

  @Test
  void keepBuilds2RemovesTheOldestBuildWithItsDeltaButNotTheLiveOneNorTheRollbackTarget()
      throws Exception {
    Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "retention-api-");
    Path hosts = dir.resolve("hosts");
    try (SampleRepo repo = new SampleRepo(dir.resolve("repo"))) {
      for (String v : List.of("v1", "v2", "v3", "v4", "v5")) {
        // keep_builds is read from the build just published: 20 (the default) up to v3, then 2
        boolean two = v.equals("v4") || v.equals("v5");
        repo.write("tarmac.yml", tarmacYml(hosts, two ? "  keep_builds: 2\n" : ""));
        repo.write("public/index.html", "<p>" + v + "</p>\n");
        repo.commitAndTag(v, v);
      }
      Api.registerApp("kept", repo.url(), false);
    }
    build("v1");
    Api.registerEnv("kept", "prod", "v1");
    build("v2");
    build("v3");
    release("v1").then().body("status", equalTo("LIVE"));
    release("v2").then().body("status", equalTo("LIVE"));
    release("v3").then().body("status", equalTo("LIVE"));
    assertThat(store.exists(StoreLayout.deltaRecord("kept", "v1", "v2"))).isTrue();
    assertThat(store.exists(StoreLayout.delta("kept", "v2", "v3"))).isTrue();
    given().get("/api/apps/kept").then().body("retention.removed", equalTo(List.of()));

    // four builds, keep_builds 2: v4 and v3 are the newest, v2 is the rollback target, v1 goes
    build("v4");

    given()
        .get("/api/apps/kept")
        .then()
        .statusCode(200)
        .body("retention.after", equalTo("v4"))
        .body("retention.keepBuilds", equalTo(2))
        .body("retention.removed.version", equalTo(List.of("v1")))
        .body(
            "retention.removed[0].deltas", equalTo(List.of(StoreLayout.delta("kept", "v1", "v2"))))
        .body("retention.kept", equalTo(List.of("v4", "v3", "v2")))
        .body("retention.protectedBuilds.v2", equalTo("the rollback target in prod"));
    given().get("/api/apps/kept/builds/v1").then().statusCode(404);
    assertThat(store.list("apps/kept/builds/v1/")).isEmpty();
    assertThat(store.exists(StoreLayout.delta("kept", "v1", "v2"))).isFalse();
    assertThat(store.exists(StoreLayout.deltaRecord("kept", "v1", "v2"))).isFalse();
    assertThat(store.exists(StoreLayout.delta("kept", "v2", "v3"))).isTrue();

    // v5: the live v3 and the rollback target v2 are now both older than the limit, and stay
    build("v5");

    given()
        .get("/api/apps/kept")
        .then()
        .body("retention.after", equalTo("v5"))
        .body("retention.removed", equalTo(List.of()))
        .body("retention.kept", equalTo(List.of("v5", "v4", "v3", "v2")))
        .body("retention.protectedBuilds.v3", equalTo("live in prod (release #3)"))
        .body("retention.protectedBuilds.v2", equalTo("the rollback target in prod"));
    // the rollback target is still there to roll back to
    await(
            given()
                .contentType(ContentType.JSON)
                .body(Map.of())
                .post("/api/apps/kept/envs/prod/rollback"))
        .then()
        .body("version", equalTo("v2"))
        .body("status", equalTo("LIVE"));
  }
}
