package dev.tarmac.builder.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import dev.tarmac.builder.testing.FixedPortProfile;
import dev.tarmac.builder.web.Pages;
import dev.tarmac.deploy.release.EnvLock;
import dev.tarmac.distributor.model.Json;
import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.store.ArtifactStore;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's pages over HTTP (docs/dashboard.md): sign-in and its cookie, sessions, CSRF,
 * buttons by role, what is live on every host with drift made by hand, the release page's chart,
 * and the delivery figures' API.
 */
@QuarkusTest
@TestProfile(FixedPortProfile.class)
class DashboardPagesTest {
  static DashboardFixture fixture;
  static String viewer;
  static String deployer;
  static String otherEnvDeployer;

  @BeforeEach
  void token() throws Exception {
    Api.authenticateByDefault();
    if (fixture == null) {
      fixture = new DashboardFixture("dash", 3);
      viewer = AuthResourceTest.createToken("vic-viewer", "viewer", null);
      deployer = AuthResourceTest.createToken("dee-deployer", "deployer", List.of("prod"));
      otherEnvDeployer =
          AuthResourceTest.createToken("sam-staging", "deployer", List.of("staging"));
    }
  }

  /** Signs in with a token; returns the session cookie's value. */
  static String signIn(String token) {
    Response r =
        given().auth().none().redirects().follow(false).formParam("token", token).post("/signin");
    r.then().statusCode(303).header("Location", Matchers.endsWith("/"));
    return r.getCookie("tarmac_session");
  }

  /** A request of a browser holding this session cookie (no token, no redirect followed). */
  static RequestSpecification as(String session) {
    return given().auth().none().redirects().follow(false).cookie("tarmac_session", session);
  }

  static Response page(String session, String path) {
    return as(session).get(path);
  }

  static int releaseCount() {
    return given()
        .auth()
        .oauth2(Api.TOKEN)
        .get("/api/apps/dash/envs/prod/releases")
        .then()
        .statusCode(200)
        .extract()
        .jsonPath()
        .getList("$")
        .size();
  }

  static String csrf(String html) {
    Matcher m = Pattern.compile("name=\"csrf\" value=\"([0-9a-f]+)\"").matcher(html);
    assertThat(m.find()).as("a csrf field in %s", html).isTrue();
    return m.group(1);
  }

  @Test
  void signedOutVisitorsAreSentToSignInAndABearerHeaderIsNoSession() {
    given()
        .auth()
        .none()
        .redirects()
        .follow(false)
        .get("/")
        .then()
        .statusCode(303)
        .header("Location", Matchers.endsWith("/signin"));
    // the API token in a header does not open pages (they take the session cookie only)
    given()
        .auth()
        .oauth2(Api.TOKEN)
        .redirects()
        .follow(false)
        .get("/apps/dash")
        .then()
        .statusCode(303);
    given()
        .auth()
        .none()
        .get("/signin")
        .then()
        .statusCode(200)
        .body(containsString("<form method=\"post\" action=\"/signin\">"));
  }

  /**
   * Every GET of the dashboard, found by reflection (a new page cannot slip through), sends a
   * visitor without a session to the sign-in page; the live events answer 401.
   */
  @Test
  void everyPageNeedsASession() {
    List<String> paths = new java.util.ArrayList<>();
    for (java.lang.reflect.Method m : Pages.class.getDeclaredMethods()) {
      if (m.isAnnotationPresent(jakarta.ws.rs.GET.class)) {
        jakarta.ws.rs.Path sub = m.getAnnotation(jakarta.ws.rs.Path.class);
        paths.add(
            "/"
                + (sub == null ? "" : sub.value())
                    .replace("{app}", "dash")
                    .replace("{env}", "prod")
                    .replace("{version}", "v2.0.0")
                    .replace("{id}", "1"));
      }
    }
    assertThat(paths).contains("/", "/apps/dash/envs/prod", "/apps/dash/envs/prod/releases/1");
    for (String path : paths) {
      Response r = given().auth().none().redirects().follow(false).get(path);
      if (path.equals("/signin")) {
        r.then().statusCode(200);
      } else if (path.endsWith("/events")) {
        r.then().statusCode(401);
      } else {
        assertThat(r.statusCode()).as(path).isEqualTo(303);
        assertThat(r.getHeader("Location")).as(path).endsWith("/signin");
      }
    }
  }

