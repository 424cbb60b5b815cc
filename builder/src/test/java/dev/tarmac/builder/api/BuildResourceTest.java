package dev.tarmac.builder.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import dev.tarmac.builder.service.BuildService;
import dev.tarmac.builder.testing.SampleRepo;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.Hashing;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
class BuildResourceTest {

  @BeforeEach
  void token() {
    Api.authenticateByDefault();
  }

  private static SampleRepo repo;

  @Inject BuildService builds;
  @Inject ArtifactStore store;

  @BeforeAll
  static void makeRepo() throws Exception {
    repo = new SampleRepo(Files.createTempDirectory(Path.of("target"), "repo-").toAbsolutePath());
  }

  /** Issue 26 item 9: a branch is built as a version named from its commit, not a tag. */
  @Test
  void aBranchIsBuiltAsAVersionNamedFromItsCommit() throws Exception {
    SampleRepo own =
        new SampleRepo(Files.createTempDirectory(Path.of("target"), "repo-").toAbsolutePath());
    own.write("tarmac.yml", SampleRepo.TARMAC_YML.replace("app: shop", "app: refshop"));
    String commit = own.commitAndTag("refshop", "v9.0.0");
    Api.registerApp("refshop", own.url(), false);
    String version = "main-" + commit.substring(0, 7);

    given()
        .contentType(ContentType.JSON)
        .body("{\"ref\":\"main\"}")
        .post("/api/apps/refshop/builds")
        .then()
        .statusCode(202)
        .body("version", equalTo(version))
        .body("tag", org.hamcrest.Matchers.nullValue())
        .body("commit", equalTo(commit))
        .body("kind", equalTo("branch"))
        .body("ref", equalTo("main"));
    Api.awaitBuild("refshop", version)
        .then()
        .body("status", equalTo("SUCCEEDED"))
        .body("kind", equalTo("branch"));

    given()
        .contentType(ContentType.JSON)
        .body("{\"ref\":\"nope\"}")
        .post("/api/apps/refshop/builds")
        .then()
        .statusCode(404)
        .body(
            "detail",
            equalTo(
                "nope is neither a branch nor a commit of "
                    + own.url()
                    + "; its branches: main. Push it (git push origin nope) and build again"));
    given()
        .contentType(ContentType.JSON)
        .body("{\"ref\":\"-x\"}")
        .post("/api/apps/refshop/builds")
        .then()
        .statusCode(400)
        .body("detail", containsString("'-x' is not a ref Tarmac builds"));
    given()
        .contentType(ContentType.JSON)
        .body("{\"tag\":\"v9.0.0\",\"ref\":\"main\"}")
        .post("/api/apps/refshop/builds")
        .then()
        .statusCode(400)
        .body(
            "detail",
            equalTo(
                "send {\"tag\":\"v1.4.0\"}: the tag to build, or {\"ref\":\"main\"}: a branch or"
                    + " commit to build as a version named from its commit (main-1a2b3c4)"));
  }

  @Test
  void aRequestedTagIsBuiltAndServedWithRanges() throws Exception {
    Api.registerApp("shop", repo.url(), false);

    Api.requestBuild("shop", "v1.0.0")
        .then()
        .statusCode(202)
        .body("app", equalTo("shop"))
        .body("version", equalTo("v1.0.0"));
    Response done = Api.awaitBuild("shop", "v1.0.0");

    done.then()
        .body("status", equalTo("SUCCEEDED"))
        .body("commit", org.hamcrest.Matchers.matchesPattern("[0-9a-f]{40}"));
    String sha256 = done.jsonPath().getString("sha256");
    int size = done.jsonPath().getInt("size");
    byte[] whole =
        given()
            .get("/api/apps/shop/builds/v1.0.0/artifact")
            .then()
            .statusCode(200)
            .contentType("application/gzip")
            .header("Accept-Ranges", "bytes")
            .extract()
            .asByteArray();
    assertThat(whole).hasSize(size);
    assertThat(Hashing.sha256Hex(whole)).isEqualTo(sha256);
    // an interrupted download resumes from where it stopped
    byte[] rest =
        given()
            .header("Range", "bytes=100-")
            .get("/api/apps/shop/builds/v1.0.0/artifact")
            .then()
            .statusCode(206)
            .header("Content-Range", "bytes 100-" + (size - 1) + "/" + size)
            .extract()
            .asByteArray();
    byte[] resumed = new byte[size];
    System.arraycopy(whole, 0, resumed, 0, 100);
    System.arraycopy(rest, 0, resumed, 100, rest.length);
    assertThat(Hashing.sha256Hex(resumed)).isEqualTo(sha256);
    given()
        .header("Range", "bytes=" + size + "-")
        .get("/api/apps/shop/builds/v1.0.0/artifact")
        .then()
        .statusCode(416)
        .contentType(Problems.TYPE)
        .header("Content-Range", "bytes */" + size);

    given()
        .get("/api/apps/shop/builds/v1.0.0/manifest")
        .then()
        .statusCode(200)
        .body(containsString("  public/css/main.css\n"));
    given()
        .get("/api/apps/shop/builds/v1.0.0/log")
        .then()
        .statusCode(200)
        .body(containsString("step pack done"));
    given().get("/api/apps/shop/builds").then().statusCode(200).body("version", hasItem("v1.0.0"));

    // a signed store URL serves the same bytes without a token (how servers download)
    URI signed =
        store.signedGetUrl("apps/shop/builds/v1.0.0/artifact.tar.gz", Duration.ofMinutes(1));
    byte[] viaSigned =
        given()
            .urlEncodingEnabled(false)
            .get(signed.getRawPath() + "?" + signed.getRawQuery())
            .then()
            .statusCode(200)
            .extract()
            .asByteArray();
    assertThat(Hashing.sha256Hex(viaSigned)).isEqualTo(sha256);
    given()
        .urlEncodingEnabled(false)
        .get(signed.getRawPath() + "?" + signed.getRawQuery().replace("signature=", "signature=0"))
        .then()
        .statusCode(403)
        .contentType(Problems.TYPE);
  }

