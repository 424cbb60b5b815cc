package dev.tarmac.builder.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import dev.tarmac.builder.service.ServiceConfig;
import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.store.ArtifactStore;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Issue 10: nothing readable without a token, named tokens with roles, credentials redacted. */
@QuarkusTest
class AuthResourceTest {
  @Inject ServiceConfig config;
  @Inject ArtifactStore store;

  @BeforeAll
  static void token() {
    Api.authenticateByDefault();
  }

  /**
   * Every GET endpoint of every JAX-RS resource in this package, found by reflection (so a new one
   * cannot slip through), with its path parameters filled in. Webhooks and the signed store URLs
   * carry their own signatures; fingerprinted assets ({@code /cdn/}) are public.
   */
  static Stream<String> everyGetEndpoint() throws Exception {
    List<String> paths = new ArrayList<>();
    for (Class<?> resource : Api.resources()) {
      String base = resource.getAnnotation(jakarta.ws.rs.Path.class).value();
      if (base.startsWith("/api/store/")
          || base.startsWith("/api/hooks/")
          || base.startsWith("/cdn/")) {
        continue; // signed, or public by nature (CdnResourceTest checks exactly what is)
      }
      for (Method m : resource.getDeclaredMethods()) {
        if (!m.isAnnotationPresent(GET.class)) {
          continue;
        }
        jakarta.ws.rs.Path sub = m.getAnnotation(jakarta.ws.rs.Path.class);
        String path = sub == null ? base : base + "/" + sub.value();
        paths.add(
            path.replace("{app}", "shop")
                .replace("{env}", "production")
                .replace("{version}", "v1.0.0")
                .replace("{id}", "1")
                .replace("{host}", "web1")
                .replace("{task}", "migrate")
                .replace("{name}", "someone"));
      }
    }
    assertThat(paths)
        .contains(
            "/api/apps",
            "/api/apps/shop",
            "/api/apps/shop/builds/v1.0.0/log",
            "/api/apps/shop/builds/v1.0.0/artifact",
            "/api/apps/shop/envs/production/releases",
            "/api/apps/shop/envs/production/status",
            "/api/tokens");
    return paths.stream();
  }

  @ParameterizedTest
  @MethodSource("everyGetEndpoint")
  void anonymousReadsAreRefused(String path) {
    given()
        .auth()
        .none()
        .get(path)
        .then()
        .statusCode(401)
        .contentType(Problems.TYPE)
        .body("detail", containsString("Authorization: Bearer"))
        .body("detail", containsString("api-token"))
        .body("detail", containsString("tarmac tokens create"));
    given().auth().oauth2("not-a-token").get(path).then().statusCode(401);
  }

  @Test
  void aResourceOutsideTheApiThatChecksNoSessionIsRefused() {
    // a page is reached without a token (it sends a visitor to the sign-in page itself) ...
    given().auth().none().redirects().follow(false).get("/").then().statusCode(303);
    // ... but a resource there that is not marked as checking its session is not
    given()
        .auth()
        .none()
        .get("/probe/unmarked")
        .then()
        .statusCode(401)
        .contentType(Problems.TYPE)
        .body("detail", containsString("Authorization: Bearer"));
    given().get("/probe/unmarked").then().statusCode(401);
  }

  @Test
  void anUnknownApiPathIsRefusedBeforeItIsLookedUp() {
    given().auth().none().get("/api/nothing-here").then().statusCode(401);
    given().auth().none().get("/api/store/../apps").then().statusCode(not(equalTo(200)));
  }