  @Test
  void aBadTokenIsRefusedAndTheCookieIsHttpOnlyAndStrict() {
    given()
        .auth()
        .none()
        .formParam("token", "tarmac_nope")
        .post("/signin")
        .then()
        .statusCode(401)
        .body(containsString("not valid (unknown or revoked)"))
        .header("Set-Cookie", Matchers.nullValue());
    Response r =
        given().auth().none().redirects().follow(false).formParam("token", viewer).post("/signin");
    String setCookie = r.getHeader("Set-Cookie");
    assertThat(setCookie)
        .contains("tarmac_session=")
        .contains("HttpOnly")
        .containsIgnoringCase("SameSite=Strict")
        .contains("Path=/");
    // the cookie is a random session id, never the token
    assertThat(r.getCookie("tarmac_session")).hasSize(64).doesNotContain(viewer);
    assertThat(setCookie).doesNotContain("Secure");
    // behind a TLS proxy (docs/operations.md) the cookie is Secure
    assertThat(
            given()
                .auth()
                .none()
                .redirects()
                .follow(false)
                .header("X-Forwarded-Proto", "https")
                .formParam("token", viewer)
                .post("/signin")
                .getHeader("Set-Cookie"))
        .contains("Secure");
  }

  /**
   * {@code /cdn/<app>/} serves an app's own JavaScript from the dashboard's origin, so {@code
   * script-src 'self'} let any script an app's repository ships run in a dashboard page that had an
   * injection: scripts run only with the nonce of that very answer (docs/dashboard.md).
   */
  @Test
  void pagesRunNoScriptFromTheCdnsSameOrigin() {
    String s = signIn(viewer);
    Pattern scriptSrc = Pattern.compile("script-src ([^;]*)");
    String nonce = null;
    for (String path : List.of("/", "/apps/dash", "/apps/dash/envs/prod/releases/1")) {
      String csp = page(s, path).then().statusCode(200).extract().header("Content-Security-Policy");
      Matcher m = scriptSrc.matcher(csp);
      assertThat(m.find()).as(csp).isTrue();
      assertThat(m.group(1))
          .as(path)
          .doesNotContain("'self'")
          .doesNotContain("*")
          .contains("'nonce-");
      assertThat(m.group(1)).as("a new nonce for every answer").isNotEqualTo(nonce);
      nonce = m.group(1);
    }
    String signin = given().auth().none().get("/signin").header("Content-Security-Policy");
    assertThat(signin).doesNotContain("script-src 'self'");
  }

  @Test
  void theSessionCookieDoesNotOpenTheApi() {
    String s = signIn(Api.TOKEN);
    as(s).get("/api/apps").then().statusCode(401);
  }

  @Test
  void signOutEndsTheSessionAndNeedsTheCsrfToken() {
    String s = signIn(viewer);
    String html = page(s, "/").then().statusCode(200).extract().asString();
    // without the form's token: refused, still signed in
    as(s).formParam("csrf", "0".repeat(64)).post("/signout").then().statusCode(403);
    page(s, "/").then().statusCode(200);
    as(s)
        .formParam("csrf", csrf(html))
        .post("/signout")
        .then()
        .statusCode(303)
        .header("Set-Cookie", containsString("Max-Age=0"));
    page(s, "/").then().statusCode(303);
  }

  @Test
  void aRevokedTokenEndsItsSessions() {
    String secret = AuthResourceTest.createToken("short-lived", "viewer", null);
    String s = signIn(secret);
    page(s, "/").then().statusCode(200);
    given().auth().oauth2(Api.TOKEN).delete("/api/tokens/short-lived").then().statusCode(204);
    page(s, "/").then().statusCode(303);
  }

  @Test
  void appsAndBuildsWithTheirLog() {
    String s = signIn(viewer);
    page(s, "/").then().statusCode(200).body(containsString("href=\"/apps/dash\""));
    page(s, "/apps/dash")
        .then()
        .statusCode(200)
        .body(containsString("/apps/dash/builds/v2.1.0"))
        .body(containsString("SUCCEEDED"))
        .body(containsString("href=\"/apps/dash/envs/prod\""));
    page(s, "/apps/dash/builds/v2.1.0")
        .then()
        .statusCode(200)
        .body(containsString("id=\"log\""))
        .body(containsString("build dash v2.1.0 from file:"));
    page(s, "/apps/nope").then().statusCode(404).body(containsString("nope"));
  }

  /** The home page's cell of dash/prod, from {@code <td} to its {@code </td>}. */
  static String cell(String session, String app, String env) {
    String home = page(session, "/").then().statusCode(200).extract().asString();
    return LiveOnceTest.section(home, "data-cell=\"" + app + "/" + env + "\"", "</td>");
  }

