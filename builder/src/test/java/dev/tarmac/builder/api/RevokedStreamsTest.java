package dev.tarmac.builder.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.tarmac.builder.auth.OpenStreams;
import dev.tarmac.builder.testing.FixedPortProfile;
import dev.tarmac.builder.testing.SampleRepo;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A release's event stream ends once the token that opened it is revoked, or the dashboard session
 * that opened it signs out (docs/api.md, "Authentication, roles and tokens"), within {@link
 * #BOUND}; the streams of other tokens and sessions go on to the release's end. The release waits
 * in a prepare hook until the test lets it go, so every stream is open while it runs.
 */
@QuarkusTest
@TestProfile(FixedPortProfile.class)
class RevokedStreamsTest {
  static final Duration BOUND = Duration.ofSeconds(2);

  @TestHTTPResource("/")
  URI base;

  @Inject OpenStreams streams;

  @BeforeEach
  void token() {
    Api.authenticateByDefault();
  }

  @Test
  void aRevokedTokensAndASignedOutSessionsStreamsEndAndOthersGoOn() throws Exception {
    Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "revoked-streams-");
    Path go = dir.resolve("go");
    SampleRepo repo = new SampleRepo(dir.resolve("repo"));
    String yml = SampleRepo.TARMAC_YML.replace("app: shop", "app: watched");
    repo.write(
        "tarmac.yml",
        yml.substring(0, yml.indexOf("environments:"))
                .replace(
                    "  shared: [public/uploads]\n",
                    "  shared: [public/uploads]\n  hooks:\n    prepare: [\"i=0; while [ ! -e "
                        + go
                        + " ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done\"]\n")
            + "environments:\n  prod:\n    hosts:\n      - { name: a, address: local, deploy_to: "
            + dir.resolve("hosts/a")
            + ", roles: [web, db] }\n");
    repo.commitAndTag("waits for the test", "v2.0.0");
    Api.registerApp("watched", repo.url(), false);
    Api.requestBuild("watched", "v2.0.0");
    Api.awaitBuild("watched", "v2.0.0").then().body("status", equalTo("SUCCEEDED"));
    Api.registerEnv("watched", "prod", "v2.0.0");

    String ann = AuthResourceTest.createToken("ann-watcher", "viewer", null);
    String bob = AuthResourceTest.createToken("bob-watcher", "viewer", null);
    String annSession = DashboardPagesTest.signIn(ann);
    String bobSession = DashboardPagesTest.signIn(bob);
    String bobOtherSession = DashboardPagesTest.signIn(bob);
    String bobCsrf =
        DashboardPagesTest.csrf(
            DashboardPagesTest.page(bobSession, "/").then().statusCode(200).extract().asString());

    long id =
        given()
            .contentType("application/json")
            .body("{\"version\":\"v2.0.0\"}")
            .post("/api/apps/watched/envs/prod/releases")
            .then()
            .statusCode(202)
            .extract()
            .jsonPath()
            .getLong("id");
    String api = "api/apps/watched/envs/prod/releases/" + id + "/events";
    String page = "apps/watched/envs/prod/releases/" + id + "/events";
    try {
      Stream annApi = Stream.open(base.resolve(api), "Authorization", "Bearer " + ann);
      Stream annPage = Stream.open(base.resolve(page), "Cookie", "tarmac_session=" + annSession);
      Stream bobApi = Stream.open(base.resolve(api), "Authorization", "Bearer " + bob);
      Stream bobPage = Stream.open(base.resolve(page), "Cookie", "tarmac_session=" + bobSession);
      Stream bobOtherPage =
          Stream.open(base.resolve(page), "Cookie", "tarmac_session=" + bobOtherSession);
      for (Stream s : List.of(annApi, annPage, bobApi, bobPage, bobOtherPage)) {
        s.awaitText("\"task\"");
      }

      given().delete("/api/tokens/ann-watcher").then().statusCode(204);
      annApi.assertEndsWithin(BOUND, "ann's API stream after ann's token was revoked");
      annPage.assertEndsWithin(BOUND, "ann's dashboard stream after ann's token was revoked");

      DashboardPagesTest.as(bobSession)
          .formParam("csrf", bobCsrf)
          .post("/signout")
          .then()
          .statusCode(303);
      bobPage.assertEndsWithin(BOUND, "bob's dashboard stream after that session signed out");

      // bob's token and his other session still hold: their streams go on
      Thread.sleep(500);
      bobApi.assertOpen("bob's API stream (his token is not revoked)");
      bobOtherPage.assertOpen("bob's other session's stream (it did not sign out)");

      Files.createFile(go);
      Api.awaitRelease("watched", "prod", id).then().body("status", equalTo("LIVE"));
      bobApi.assertEndsWithin(Duration.ofSeconds(10), "bob's API stream at the release's end");
      bobOtherPage.assertEndsWithin(Duration.ofSeconds(10), "bob's other stream at the end");
      assertThat(bobApi.text()).contains("\"task\":\"switch\"");
      assertThat(annApi.text()).doesNotContain("\"task\":\"switch\"");
      // every stream ended is out of the registry
      for (int i = 0; i < 50 && streams.count() > 0; i++) {
        Thread.sleep(20);
      }
      assertThat(streams.count()).isZero();
    } finally {
      if (!Files.exists(go)) {
        Files.createFile(go);
      }
      Api.awaitRelease("watched", "prod", id);
    }
  }

  /** An event stream read on a thread of its own, as a browser's EventSource would. */
  static final class Stream {
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();

    static Stream open(URI uri, String header, String value) throws Exception {
      HttpResponse<InputStream> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(uri)
                      .header("Accept", "text/event-stream")
                      .header(header, value)
                      .build(),
                  HttpResponse.BodyHandlers.ofInputStream());
      assertThat(r.statusCode()).as(uri.toString()).isEqualTo(200);
      Stream s = new Stream();
      Thread t =
          new Thread(
              () -> {
                try (InputStream in = r.body()) {
                  byte[] buf = new byte[8192];
                  for (int n; (n = in.read(buf)) >= 0; ) {
                    synchronized (s.received) {
                      s.received.write(buf, 0, n);
                    }
                  }
                  s.ended.complete(null);
                } catch (IOException e) {
                  s.ended.complete(null); // a connection closed under the read ends it too
                }
              },
              "event-stream " + uri.getPath());
      t.setDaemon(true);
      t.start();
      return s;
    }

    String text() {
      synchronized (received) {
        return received.toString(StandardCharsets.UTF_8);
      }
    }

    void awaitText(String part) throws InterruptedException {
      for (int i = 0; i < 300 && !text().contains(part); i++) {
        Thread.sleep(50);
      }
      assertThat(text()).contains(part);
    }

    void assertEndsWithin(Duration bound, String what) throws Exception {
      try {
        ended.get(bound.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        throw new AssertionError(what + " was still open " + bound + " later; it had: " + text());
      }
    }

    void assertOpen(String what) {
      assertThat(ended.isDone()).as(what + " ended; it had: " + text()).isFalse();
    }
  }
}
