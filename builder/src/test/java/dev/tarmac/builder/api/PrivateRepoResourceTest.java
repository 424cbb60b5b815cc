package dev.tarmac.builder.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import dev.tarmac.builder.service.ServiceConfig;
import dev.tarmac.builder.testing.GitHttpServer;
import dev.tarmac.builder.testing.SampleRepo;
import dev.tarmac.builder.testing.Tarballs;
import dev.tarmac.deploy.testing.SshHosts;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Private repositories through the real service: an OpenSSH server on 127.0.0.61 serving a git
 * repository over ssh ({@code git-upload-pack}) to one deploy key, and {@code git http-backend}
 * behind HTTP Basic authentication serving one to one token. The secrets work, are kept as files of
 * mode 600 in the data directory, and never appear in an answer, a log line, a build log or the
 * build sandbox.
 */
@QuarkusTest
class PrivateRepoResourceTest {
  @Inject ServiceConfig config;

  @BeforeEach
  void token() {
    Api.authenticateByDefault();
  }

  /**
   * A repository whose build command looks for the service's secrets and ships what it found in
   * {@code public/peek.txt}.
   */
  SampleRepo repo(Path dir, String app) throws Exception {
    SampleRepo repo = new SampleRepo(dir);
    String secrets = config.dataDir().resolve("secrets").toString();
    repo.write(
        "tarmac.yml",
        SampleRepo.TARMAC_YML
            .replace("app: shop", "app: " + app)
            .replaceFirst(
                "commands: \\[.*\\]",
                "commands: [\"(ls -la "
                    + secrets
                    + "; cat "
                    + secrets
                    + "/*) > public/peek.txt 2>&1 || true\"]"));
    repo.commitAndTag("private", "v1");
    return repo;
  }

  static Response register(Map<String, Object> body) {
    return given().contentType(ContentType.JSON).body(body).post("/api/apps");
  }

  static String peek(String app, String version) throws Exception {
    byte[] artifact =
        given().get("/api/apps/" + app + "/builds/" + version + "/artifact").asByteArray();
    return new String(
        Tarballs.read(new ByteArrayInputStream(artifact)).get("public/peek.txt").content(),
        StandardCharsets.UTF_8);
  }

  static void assertNowhere(String secret, LogCapture logged, String app, String version) {
    assertThat(given().get("/api/apps/" + app).asString()).doesNotContain(secret);
    assertThat(given().get("/api/apps").asString()).doesNotContain(secret);
    assertThat(given().get("/api/apps/" + app + "/builds/" + version).asString())
        .doesNotContain(secret);
    assertThat(given().get("/api/apps/" + app + "/builds/" + version + "/log").asString())
        .doesNotContain(secret);
    assertThat(logged.lines()).noneMatch(s -> s.contains(secret));
  }

  void assertMode600(Path file) throws Exception {
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
        .isEqualTo("rwx------");
  }

