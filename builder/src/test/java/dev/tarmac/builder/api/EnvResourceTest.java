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
 * Environments registered in the service (docs/environments.md): admins write them, everyone reads
 * them, every change is a revision; releases go to the registered hosts only, whatever a tag's
 * {@code tarmac.yml} says.
 */
@QuarkusTest
@TestProfile(FixedPortProfile.class)
class EnvResourceTest {
  static SampleRepo repo;
  static Path hosts;

  @jakarta.inject.Inject dev.tarmac.distributor.store.ArtifactStore store;

  @BeforeEach
  void token() {
    Api.authenticateByDefault();
  }

  static String yml(String envBlock) {
    return SampleRepo.TARMAC_YML
            .substring(0, SampleRepo.TARMAC_YML.indexOf("environments:"))
            .replace("app: shop", "app: envreg")
        + envBlock;
  }

  @BeforeAll
  static void makeRepo() throws Exception {
    Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "env-api-");
    hosts = Files.createDirectories(dir.resolve("hosts"));
    repo = new SampleRepo(dir.resolve("repo"));
    repo.write(
        "tarmac.yml",
        yml(
            "environments:\n  prod:\n    hosts:\n      - { name: a, address: local, deploy_to: "
                + hosts.resolve("a")
                + " }\n"));
    repo.commitAndTag("first", "v3.0.0");
    // the tag moves prod: another host and another deploy_to
    repo.write(
        "tarmac.yml",
        yml(
            "environments:\n  prod:\n    hosts:\n      - { name: a, address: local, deploy_to: "
                + hosts.resolve("elsewhere")
                + " }\n      - { name: z, address: local, deploy_to: "
                + hosts.resolve("z")
                + " }\n"));
    repo.write("public/index.html", "<p>second</p>\n");
    repo.commitAndTag("second", "v3.1.0");
  }

  static Response put(String token, String env, String body) {
    return given()
        .auth()
        .oauth2(token)
        .contentType("application/yaml")
        .body(body.getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .put("/api/apps/envreg/envs/" + env);
  }

  @Test
  void registeredEnvironmentsDecideWhereCodeRuns() throws Exception {
    Api.registerApp("envreg", repo.url(), false);
    Api.requestBuild("envreg", "v3.0.0");
    Api.requestBuild("envreg", "v3.1.0");
    Api.awaitBuild("envreg", "v3.0.0").then().body("status", equalTo("SUCCEEDED"));
    Api.awaitBuild("envreg", "v3.1.0").then().body("status", equalTo("SUCCEEDED"));

    // not registered: refused before any lock, saying how to register it
    given()
        .contentType(ContentType.JSON)
        .body(Map.of("version", "v3.0.0"))
        .post("/api/apps/envreg/envs/prod/releases")
        .then()
        .statusCode(404)
        .contentType(Problems.TYPE)
        .body("title", equalTo("Environment not registered"))
        .body(
            "detail",
            equalTo(
                "environment prod of envreg is not registered in the service (where code runs is"
                    + " no longer read from tarmac.yml); an admin registers it once from a build's"
                    + " tarmac.yml: tarmac env import envreg prod --from v3.0.0, or writes it:"
                    + " tarmac env set envreg prod FILE.yml (docs/environments.md)"));
    given().get("/api/apps/envreg/envs/prod/lock").then().body("locked", equalTo(false));

    // a deployer of prod may not write prod's definition, nor import it
    String deployer = AuthResourceTest.createToken("envreg-ci", "deployer", List.of("prod"));
    put(deployer, "prod", "hosts: [{ name: a, address: local, deploy_to: /tmp/x }]\n")
        .then()
        .statusCode(403);
    given()
        .auth()
        .oauth2(deployer)
        .contentType(ContentType.JSON)
        .body("{}")
        .post("/api/apps/envreg/envs/prod/import")
        .then()
        .statusCode(403);

    // an invalid body names the line and key, and changes nothing
    put(Api.TOKEN, "prod", "hosts:\n  - { name: a, address: local, port: 0 }\n")
        .then()
        .statusCode(400)
        .body("title", equalTo("Invalid environment"))
        .body(
            "detail",
            equalTo(
                "environment prod of envreg is invalid:\n"
                    + "  - line 2: hosts[0].port: expected a number from 1 to 65535, got 0\n"
                    + "  - line 2: hosts[0].deploy_to: is required (here or on the environment):"
                    + " an absolute path such as /srv/shop\n"
                    + "Fix it and send it again; nothing was changed (docs/environments.md)."));

    // an import names its build: the newest one is whatever was tagged or pushed last (the hostile
    // probe of 2026-12-07; before, `{}` registered the newest build's block: 200)
    for (String body : List.of("{}", "{\"from\":\"\"}")) {
      given()
          .contentType(ContentType.JSON)
          .body(body)
          .post("/api/apps/envreg/envs/prod/import")
          .then()
          .statusCode(400)
          .body(
              "detail",
              org.hamcrest.Matchers.startsWith(
                  "name the build whose tarmac.yml block registers prod of envreg: tarmac env"
                      + " import envreg prod --from VERSION"));
    }
    given().get("/api/apps/envreg/envs/prod").then().statusCode(404);

    // the admin imports v3.0.0's block once; a second import is refused
    Api.registerEnv("envreg", "prod", "v3.0.0");
    given()
        .contentType(ContentType.JSON)
        .body("{\"from\":\"v3.1.0\"}")
        .post("/api/apps/envreg/envs/prod/import")
        .then()
        .statusCode(409)
        .body("title", equalTo("Already registered"));
    given()
        .auth()
        .oauth2(deployer)
        .get("/api/apps/envreg/envs")
        .then()
        .statusCode(200)
        .body("env", equalTo(List.of("prod")))
        .body("[0].revision", equalTo(1))
        .body("[0].by", equalTo("admin"))
        .body("[0].definition.hosts[0].deploy_to", equalTo(hosts.resolve("a").toString()));

    // v3.1.0's tarmac.yml adds host z and moves a: ignored, with a warning in the plan and record
    String warning =
        "tarmac.yml at v3.1.0 has environments.prod, which is ignored: code goes to the"
            + " registered environment (revision 1), not to what the block says (host a: deploy_to "
            + hosts.resolve("a")
            + " → "
            + hosts.resolve("elsewhere")
            + "; host z added (local:22)); remove the environments: block from tarmac.yml"
            + " (docs/environments.md)";
    given()
        .contentType(ContentType.JSON)
        .body(Map.of("version", "v3.1.0"))
        .post("/api/apps/envreg/envs/prod/releases?plan=true")
        .then()
        .statusCode(200)
        .body("warnings", equalTo(List.of(warning)))
        .body("hosts.name", equalTo(List.of("a")));
    Response started =
        given()
            .contentType(ContentType.JSON)
            .body(Map.of("version", "v3.1.0"))
            .post("/api/apps/envreg/envs/prod/releases");
    started.then().statusCode(202).body("warnings", equalTo(List.of(warning)));
    Api.awaitRelease("envreg", "prod", started.jsonPath().getLong("id"))
        .then()
        .body("status", equalTo("LIVE"))
        .body("warnings", equalTo(List.of(warning)))
        .body("hosts.name", equalTo(List.of("a")));
    assertThat(Files.readSymbolicLink(hosts.resolve("a/current")).toString())
        .isEqualTo("releases/v3.1.0");
    assertThat(hosts.resolve("elsewhere")).doesNotExist();
    assertThat(hosts.resolve("z")).doesNotExist();

    // a rule of versions refuses what it does not name, before any lock
    put(
            Api.TOKEN,
            "prod",
            "hosts: [{ name: a, address: local, deploy_to: "
                + hosts.resolve("a")
                + " }]\nversions: [\"v2.*\"]\n")
        .then()
        .statusCode(200)
        .body("revision", equalTo(2))
        .body("changes", equalTo(List.of("versions tags → v2.*")));
    given()
        .contentType(ContentType.JSON)
        .body(Map.of("version", "v3.0.0"))
        .post("/api/apps/envreg/envs/prod/releases")
        .then()
        .statusCode(409)
        .body("title", equalTo("Version not allowed"))
        .body(
            "detail",
            equalTo(
                "v3.0.0 may not go to prod of envreg: its versions are v2.*; nothing was changed."
                    + " An admin changes the rule with tarmac env set envreg prod FILE.yml"
                    + " (docs/environments.md)"));

    // revisions: who, when, what, newest first
    given()
        .get("/api/apps/envreg/envs/prod/revisions")
        .then()
        .statusCode(200)
        .body("revision", equalTo(List.of(2, 1)))
        .body("by", equalTo(List.of("admin", "admin")))
        .body("[1].changes", equalTo(List.of("registered with 1 host (a)")));

    // the dashboard's environment page shows the registered definition
    String page =
        DashboardPagesTest.page(DashboardPagesTest.signIn(Api.TOKEN), "/apps/envreg/envs/prod")
            .then()
            .statusCode(200)
            .extract()
            .asString();
    assertThat(page)
        .contains("Registered environment, revision <b>2</b> by <b>admin</b>")
        .contains("Versions allowed: <b>v2.*</b>")
        .contains("<td>a</td><td>local:22</td>")
        .contains("<code>" + hosts.resolve("a") + "</code>");

    // no removal while the lock is held (as a release holds it)
    try (dev.tarmac.deploy.release.EnvLock held =
        dev.tarmac.deploy.release.EnvLock.acquire(
            store,
            "envreg",
            "prod",
            "maintenance",
            "release",
            "v2.0.0",
            java.time.Duration.ofMinutes(5),
            java.time.Clock.systemUTC(),
            false)) {
      given()
          .delete("/api/apps/envreg/envs/prod")
          .then()
          .statusCode(409)
          .body("title", equalTo("Locked"))
          .body(
              "detail",
              equalTo(
                  "environment prod of envreg is locked by maintenance (release of v2.0.0);"
                      + " nothing was removed. Wait for it to end, or release the lock (tarmac"
                      + " lock release envreg --env prod)"));
    }
    given().get("/api/apps/envreg/envs/prod").then().statusCode(200);
    given().delete("/api/apps/envreg/envs/prod").then().statusCode(200);
    given().get("/api/apps/envreg/envs/prod").then().statusCode(404);
    given().get("/api/apps/envreg/envs").then().body("size()", equalTo(0));
  }
}
