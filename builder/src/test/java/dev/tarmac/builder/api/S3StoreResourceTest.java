package dev.tarmac.builder.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.tarmac.builder.testing.SampleRepo;
import dev.tarmac.distributor.store.Hashing;
import dev.tarmac.distributor.testing.S3ProxyServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * With tarmac.store=s3 the build lands in S3 (S3Proxy, a real S3 wire protocol) and downloads are
 * 302s to it.
 */
@QuarkusTest
@TestProfile(S3StoreResourceTest.S3Store.class)
class S3StoreResourceTest {

  @BeforeEach
  void token() {
    Api.authenticateByDefault();
  }

  public static class S3Store implements QuarkusTestProfile {
    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(new TestResourceEntry(S3Resource.class));
    }
  }

  public static class S3Resource implements QuarkusTestResourceLifecycleManager {
    private S3ProxyServer s3;

    @Override
    public Map<String, String> start() {
      try {
        s3 =
            new S3ProxyServer(Files.createTempDirectory(Path.of("target").toAbsolutePath(), "s3-"));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      return Map.of(
          "tarmac.store",
          "s3",
          "tarmac.store.s3.endpoint",
          s3.endpoint().toString(),
          "tarmac.store.s3.bucket",
          "tarmac-builds",
          "tarmac.store.s3.access-key",
          S3ProxyServer.ACCESS_KEY,
          "tarmac.store.s3.secret-key",
          S3ProxyServer.SECRET_KEY);
    }

    @Override
    public void stop() {
      try {
        s3.close();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @Test
  void theArtifactIsInS3AndDownloadsRedirectToASignedUrl() throws Exception {
    SampleRepo repo =
        new SampleRepo(Files.createTempDirectory(Path.of("target"), "s3repo-").toAbsolutePath());
    Api.registerApp("shop", repo.url(), false);
    Api.requestBuild("shop", "v1.0.0").then().statusCode(202);
    Response done = Api.awaitBuild("shop", "v1.0.0");
    done.then().body("status", equalTo("SUCCEEDED"));

    String location =
        given()
            .redirects()
            .follow(false)
            .get("/api/apps/shop/builds/v1.0.0/artifact")
            .then()
            .statusCode(302)
            .extract()
            .header("Location");
    HttpResponse<byte[]> fromS3 =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(location)).build(),
                HttpResponse.BodyHandlers.ofByteArray());

    assertThat(location)
        .contains("/tarmac-builds/apps/shop/builds/v1.0.0/artifact.tar.gz")
        .contains("X-Amz-Signature=");
    assertThat(fromS3.statusCode()).isEqualTo(200);
    assertThat(Hashing.sha256Hex(fromS3.body())).isEqualTo(done.jsonPath().getString("sha256"));
    given()
        .get("/api/apps/shop/builds")
        .then()
        .statusCode(200)
        .body("version", org.hamcrest.Matchers.hasItem("v1.0.0"));
  }
}