  @Test
  void aViewerReadsButCannotReleaseBuildOrManage() {
    String viewer = createToken("vera", "viewer", null);
    given().auth().oauth2(viewer).get("/api/apps").then().statusCode(200);
    given()
        .auth()
        .oauth2(viewer)
        .contentType(ContentType.JSON)
        .body(Map.of("version", "v1.0.0"))
        .post("/api/apps/shop/envs/production/releases")
        .then()
        .statusCode(403)
        .contentType(Problems.TYPE)
        .body(
            "detail",
            equalTo(
                "the token 'vera' is a viewer token; POST /api/apps/shop/envs/production/releases"
                    + " needs a deployer or admin token. Ask an admin for one: tarmac tokens"
                    + " create NAME --role deployer"));
    given()
        .auth()
        .oauth2(viewer)
        .contentType(ContentType.JSON)
        .body(Map.of())
        .post("/api/apps/shop/envs/production/rollback")
        .then()
        .statusCode(403);
    given()
        .auth()
        .oauth2(viewer)
        .contentType(ContentType.JSON)
        .body(Map.of("tag", "v1.0.0"))
        .post("/api/apps/shop/builds")
        .then()
        .statusCode(403);
    given()
        .auth()
        .oauth2(viewer)
        .contentType(ContentType.JSON)
        .body(Map.of("name", "x", "repo", "file:///tmp/x.git"))
        .post("/api/apps")
        .then()
        .statusCode(403);
    given()
        .auth()
        .oauth2(viewer)
        .get("/api/tokens")
        .then()
        .statusCode(403)
        .body(
            "detail",
            equalTo(
                "the token 'vera' is a viewer token; GET /api/tokens needs an admin token. Ask an"
                    + " admin for one: tarmac tokens create NAME --role admin"));
    // cancel, taking the lock away and removing an app are not a viewer's; reading the lock is
    given()
        .auth()
        .oauth2(viewer)
        .contentType(ContentType.JSON)
        .body(Map.of())
        .post("/api/apps/shop/envs/production/releases/1/cancel")
        .then()
        .statusCode(403);
    given()
        .auth()
        .oauth2(viewer)
        .delete("/api/apps/shop/envs/production/lock")
        .then()
        .statusCode(403);
    given().auth().oauth2(viewer).delete("/api/apps/shop").then().statusCode(403);
    given()
        .auth()
        .oauth2(viewer)
        .get("/api/apps/shop/envs/production/lock")
        .then()
        .statusCode(200)
        .body("locked", equalTo(false));
  }

  @Test
  void aDeployerForStagingCannotReleaseToProduction() {
    String deployer = createToken("stage-ci", "deployer", List.of("staging"));
    given()
        .auth()
        .oauth2(deployer)
        .contentType(ContentType.JSON)
        .body(Map.of("version", "v1.0.0"))
        .post("/api/apps/shop/envs/production/releases")
        .then()
        .statusCode(403)
        .body("detail", containsString("stage-ci"))
        .body("detail", containsString("staging"));
    given()
        .auth()
        .oauth2(deployer)
        .contentType(ContentType.JSON)
        .body(Map.of())
        .post("/api/apps/shop/envs/production/rollback")
        .then()
        .statusCode(403);
    // nor may it define where code runs, not even in its own environment (docs/environments.md)
    for (String env : List.of("production", "staging")) {
      given()
          .auth()
          .oauth2(deployer)
          .contentType("application/yaml")
          .body("hosts: [{ name: evil, address: 127.0.1.99 }]\n".getBytes())
          .put("/api/apps/shop/envs/" + env)
          .then()
          .statusCode(403)
          .body("detail", containsString("stage-ci"));
      given().auth().oauth2(deployer).delete("/api/apps/shop/envs/" + env).then().statusCode(403);
    }
    // to staging it gets past the check (and on to "no such app")
    given()
        .auth()
        .oauth2(deployer)
        .contentType(ContentType.JSON)
        .body(Map.of("version", "v1.0.0"))
        .post("/api/apps/shop/envs/staging/releases")
        .then()
        .statusCode(404)
        .body("detail", containsString("no app named 'shop'"));
    given()
        .auth()
        .oauth2(deployer)
        .delete("/api/apps/shop/envs/production/lock")
        .then()
        .statusCode(403);
    given()
        .auth()
        .oauth2(deployer)
        .contentType(ContentType.JSON)
        .body(Map.of())
        .post("/api/apps/shop/envs/production/releases/1/cancel")
        .then()
        .statusCode(403);
    given().auth().oauth2(deployer).delete("/api/apps/shop").then().statusCode(403);
    // a deployer manages neither apps nor tokens
    given()
        .auth()
        .oauth2(deployer)
        .contentType(ContentType.JSON)
        .body(Map.of("name", "x", "role", "admin"))
        .post("/api/tokens")
        .then()
        .statusCode(403);
  }

  @Test
  void aRevokedTokenIsRefused() {
    String token = createToken("leaver", "viewer", null);
    given().auth().oauth2(token).get("/api/apps").then().statusCode(200);
    given().auth().oauth2(Api.TOKEN).delete("/api/tokens/leaver").then().statusCode(204);
    given().auth().oauth2(token).get("/api/apps").then().statusCode(401).contentType(Problems.TYPE);
    given()
        .auth()
        .oauth2(Api.TOKEN)
        .delete("/api/tokens/leaver")
        .then()
        .statusCode(404)
        .body("detail", containsString("leaver"));
  }

