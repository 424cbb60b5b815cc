package dev.tarmac.builder.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import dev.tarmac.builder.hooks.GitWebhooks;
import dev.tarmac.builder.service.TagWatcher;
import dev.tarmac.builder.testing.SampleRepo;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Tag pushes from GitHub, GitLab and Gitea, and the tag watcher, each queue a real build. */
@QuarkusTest
class GitHookResourceTest {
  private static final String SECRET = "test-webhook-secret";
  private static SampleRepo repo;

  @Inject TagWatcher watcher;

  @BeforeEach
  void makeRepo() throws Exception {
    Api.authenticateByDefault();
    if (repo == null) {
      repo =
          new SampleRepo(Files.createTempDirectory(Path.of("target"), "hooks-").toAbsolutePath());
      Api.registerApp("shop", repo.url(), false);
    }
  }

  private static String payload(String tag) {
    return "{\"ref\":\"refs/tags/"
        + tag
        + "\",\"after\":\"1111111111111111111111111111111111111111\","
        + "\"repository\":{\"name\":\"shop\",\"clone_url\":\""
        + repo.url()
        + ".git\"},"
        + "\"project\":{\"name\":\"shop\",\"git_http_url\":\""
        + repo.url()
        + "\"}}";
  }

  private static RequestSpecification hook(String body) {
    return given()
        .auth()
        .none()
        .contentType(ContentType.JSON)
        .body(body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void githubSignedTagPushQueuesABuild() throws Exception {
    String body = payload("v1.0.0");
    hook(body)
        .header("X-GitHub-Event", "push")
        .header(
            "X-Hub-Signature-256",
            "sha256=" + GitWebhooks.hmac(SECRET, body.getBytes(StandardCharsets.UTF_8)))
        .post("/api/hooks/git")
        .then()
        .statusCode(202)
        .body("queued.version", org.hamcrest.Matchers.hasItem("v1.0.0"));

    Api.awaitBuild("shop", "v1.0.0").then().body("status", equalTo("SUCCEEDED"));
  }

  @Test
  void gitlabTokenTagPushQueuesABuild() throws Exception {
    repo.commitAndTag("gitlab", "gl-1");
    hook(payload("gl-1"))
        .header("X-Gitlab-Event", "Tag Push Hook")
        .header("X-Gitlab-Token", SECRET)
        .post("/api/hooks/git")
        .then()
        .statusCode(202)
        .body("queued", hasSize(1));

    Api.awaitBuild("shop", "gl-1").then().body("status", equalTo("SUCCEEDED"));
  }

  @Test
  void giteaSignedTagPushQueuesABuild() throws Exception {
    repo.commitAndTag("gitea", "gt-1");
    String body = payload("gt-1");
    hook(body)
        .header("X-Gitea-Event", "push")
        .header("X-GitHub-Event", "push")
        .header(
            "X-Gitea-Signature", GitWebhooks.hmac(SECRET, body.getBytes(StandardCharsets.UTF_8)))
        .post("/api/hooks/git")
        .then()
        .statusCode(202)
        .body("queued", hasSize(1));

    Api.awaitBuild("shop", "gt-1").then().body("status", equalTo("SUCCEEDED"));
  }

  @Test
  void badOrMissingSignaturesAreRefusedAndQueueNothing() {
    String body = payload("bad-1");
    hook(body)
        .header("X-GitHub-Event", "push")
        .header(
            "X-Hub-Signature-256",
            "sha256=" + GitWebhooks.hmac("wrong", body.getBytes(StandardCharsets.UTF_8)))
        .post("/api/hooks/git")
        .then()
        .statusCode(401)
        .contentType(Problems.TYPE)
        .body("detail", containsString("GITHUB webhook signature"));
    hook(body).header("X-GitHub-Event", "push").post("/api/hooks/git").then().statusCode(401);
    hook(body)
        .header("X-Gitlab-Event", "Tag Push Hook")
        .header("X-Gitlab-Token", "guess")
        .post("/api/hooks/git")
        .then()
        .statusCode(401);
    hook(body).header("X-Gitea-Event", "push").post("/api/hooks/git").then().statusCode(401);

    given().get("/api/apps/shop/builds/bad-1").then().statusCode(404);
  }

  @Test
  void aReplayedDeliveryIsAnsweredAsSeenAndQueuesNothing() throws Exception {
    // a tag the repository does not have: the build fails, and a replay used to queue it again
    String body = payload("no-such-tag-1");
    String signature = "sha256=" + GitWebhooks.hmac(SECRET, body.getBytes(StandardCharsets.UTF_8));
    hook(body)
        .header("X-GitHub-Event", "push")
        .header("X-GitHub-Delivery", "d-replayed-1")
        .header("X-Hub-Signature-256", signature)
        .post("/api/hooks/git")
        .then()
        .statusCode(202)
        .body("queued", hasSize(1));
    Api.awaitBuild("shop", "no-such-tag-1").then().body("status", equalTo("FAILED"));
    String finishedAt =
        given().get("/api/apps/shop/builds/no-such-tag-1").jsonPath().getString("finishedAt");

    hook(body)
        .header("X-GitHub-Event", "push")
        .header("X-GitHub-Delivery", "d-replayed-1")
        .header("X-Hub-Signature-256", signature)
        .post("/api/hooks/git")
        .then()
        .statusCode(200)
        .body("queued", hasSize(0))
        .body("duplicate", equalTo(true))
        .body("ignored", containsString("d-replayed-1 was already received"));
    Thread.sleep(300);
    given()
        .get("/api/apps/shop/builds/no-such-tag-1")
        .then()
        .body("status", equalTo("FAILED"))
        .body("finishedAt", equalTo(finishedAt));

    // GitLab and Gitea ids, each provider on its own
    repo.commitAndTag("replay", "replay-1");
    String gl = payload("replay-1");
    for (int i = 0; i < 2; i++) {
      hook(gl)
          .header("X-Gitlab-Event", "Tag Push Hook")
          .header("X-Gitlab-Token", SECRET)
          .header("X-Gitlab-Event-UUID", "d-replayed-1")
          .post("/api/hooks/git")
          .then()
          .statusCode(i == 0 ? 202 : 200)
          .body("queued", hasSize(i == 0 ? 1 : 0));
    }
    for (int i = 0; i < 2; i++) {
      hook(gl)
          .header("X-Gitea-Event", "push")
          .header("X-Gitea-Delivery", "d-gitea-1")
          .header(
              "X-Gitea-Signature", GitWebhooks.hmac(SECRET, gl.getBytes(StandardCharsets.UTF_8)))
          .post("/api/hooks/git")
          .then()
          .statusCode(i == 0 ? 202 : 200)
          .body("queued", hasSize(i == 0 ? 1 : 0));
    }
    Api.awaitBuild("shop", "replay-1").then().body("status", equalTo("SUCCEEDED"));
  }

  @Test
  void aReplayWithABadSignatureIsRefusedAndDoesNotUseUpTheId() {
    String body = payload("bad-replay-1");
    hook(body)
        .header("X-GitHub-Event", "push")
        .header("X-GitHub-Delivery", "d-bad-1")
        .header("X-Hub-Signature-256", "sha256=00")
        .post("/api/hooks/git")
        .then()
        .statusCode(401);
    hook(body)
        .header("X-GitHub-Event", "push")
        .header("X-GitHub-Delivery", "d-bad-1")
        .header(
            "X-Hub-Signature-256",
            "sha256=" + GitWebhooks.hmac(SECRET, body.getBytes(StandardCharsets.UTF_8)))
        .post("/api/hooks/git")
        .then()
        .statusCode(202)
        .body("queued", hasSize(1));
  }

  private static io.restassured.response.ValidatableResponse pushBranch(String url, String branch) {
    String body =
        "{\"ref\":\"refs/heads/"
            + branch
            + "\",\"after\":\"2222222222222222222222222222222222222222\","
            + "\"repository\":{\"clone_url\":\""
            + url
            + "\"}}";
    return hook(body)
        .header("X-GitHub-Event", "push")
        .header(
            "X-Hub-Signature-256",
            "sha256=" + GitWebhooks.hmac(SECRET, body.getBytes(StandardCharsets.UTF_8)))
        .post("/api/hooks/git")
        .then()
        .statusCode(202);
  }

  @Test
  void aBranchPushIsIgnoredByAnAppThatBuildsNoBranches() {
    pushBranch(repo.url(), "main")
        .body("queued", hasSize(0))
        .body(
            "ignored",
            equalTo(
                "no app of repository ["
                    + repo.url()
                    + "] builds branch main (tarmac apps add NAME URL --branches GLOB)"));
  }

  /** Issue 26 item 9: an app registered with --branches builds a pushed branch, not a tag. */
  @Test
  void aBranchPushBuildsTheBranchWhereTheAppSaysSo() throws Exception {
    SampleRepo own =
        new SampleRepo(Files.createTempDirectory(Path.of("target"), "hooks-").toAbsolutePath());
    own.write("tarmac.yml", SampleRepo.TARMAC_YML.replace("app: shop", "app: branchy"));
    String commit = own.commitAndTag("branchy", "b-1");
    own.branch("release/2");
    given()
        .contentType(ContentType.JSON)
        .body(
            "{\"name\":\"branchy\",\"repo\":\""
                + own.url()
                + "\",\"branches\":[\"main\",\"release/*\"]}")
        .post("/api/apps")
        .then()
        .statusCode(201)
        .body("branches", org.hamcrest.Matchers.contains("main", "release/*"));

    pushBranch(own.url(), "release/2")
        .body(
            "queued.version",
            org.hamcrest.Matchers.contains("release-2-" + commit.substring(0, 7)));
    pushBranch(own.url(), "dev").body("queued", hasSize(0));
    Api.awaitBuild("branchy", "release-2-" + commit.substring(0, 7))
        .then()
        .body("status", equalTo("SUCCEEDED"))
        .body("kind", equalTo("branch"))
        .body("ref", equalTo("release/2"));
    // once per commit: main is the same commit, so its push answers that build
    pushBranch(own.url(), "main")
        .body(
            "queued.version",
            org.hamcrest.Matchers.contains("release-2-" + commit.substring(0, 7)));
    given()
        .contentType(ContentType.JSON)
        .body("{\"name\":\"branchy2\",\"repo\":\"" + own.url() + "\",\"branches\":[\"a b\"]}")
        .post("/api/apps")
        .then()
        .statusCode(400)
        .body(
            "detail",
            equalTo(
                "'a b' is not a branch glob: use 1 to 100 of A-Z a-z 0-9 . _ - / and * (within a"
                    + " name) or ** (across /), such as main or release/*"));
  }

  /** One poll of the tag watcher queues exactly {@code versions} of the app "watched". */
  private void assertPollBuilds(String... versions) throws InterruptedException {
    org.assertj.core.api.Assertions.assertThat(watcher.poll())
        .filteredOn("app", "watched")
        .extracting("version")
        .containsExactly((Object[]) versions);
    for (String version : versions) {
      Api.awaitBuild("watched", version).then().body("status", equalTo("SUCCEEDED"));
    }
  }

  @Test
  void theTagWatcherBuildsEveryTagPushedAfterRegistrationEvenBeforeItsFirstPoll() throws Exception {
    SampleRepo watched =
        new SampleRepo(Files.createTempDirectory(Path.of("target"), "watched-").toAbsolutePath());
    watched
        .write("tarmac.yml", SampleRepo.TARMAC_YML.replace("app: shop", "app: watched"))
        .commitAndTag("rename", "w-0");
    Api.registerApp("watched", watched.url(), true);
    // pushed after the registration answered, before the watcher's first poll (issue 26: it
    // was taken for a tag "already there" and never built)
    watched.write("public/new.txt", "new\n").commitAndTag("new file", "w-1");

    assertPollBuilds("w-1");
    assertPollBuilds();
    watched.write("public/newer.txt", "newer\n").commitAndTag("newer file", "w-2");
    assertPollBuilds("w-2");
    assertPollBuilds();
    // the tag there at registration is not built
    given().get("/api/apps/watched/builds/w-0").then().statusCode(404);
  }
}
