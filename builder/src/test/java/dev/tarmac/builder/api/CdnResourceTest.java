package dev.tarmac.builder.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import dev.tarmac.distributor.model.CdnAssets;
import dev.tarmac.distributor.store.ArtifactStore;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /cdn/<app>/<path>} on the embedded store: public, only keys under {@code cdn/}, with
 * the immutable headers, ETag/304 and Range; everything else still needs a token.
 */
@QuarkusTest
class CdnResourceTest {
  private static final String CSS = ".logo{background:url(logo.0123456789ab.png)}\n";

  @Inject ArtifactStore store;

  @BeforeEach
  void assets() {
    if (!store.exists(CdnAssets.key("cdnapp", "css/app.aaaaaaaaaaaa.css"))) {
      store.putIfAbsent(
          CdnAssets.key("cdnapp", "css/app.aaaaaaaaaaaa.css"),
          CSS.getBytes(StandardCharsets.UTF_8));
    }
    store.put("apps/cdnapp/secret.txt", "not public".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void anAssetIsServedWithoutATokenWithImmutableHeaders() {
    Response r = given().auth().none().get("/cdn/cdnapp/css/app.aaaaaaaaaaaa.css");
    r.then()
        .statusCode(200)
        .header("Content-Type", "text/css; charset=utf-8")
        .header("Cache-Control", "public, max-age=31536000, immutable")
        .header("Accept-Ranges", "bytes");
    assertThat(r.asString()).isEqualTo(CSS);
    String etag = r.header("ETag");
    assertThat(etag).matches("\"[0-9a-f]{32}\"");

    given()
        .auth()
        .none()
        .header("If-None-Match", etag)
        .get("/cdn/cdnapp/css/app.aaaaaaaaaaaa.css")
        .then()
        .statusCode(304)
        .header("ETag", etag);
    given()
        .auth()
        .none()
        .header("If-None-Match", "\"something-else\"")
        .get("/cdn/cdnapp/css/app.aaaaaaaaaaaa.css")
        .then()
        .statusCode(200);

    Response part =
        given()
            .auth()
            .none()
            .header("Range", "bytes=1-4")
            .get("/cdn/cdnapp/css/app.aaaaaaaaaaaa.css");
    part.then()
        .statusCode(206)
        .header("Content-Range", "bytes 1-4/" + CSS.length())
        .header("ETag", etag)
        .header("Cache-Control", "public, max-age=31536000, immutable");
    assertThat(part.asString()).isEqualTo("logo");

    given().auth().none().head("/cdn/cdnapp/css/app.aaaaaaaaaaaa.css").then().statusCode(200);
    given().auth().none().get("/cdn/cdnapp/css/missing.css").then().statusCode(404);
  }

  @Test
  void onlyKeysUnderCdnAreReachableAndOnlyByGet() {
    // traversal out of cdn/<app>/, plain and encoded: never the file, never without a token
    for (String path :
        new String[] {
          "/cdn/cdnapp/../../apps/cdnapp/secret.txt",
          "/cdn/cdnapp/%2e%2e/%2e%2e/apps/cdnapp/secret.txt",
          "/cdn/cdnapp/..%2F..%2Fapps%2Fcdnapp%2Fsecret.txt",
          "/cdn/cdnapp/css/..%2f..%2f..%2fapps/cdnapp/secret.txt",
          "/cdn/cdnapp/./css/app.aaaaaaaaaaaa.css",
          "/cdn/cdnapp//css/app.aaaaaaaaaaaa.css",
          "/cdn/..%2Fapps/cdnapp/secret.txt",
        }) {
      Response r = given().auth().none().urlEncodingEnabled(false).get(path);
      assertThat(r.asString()).as(path).doesNotContain("not public");
      if (r.statusCode() == 200) {
        // the server normalized ./ or // to the asset itself: still only what is public
        assertThat(r.asString()).as(path).isEqualTo(CSS);
      } else {
        assertThat(r.statusCode()).as(path).isIn(400, 401, 404);
      }
    }
    // the API still needs a token; outside /api/ a path is a dashboard page or nothing (pages send
    // a visitor without a session to sign in, docs/dashboard.md): /cdnx is nothing, and /cdn/ takes
    // no other method than GET and HEAD — nothing can be written or removed there
    given().auth().none().get("/api/apps").then().statusCode(401);
    given().auth().none().get("/cdnx/cdnapp/css/app.aaaaaaaaaaaa.css").then().statusCode(404);
    given()
        .auth()
        .none()
        .body("x")
        .post("/cdn/cdnapp/css/app.aaaaaaaaaaaa.css")
        .then()
        .statusCode(405);
    given().auth().none().body("x").put("/cdn/cdnapp/css/new.css").then().statusCode(405);
    given().auth().none().delete("/cdn/cdnapp/css/app.aaaaaaaaaaaa.css").then().statusCode(405);
    given().auth().none().get("/cdn/cdnapp/css/new.css").then().statusCode(404);
    given()
        .auth()
        .none()
        .get("/cdn/cdnapp/css/app.aaaaaaaaaaaa.css")
        .then()
        .statusCode(not(equalTo(401)));
  }

  /**
   * An app's assets are served from the dashboard's own origin (the embedded store): an SVG or HTML
   * file with a script in it, opened by a signed-in admin, would run as the dashboard and could
   * post its forms (release, roll back) with the admin's session. Every asset is answered sandboxed
   * (its own opaque origin, no scripts) and never sniffed into another type; as a stylesheet,
   * script or image of a page, the CSP of the asset itself is not applied (docs/cdn-and-caches.md).
   */
  @Test
  void assetsRunNoScriptInTheDashboardsOrigin() {
    String svg = "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>fetch('/')</script></svg>\n";
    String key = CdnAssets.key("cdnapp", "img/logo.bbbbbbbbbbbb.svg");
    if (!store.exists(key)) {
      store.putIfAbsent(key, svg.getBytes(StandardCharsets.UTF_8));
    }
    for (String path :
        new String[] {
          "/cdn/cdnapp/img/logo.bbbbbbbbbbbb.svg", "/cdn/cdnapp/css/app.aaaaaaaaaaaa.css"
        }) {
      Response r = given().auth().none().get(path);
      r.then().statusCode(200);
      assertThat(r.header("Content-Security-Policy")).as(path).isNotNull().contains("sandbox");
      assertThat(r.header("Content-Security-Policy")).as(path).doesNotContain("allow-scripts");
      assertThat(r.header("X-Content-Type-Options")).as(path).isEqualTo("nosniff");
      Response part = given().auth().none().header("Range", "bytes=0-3").get(path);
      part.then().statusCode(206);
      assertThat(part.header("Content-Security-Policy")).as(path).contains("sandbox");
    }
  }

  @Test
  void theFilterLetsThroughExactlyGetAndHeadOfPlainPaths() {
    assertThat(AuthFilter.isPublicAsset("GET", "/cdn/shop/css/app.abc.css")).isTrue();
    assertThat(AuthFilter.isPublicAsset("HEAD", "/cdn/shop/a")).isTrue();
    assertThat(AuthFilter.isPublicAsset("POST", "/cdn/shop/a")).isFalse();
    assertThat(AuthFilter.isPublicAsset("DELETE", "/cdn/shop/a")).isFalse();
    assertThat(AuthFilter.isPublicAsset("GET", "/cdn/shop/../api/apps")).isFalse();
    assertThat(AuthFilter.isPublicAsset("GET", "/cdn/shop/./a")).isFalse();
    assertThat(AuthFilter.isPublicAsset("GET", "/cdn/shop//a")).isFalse();
    assertThat(AuthFilter.isPublicAsset("GET", "/cdn/shop/")).isFalse();
    assertThat(AuthFilter.isPublicAsset("GET", "/cdn/Shop!/a")).isFalse();
    assertThat(AuthFilter.isPublicAsset("GET", "/api/cdn/shop/a")).isFalse();
    assertThat(AuthFilter.isPublicAsset("GET", "/cdnx/shop/a")).isFalse();
  }
}
