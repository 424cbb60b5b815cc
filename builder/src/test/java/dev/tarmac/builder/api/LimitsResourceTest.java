package dev.tarmac.builder.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.Hashing;
import io.quarkus.logging.Log;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The limits of issue 10: a signed PUT streams any size to the store, every other body has a
 * documented limit answered with a problem document, malformed JSON is a problem document, and a
 * range past any size is 416.
 */
@QuarkusTest
class LimitsResourceTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @Inject ArtifactStore store;

  @BeforeEach
  void token() {
    Api.authenticateByDefault();
  }

  private URI local(URI signed) {
    return URI.create(
        "http://127.0.0.1:" + RestAssured.port + signed.getRawPath() + "?" + signed.getRawQuery());
  }

  private URI api(String path) {
    return URI.create("http://127.0.0.1:" + RestAssured.port + path);
  }

  /** {@code size} pseudo-random bytes made as they are read, hashed on the way; never held. */
  static final class Generated extends InputStream {
    private final long size;
    private final Random random = new Random(42);
    private final MessageDigest sha = Hashing.sha256();
    private final byte[] block = new byte[64 * 1024];
    private long sent;

    Generated(long size) {
      this.size = size;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (sent >= size) {
        return -1;
      }
      int n = (int) Math.min(Math.min(len, block.length), size - sent);
      random.nextBytes(block);
      System.arraycopy(block, 0, b, off, n);
      sha.update(b, off, n);
      sent += n;
      return n;
    }

    String sha256() {
      return Hashing.hex(sha.digest());
    }
  }

  private static String sha256Of(InputStream in) throws IOException {
    MessageDigest sha = Hashing.sha256();
    byte[] buf = new byte[1 << 16];
    try (in) {
      for (int n; (n = in.read(buf)) > 0; ) {
        sha.update(buf, 0, n);
      }
    }
    return Hashing.hex(sha.digest());
  }

  @Test
  void aTwelveMegabyteDumpPutThroughASignedUrlIsStored() throws Exception {
    byte[] dump = new byte[12 * 1024 * 1024];
    new Random(7).nextBytes(dump);
    String key = "apps/shop/envs/production/backups/v12.sql.gz";
    HttpResponse<String> answer =
        HTTP.send(
            HttpRequest.newBuilder(local(store.signedPutUrl(key, Duration.ofMinutes(5))))
                .PUT(BodyPublishers.ofByteArray(dump))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(sha256Of(store.get(key))).isEqualTo(Hashing.sha256Hex(dump));
  }

  /**
   * 200 MB in the suite, streamed twice (with a Content-Length, and chunked); by hand with {@code
   * -Dtarmac-test.put-bytes=2147483648} for the 2 GB of docs/configuration.md (not under {@code
   * tarmac.}: the service refuses a name there that it does not know, TarmacSettings).
   */
  @Test
  void aLargeDumpStreamsThroughASignedUrlWithAndWithoutContentLength() throws Exception {
    long size = Long.getLong("tarmac-test.put-bytes", 200L * 1024 * 1024);
    for (boolean chunked : new boolean[] {false, true}) {
      String key = "apps/shop/envs/production/backups/big-" + chunked + ".sql.gz";
      Generated body = new Generated(size);
      HttpRequest.BodyPublisher publisher =
          chunked
              ? BodyPublishers.ofInputStream(() -> body)
              : BodyPublishers.fromPublisher(BodyPublishers.ofInputStream(() -> body), size);
      long started = System.nanoTime();
      HttpResponse<String> answer =
          HTTP.send(
              HttpRequest.newBuilder(local(store.signedPutUrl(key, Duration.ofMinutes(30))))
                  .PUT(publisher)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      long ms = (System.nanoTime() - started) / 1_000_000;
      Log.infof("signed PUT of %d bytes (chunked=%s) took %d ms", size, chunked, ms);

      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      assertThat(store.stat(key).orElseThrow().size()).isEqualTo(size);
      assertThat(sha256Of(store.get(key))).isEqualTo(body.sha256());
      store.delete(key);
    }
  }

  @Test
  void anOversizedApiBodyIsA413ProblemNamingTheLimitAndTheSetting() throws Exception {
    String json =
        "{\"name\":\"toolarge\",\"repo\":\"file:///srv/git/x.git\",\"pad\":\""
            + " ".repeat(2 * 1024 * 1024)
            + "\"}";
    byte[] big = json.getBytes(StandardCharsets.UTF_8);

    given()
        .contentType(ContentType.JSON)
        .body(big)
        .post("/api/apps")
        .then()
        .statusCode(413)
        .contentType(Problems.TYPE)
        .body("status", equalTo(413))
        .body("detail", containsString("tarmac.limits.max-body-size"))
        .body("detail", containsString("1048576 bytes"));

    // the same without a Content-Length (chunked): counted as it arrives
    HttpResponse<String> chunked =
        HTTP.send(
            HttpRequest.newBuilder(api("/api/apps"))
                .header("Authorization", "Bearer " + Api.TOKEN)
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(chunked.statusCode()).as(chunked.body()).isEqualTo(413);
    assertThat(chunked.headers().firstValue("Content-Type")).hasValue(Problems.TYPE);
    assertThat(chunked.body()).contains("tarmac.limits.max-body-size");

    // nothing was registered
    given().get("/api/apps/toolarge").then().statusCode(404);
  }

  /**
   * A client that offers HTTP/2 (Java's HttpClient does, by default) and streams a body of unknown
   * length: the body is counted against the limit and then read by the API, never 500.
   */
  @Test
  void aBodyOfUnknownLengthFromAnHttp2ClientIsServed() throws Exception {
    String json = "{\"name\":\"streamed\",\"repo\":\"file:///tmp/none\"}";
    HttpResponse<String> answer =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_2)
            .build()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + RestAssured.port + "/api/apps"))
                    .header("Authorization", "Bearer test-token")
                    .header("Content-Type", "application/json")
                    .POST(
                        BodyPublishers.ofInputStream(
                            () ->
                                new java.io.ByteArrayInputStream(
                                    json.getBytes(java.nio.charset.StandardCharsets.UTF_8))))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(201);
    given().get("/api/apps/streamed").then().statusCode(200);
  }

  @Test
  void malformedJsonIsA400Problem() {
    given()
        .contentType(ContentType.JSON)
        .body("{\"name\": \"broken\", \"repo\": ")
        .post("/api/apps")
        .then()
        .statusCode(400)
        .contentType(Problems.TYPE)
        .body("status", equalTo(400))
        .body("detail", containsString("not valid JSON"));
    given()
        .contentType(ContentType.JSON)
        .body("{\"name\": [1, 2]}")
        .post("/api/apps")
        .then()
        .statusCode(400)
        .contentType(Problems.TYPE)
        .body("detail", containsString("name"));
  }

  @Test
  void aRangePastAnyNumberIs416WithTheSize() {
    String key = "apps/shop/builds/r1/artifact.tar.gz";
    store.put(key, new ByteArrayInputStream("0123456789".getBytes(StandardCharsets.US_ASCII)));
    URI signed = store.signedGetUrl(key, Duration.ofMinutes(1));
    String url = signed.getRawPath() + "?" + signed.getRawQuery();

    for (String range : new String[] {"bytes=99999999999999999999-", "bytes=10-"}) {
      given()
          .urlEncodingEnabled(false)
          .header("Range", range)
          .get(url)
          .then()
          .statusCode(416)
          .header("Content-Range", "bytes */10");
    }
    // a huge last position or suffix is the rest / the whole
    given()
        .urlEncodingEnabled(false)
        .header("Range", "bytes=4-99999999999999999999")
        .get(url)
        .then()
        .statusCode(206)
        .header("Content-Range", "bytes 4-9/10")
        .body(equalTo("456789"));
    given()
        .urlEncodingEnabled(false)
        .header("Range", "bytes=-99999999999999999999")
        .get(url)
        .then()
        .statusCode(206)
        .header("Content-Range", "bytes 0-9/10");
    // another unit (which must be ignored) or several ranges: the whole object, 200
    for (String range : new String[] {"items=0-1", "bytes=0-1,4-5", "bytes=0-1, 8-", "nonsense"}) {
      given()
          .urlEncodingEnabled(false)
          .header("Range", range)
          .get(url)
          .then()
          .statusCode(200)
          .header("Content-Range", (String) null)
          .body(equalTo("0123456789"));
    }
    // one malformed bytes range stays unsatisfiable
    given()
        .urlEncodingEnabled(false)
        .header("Range", "bytes=x-y")
        .get(url)
        .then()
        .statusCode(416)
        .header("Content-Range", "bytes */10");
  }
}
