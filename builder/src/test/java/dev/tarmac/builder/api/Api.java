package dev.tarmac.builder.api;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.List;

/** Calls of the HTTP API used by the resource tests. */
final class Api {
  static final String TOKEN = "test-token";

  private Api() {}

  static void registerApp(String name, String repo, boolean watch) {
    given()
        .auth()
        .oauth2(TOKEN)
        .contentType(ContentType.JSON)
        .body("{\"name\":\"" + name + "\",\"repo\":\"" + repo + "\",\"watch\":" + watch + "}")
        .post("/api/apps")
        .then()
        .statusCode(201);
  }

  static Response requestBuild(String app, String tag) {
    return given()
        .auth()
        .oauth2(TOKEN)
        .contentType(ContentType.JSON)
        .body("{\"tag\":\"" + tag + "\"}")
        .post("/api/apps/" + app + "/builds");
  }

  /** Waits until the build is SUCCEEDED or FAILED and returns its final view. */
  static Response awaitBuild(String app, String version) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (true) {
      Response r = given().get("/api/apps/" + app + "/builds/" + version);
      String status = r.statusCode() == 200 ? r.jsonPath().getString("status") : "";
      if (List.of("SUCCEEDED", "FAILED").contains(status)) {
        return r;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "build "
                + app
                + " "
                + version
                + " did not finish: "
                + r.asString()
                + "\nlog:\n"
                + given().get("/api/apps/" + app + "/builds/" + version + "/log").asString());
      }
      Thread.sleep(100);
    }
  }
}
