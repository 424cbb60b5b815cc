package dev.tarmac.builder.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * Every answer of the service says {@code X-Content-Type-Options: nosniff} (docs/architecture.md,
 * "Public assets"): error documents echo what the request named (a path, an app, a version), and a
 * browser that sniffed one as HTML would run what an attacker put there.
 */
@QuarkusTest
class SecurityHeadersTest {
  @Test
  void errorsAndAnswersOfTheApiAreNeverSniffed() {
    // a problem document naming what the request asked for
    given()
        .auth()
        .oauth2("test-token")
        .get("/api/apps/<svg onload=alert(1)>")
        .then()
        .statusCode(404)
        .header("X-Content-Type-Options", equalTo("nosniff"));
    // refused before any resource
    given()
        .auth()
        .none()
        .get("/api/apps")
        .then()
        .statusCode(401)
        .header("X-Content-Type-Options", equalTo("nosniff"));
    given()
        .auth()
        .oauth2("test-token")
        .get("/api/apps")
        .then()
        .statusCode(200)
        .header("X-Content-Type-Options", equalTo("nosniff"));
    given().get("/q/health").then().header("X-Content-Type-Options", equalTo("nosniff"));
    // said once, not once by the service and again by a resource
    assertThat(given().get("/signin").headers().getValues("X-Content-Type-Options"))
        .containsExactly("nosniff");
  }
}
