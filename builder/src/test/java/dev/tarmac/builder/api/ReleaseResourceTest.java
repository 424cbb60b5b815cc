package dev.tarmac.builder.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.tarmac.builder.testing.FixedPortProfile;
import dev.tarmac.builder.testing.SampleRepo;
import dev.tarmac.distributor.model.Json;
import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.store.ArtifactStore;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The release API over three {@code local} hosts: release, events, history, rollback, status. */
@QuarkusTest
@TestProfile(FixedPortProfile.class)
class ReleaseResourceTest {

  @BeforeEach
  void token() {
    Api.authenticateByDefault();
  }

  static SampleRepo repo;
  static Path hosts;

  @Inject ArtifactStore store;

  @BeforeAll
  static void makeRepo() throws Exception {
    Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "release-api-");
    hosts = Files.createDirectories(dir.resolve("hosts"));
    repo = new SampleRepo(dir.resolve("repo"));
    repo.write(
        "tarmac.yml",
        SampleRepo.TARMAC_YML.substring(0, SampleRepo.TARMAC_YML.indexOf("environments:"))
            + "environments:\n"
            + "  prod:\n"
            + "    hosts:\n"
            + "      - { name: a, address: local, deploy_to: "
            + hosts.resolve("a")
            + ", roles: [web, db] }\n"
            + "      - { name: b, address: local, deploy_to: "
            + hosts.resolve("b")
            + " }\n");
    repo.commitAndTag("local hosts", "v2.0.0");
    repo.write("public/index.html", "<p>second</p>\n");
    repo.commitAndTag("second", "v2.1.0");
  }

  /** A deployer token for prod, made once through the API. */
  static String deployer;

  static Response startRelease(String version) {
    if (deployer == null) {
      deployer = AuthResourceTest.createToken("ann-ci", "deployer", List.of("prod"));
    }
    return given()
        .auth()
        .oauth2(deployer)
        // what the client claims is not who released: the token's name is
        .header("X-Tarmac-User", "mallory")
        .contentType(ContentType.JSON)
        .body(Map.of("version", version))
        .post("/api/apps/shop/envs/prod/releases");
  }

  static Response awaitRelease(long id) throws InterruptedException {
    return Api.awaitRelease("shop", "prod", id);
  }

  @Test
  void releaseFollowRollBackAndReadStatus() throws Exception {
    Api.registerApp("shop", repo.url(), false);
    Api.requestBuild("shop", "v2.0.0");
    Api.requestBuild("shop", "v2.1.0");
    Api.awaitBuild("shop", "v2.0.0").then().body("status", equalTo("SUCCEEDED"));
    Api.awaitBuild("shop", "v2.1.0").then().body("status", equalTo("SUCCEEDED"));
    Api.registerEnv("shop", "prod", "v2.0.0");

    // nothing is released without the token
    given()
        .auth()
        .none()
        .contentType(ContentType.JSON)
        .body(Map.of("version", "v2.0.0"))
        .post("/api/apps/shop/envs/prod/releases")
        .then()
        .statusCode(401);
    // an environment not registered in the service
    given()
        .auth()
        .oauth2("test-token")
        .contentType(ContentType.JSON)
        .body(Map.of("version", "v2.0.0"))
        .post("/api/apps/shop/envs/staging/releases")
        .then()
        .statusCode(404)
        .contentType(Problems.TYPE)
        .body(
            "detail",
            containsString(
                "environment staging of shop is not registered in the service (where code runs"
                    + " is no longer read from tarmac.yml)"));
    // the names are checked where the request comes in, before any look-up: a version that
    // cannot be one is bad input there, whatever the environment (docs/architecture.md, "Names
    // checked once"); an app no one registered is 404, an environment's name that cannot be one 400
    given()
        .auth()
        .oauth2("test-token")
        .contentType(ContentType.JSON)
        .body(Map.of("version", "v2;rm"))
        .post("/api/apps/shop/envs/staging/releases")
        .then()
        .statusCode(400)
        .body("detail", containsString("'v2;rm' is not a valid version"));
    given()
        .auth()
        .oauth2("test-token")
        .contentType(ContentType.JSON)
        .body(Map.of("version", "v2.0.0"))
        .post("/api/apps/Shop!/envs/prod/releases")
        .then()
        .statusCode(404)
        .body("detail", containsString("no app named 'Shop!'"));
    given()
        .auth()
        .oauth2("test-token")
        .contentType(ContentType.JSON)
        .body(Map.of("version", "v2.0.0"))
        .post("/api/apps/shop/envs/Prod!/releases")
        .then()
        .statusCode(400)
        .body("detail", containsString("'Prod!' is not a valid environment name"));

    Response first = startRelease("v2.0.0");
    first
        .then()
        .statusCode(202)
        .body("status", equalTo("PREPARING"))
        .body("who", equalTo("ann-ci"));
    long id1 = first.jsonPath().getLong("id");
    awaitRelease(id1).then().body("status", equalTo("LIVE"));
    assertThat(Files.readSymbolicLink(hosts.resolve("a/current")).toString())
        .isEqualTo("releases/v2.0.0");

    // the plan reads every host and changes nothing; a viewer may not ask for it (it logs in)
    given()
        .auth()
        .oauth2("test-token")
        .contentType(ContentType.JSON)
        .body(Map.of("version", "v2.1.0"))
        .post("/api/apps/shop/envs/prod/releases?plan=true")
        .then()
        .statusCode(200)
        .body("version", equalTo("v2.1.0"))
        .body("live", equalTo("v2.0.0"))
        .body("hosts.name", org.hamcrest.Matchers.hasItem("a"))
        .body("hosts[0].serves", equalTo("v2.0.0"))
        .body("hosts[0].transfer", equalTo("delta"))
        .body("hosts[0].from", equalTo("v2.0.0"));
    assertThat(Files.readSymbolicLink(hosts.resolve("a/current")).toString())
        .isEqualTo("releases/v2.0.0");
    assertThat(hosts.resolve("a/releases/v2.1.0")).doesNotExist();

    long id2 = startRelease("v2.1.0").jsonPath().getLong("id");
    Response second = awaitRelease(id2);
    second.then().body("status", equalTo("LIVE")).body("previousVersion", equalTo("v2.0.0"));
    assertThat(second.jsonPath().getLong("activationWindowMs")).isLessThan(1000);
    assertThat(second.jsonPath().getList("hosts.name")).containsExactly("a", "b");
    assertThat(hosts.resolve("b/current/public/index.html")).content().isEqualTo("<p>second</p>\n");
    // v2.0.0 was on both hosts: v2.1.0 went by delta
    assertThat(second.jsonPath().getList("hosts.transfer.mode")).containsOnly("delta");

    // the progress, as server-sent events (replayed for a finished release)
    String events =
        given()
            .accept("text/event-stream")
            .get("/api/apps/shop/envs/prod/releases/" + id2 + "/events")
            .then()
            .statusCode(200)
            .extract()
            .asString();
    assertThat(events)
        .contains("data:")
        .contains("\"task\":\"download delta\"")
        .contains("\"host\":\"b\"")
        .contains("\"task\":\"switch\"")
        .contains("\"kind\":\"OK\"");

    Response back =
        given()
            .auth()
            .oauth2("test-token")
            .contentType(ContentType.JSON)
            .body(Map.of())
            .post("/api/apps/shop/envs/prod/rollback");
    back.then()
        .statusCode(202)
        .body("kind", equalTo("rollback"))
        .body("version", equalTo("v2.0.0"));
    awaitRelease(back.jsonPath().getLong("id")).then().body("status", equalTo("LIVE"));
    assertThat(Files.readSymbolicLink(hosts.resolve("b/current")).toString())
        .isEqualTo("releases/v2.0.0");

    // a version never built: never live either, so the refusal names those that were; no change
    given()
        .auth()
        .oauth2("test-token")
        .contentType(ContentType.JSON)
        .body(Map.of("to", "v9.9.9"))
        .post("/api/apps/shop/envs/prod/rollback")
        .then()
        .statusCode(404)
        .contentType(Problems.TYPE)
        .body(
            "detail",
            equalTo(
                "v9.9.9 was never built for shop (so never live in shop/prod); a rollback goes"
                    + " back to a version that was: v2.0.0, v2.1.0 (newest first; tarmac history"
                    + " shop --env prod); nothing was changed"));
    assertThat(Files.readSymbolicLink(hosts.resolve("a/current")).toString())
        .isEqualTo("releases/v2.0.0");

    given()
        .get("/api/apps/shop/envs/prod/status")
        .then()
        .statusCode(200)
        .body("recorded", equalTo("v2.0.0"))
        .body("hosts.live", equalTo(List.of("v2.0.0", "v2.0.0")))
        .body("hosts.drift", equalTo(List.of(false, false)));
    given()
        .get("/api/apps/shop/envs/prod/releases")
        .then()
        .statusCode(200)
        .body("status", equalTo(List.of("LIVE", "ROLLED_BACK", "LIVE")))
        .body("who", equalTo(List.of("admin", "ann-ci", "ann-ci")));

    // a new build is published while v2.0.0 is live: the delta a release of it will send is
    // made at once, in the background, before anyone asks for the release
    repo.write("public/index.html", "<p>third</p>\n");
    repo.commitAndTag("third", "v2.2.0");
    Api.requestBuild("shop", "v2.2.0");
    Api.awaitBuild("shop", "v2.2.0").then().body("status", equalTo("SUCCEEDED"));
    String ahead = StoreLayout.deltaRecord("shop", "v2.0.0", "v2.2.0");
    for (int i = 0; i < 300 && !store.exists(ahead); i++) {
      Thread.sleep(100);
    }
    assertThat(store.exists(ahead)).as(ahead + " made after the build").isTrue();

    // a held lock is 423 and names its holder
    Instant now = Instant.now();
    store.put(
        StoreLayout.lock("shop", "prod"),
        Json.write(
            new dev.tarmac.deploy.release.EnvLock.Info(
                "carol", "release", "v9", now, now.plusSeconds(600), "t")));
    startRelease("v2.1.0")
        .then()
        .statusCode(423)
        .body("detail", containsString("shop/prod is locked by carol"));
    store.delete(StoreLayout.lock("shop", "prod"));
    given().get("/api/apps/shop/envs/prod/releases/99").then().statusCode(404);
  }
}