  /**
   * The home matrix: the version the history says is live, the newest record's state, number, kind,
   * who and when; a running release shown as running; the newest releases and builds below.
   */
  @Test
  void theHomeMatrixSaysWhatIsLiveWhereAndWhatRuns() throws Exception {
    String s = signIn(viewer);
    io.restassured.path.json.JsonPath newest =
        given().get("/api/apps/dash/envs/prod/releases").then().extract().jsonPath();
    long id = newest.getLong("[0].id");
    String cell = cell(s, "dash", "prod");
    assertThat(cell)
        .startsWith("data-cell=\"dash/prod\">")
        .contains("<a class=\"cell-version\" href=\"/apps/dash/envs/prod\">v2.1.0</a>")
        .contains(
            "<span class=\"badge state-live\">LIVE</span> <a"
                + " href=\"/apps/dash/envs/prod/releases/"
                + id
                + "\">#"
                + id
                + " "
                + newest.getString("[0].kind")
                + " v2.1.0</a>")
        .contains("<span class=\"cell-who\">by " + newest.getString("[0].who") + ", 20")
        .doesNotContain("cell-running");
    String home = page(s, "/").then().extract().asString();
    assertThat(home).contains("<td class=\"cell cell-live\" data-cell=\"dash/prod\">");
    assertThat(LiveOnceTest.section(home, "id=\"recent-releases\"", "</table>"))
        .contains("href=\"/apps/dash/envs/prod/releases/" + id + "\">dash · prod #" + id + "</a>");
    assertThat(LiveOnceTest.section(home, "id=\"recent-builds\"", "</table>"))
        .contains("<a href=\"/apps/dash/builds/v2.2.0\">dash v2.2.0</a>")
        .contains("<span class=\"badge status-SUCCEEDED\">SUCCEEDED</span>");
    // both lists are one fragment (apps.html repeated its table markup for each, duplicates D1,
    // and neither table's column heads said they were column heads)
    assertThat(LiveOnceTest.section(home, "id=\"recent-releases\"", "</thead>"))
        .endsWith(
            "<thead><tr><th scope=\"col\">Release</th><th scope=\"col\">State</th><th"
                + " scope=\"col\">Who</th><th scope=\"col\">Started</th></tr>");
    assertThat(LiveOnceTest.section(home, "id=\"recent-builds\"", "</thead>"))
        .endsWith(
            "<thead><tr><th scope=\"col\">Build</th><th scope=\"col\">Status</th><th"
                + " scope=\"col\">Queued</th><th scope=\"col\">Took</th></tr>");
    String template =
        java.nio.file.Files.readString(
            java.nio.file.Path.of("src/main/resources/templates/Pages/apps.html"));
    assertThat(LiveOnceTest.count(template, "<table id=\"recent-"))
        .as("one table markup for the lists below the matrix")
        .isZero();
    assertThat(LiveOnceTest.count(template, "<table id=\"{t.id}\">")).isEqualTo(1);

    // v2.2.0 prepares for 4 s: the cell shows it running, then live; then back to v2.1.0
    long running = fixture.start("v2.2.0");
    String during = cell(s, "dash", "prod");
    assertThat(during)
        .contains(
            "<a class=\"cell-running\" href=\"/apps/dash/envs/prod/releases/"
                + running
                + "\">releasing v2.2.0: PREPARING</a>")
        .contains(">v2.1.0</a>");
    assertThat(page(s, "/").then().extract().asString())
        .contains("<td class=\"cell cell-running\" data-cell=\"dash/prod\">")
        .contains("<meta http-equiv=\"refresh\" content=\"3\">");
    // its page, while it runs: every host a row from the first load, each host's progress, no
    // event list; drawn again from the run's events as it goes
    String path = "/apps/dash/envs/prod/releases/" + running;
    String first = page(s, path).then().statusCode(200).extract().asString();
    assertThat(first.split("<g class=\"host\"")).hasSize(4);
    assertThat(first)
        .contains("<tr data-host=\"h1\">", "<tr data-host=\"h2\">", "<tr data-host=\"h3\">")
        .contains("data-events=\"" + path + "/events\"")
        .contains("<dt>Phase</dt>")
        .doesNotContain("id=\"events\"");
    String seen = first;
    for (int i = 0; i < 30 && !seen.contains("<td class=\"now now-running\">"); i++) {
      Thread.sleep(100);
      seen = page(s, path).then().extract().asString();
    }
    assertThat(seen)
        .as("a host running a task (the 4 s prepare hook)")
        .contains("<td class=\"now now-running\">");
    assertThat(seen).contains("class=\"task running\"").contains("class=\"task ok\"");
    Api.awaitRelease("dash", "prod", running).then().body("status", equalTo("LIVE"));
    String after = page(s, path).then().extract().asString();
    assertThat(after)
        .doesNotContain("data-events=")
        .doesNotContain("<dt>Phase</dt>")
        .doesNotContain("now-running")
        .contains(
            "<tr data-host=\"h3\"><th scope=\"row\">h3</th><td class=\"now now-ok\">done</td>");
    assertThat(cell(s, "dash", "prod"))
        .contains("<a class=\"cell-version\" href=\"/apps/dash/envs/prod\">v2.2.0</a>")
        .doesNotContain("cell-running");
    long back =
        given()
            .contentType(io.restassured.http.ContentType.JSON)
            .body(java.util.Map.of())
            .post("/api/apps/dash/envs/prod/rollback")
            .then()
            .statusCode(202)
            .extract()
            .jsonPath()
            .getLong("id");
    Api.awaitRelease("dash", "prod", back).then().body("version", equalTo("v2.1.0"));
    assertThat(cell(s, "dash", "prod"))
        .contains(">v2.1.0</a>")
        .contains(
            "<span class=\"badge state-live\">LIVE</span> <a href=\"/apps/dash/envs/prod/releases/"
                + back
                + "\">#"
                + back
                + " rollback v2.1.0</a>");
  }

