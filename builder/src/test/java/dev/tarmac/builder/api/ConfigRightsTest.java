package dev.tarmac.builder.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.tarmac.builder.testing.SampleRepo;
import io.quarkus.test.junit.QuarkusTest;
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
 * Who may touch a secret, from the fourth hostile probe (2026-12-07): a deployer limited to staging
 * replaced, removed and shadowed an admin's secret with plain values of its own, and a malformed
 * body's 400 quoted the secret it carried. Each test failed before its fix
 * (docs/configuration-and-secrets.md, "Who may set what").
 */
@QuarkusTest
class ConfigRightsTest {
  static final String SECRET = "probe4-secret-value-0xC0FFEE";
  static SampleRepo repo;

  @BeforeAll
  static void makeRepo() throws Exception {
    repo =
        new SampleRepo(
            Files.createTempDirectory(Path.of("target").toAbsolutePath(), "probe4-")
                .resolve("repo"));
  }

  @BeforeEach
  void token() {
    Api.authenticateByDefault();
  }

  static Response put(String token, String path, Map<String, Object> body) {
    return given().auth().oauth2(token).contentType(ContentType.JSON).body(body).put(path);
  }

  /**
   * docs/configuration-and-secrets.md: a secret is what a deployer must not change to a value it
   * knows.
   */
  @Test
  void aStagingDeployerCannotReplaceAnAdminsSecretWithAPlainValueItKnows() {
    Api.registerApp("p4sec", repo.url(), false);
    String dora = AuthResourceTest.createToken("p4dora", "deployer", List.of("staging"));
    put(
            Api.TOKEN,
            "/api/apps/p4sec/envs/staging/config",
            Map.of("secrets", Map.of("DB_PASSWORD", SECRET)))
        .then()
        .statusCode(200);
    int status =
        put(
                dora,
                "/api/apps/p4sec/envs/staging/config",
                Map.of("values", Map.of("DB_PASSWORD", "mine-known")))
            .statusCode();
    assertThat(status).isEqualTo(403);
    given()
        .auth()
        .oauth2(dora)
        .contentType(ContentType.JSON)
        .body(Map.of("values", Map.of("DB_PASSWORD", "mine-known")))
        .put("/api/apps/p4sec/envs/staging/config")
        .then()
        .statusCode(403)
        .body(
            "detail",
            equalTo(
                "DB_PASSWORD is a secret of p4sec staging: replacing, removing or overriding it"
                    + " needs an admin token; a deployer of staging may set its plain values only"
                    + " (tarmac config set p4sec staging NAME=value); nothing was changed"));
    Response after = given().get("/api/apps/p4sec/envs/staging/config");
    assertThat(after.jsonPath().getBoolean("values.DB_PASSWORD.secret"))
        .as("DB_PASSWORD still the admin's secret (the deployer's PUT answered %d)", status)
        .isTrue();
  }

  @Test
  void aStagingDeployerCannotUnsetAnAdminsSecret() {
    Api.registerApp("p4uns", repo.url(), false);
    String dora = AuthResourceTest.createToken("p4dora2", "deployer", List.of("staging"));
    put(
            Api.TOKEN,
            "/api/apps/p4uns/envs/staging/config",
            Map.of("secrets", Map.of("DB_PASSWORD", SECRET)))
        .then()
        .statusCode(200);
    int status =
        put(dora, "/api/apps/p4uns/envs/staging/config", Map.of("unset", List.of("DB_PASSWORD")))
            .statusCode();
    assertThat(status).isEqualTo(403);
    Response after = given().get("/api/apps/p4uns/envs/staging/config");
    assertThat(after.jsonPath().getMap("values"))
        .as("the deployer's unset answered %d", status)
        .containsKey("DB_PASSWORD");
  }

  /** An app-wide secret overridden in staging by a plain value the deployer chose. */
  @Test
  void aStagingDeployerCannotShadowAnAppWideSecretWithAPlainValue() {
    Api.registerApp("p4shd", repo.url(), false);
    String dora = AuthResourceTest.createToken("p4dora3", "deployer", List.of("staging"));
    put(Api.TOKEN, "/api/apps/p4shd/config", Map.of("secrets", Map.of("DB_PASSWORD", SECRET)))
        .then()
        .statusCode(200);
    put(
            dora,
            "/api/apps/p4shd/envs/staging/config",
            Map.of("values", Map.of("DB_PASSWORD", "mine-known")))
        .then()
        .statusCode(403);
  }

  @Test
  void pathTricksNeverReachAnotherEnvironment() {
    Api.registerApp("p4path", repo.url(), false);
    String dora = AuthResourceTest.createToken("p4dora4", "deployer", List.of("staging"));
    for (String env :
        List.of(
            "STAGING",
            "Staging",
            "staging%2F..%2Fprod",
            "staging%2f..%2fprod",
            "..%2Fprod",
            "staging%00",
            "staging%20",
            "prod%2F..%2Fstaging",
            "%73taging%2F%2E%2E%2Fprod")) {
      Response r =
          given()
              .urlEncodingEnabled(false)
              .auth()
              .oauth2(dora)
              .contentType(ContentType.JSON)
              .body(Map.of("values", Map.of("A", "1")))
              .put("/api/apps/p4path/envs/" + env + "/config");
      assertThat(r.statusCode()).as(env + ": " + r.asString()).isIn(400, 403, 404);
      Response d =
          given()
              .urlEncodingEnabled(false)
              .auth()
              .oauth2(dora)
              .contentType(ContentType.TEXT)
              .body("deploy_to: /srv/x\nhosts: [{ name: a, address: local }]\n")
              .put("/api/apps/p4path/envs/" + env);
      assertThat(d.statusCode()).as(env + " definition: " + d.asString()).isIn(400, 403, 404);
    }
    given().get("/api/apps/p4path/envs/prod/config").then().body("revision", equalTo(0));
    given().get("/api/apps/p4path/envs/staging/config").then().body("revision", equalTo(0));
  }

  /** "never … an error": a body whose secrets is a string instead of an object. */
  @Test
  void aMalformedBodyNeverEchoesTheSecret() {
    Api.registerApp("p4bad", repo.url(), false);
    for (String body :
        List.of(
            "{\"secrets\":\"" + SECRET + "\"}",
            "{\"secrets\":{\"JWT\":\"" + SECRET + "\"},\"values\":\"" + SECRET + "\"}",
            "{\"secrets\":{\"JWT\":" + SECRET + "}}",
            "{\"secrets\":{\"JWT\":\"" + SECRET + "\"}",
            // (a value sent where a name goes is named in the 400: names are never secret)
            "{\"secrets\":{\"JWT\":[\"" + SECRET + "\"]}}")) {
      Response r =
          given()
              .auth()
              .oauth2(Api.TOKEN)
              .contentType(ContentType.JSON)
              .body(body)
              .put("/api/apps/p4bad/envs/staging/config");
      assertThat(r.statusCode()).as(body).isEqualTo(400);
      assertThat(r.asString()).as(body).doesNotContain(SECRET);
    }
  }
}
