package dev.tarmac.builder.api;

import static io.restassured.RestAssured.given;

import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Calls of the HTTP API used by the resource tests. */
final class Api {
  static final String TOKEN = "test-token";

  private Api() {}

  /** Every call of a test sends the test's admin token unless it says {@code auth().none()}. */
  static void authenticateByDefault() {
    RestAssured.authentication = RestAssured.oauth2(TOKEN);
  }

  /** The JAX-RS resources of the service's API: every class with {@code @Path} in its package. */
  static List<Class<?>> resources() throws Exception {
    String pkg = Problems.class.getPackageName();
    // the compiled classes (Quarkus serves them from its own class loader in tests)
    Path dir = Path.of("target/classes").resolve(pkg.replace('.', '/'));
    List<Class<?>> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.sorted().toList()) {
        String name = f.getFileName().toString();
        if (name.endsWith(".class") && !name.contains("$")) {
          Class<?> c = Class.forName(pkg + "." + name.substring(0, name.length() - 6));
          if (c.isAnnotationPresent(jakarta.ws.rs.Path.class)) {
            out.add(c);
          }
        }
      }
    }
    if (out.size() < 4) {
      throw new AssertionError("found only " + out + " as resources in " + dir);
    }
    return out;
  }

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

  /**
   * Registers {@code env} of {@code app} in the service from the {@code tarmac.yml} of the built
   * {@code version}, as an admin does once (docs/environments.md): where code runs is read from
   * nothing else.
   */
  static void registerEnv(String app, String env, String version) {
    given()
        .auth()
        .oauth2(TOKEN)
        .contentType(ContentType.JSON)
        .body("{\"from\":\"" + version + "\"}")
        .post("/api/apps/" + app + "/envs/" + env + "/import")
        .then()
        .statusCode(200);
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

  /** Waits until a release or rollback has finished (LIVE, FAILED…) and returns its record. */
  static Response awaitRelease(String app, String env, long id) throws InterruptedException {
    for (int i = 0; i < 600; i++) {
      Response r = given().get("/api/apps/" + app + "/envs/" + env + "/releases/" + id);
      String status = r.jsonPath().getString("status");
      if (!status.equals("PREPARING") && !status.equals("ACTIVATING")) {
        return r;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("release #" + id + " of " + app + " to " + env + " did not finish");
  }
}