  /**
   * Styles come from the dashboard's own stylesheet only: {@code style-src 'self'}, no inline style
   * in any page (the charts' colours are in the stylesheet), and the stylesheet is served to a
   * visitor not signed in yet (the sign-in page uses it).
   */
  @Test
  void stylesComeFromTheStylesheetOnly() {
    String s = signIn(viewer);
    for (String path :
        List.of(
            "/",
            "/apps/dash",
            "/apps/dash/builds/v2.1.0",
            "/apps/dash/envs/prod",
            "/apps/dash/envs/prod/releases/2")) {
      Response r = page(s, path);
      r.then().statusCode(200);
      assertThat(r.header("Content-Security-Policy"))
          .as(path)
          .contains("; style-src 'self';")
          .doesNotContain("unsafe-inline");
      assertThat(r.asString())
          .as(path)
          .contains("<link rel=\"stylesheet\" href=\"/dashboard/dashboard.css\">")
          .doesNotContain("<style")
          .doesNotContain(" style=");
    }
    given()
        .auth()
        .none()
        .get("/dashboard/dashboard.css")
        .then()
        .statusCode(200)
        .contentType(containsString("text/css"))
        .body(containsString("svg .failed"));
  }

  /** A failed build's several problems are a list, one item each; its log wraps (class log). */
  @Test
  void aFailedBuildListsEachProblem() throws Exception {
    String error = DashboardFixture.failedBuild("broken");
    List<String> lines = error.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    assertThat(lines.size()).as(error).isGreaterThan(2);
    String html =
        page(signIn(viewer), "/apps/broken/builds/v0.1.0")
            .then()
            .statusCode(200)
            .extract()
            .asString();
    String list = LiveOnceTest.section(html, "<ul class=\"error-list\">", "</ul>");
    assertThat(LiveOnceTest.count(list, "<li>")).as(list).isEqualTo(lines.size());
    assertThat(list).contains("<li>tarmac.yml at v0.1.0 is invalid:</li>");
    assertThat(list).doesNotContain("<li>- ");
    assertThat(html).contains("<span id=\"status\" class=\"badge status-FAILED\">FAILED</span>");
    assertThat(html).contains("<pre id=\"log\" class=\"log\">");
    // the home matrix has the app, with no environment of its own yet
    assertThat(page(signIn(viewer), "/").then().extract().asString())
        .contains("<td class=\"cell cell-undefined\" data-cell=\"broken/prod\">");
  }