  @Test
  void tokensAreStoredHashedInAPrivateFileAndListedWithoutSecrets() throws Exception {
    String secret = createToken("lister", "deployer", List.of("staging", "production"));
    assertThat(secret).matches("tarmac_[0-9a-f]{64}");
    Path file = config.dataDir().resolve("tokens.json");
    String stored = Files.readString(file);
    assertThat(stored).doesNotContain(secret).contains(sha256(secret));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    Response list = given().auth().oauth2(Api.TOKEN).get("/api/tokens");
    list.then().statusCode(200);
    assertThat(list.asString()).doesNotContain(secret).doesNotContain(sha256(secret));
    assertThat(list.jsonPath().getList("findAll { it.name == 'lister' }.role"))
        .containsExactly("deployer");
    assertThat(list.jsonPath().getList("findAll { it.name == 'lister' }.envs").toString())
        .isEqualTo("[[staging, production]]");
    // a bad request names what to fix and changes nothing
    given()
        .auth()
        .oauth2(Api.TOKEN)
        .contentType(ContentType.JSON)
        .body(Map.of("name", "x", "role", "root"))
        .post("/api/tokens")
        .then()
        .statusCode(400)
        .body("detail", containsString("viewer, deployer or admin"));
    given()
        .auth()
        .oauth2(Api.TOKEN)
        .contentType(ContentType.JSON)
        .body(Map.of("name", "lister", "role", "viewer"))
        .post("/api/tokens")
        .then()
        .statusCode(409);
    assertThat(Files.readString(file)).isEqualTo(stored);
  }

  @Test
  void repositoryCredentialsAreKeptOutOfTheStoreAnswersLogsAndBuildLogs() throws Exception {
    try (LogCapture logged = new LogCapture()) {
      // a closed port on loopback: the fetch fails at once, with the URL in the error
      String repo = "https://builder:s3cret-pat@127.0.0.1:9/team/private.git";
      Response registered =
          given()
              .auth()
              .oauth2(Api.TOKEN)
              .contentType(ContentType.JSON)
              .body(Map.of("name", "private", "repo", repo))
              .post("/api/apps");
      registered.then().statusCode(201).body("credential.kind", equalTo("TOKEN"));
      assertThat(registered.asString())
          .doesNotContain("s3cret")
          .contains("https://builder@127.0.0.1:9/team/private.git");
      assertThat(given().get("/api/apps/private").asString())
          .doesNotContain("s3cret")
          .contains("builder@");
      assertThat(given().get("/api/apps").asString()).doesNotContain("s3cret");
      // the password was taken out of the URL: the store (maybe a shared bucket) never holds it;
      // it is a secret of the service (docs/operations.md, "Private repositories")
      assertThat(new String(store.readAllBytes(StoreLayout.app("private")), StandardCharsets.UTF_8))
          .doesNotContain("s3cret");

      Api.requestBuild("private", "v1.0.0").then().statusCode(202);
      Response failed = Api.awaitBuild("private", "v1.0.0");
      failed.then().body("status", equalTo("FAILED"));
      assertThat(failed.asString()).doesNotContain("s3cret").contains("builder@");
      assertThat(given().get("/api/apps/private/builds").asString()).doesNotContain("s3cret");
      String log = given().get("/api/apps/private/builds/v1.0.0/log").asString();
      assertThat(log).contains("builder@127.0.0.1:9").doesNotContain("s3cret");
      assertThat(logged.lines()).isNotEmpty().noneMatch(s -> s.contains("s3cret"));
    }
  }

  static String createToken(String name, String role, List<String> envs) {
    Map<String, Object> body =
        envs == null
            ? Map.of("name", name, "role", role)
            : Map.of("name", name, "role", role, "envs", envs);
    Response r =
        given()
            .auth()
            .oauth2(Api.TOKEN)
            .contentType(ContentType.JSON)
            .body(body)
            .post("/api/tokens");
    r.then().statusCode(201).body("name", equalTo(name)).body("role", equalTo(role));
    return r.jsonPath().getString("token");
  }

  static String sha256(String s) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
  }
}
