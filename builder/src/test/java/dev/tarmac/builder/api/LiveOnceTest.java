package dev.tarmac.builder.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.tarmac.builder.testing.FixedPortProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * After a release, a rollback and a release again, LIVE appears once per environment: in the
 * history API's {@code state} (what {@code tarmac history} prints), in the environment page's
 * history, on the home matrix, and on each record's own page (issue 27: the page coloured three
 * records LIVE and a superseded rollback's page said LIVE). One rule decides it ({@code
 * service/ReleaseState}).
 */
@QuarkusTest
@TestProfile(FixedPortProfile.class)
class LiveOnceTest {
  @Test
  void liveAppearsOnceAfterReleaseRollbackRelease() throws Exception {
    Api.authenticateByDefault();
    DashboardFixture f = new DashboardFixture("once", 2); // #1 v2.0.0, #2 v2.1.0
    long rollback =
        given()
            .contentType(ContentType.JSON)
            .body(Map.of())
            .post("/api/apps/once/envs/prod/rollback")
            .then()
            .statusCode(202)
            .extract()
            .jsonPath()
            .getLong("id");
    Api.awaitRelease("once", "prod", rollback).then().body("status", equalTo("LIVE"));
    f.release("v2.2.0"); // #4

    JsonPath history =
        given()
            .get("/api/apps/once/envs/prod/releases")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();
    assertThat(history.getList("id", Long.class)).containsExactly(4L, 3L, 2L, 1L);
    // the store keeps #3 and #1 LIVE (rollback chooses among those); the state says what is live
    assertThat(history.getList("status", String.class))
        .containsExactly("LIVE", "LIVE", "ROLLED_BACK", "LIVE");
    assertThat(history.getList("state", String.class))
        .containsExactly("LIVE", "superseded", "ROLLED_BACK", "superseded");
    given()
        .get("/api/apps/once/envs/prod/releases/3")
        .then()
        .statusCode(200)
        .body("kind", equalTo("rollback"))
        .body("status", equalTo("LIVE"))
        .body("state", equalTo("superseded"));
    given().get("/api/apps/once/envs/prod/releases/4").then().body("state", equalTo("LIVE"));

    String session = DashboardPagesTest.signIn(Api.TOKEN);
    String env =
        DashboardPagesTest.page(session, "/apps/once/envs/prod")
            .then()
            .statusCode(200)
            .extract()
            .asString();
    // on the whole page, not only in its history: LIVE once, for the one environment
    assertThat(count(env, ">LIVE<")).as("the environment page").isEqualTo(1);
    String table = section(env, "id=\"history\"", "</table>");
    assertThat(count(table, ">LIVE<")).as(table).isEqualTo(1);
    assertThat(count(table, "class=\"badge state-live\"")).isEqualTo(1);
    assertThat(count(table, ">superseded<")).isEqualTo(2);
    // the LIVE row is #4's
    Matcher row = Pattern.compile("<tr[^>]*>(?:(?!</tr>).)*>LIVE<", Pattern.DOTALL).matcher(table);
    assertThat(row.find()).isTrue();
    assertThat(row.group()).contains("releases/4\"");

    // the home matrix: the cell says LIVE once, for #4
    String home = DashboardPagesTest.page(session, "/").then().extract().asString();
    String cell = section(home, "data-cell=\"once/prod\"", "</td>");
    assertThat(count(cell, ">LIVE<")).as(cell).isEqualTo(1);
    assertThat(cell).contains(">v2.2.0</a>").contains(">#4 release v2.2.0</a>");
    Matcher recent =
        Pattern.compile(
                "<tr><td><a href=\"/apps/once/envs/prod/releases/(\\d+)\">[^<]*</a>[^<]*</td><td><span"
                    + " class=\"badge state-live\">LIVE<")
            .matcher(section(home, "id=\"recent-releases\"", "</table>"));
    assertThat(recent.find()).isTrue();
    assertThat(recent.group(1)).isEqualTo("4");
    assertThat(recent.find()).as("a second LIVE among the recent releases").isFalse();
    // the whole home page: every LIVE on it is one environment's, once in the matrix and at most
    // once in the recent releases (other tests' apps share this service's home page)
    int cells = count(section(home, "id=\"matrix\"", "</table>"), ">LIVE<");
    int recentLive = count(section(home, "id=\"recent-releases\"", "</table>"), ">LIVE<");
    assertThat(count(home, ">LIVE<")).as("the home page").isEqualTo(cells + recentLive);
    assertThat(recentLive).as("the recent releases").isLessThanOrEqualTo(cells);
    // the app page and the rollback form name no state at all
    assertThat(DashboardPagesTest.page(session, "/apps/once").then().extract().asString())
        .doesNotContain(">LIVE<")
        .doesNotContain("superseded");
    assertThat(
            DashboardPagesTest.page(session, "/apps/once/envs/prod/rollback")
                .then()
                .extract()
                .asString())
        .contains("Live now: <b>v2.2.0</b> (#4)")
        .doesNotContain(">LIVE<");

    for (long id : List.of(1L, 3L)) {
      String page =
          DashboardPagesTest.page(session, "/apps/once/envs/prod/releases/" + id)
              .then()
              .statusCode(200)
              .extract()
              .asString();
      assertThat(page)
          .as("#%d", id)
          .contains("id=\"status\" class=\"badge state-superseded\">superseded<")
          .contains("live now: <a href=\"/apps/once/envs/prod/releases/4\">#4 v2.2.0</a>")
          .doesNotContain(">LIVE<");
    }
    assertThat(
            DashboardPagesTest.page(session, "/apps/once/envs/prod/releases/4")
                .then()
                .extract()
                .asString())
        .contains("id=\"status\" class=\"badge state-live\">LIVE<");
  }

  static String section(String html, String from, String to) {
    int start = html.indexOf(from);
    assertThat(start).as("%s in the page", from).isNotNegative();
    return html.substring(start, html.indexOf(to, start));
  }

  static int count(String s, String what) {
    int n = 0;
    for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }
}
