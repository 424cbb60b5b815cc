package dev.tarmac.builder.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import dev.tarmac.builder.testing.FixedPortProfile;
import dev.tarmac.builder.testing.SampleRepo;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Contract migrations through the service (docs/releasing.md, "Expand and contract"): the release
 * page says the contract ran, a failed one is a warning on a LIVE release, and {@code POST
 * …/rollback} across one is 409 unless {@code acrossContract}. Tags are v3.x: the sample repo tags
 * v1.0.0 itself.
 */
@QuarkusTest
@TestProfile(FixedPortProfile.class)
class ContractPagesTest {
  static SampleRepo repo;
  static Path hosts;

  @BeforeEach
  void token() {
    Api.authenticateByDefault();
  }

  static String yml(String contract) {
    return SampleRepo.TARMAC_YML
            .substring(0, SampleRepo.TARMAC_YML.indexOf("environments:"))
            .replace("app: shop", "app: contracted")
        + "  hooks:\n    contract: [\""
        + contract
        + "\"]\n"
        + "environments:\n  prod:\n    hosts:\n"
        + "      - { name: a, address: local, roles: [web, db], deploy_to: "
        + hosts.resolve("a")
        + " }\n"
        + "      - { name: b, address: local, roles: [web], deploy_to: "
        + hosts.resolve("b")
        + " }\n";
  }

  @BeforeAll
  static void makeRepo() throws Exception {
    Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "contract-pages-");
    hosts = Files.createDirectories(dir.resolve("hosts"));
    repo = new SampleRepo(dir.resolve("repo"));
    repo.write("tarmac.yml", yml("echo no column to drop yet"));
    repo.commitAndTag("first", "v3.0.0");
    repo.write("tarmac.yml", yml("echo dropped the legacy column"));
    repo.commitAndTag("contract", "v3.1.0");
    repo.write("tarmac.yml", yml("echo the drop broke >&2; exit 4"));
    repo.commitAndTag("a broken contract", "v3.2.0");
  }

  static long release(String version) throws Exception {
    Api.requestBuild("contracted", version);
    Api.awaitBuild("contracted", version).then().body("status", equalTo("SUCCEEDED"));
    long id =
        given()
            .contentType(ContentType.JSON)
            .body(Map.of("version", version))
            .post("/api/apps/contracted/envs/prod/releases")
            .then()
            .statusCode(202)
            .extract()
            .jsonPath()
            .getLong("id");
    Api.awaitRelease("contracted", "prod", id).then().body("status", equalTo("LIVE"));
    return id;
  }

  static String page(long id) {
    return DashboardPagesTest.page(
            DashboardPagesTest.signIn(Api.TOKEN), "/apps/contracted/envs/prod/releases/" + id)
        .then()
        .statusCode(200)
        .extract()
        .asString();
  }

  @Test
  void theReleasePageSaysTheContractAndARollbackAcrossItIsRefusedUnlessAsked() throws Exception {
    Api.registerApp("contracted", repo.url(), false);
    Api.requestBuild("contracted", "v3.0.0");
    Api.awaitBuild("contracted", "v3.0.0").then().body("status", equalTo("SUCCEEDED"));
    Api.registerEnv("contracted", "prod", "v3.0.0");
    release("v3.0.0");
    long contracted = release("v3.1.0");

    Response r = given().get("/api/apps/contracted/envs/prod/releases/" + contracted);
    assertThat(r.jsonPath().getList("hosts.find { it.name == 'a' }.tasks.name"))
        .contains("contract");
    assertThat(r.jsonPath().getList("hosts.find { it.name == 'b' }.tasks.name"))
        .doesNotContain("contract");
    assertThat(page(contracted))
        .contains(
            "<dt>Contract migration</dt><dd id=\"contract\">ran on a, once every host served"
                + " v3.1.0. A rollback to an older release is refused without"
                + " <code>--restore-database</code> or <code>--across-contract</code></dd>")
        .doesNotContain("id=\"warnings\"");

    // back to v3.0.0 across the contract: 409, nothing started
    given()
        .contentType(ContentType.JSON)
        .body(Map.of())
        .post("/api/apps/contracted/envs/prod/rollback")
        .then()
        .statusCode(409)
        .body(
            "detail",
            equalTo(
                "cannot roll back to v3.0.0: the contract migration of #"
                    + contracted
                    + " v3.1.0 on a ran after v3.0.0 was live, and dropped what v3.0.0 may still"
                    + " use; nothing was changed. Restore the database from before v3.1.0:"
                    + " tarmac rollback contracted --env prod --to v3.0.0 --restore-database; or,"
                    + " if v3.0.0 runs on the schema as it is: tarmac rollback contracted --env"
                    + " prod --to v3.0.0 --across-contract"));
    given()
        .get("/api/apps/contracted/envs/prod/releases?limit=1")
        .then()
        .body("id[0]", equalTo((int) contracted));

    long back =
        given()
            .contentType(ContentType.JSON)
            .body(Map.of("acrossContract", true))
            .post("/api/apps/contracted/envs/prod/rollback")
            .then()
            .statusCode(202)
            .extract()
            .jsonPath()
            .getLong("id");
    Api.awaitRelease("contracted", "prod", back)
        .then()
        .body("status", equalTo("LIVE"))
        .body("version", equalTo("v3.0.0"));

    // a contract that fails: LIVE, the record warns, the page says so
    long broken = release("v3.2.0");
    given()
        .get("/api/apps/contracted/envs/prod/releases/" + broken)
        .then()
        .body(
            "warnings[0]",
            startsWith(
                "contract failed after the switch (the release is live): the contract migration"
                    + " of v3.2.0 failed on a; v3.2.0 serves on every host and stays live"));
    assertThat(page(broken))
        .contains(
            "<dd id=\"contract\" class=\"warning\">failed on a after every host served v3.2.0:"
                + " it may be partly applied; v3.2.0 stays live.")
        .contains("<dt>Warnings</dt><dd class=\"warning\" id=\"warnings\">")
        .contains("<li>contract failed after the switch (the release is live): the contract")
        .contains("the drop broke");
  }
}
