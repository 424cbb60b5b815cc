package dev.tarmac.builder.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.tarmac.builder.testing.FixedPortProfile;
import dev.tarmac.builder.testing.SampleRepo;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A release to two {@code local} hosts shows up in /q/metrics: count, duration, window. */
@QuarkusTest
@TestProfile(FixedPortProfile.class)
class ReleaseMetricsTest {

  @BeforeEach
  void token() {
    Api.authenticateByDefault();
  }

  @Test
  void aLiveReleaseIsCountedWithItsDurationAndActivationWindow() throws Exception {
    Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "release-metrics-");
    SampleRepo repo = new SampleRepo(dir.resolve("repo"));
    String yml = SampleRepo.TARMAC_YML.replace("app: shop", "app: opsrel");
    repo.write(
        "tarmac.yml",
        yml.substring(0, yml.indexOf("environments:"))
            + "environments:\n"
            + "  prod:\n"
            + "    hosts:\n"
            + "      - { name: a, address: local, deploy_to: "
            + dir.resolve("hosts/a")
            + ", roles: [web, db] }\n"
            + "      - { name: b, address: local, deploy_to: "
            + dir.resolve("hosts/b")
            + " }\n");
    repo.commitAndTag("local hosts", "v3.0.0");
    Api.registerApp("opsrel", repo.url(), false);
    Api.requestBuild("opsrel", "v3.0.0");
    Api.awaitBuild("opsrel", "v3.0.0").then().body("status", equalTo("SUCCEEDED"));
    Api.registerEnv("opsrel", "prod", "v3.0.0");

    long id =
        given()
            .contentType(ContentType.JSON)
            .body(Map.of("version", "v3.0.0"))
            .post("/api/apps/opsrel/envs/prod/releases")
            .then()
            .statusCode(202)
            .extract()
            .jsonPath()
            .getLong("id");
    Response done = null;
    for (int i = 0; i < 600; i++) {
      done = given().get("/api/apps/opsrel/envs/prod/releases/" + id);
      if (!done.jsonPath().getString("status").matches("PREPARING|ACTIVATING")) {
        break;
      }
      Thread.sleep(100);
    }
    done.then().body("status", equalTo("LIVE"));
    long windowMs = done.jsonPath().getLong("activationWindowMs");

    // the record is final before the runner counts it: wait for the count, briefly
    String text = "";
    String finished =
        "tarmac_releases_finished_total{app=\"opsrel\",env=\"prod\",kind=\"release\",status=\"LIVE\"} 1.0";
    for (int i = 0; i < 50 && !text.contains(finished); i++) {
      text = given().get("/q/metrics").then().statusCode(200).extract().asString();
      Thread.sleep(100);
    }
    assertThat(text)
        .contains("tarmac_releases_started_total{app=\"opsrel\",env=\"prod\",kind=\"release\"} 1.0")
        .contains(finished)
        .contains(
            "tarmac_release_duration_seconds_count{app=\"opsrel\",env=\"prod\",kind=\"release\",status=\"LIVE\"} 1")
        .contains(
            "tarmac_release_activation_window_milliseconds_count{app=\"opsrel\",env=\"prod\",kind=\"release\"} 1")
        .contains(
            "tarmac_release_activation_window_milliseconds_sum{app=\"opsrel\",env=\"prod\",kind=\"release\"} "
                + (double) windowMs);
  }
}