  @Test
  void anSshRepositoryIsFetchedWithItsDeployKeyAndTheKeyIsNeverShown() throws Exception {
    Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "private-ssh-");
    try (SshHosts git = new SshHosts(dir.resolve("githost"), 1, 61);
        SampleRepo source = repo(dir.resolve("source"), "private-ssh");
        LogCapture logged = new LogCapture()) {
      SshHosts.Host host = git.host("host1");
      Git.cloneRepository()
          .setURI(source.url())
          .setDirectory(host.root().resolve("repo.git").toFile())
          .setBare(true)
          .call()
          .close();
      Process chown =
          new ProcessBuilder("chown", "-R", SshHosts.USER, host.root().toString()).start();
      assertThat(chown.waitFor()).isZero();
      String url =
          "ssh://"
              + SshHosts.USER
              + "@"
              + host.address()
              + ":"
              + host.port()
              + git.deployTo()
              + "/repo.git";
      String key = Files.readString(dir.resolve("githost/client_key"));
      String keyBody = key.lines().filter(l -> !l.startsWith("-----")).findFirst().orElseThrow();

      // an ssh:// URL needs its deploy key; a token is not for ssh
      register(Map.of("name", "private-ssh", "repo", url))
          .then()
          .statusCode(400)
          .body("detail", containsString("--deploy-key-file"));
      register(Map.of("name", "private-ssh", "repo", url, "token", "abc"))
          .then()
          .statusCode(400)
          .body("detail", containsString("a token is for https:// repositories"));
      register(Map.of("name", "private-ssh", "repo", url, "deployKey", "not a key"))
          .then()
          .statusCode(400)
          .body("detail", containsString("is not a private key file"));
      given().get("/api/apps/private-ssh").then().statusCode(404);

      Response registered = register(Map.of("name", "private-ssh", "repo", url, "deployKey", key));
      registered
          .then()
          .statusCode(201)
          .body("credential.kind", equalTo("DEPLOY_KEY"))
          .body(
              "credential.publicKey",
              equalTo(Files.readString(dir.resolve("githost/client_key.pub")).strip()));
      assertThat(registered.asString()).doesNotContain(keyBody);
      Path stored = config.dataDir().resolve("secrets/private-ssh.deploy-key");
      assertThat(stored).hasContent(key.strip());
      assertMode600(stored);

      Api.requestBuild("private-ssh", "v1").then().statusCode(202);
      Api.awaitBuild("private-ssh", "v1").then().body("status", equalTo("SUCCEEDED"));
      // the build commands saw nothing of the data directory's secrets
      String peek = peek("private-ssh", "v1");
      assertThat(peek).doesNotContain(keyBody).doesNotContain("PRIVATE KEY");
      assertThat(peek).doesNotContain("private-ssh.deploy-key");
      // the first connection recorded the git host's key (trust on first use)
      Path knownHosts = config.dataDir().resolve("secrets/known_hosts");
      assertThat(Files.readString(knownHosts)).contains("[" + host.address() + "]:" + host.port());
      assertNowhere(keyBody, logged, "private-ssh", "v1");

      // another key: the git host refuses it, and the error says what to do
      Path wrong = dir.resolve("wrong_key");
      Process keygen =
          new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", wrong.toString())
              .start();
      assertThat(keygen.waitFor()).isZero();
      String wrongKey = Files.readString(wrong);
      given()
          .contentType(ContentType.JSON)
          .body(Map.of("deployKey", wrongKey))
          .put("/api/apps/private-ssh/credential")
          .then()
          .statusCode(200)
          .body("credential.publicKey", startsWith("ssh-ed25519 "));
      source.write("public/index.html", "<p>v2</p>\n").commitAndTag("v2", "v2");
      pushTags(source, host.root().resolve("repo.git"));
      Api.requestBuild("private-ssh", "v2").then().statusCode(202);
      Response refused = Api.awaitBuild("private-ssh", "v2");
      refused
          .then()
          .body("status", equalTo("FAILED"))
          .body("error", containsString("Permission denied (publickey"))
          .body("error", containsString("the git host refused the deploy key"));
      assertNowhere(
          wrongKey.lines().filter(l -> !l.startsWith("-----")).findFirst().orElseThrow(),
          logged,
          "private-ssh",
          "v2");

      // the right key again, but the git host's key is not the one recorded: refused
      given()
          .contentType(ContentType.JSON)
          .body(Map.of("deployKey", key))
          .put("/api/apps/private-ssh/credential")
          .then()
          .statusCode(200);
      String recorded = Files.readString(knownHosts);
      Files.writeString(
          knownHosts,
          "["
              + host.address()
              + "]:"
              + host.port()
              + " "
              + Files.readString(dir.resolve("wrong_key.pub")).strip()
              + "\n");
      Api.requestBuild("private-ssh", "v2").then().statusCode(202);
      Api.awaitBuild("private-ssh", "v2")
          .then()
          .body("status", equalTo("FAILED"))
          .body("error", containsString("Host key verification failed"))
          .body("error", containsString(knownHosts.toString()));
      Files.writeString(knownHosts, recorded);
      Api.requestBuild("private-ssh", "v2").then().statusCode(202);
      Api.awaitBuild("private-ssh", "v2").then().body("status", equalTo("SUCCEEDED"));

      // removed: the app has no credential, and the file is gone
      given().delete("/api/apps/private-ssh/credential").then().statusCode(204);
      assertThat(stored).doesNotExist();
      given().get("/api/apps/private-ssh").then().body("credential", equalTo(null));
    }
  }

  /** A bare copy of {@code source} at {@code dir/served/name}, as {@code server} serves it. */
  private static String serve(SampleRepo source, Path served, GitHttpServer server, String name)
      throws Exception {
    Git.cloneRepository()
        .setURI(source.url())
        .setDirectory(served.resolve(name).toFile())
        .setBare(true)
        .call()
        .close();
    return server.url(name).replace("http://", "http://deploy@");
  }

  private static void pushTags(SampleRepo source, Path bare) throws Exception {
    try (Git g = Git.open(source.dir().toFile())) {
      g.push().setRemote(bare.toUri().toString()).setPushTags().call();
    }
    Process chown = new ProcessBuilder("chown", "-R", SshHosts.USER, bare.toString()).start();
    assertThat(chown.waitFor()).isZero();
  }

  @Test
  void anHttpRepositoryIsFetchedWithItsTokenAndTheTokenIsNeverShown() throws Exception {
    Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "private-http-");
    String token = "glpat-" + "7Qm2xW9rT4vB8nK3pL6s";
    try (SampleRepo source = repo(dir.resolve("source"), "private-http");
        GitHttpServer server = new GitHttpServer(dir.resolve("served"), "deploy", token);
        LogCapture logged = new LogCapture()) {
      String url = serve(source, dir.resolve("served"), server, "app.git");

      // without the token the git host refuses the fetch
      register(Map.of("name", "private-http", "repo", url)).then().statusCode(201);
      Api.requestBuild("private-http", "v1").then().statusCode(202);
      Api.awaitBuild("private-http", "v1").then().body("status", equalTo("FAILED"));
      assertThat(server.refused()).isNotEmpty();

      given()
          .contentType(ContentType.JSON)
          .body(Map.of("token", token))
          .put("/api/apps/private-http/credential")
          .then()
          .statusCode(200)
          .body("credential.kind", equalTo("TOKEN"))
          .body("credential.publicKey", equalTo(null));
      Path stored = config.dataDir().resolve("secrets/private-http.token");
      assertMode600(stored);
      Api.requestBuild("private-http", "v1").then().statusCode(202);
      Api.awaitBuild("private-http", "v1").then().body("status", equalTo("SUCCEEDED"));
      String peek = peek("private-http", "v1");
      assertThat(peek).doesNotContain(token).doesNotContain("private-http.token");
      assertNowhere(token, logged, "private-http", "v1");
      // a deploy key is for ssh://
      given()
          .contentType(ContentType.JSON)
          .body(Map.of("deployKey", "x"))
          .put("/api/apps/private-http/credential")
          .then()
          .statusCode(400)
          .body("detail", containsString("a deploy key is for ssh:// repositories"));
      assertThat(List.of(Files.readString(stored).strip())).containsExactly(token);
    }
  }

  @Test
  void aTokenDoesNotFollowItsAppToAnotherHost() throws Exception {
    Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "private-move-");
    String token = "glpat-" + "M0v3dR3p0T0k3nAbCd";
    try (SampleRepo source = repo(dir.resolve("source"), "private-move");
        GitHttpServer server = new GitHttpServer(dir.resolve("served"), "deploy", token);
        GitHttpServer elsewhere = new GitHttpServer(dir.resolve("elsewhere"), "deploy", "other");
        LogCapture logged = new LogCapture()) {
      String moved = serve(source, dir.resolve("elsewhere"), elsewhere, "app.git");
      String url = server.url("app.git").replace("http://", "http://deploy@");
      register(Map.of("name", "private-move", "repo", url, "token", token)).then().statusCode(201);

      // re-registered on another host (another port is another origin) without a token: the
      // kept one is not handed to that host; refused, nothing changed
      register(Map.of("name", "private-move", "repo", moved))
          .then()
          .statusCode(400)
          .body("detail", containsString("the token kept for private-move"))
          .body("detail", containsString("--remove"));
      given().get("/api/apps/private-move").then().body("repo", equalTo(url));
      Api.requestBuild("private-move", "v1").then().statusCode(202);
      Api.awaitBuild("private-move", "v1");
      String basic =
          java.util.Base64.getEncoder()
              .encodeToString(("deploy:" + token).getBytes(StandardCharsets.UTF_8));
      assertThat(elsewhere.refused()).noneMatch(a -> a.contains(basic));

      // the same host, another path: the token goes with it
      register(Map.of("name", "private-move", "repo", server.url("other.git")))
          .then()
          .statusCode(201)
          .body("credential.kind", equalTo("TOKEN"));
      // moved with the other host's own token, or after removing the kept one: accepted
      register(Map.of("name", "private-move", "repo", moved, "token", "other"))
          .then()
          .statusCode(201);
      given().delete("/api/apps/private-move/credential").then().statusCode(204);
      register(Map.of("name", "private-move", "repo", url)).then().statusCode(201);
      assertThat(logged.lines()).noneMatch(l -> l.contains(token));
    }
  }

  @Test
  void aWatchedAppIsKeptOnlyWhenItsTagsCanBeListedWithItsCredential() throws Exception {
    Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "private-watch-");
    String token = "glpat-" + "W4tch3dT0k3nQr7Zx";
    try (SampleRepo source = repo(dir.resolve("source"), "private-watch");
        GitHttpServer server = new GitHttpServer(dir.resolve("served"), "deploy", token)) {
      String url = serve(source, dir.resolve("served"), server, "app.git");
      Path stored = config.dataDir().resolve("secrets/private-watch.token");
      Map<String, Object> wrong =
          Map.of("name", "private-watch", "repo", url, "watch", true, "token", "glpat-wrong");

      // the tags there at registration cannot be listed: refused, nothing kept
      register(wrong)
          .then()
          .statusCode(400)
          .body(
              "detail",
              startsWith("cannot watch private-watch for new tags: cannot list the tags of " + url))
          .body(
              "detail",
              org.hamcrest.Matchers.endsWith(
                  "; nothing was registered. Check the URL and the credential, or register it"
                      + " without watching: tarmac apps add private-watch "
                      + url
                      + " --no-watch"));
      given().get("/api/apps/private-watch").then().statusCode(404);
      assertThat(stored).doesNotExist();

      register(Map.of("name", "private-watch", "repo", url, "watch", true, "token", token))
          .then()
          .statusCode(201)
          .body("watch", equalTo(true));
      // moved to another repository of that host with a token that cannot list it: refused,
      // the kept token put back
      String second = serve(source, dir.resolve("served"), server, "second.git");
      register(Map.of("name", "private-watch", "repo", second, "watch", true, "token", "x"))
          .then()
          .statusCode(400);
      assertThat(Files.readString(stored).strip()).isEqualTo(token);
      given().get("/api/apps/private-watch").then().body("repo", equalTo(url));
    }
  }

  @Test
  void aTokenSentUnquotedIsNotEchoedInTheProblem() {
    register(Map.of("name", "private-echo", "repo", "https://127.0.0.1:1/team/echo.git"))
        .then()
        .statusCode(201);
    String token = "glpat" + "Unquoted7Hq2Lm9Zx";
    String answer =
        given()
            .contentType(ContentType.JSON)
            .body("{\"token\": " + token + "}")
            .put("/api/apps/private-echo/credential")
            .then()
            .statusCode(400)
            .body("detail", containsString("not valid JSON (line 1, column"))
            .extract()
            .asString();
    assertThat(answer).doesNotContain(token).doesNotContain(token.substring(0, 12));
  }

  @Test
  void aTokenIsNotSentOverPlainHttpToAnotherMachine() {
    register(
            Map.of(
                "name",
                "private-plain",
                "repo",
                "http://git.example.com/team/plain.git",
                "token",
                "glpat-" + "PlainHttp4Kq8Wn"))
        .then()
        .statusCode(400)
        .body("detail", containsString("https://git.example.com/team/plain.git"));
    given().get("/api/apps/private-plain").then().statusCode(404);
    assertThat(config.dataDir().resolve("secrets/private-plain.token")).doesNotExist();
  }
}