  @Test
  void twoRequestsForTheSameTagMakeOneBuild() throws Exception {
    Api.registerApp("twice", repo.url().replace("shop", "shop"), false);
    repo.write("tarmac.yml", SampleRepo.TARMAC_YML.replace("app: shop", "app: twice"))
        .commitAndTag("for twice", "twice-1");
    int before = builds.buildsRun();

    CompletableFuture<Response> a =
        CompletableFuture.supplyAsync(() -> Api.requestBuild("twice", "twice-1"));
    CompletableFuture<Response> b =
        CompletableFuture.supplyAsync(() -> Api.requestBuild("twice", "twice-1"));
    assertThat(a.get().statusCode()).isEqualTo(202);
    assertThat(b.get().statusCode()).isEqualTo(202);
    Api.awaitBuild("twice", "twice-1").then().body("status", equalTo("SUCCEEDED"));
    Api.requestBuild("twice", "twice-1")
        .then()
        .statusCode(202)
        .body("status", equalTo("SUCCEEDED"));

    assertThat(builds.buildsRun() - before).isEqualTo(1);
  }

  @Test
  void aBuildStuckInSassIsCancelledAndLeavesNoProcess() throws Exception {
    Api.registerApp("stuck", repo.url(), false);
    repo.write("tarmac.yml", SampleRepo.TARMAC_YML.replace("app: shop", "app: stuck"))
        .write("assets/scss/main.scss", "$i: 0;\n@while $i < 1 { $j: 1; }\n")
        .commitAndTag("a stylesheet that never ends", "stuck-1");
    Api.requestBuild("stuck", "stuck-1").then().statusCode(202);
    for (int i = 0; i < 300; i++) {
      String log = given().get("/api/apps/stuck/builds/stuck-1/log").asString();
      if (log.contains("step minify") || log.contains("step commands done")) {
        break;
      }
      Thread.sleep(100);
    }
    Thread.sleep(500); // Dart Sass is looping now

    given()
        .auth()
        .oauth2(Api.TOKEN)
        .post("/api/apps/stuck/builds/stuck-1/cancel")
        .then()
        .statusCode(200)
        .body("status", equalTo("RUNNING"));
    Response done = Api.awaitBuild("stuck", "stuck-1");

    done.then().body("status", equalTo("FAILED")).body("error", containsString("cancelled by "));
    assertThat(store.list("apps/stuck/builds/")).isEmpty();
    for (int uid = dev.tarmac.builder.sandbox.UidRange.DEFAULT.first();
        uid <= dev.tarmac.builder.sandbox.UidRange.DEFAULT.last();
        uid++) {
      assertThat(dev.tarmac.builder.sandbox.BuildSandbox.processesOf(uid))
          .as("processes of build uid " + uid)
          .isEmpty();
    }
    given()
        .auth()
        .oauth2(Api.TOKEN)
        .post("/api/apps/stuck/builds/stuck-1/cancel")
        .then()
        .statusCode(409)
        .body("detail", containsString("stuck stuck-1 is FAILED; there is nothing to cancel"));
  }

  @Test
  void aFailedBuildShowsItsErrorAndPublishesNothing() throws Exception {
    Api.registerApp("broken", repo.url(), false);

    Api.requestBuild("broken", "v1.0.0").then().statusCode(202);
    Response done = Api.awaitBuild("broken", "v1.0.0");

    done.then()
        .body("status", equalTo("FAILED"))
        .body("error", containsString("says app: shop, but this build is for app broken"));
    given()
        .get("/api/apps/broken/builds/v1.0.0/artifact")
        .then()
        .statusCode(409)
        .contentType(Problems.TYPE);
    given()
        .get("/api/apps/broken/builds/v1.0.0/log")
        .then()
        .statusCode(200)
        .body(containsString("FAILED"));
    assertThat(store.list("apps/broken/builds/")).isEmpty();
    // a failed build is not final: asking again queues it again
    Api.requestBuild("broken", "v1.0.0").then().statusCode(202).body("status", equalTo("QUEUED"));
    Api.awaitBuild("broken", "v1.0.0").then().body("status", equalTo("FAILED"));
  }

