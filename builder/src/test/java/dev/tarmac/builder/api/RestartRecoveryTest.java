package dev.tarmac.builder.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The service starts on a data directory left by one that died mid-build: the running build is
 * FAILED, what it wrote is not visible, and a finished build is still there.
 */
@QuarkusTest
@TestProfile(RestartRecoveryTest.DiedMidBuild.class)
class RestartRecoveryTest {

  @BeforeEach
  void token() {
    Api.authenticateByDefault();
  }

  public static class DiedMidBuild implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      try {
        Path data = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "died-");
        Path builds = data.resolve("store/objects/apps/shop/builds");
        Files.createDirectories(data.resolve("state/builds/shop"));
        Files.writeString(
            data.resolve("state/builds/shop/v2.json"),
            "{\"app\":\"shop\",\"version\":\"v2\",\"tag\":\"v2\",\"status\":\"RUNNING\",\"queuedAt\":\"2026-01-01T00:00:00Z\",\"startedAt\":\"2026-01-01T00:00:01Z\"}");
        Files.createDirectories(builds.resolve("v2"));
        Files.writeString(builds.resolve("v2/artifact.tar.gz"), "half an artifact");
        Files.createDirectories(builds.resolve("v1"));
        Files.writeString(builds.resolve("v1/artifact.tar.gz"), "whole artifact");
        Files.writeString(
            builds.resolve("v1/build.json"),
            "{\"app\":\"shop\",\"version\":\"v1\",\"tag\":\"v1\",\"commit\":\""
                + "a".repeat(40)
                + "\",\"sha256\":\""
                + "b".repeat(64)
                + "\",\"size\":14,\"files\":1,\"queuedAt\":\"2026-01-01T00:00:00Z\"}");
        Files.createDirectories(data.resolve("store/objects/apps/shop"));
        Files.writeString(
            data.resolve("store/objects/apps/shop/app.json"),
            "{\"name\":\"shop\",\"repo\":\"file:///nowhere\",\"watch\":false}");
        Files.createDirectories(data.resolve("work/shop-v2-123/tree"));
        return Map.of("tarmac.data-dir", data.toString());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  @Test
  void aBuildThatWasRunningIsFailedAndAFinishedOneRemains() {
    given()
        .get("/api/apps/shop/builds/v2")
        .then()
        .statusCode(200)
        .body("status", equalTo("FAILED"))
        .body("error", containsString("service stopped while this build was running"));
    given().get("/api/apps/shop/builds/v2/artifact").then().statusCode(409);
    given()
        .get("/api/apps/shop/builds/v1")
        .then()
        .statusCode(200)
        .body("status", equalTo("SUCCEEDED"));
    given()
        .get("/api/apps/shop/builds/v1/artifact")
        .then()
        .statusCode(200)
        .body(equalTo("whole artifact"));
  }
}