  @Test
  void environmentShowsEveryHostDriftTheLockAndNoButtonsForAViewer() throws Exception {
    int before = releaseCount();
    String s = signIn(viewer);
    String html = page(s, "/apps/dash/envs/prod").then().statusCode(200).extract().asString();
    assertThat(html).contains("data-host=\"h1\"", "data-host=\"h2\"", "data-host=\"h3\"");
    assertThat(html).doesNotContain("DRIFT").contains("id=\"lock\">Free.");
    assertThat(html).doesNotContain("id=\"plan\"").doesNotContain("id=\"rollback\"");
    // a viewer who posts the form anyway is refused and nothing starts
    as(s)
        .formParam("csrf", csrf(html))
        .formParam("version", "v2.0.0")
        .post("/apps/dash/envs/prod/release")
        .then()
        .statusCode(403)
        .body(containsString("may not release"));
    assertThat(releaseCount()).as("releases after a refused form").isEqualTo(before);

    fixture.driftByHand("h2", "v2.0.0");
    try {
      String drifted = page(s, "/apps/dash/envs/prod").then().statusCode(200).extract().asString();
      assertThat(drifted).contains("DRIFT: serves v2.0.0, not v2.1.0").contains("drift-summary");
      assertThat(drifted.split("class=\"drift\" data-host=")).hasSize(2);
      // the home matrix says what the environment page read of the hosts, and when
      assertThat(cell(s, "dash", "prod"))
          .contains("<span class=\"cell-hosts drift\">DRIFT on 1 of 3 hosts (read 20");
      assertThat(page(s, "/").then().extract().asString())
          .contains("<td class=\"cell cell-live cell-drift\" data-cell=\"dash/prod\">");
    } finally {
      fixture.driftByHand("h2", "v2.1.0");
    }
    page(s, "/apps/dash/envs/prod").then().statusCode(200).body(not(containsString("DRIFT")));
    assertThat(cell(s, "dash", "prod"))
        .contains("<span class=\"cell-hosts\">all 3 hosts serve it (read 20");
  }

  @Test
  void aDeployerPlansThenReleasesWithTheFormsToken() throws Exception {
    int before = releaseCount();
    String s = signIn(deployer);
    String html = page(s, "/apps/dash/envs/prod").then().statusCode(200).extract().asString();
    assertThat(html).contains("id=\"plan\"").contains("id=\"rollback\"");
    String csrf = csrf(html);
    // a form without the session's token (as a cross-site form would be) changes nothing
    as(s)
        .formParam("version", "v2.0.0")
        .post("/apps/dash/envs/prod/release")
        .then()
        .statusCode(403)
        .body(containsString("CSRF"));
    as(signIn(deployer))
        .formParam("csrf", csrf)
        .formParam("version", "v2.0.0")
        .post("/apps/dash/envs/prod/release")
        .then()
        .statusCode(403);
    assertThat(releaseCount()).as("releases after a refused form").isEqualTo(before);

    String plan =
        as(s)
            .formParam("csrf", csrf)
            .formParam("version", "v2.0.0")
            .post("/apps/dash/envs/prod/plan")
            .then()
            .statusCode(200)
            .extract()
            .asString();
    assertThat(plan)
        .contains("Live now: <b>v2.1.0</b>")
        .contains("id=\"confirm-release\"")
        .contains("<td>h3</td>");
    Response started =
        as(s)
            .formParam("csrf", csrf)
            .formParam("version", "v2.0.0")
            .post("/apps/dash/envs/prod/release");
    started.then().statusCode(303);
    String location = started.getHeader("Location");
    long id = Long.parseLong(location.substring(location.lastIndexOf('/') + 1));
    Api.awaitRelease("dash", "prod", id)
        .then()
        .body("status", equalTo("LIVE"))
        .body("who", equalTo("dee-deployer"));

    String release =
        page(s, "/apps/dash/envs/prod/releases/" + id).then().statusCode(200).extract().asString();
    // the timeline: one row per host, bars per task, the activation window marked
    assertThat(release.split("<g class=\"host\"")).hasSize(4);
    assertThat(release).contains("data-kind=\"activation-window\"").contains("class=\"task ok\"");
    assertThat(release).contains("id=\"transfers\"");
    // per host, a column per task, the host's state in its own column
    assertThat(release)
        .contains("<th scope=\"col\" class=\"task-col\">switch</th>")
        .contains(
            "<tr data-host=\"h2\"><th scope=\"row\">h2</th><td class=\"now now-ok\">done</td>")
        .contains("<td class=\"t t-ok\" title=\"switch: ok\">")
        .contains("class=\"task-label");

    // back to v2.1.0 for the other tests, by the rollback form
    page(s, "/apps/dash/envs/prod/rollback")
        .then()
        .statusCode(200)
        .body(containsString("id=\"confirm-rollback\""));
    Response back = as(s).formParam("csrf", csrf).post("/apps/dash/envs/prod/rollback");
    back.then().statusCode(303);
    String loc = back.getHeader("Location");
    Api.awaitRelease("dash", "prod", Long.parseLong(loc.substring(loc.lastIndexOf('/') + 1)))
        .then()
        .body("status", equalTo("LIVE"))
        .body("version", equalTo("v2.1.0"));
  }