  @Test
  void mutatingCallsNeedTheToken() {
    given()
        .auth()
        .none()
        .contentType(ContentType.JSON)
        .body("{\"tag\":\"v1.0.0\"}")
        .post("/api/apps/shop/builds")
        .then()
        .statusCode(401)
        .contentType(Problems.TYPE)
        .body("detail", containsString("Authorization: Bearer"));
    given()
        .auth()
        .oauth2("wrong")
        .contentType(ContentType.JSON)
        .body("{\"name\":\"x\",\"repo\":\"file:///x\"}")
        .post("/api/apps")
        .then()
        .statusCode(401)
        .body("detail", containsString("not valid"));
  }

  @Test
  void badInputIsAProblemThatSaysWhatToDo() {
    given()
        .get("/api/apps/nope/builds")
        .then()
        .statusCode(404)
        .contentType(Problems.TYPE)
        .body("status", equalTo(404))
        .body("detail", containsString("; register it: tarmac apps add nope GIT_URL"));
    Api.registerApp("valid", repo.url(), false);
    Api.requestBuild("valid", "v1;rm -rf /")
        .then()
        .statusCode(400)
        .contentType(Problems.TYPE)
        .body("detail", containsString("not a valid tag"));
    given()
        .get("/api/apps/valid/builds/v0.0.1")
        .then()
        .statusCode(404)
        .body("detail", containsString("tarmac build valid v0.0.1"));
    given()
        .auth()
        .oauth2(Api.TOKEN)
        .contentType(ContentType.JSON)
        .body("{\"name\":\"Bad Name\",\"repo\":\"file:///x\"}")
        .post("/api/apps")
        .then()
        .statusCode(400)
        .body("detail", containsString("not a valid app name"));
    given()
        .auth()
        .oauth2(Api.TOKEN)
        .contentType(ContentType.JSON)
        .body("{\"name\":\"x\",\"repo\":\"not a url\"}")
        .post("/api/apps")
        .then()
        .statusCode(400)
        .body("detail", containsString("not a git URL"));
    given()
        .auth()
        .oauth2(Api.TOKEN)
        .contentType(ContentType.JSON)
        .body("{\"name\":\"x\",\"repo\":\"ssh://git@git.example/team/x.git\"}")
        .post("/api/apps")
        .then()
        .statusCode(400)
        .body("detail", containsString("send its deploy key too"));
    given()
        .auth()
        .oauth2(Api.TOKEN)
        .contentType(ContentType.JSON)
        .body("{\"name\":\"x\",\"repo\":\"git@git.example:team/x.git\"}")
        .post("/api/apps")
        .then()
        .statusCode(400)
        .body("detail", containsString("write it as a URL: ssh://git@git.example/team/x.git"));
  }

  /**
   * A name that can never be a version is bad input (400, what a version may be), not a build that
   * is missing (404 suggesting `tarmac build` with it); a long one is not echoed back whole.
   */
  @Test
  void aVersionThatCannotBeOneIsBadInputNotAMissingBuild() {
    Api.registerApp("badversion", repo.url(), false);
    for (String path :
        List.of(
            "/api/apps/badversion/builds/..%2F..%2Fx",
            "/api/apps/badversion/builds/..%2F..%2Fx/log",
            "/api/apps/badversion/builds/v1%20x/manifest")) {
      given()
          .urlEncodingEnabled(false)
          .get(path)
          .then()
          .statusCode(400)
          .contentType(Problems.TYPE)
          .body("detail", containsString("not a valid version"))
          .body("detail", not(containsString("tarmac build")));
    }
    String huge = "a".repeat(100_000);
    String detail =
        given()
            .auth()
            .oauth2(Api.TOKEN)
            .contentType(ContentType.JSON)
            .body("{\"to\":\"" + huge + "\"}")
            .post("/api/apps/badversion/envs/prod/rollback")
            .then()
            .statusCode(400)
            .extract()
            .jsonPath()
            .getString("detail");
    assertThat(detail).contains("not a valid version").hasSizeLessThan(1_000);
  }

  @Test
  void appsComeFromTheApiAndFromConfiguration() throws Exception {
    // a repository of its own: watched, it would build the tags other tests push to theirs
    Api.registerApp(
        "listed",
        new SampleRepo(Files.createTempDirectory(Path.of("target"), "listed-").toAbsolutePath())
            .url(),
        true);

    given()
        .get("/api/apps")
        .then()
        .statusCode(200)
        .body("find { it.name == 'configured' }.repo", equalTo("file:///srv/git/configured.git"))
        .body("find { it.name == 'listed' }.watch", equalTo(true));
    given().get("/api/apps/configured").then().statusCode(200).body("watch", equalTo(false));
  }
}
