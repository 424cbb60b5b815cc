package dev.tarmac.distributor.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link ArtifactStore} backend must have. A backend's test extends this and
 * supplies {@link #store()}; the same assertions then run against the real backend.
 */
public abstract class ArtifactStoreContract {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  protected abstract ArtifactStore store();

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(InputStream in) throws IOException {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void putReturnsSizeAndSha256OfWhatWasStreamed() {
    byte[] content = new byte[3 * 1024 * 1024 + 17];
    new Random(7).nextBytes(content);

    StoredObject stored = store().put("apps/a/builds/v1/artifact.tar.gz", content);

    assertThat(stored.size()).isEqualTo(content.length);
    assertThat(stored.sha256()).isEqualTo(Hashing.sha256Hex(content));
    assertThat(store().readAllBytes("apps/a/builds/v1/artifact.tar.gz")).isEqualTo(content);
  }

  @Test
  void largeObjectRoundTripsAcrossParts() throws IOException {
    byte[] content = new byte[20 * 1024 * 1024 + 5];
    new Random(11).nextBytes(content);

    StoredObject stored = store().put("big/blob", new java.io.ByteArrayInputStream(content));

    assertThat(stored.sha256()).isEqualTo(Hashing.sha256Hex(content));
    assertThat(store().stat("big/blob").map(o -> new ObjectInfo(o.key(), o.size())))
        .contains(new ObjectInfo("big/blob", content.length));
    try (InputStream in = store().get("big/blob")) {
      assertThat(Hashing.sha256Hex(in.readAllBytes())).isEqualTo(stored.sha256());
    }
  }

  @Test
  void putReplacesAnExistingObject() throws IOException {
    store().put("k/replace", bytes("first"));
    store().put("k/replace", bytes("second"));

    assertThat(text(store().get("k/replace"))).isEqualTo("second");
  }

  @Test
  void putIfAbsentRefusesASecondWriterAndKeepsTheFirst() throws IOException {
    store().putIfAbsent("k/once", bytes("first"));

    assertThatThrownBy(() -> store().putIfAbsent("k/once", bytes("second")))
        .isInstanceOf(StoreConflictException.class)
        .hasMessageContaining("k/once");
    assertThat(text(store().get("k/once"))).isEqualTo("first");
  }

  @Test
  void putIfAbsentOfAnObjectOfManyPartsRefusesAKeyThatExists() throws IOException {
    store().putIfAbsent("k/big-once", bytes("first"));
    byte[] big = new byte[20 * 1024 * 1024 + 5];
    new Random(13).nextBytes(big);

    assertThatThrownBy(() -> store().putIfAbsent("k/big-once", big))
        .isInstanceOf(StoreConflictException.class)
        .hasMessageContaining("k/big-once");
    assertThat(text(store().get("k/big-once"))).isEqualTo("first");
  }

  @Test
  void putIfAbsentOfManyPartsLosesToAWriterThatFinishedWhileItWasSending() throws IOException {
    byte[] big = new byte[20 * 1024 * 1024 + 5];
    new Random(17).nextBytes(big);
    // Another writer takes the key once the first 17 MiB have been read: after any check made
    // before the upload started, before the upload is complete.
    InputStream racing =
        new java.io.FilterInputStream(new java.io.ByteArrayInputStream(big)) {
          private long read;
          private boolean fired;

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            read += Math.max(n, 0);
            if (!fired && read > 17L * 1024 * 1024) {
              fired = true;
              store().putIfAbsent("k/big-race", bytes("the other writer"));
            }
            return n;
          }
        };

    assertThatThrownBy(() -> store().putIfAbsent("k/big-race", racing))
        .isInstanceOf(StoreConflictException.class)
        .hasMessageContaining("k/big-race");
    assertThat(text(store().get("k/big-race"))).isEqualTo("the other writer");
  }

  @Test
  void putIfAbsentHasExactlyOneWinnerAmongConcurrentWriters() throws Exception {
    int writers = 8;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Boolean>> results = new ArrayList<>();
    for (int i = 0; i < writers; i++) {
      String body = "writer-" + i;
      results.add(
          pool.submit(
              () -> {
                start.await();
                try {
                  store().putIfAbsent("k/race", bytes(body));
                  return true;
                } catch (StoreConflictException e) {
                  return false;
                }
              }));
    }
    start.countDown();
    int winners = 0;
    for (Future<Boolean> r : results) {
      winners += r.get() ? 1 : 0;
    }
    pool.shutdown();

    assertThat(winners).isEqualTo(1);
    assertThat(text(store().get("k/race"))).startsWith("writer-");
  }

  @Test
  void getOfAMissingKeyIsNotFound() {
    assertThatThrownBy(() -> store().get("k/missing"))
        .isInstanceOf(StoreNotFoundException.class)
        .hasMessageContaining("k/missing");
    assertThat(store().stat("k/missing")).isEmpty();
    assertThat(store().exists("k/missing")).isFalse();
  }

  @Test
  void rangesReadTheRequestedBytes() throws IOException {
    store().put("k/range", bytes("0123456789"));

    assertThat(text(store().get("k/range", new ByteRange(2, 3)))).isEqualTo("234");
    assertThat(text(store().get("k/range", ByteRange.from(7)))).isEqualTo("789");
    assertThat(text(store().get("k/range", ByteRange.ALL))).isEqualTo("0123456789");
  }

  @Test
  void listAndStatSayWhenEachObjectWasWritten() {
    // the clean-up of cdn/ keeps what is younger than its grace period (docs/cdn-and-caches.md)
    java.time.Instant before = java.time.Instant.now().minusSeconds(2);
    store().put("cdn/x/a.0123456789ab.css", bytes("a"));
    java.time.Instant after = java.time.Instant.now().plusSeconds(2);

    ObjectInfo listed = store().list("cdn/x/").get(0);
    assertThat(listed.modified()).isNotNull().isBetween(before, after);
    assertThat(store().stat("cdn/x/a.0123456789ab.css").orElseThrow().modified())
        .isNotNull()
        .isBetween(before, after);
  }

  @Test
  void listReturnsOnlyThePrefixSorted() {
    store().put("apps/x/builds/v2/build.json", bytes("2"));
    store().put("apps/x/builds/v1/build.json", bytes("1"));
    store().put("apps/x/builds/v1/artifact.tar.gz", bytes("aa"));
    store().put("apps/xy/builds/v1/build.json", bytes("other app"));

    assertThat(store().list("apps/x/builds/").stream().map(o -> new ObjectInfo(o.key(), o.size())))
        .containsExactly(
            new ObjectInfo("apps/x/builds/v1/artifact.tar.gz", 2),
            new ObjectInfo("apps/x/builds/v1/build.json", 1),
            new ObjectInfo("apps/x/builds/v2/build.json", 1));
    assertThat(store().list("apps/nothing/")).isEmpty();
  }

  @Test
  void deleteRemovesAndToleratesMissing() {
    store().put("k/gone", bytes("x"));

    store().delete("k/gone");
    store().delete("k/never-was");

    assertThat(store().exists("k/gone")).isFalse();
  }

  @Test
  void keysThatCouldEscapeAreRefused() {
    for (String bad : List.of("../etc/passwd", "/abs", "a//b", "a/./b", "a/../b", "a b", "")) {
      assertThatThrownBy(() -> store().put(bad, bytes("x")))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void signedGetUrlDownloadsWithoutCredentialsAndResumes() throws Exception {
    store().put("apps/s/builds/v1/artifact.tar.gz", bytes("signed content"));
    URI url = store().signedGetUrl("apps/s/builds/v1/artifact.tar.gz", Duration.ofMinutes(5));

    HttpResponse<String> whole =
        HTTP.send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> rest =
        HTTP.send(
            HttpRequest.newBuilder(url).header("Range", "bytes=7-").build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(whole.statusCode()).isEqualTo(200);
    assertThat(whole.body()).isEqualTo("signed content");
    assertThat(rest.statusCode()).isEqualTo(206);
    assertThat(rest.body()).isEqualTo("content");
  }

  @Test
  void aTamperedSignedUrlIsRefused() throws Exception {
    store().put("apps/s/builds/v1/secret", bytes("secret"));
    store().put("apps/s/builds/v1/other", bytes("content of the other object"));
    URI url = store().signedGetUrl("apps/s/builds/v1/secret", Duration.ofMinutes(5));
    URI tampered = URI.create(url.toString().replace("/secret?", "/other?"));

    HttpResponse<String> response =
        HTTP.send(HttpRequest.newBuilder(tampered).build(), HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.body()).doesNotContain("content of the other object");
  }

  @Test
  void anExpiredSignedUrlIsRefused() throws Exception {
    store().put("k/expiring", bytes("x"));
    URI url = store().signedGetUrl("k/expiring", Duration.ofSeconds(1));
    Thread.sleep(2100);

    HttpResponse<String> response =
        HTTP.send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(403);
  }

  @Test
  void signedPutUrlUploadsWithoutCredentials() throws Exception {
    URI url = store().signedPutUrl("apps/s/envs/prod/backups/v1.sql.gz", Duration.ofMinutes(5));

    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(url).PUT(HttpRequest.BodyPublishers.ofString("dump")).build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(text(store().get("apps/s/envs/prod/backups/v1.sql.gz"))).isEqualTo("dump");
  }

  @Test
  void aSignedGetUrlCannotBeUsedToPut() throws Exception {
    URI url = store().signedGetUrl("k/readonly", Duration.ofMinutes(5));

    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(url).PUT(HttpRequest.BodyPublishers.ofString("evil")).build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(store().exists("k/readonly")).isFalse();
  }
}
