package dev.tarmac.builder.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.nullValue;

import dev.tarmac.builder.testing.SampleRepo;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.ObjectInfo;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The configuration API: app-wide and per environment, secrets write-only (name, fingerprint,
 * who/when), admins set secrets, a deployer of an environment sets its plain values only.
 */
@QuarkusTest
class ConfigResourceTest {
  static final String SECRET = "s3cret-value-never-shown-0417";
  static SampleRepo repo;

  @Inject ArtifactStore store;

  @BeforeAll
  static void makeRepo() throws Exception {
    repo =
        new SampleRepo(
            Files.createTempDirectory(Path.of("target").toAbsolutePath(), "config-api-")
                .resolve("repo"));
  }

  @BeforeEach
  void token() {
    Api.authenticateByDefault();
  }

  static Response put(String token, String path, Map<String, Object> body) {
    return given().auth().oauth2(token).contentType(ContentType.JSON).body(body).put(path);
  }

  @Test
  void aSecretIsSetByAnAdminAndNeverAnsweredNorLoggedNorStoredInTheClear() throws Exception {
    Api.registerApp("cfgapi", repo.url(), false);
    try (LogCapture log = new LogCapture()) {
      Response set =
          put(
              Api.TOKEN,
              "/api/apps/cfgapi/config",
              Map.of("values", Map.of("HOST", "0.0.0.0"), "secrets", Map.of("JWT_SECRET", SECRET)));
      set.then()
          .statusCode(200)
          .body("revision", equalTo(1))
          .body("env", nullValue())
          .body("changed", equalTo(List.of("HOST", "JWT_SECRET")))
          .body("values.HOST.value", equalTo("0.0.0.0"))
          .body("values.JWT_SECRET.secret", equalTo(true))
          .body("values.JWT_SECRET.value", nullValue())
          .body("values.JWT_SECRET.fingerprint", matchesPattern("hmac-sha256:[0-9a-f]{16}"));
      String who = set.jsonPath().getString("who");
      assertThat(who).isNotBlank();
      Response got = given().get("/api/apps/cfgapi/config");
      got.then().statusCode(200).body("values.JWT_SECRET.by", equalTo(who));
      Response revisions = given().get("/api/apps/cfgapi/config/revisions");
      revisions
          .then()
          .statusCode(200)
          .body("[0].revision", equalTo(1))
          .body("[0].changed", equalTo(List.of("HOST", "JWT_SECRET")));
      String envToo =
          put(
                  Api.TOKEN,
                  "/api/apps/cfgapi/envs/prod/config",
                  Map.of("secrets", Map.of("DB_PW", SECRET + "x")))
              .then()
              .statusCode(200)
              .extract()
              .asString();
      for (String answer : List.of(set.asString(), got.asString(), revisions.asString(), envToo)) {
        assertThat(answer).doesNotContain(SECRET);
      }
      assertThat(String.join("\n", log.lines())).doesNotContain(SECRET);
      for (ObjectInfo o : store.list("apps/cfgapi/")) {
        assertThat(new String(store.readAllBytes(o.key()), StandardCharsets.UTF_8))
            .as(o.key())
            .doesNotContain(SECRET);
      }
    }
  }

  @Test
  void aDeployerOfAnEnvironmentSetsItsPlainValuesOnly() {
    Api.registerApp("cfgdep", repo.url(), false);
    String dora = AuthResourceTest.createToken("dora", "deployer", List.of("staging"));
    put(
            dora,
            "/api/apps/cfgdep/envs/staging/config",
            Map.of("values", Map.of("LOG_LEVEL", "debug")))
        .then()
        .statusCode(200)
        .body("who", equalTo("dora"))
        .body("values.LOG_LEVEL.value", equalTo("debug"));
    put(dora, "/api/apps/cfgdep/envs/staging/config", Map.of("secrets", Map.of("JWT", SECRET)))
        .then()
        .statusCode(403)
        .contentType(Problems.TYPE)
        .body(
            "detail",
            equalTo(
                "setting a secret needs an admin token; a deployer of staging may set its plain"
                    + " values only (tarmac config set cfgdep staging NAME=value); nothing was"
                    + " changed"));
    put(dora, "/api/apps/cfgdep/envs/prod/config", Map.of("values", Map.of("A", "1")))
        .then()
        .statusCode(403);
    put(dora, "/api/apps/cfgdep/config", Map.of("values", Map.of("A", "1"))).then().statusCode(403);
    given()
        .get("/api/apps/cfgdep/envs/staging/config")
        .then()
        .body("revision", equalTo(1))
        .body("values.JWT", nullValue());
    given().get("/api/apps/cfgdep/config").then().body("revision", equalTo(0));
  }

  @Test
  void badInputIsRefusedNamingWhatAndChangesNothing() {
    Api.registerApp("cfgbad", repo.url(), false);
    put(Api.TOKEN, "/api/apps/cfgbad/config", Map.of("values", Map.of("db-url", "x")))
        .then()
        .statusCode(400)
        .body(
            "detail",
            equalTo(
                "'db-url' is not a configuration name: use A-Z, 0-9 and _, not starting with a"
                    + " digit, at most 128 (such as DB_URL)"));
    put(Api.TOKEN, "/api/apps/cfgbad/envs/prod/config", Map.of("unset", List.of("NOPE")))
        .then()
        .statusCode(400)
        .body(
            "detail",
            equalTo(
                "NOPE is not set in cfgbad prod; nothing was changed (tarmac config list cfgbad"
                    + " prod shows what is)"));
    given()
        .auth()
        .oauth2(Api.TOKEN)
        .contentType(ContentType.JSON)
        .body("null")
        .put("/api/apps/cfgbad/config")
        .then()
        .statusCode(400);
    given().get("/api/apps/cfgbad/config").then().body("revision", equalTo(0));
    given().get("/api/apps/nosuchapp/config").then().statusCode(404);
  }
}