  @Inject ArtifactStore store;

  @Test
  void theLockAndItsHolder() {
    String key = StoreLayout.lock("dash", "prod");
    EnvLock.Info held =
        new EnvLock.Info(
            "ann@laptop",
            "release",
            "v2.2.0",
            Instant.parse("2026-11-27T10:00:00Z"),
            Instant.parse("2099-01-01T00:00:00Z"),
            "t-1");
    store.put(key, new ByteArrayInputStream(Json.write(held)));
    try {
      page(signIn(viewer), "/apps/dash/envs/prod")
          .then()
          .statusCode(200)
          .body(
              containsString(
                  "Held by <b>ann@laptop</b> for release v2.2.0 since 2026-11-27T10:00:00Z"));
    } finally {
      store.delete(key);
    }
  }

  @Test
  void aDeployerOfAnotherEnvironmentSeesNoButton() {
    String s = signIn(otherEnvDeployer);
    page(s, "/apps/dash/envs/prod").then().statusCode(200).body(not(containsString("id=\"plan\"")));
    page(s, "/apps/dash/envs/prod/rollback").then().statusCode(403);
  }

  @Test
  void deliveryFiguresApi() {
    given()
        .get("/api/apps/dash/envs/prod/metrics")
        .then()
        .statusCode(200)
        .body("days", equalTo(31))
        .body("deployments", org.hamcrest.Matchers.greaterThanOrEqualTo(2))
        .body("leadTimeSeconds", org.hamcrest.Matchers.notNullValue());
    given()
        .get("/api/apps/dash/envs/prod/metrics?days=0")
        .then()
        .statusCode(400)
        .body("detail", equalTo("days must be a whole number from 1 to 3660; got \"0\""));
    given().auth().none().get("/api/apps/dash/envs/prod/metrics").then().statusCode(401);
  }

  static final class Matchers {
    static org.hamcrest.Matcher<String> endsWith(String s) {
      return org.hamcrest.Matchers.endsWith(s);
    }

    static org.hamcrest.Matcher<Object> nullValue() {
      return org.hamcrest.Matchers.nullValue();
    }
  }

  @BeforeAll
  static void keepFilesQuiet() throws Exception {
    Files.createDirectories(java.nio.file.Path.of("target"));
  }

  /**
   * What the service serves as its dashboard's script and style comes from a copy Vert.x keeps on
   * disk (its file cache). By default that copy lives in {@code <java.io.tmpdir>/vertx-cache}, a
   * directory Quarkus makes writable by everyone (mode 777, no sticky bit): any local user, a build
   * run with setpriv (the real /tmp) or a local host's hook could rename the service's cache away
   * and put its own {@code dashboard.js} in its place, and every admin who opens the dashboard
   * would run it (the hostile probe of 2026-12-07, third round). No directory leading to the copy
   * the service serves may be writable by others.
   */
  @Test
  void theDashboardsFilesAreServedFromADirectoryNoOneElseCanWrite() throws Exception {
    given().auth().none().get("/dashboard/dashboard.js").then().statusCode(200);
    java.nio.file.Path tmp = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"));
    java.nio.file.Path data =
        java.nio.file.Path.of(
            org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getValue("tarmac.data-dir", String.class));
    List<String> open = new java.util.ArrayList<>();
    for (java.nio.file.Path root : List.of(tmp, data)) {
      if (!Files.isDirectory(root)) {
        continue;
      }
      try (var files = Files.walk(root)) {
        for (java.nio.file.Path f :
            files.filter(f -> f.endsWith("META-INF/resources/dashboard/dashboard.js")).toList()) {
          for (java.nio.file.Path d = f.getParent();
              d != null && d.startsWith(root) && !d.equals(root);
              d = d.getParent()) {
            var perms = Files.getPosixFilePermissions(d);
            if (perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE)
                || perms.contains(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE)) {
              open.add(
                  d + " (" + java.nio.file.attribute.PosixFilePermissions.toString(perms) + ")");
            }
          }
        }
      }
    }
    assertThat(open).as("directories others can write above the served dashboard.js").isEmpty();
  }
}
