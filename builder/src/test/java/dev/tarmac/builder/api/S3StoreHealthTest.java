package dev.tarmac.builder.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.tarmac.distributor.testing.S3ProxyServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** With an S3 store, the service is ready while S3 answers and not ready once it has stopped. */
@QuarkusTest
@TestProfile(S3StoreHealthTest.StoppableS3.class)
class S3StoreHealthTest {

  public static class StoppableS3 implements QuarkusTestProfile {
    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(new TestResourceEntry(S3Resource.class));
    }

    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("tarmac.health.store-timeout", "2s");
    }
  }

  /** The running S3Proxy, for the test to stop. */
  static volatile S3ProxyServer s3;

  public static class S3Resource implements QuarkusTestResourceLifecycleManager {
    @Override
    public Map<String, String> start() {
      try {
        s3 =
            new S3ProxyServer(
                Files.createTempDirectory(Path.of("target").toAbsolutePath(), "s3-health-"));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      return Map.of(
          "tarmac.store",
          "s3",
          "tarmac.store.s3.endpoint",
          s3.endpoint().toString(),
          "tarmac.store.s3.bucket",
          "tarmac-health",
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
  void readyWhileS3AnswersThenDownWhenItStops() throws Exception {
    given()
        .get("/q/health/ready")
        .then()
        .statusCode(200)
        .body("checks.find { it.name == 'store' }.data.kind", equalTo("s3"));

    s3.close();

    long started = System.nanoTime();
    given()
        .get("/q/health/ready")
        .then()
        .statusCode(503)
        .body("status", equalTo("DOWN"))
        .body("checks.status", hasItem("DOWN"));
    // still alive: a restart would not bring S3 back
    given().get("/q/health/live").then().statusCode(200);
    if (System.nanoTime() - started > 10_000_000_000L) {
      throw new AssertionError("the readiness answer took more than 10 s");
    }
  }
}
