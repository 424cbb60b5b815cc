package dev.tarmac.builder.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A number or a yes/no of the URL that is not one is 400 naming the parameter and what it takes
 * ({@link Params}), not 404 "there is nothing at …" (a path that exists) nor, for {@code plan}, a
 * real release where a plan was asked for. The whole problem document is compared.
 */
@QuarkusTest
class ParamsResourceTest {
  private static final String ENV = "/api/apps/shop/envs/prod";
  private static final String ID_RANGE = "id must be a whole number from 1 to 9223372036854775807";
  private static final String DAYS_RANGE = "days must be a whole number from 1 to 3660";
  private static final String PLAN_FORM = "plan must be true or false (or 1 or 0)";

  @BeforeEach
  void token() {
    Api.authenticateByDefault();
  }

  /** The problem document a refused parameter is answered with, as its bytes go on the wire. */
  static String badRequest(String detail, String instance) {
    return "{\"type\":\"about:blank\",\"title\":\"Bad request\",\"status\":400,\"detail\":\""
        + detail.replace("\\", "\\\\").replace("\"", "\\\"")
        + "\",\"instance\":\""
        + instance
        + "\"}";
  }

  static void assertRefused(Response r, String detail, String instance) {
    assertThat(r.statusCode()).as("%s for %s: %s", instance, detail, r.asString()).isEqualTo(400);
    assertThat(r.contentType()).startsWith(Problems.TYPE);
    assertThat(r.asString()).isEqualTo(badRequest(detail, instance));
  }

  @Test
  void daysThatIsNotAWholeNumberInRangeIsRefusedNamingIt() {
    for (String days :
        new String[] {"abc", "0", "3661", "-1", "+5", "1.5", "1e3", " 5", "99999999999999999999"}) {
      assertRefused(
          given().queryParam("days", days).get(ENV + "/metrics"),
          DAYS_RANGE + "; got \"" + days + "\"",
          ENV + "/metrics");
    }
  }

  /** The framework reads {@code ?days=} as no days at all: the default, as for {@code ?plan=}. */
  @Test
  void aParameterWithoutAValueIsAsIfAbsent() {
    given().queryParam("days", "").get(ENV + "/metrics").then().statusCode(200);
    given().queryParam("days", "3660").get(ENV + "/metrics").then().statusCode(200);
  }

  @Test
  void aReleaseIdThatIsNotOneIsRefusedOnEveryCallThatTakesIt() {
    String huge = "99999999999999999999999";
    assertRefused(
        given().get(ENV + "/releases/" + huge),
        ID_RANGE + "; got \"" + huge + "\"",
        ENV + "/releases/" + huge);
    assertRefused(
        given().get(ENV + "/releases/abc"), ID_RANGE + "; got \"abc\"", ENV + "/releases/abc");
    assertRefused(given().get(ENV + "/releases/0"), ID_RANGE + "; got \"0\"", ENV + "/releases/0");
    assertRefused(
        given().accept("text/event-stream").get(ENV + "/releases/-3/events"),
        ID_RANGE + "; got \"-3\"",
        ENV + "/releases/-3/events");
    assertRefused(
        given().post(ENV + "/releases/1.5/cancel"),
        ID_RANGE + "; got \"1.5\"",
        ENV + "/releases/1.5/cancel");
  }

  @Test
  void aReleaseIdOfTheDashboardThatIsNotOneIsRefusedToo() {
    String session = DashboardPagesTest.signIn(Api.TOKEN);
    assertRefused(
        DashboardPagesTest.page(session, "/apps/shop/envs/prod/releases/" + "9".repeat(30)),
        ID_RANGE + "; got \"" + "9".repeat(30) + "\"",
        "/apps/shop/envs/prod/releases/" + "9".repeat(30));
    assertRefused(
        DashboardPagesTest.page(session, "/apps/shop/envs/prod/releases/x/events"),
        ID_RANGE + "; got \"x\"",
        "/apps/shop/envs/prod/releases/x/events");
  }

  @Test
  void planThatIsNotAYesOrNoIsRefusedInsteadOfReleasing() {
    for (String plan : new String[] {"abc", "yes", "2", "truee"}) {
      assertRefused(
          given()
              .queryParam("plan", plan)
              .contentType(ContentType.JSON)
              .body(Map.of("version", "v1.0.0"))
              .post(ENV + "/releases"),
          PLAN_FORM + "; got \"" + plan + "\"",
          ENV + "/releases");
    }
  }

  @Test
  void theYesOrNoForms() {
    for (String yes : new String[] {"true", "TRUE", "True", "1"}) {
      assertThat(Params.yesOrNo("plan", yes)).as(yes).isTrue();
    }
    for (String no : new String[] {"false", "FALSE", "0"}) {
      assertThat(Params.yesOrNo("plan", no)).as(no).isFalse();
    }
    assertThat(Params.whole("days", "030", 1, 3660)).isEqualTo(30);
    assertThat(Params.whole("id", "9223372036854775807", 1, Long.MAX_VALUE))
        .isEqualTo(Long.MAX_VALUE);
  }

  /**
   * Every number or yes/no a resource takes from the URL is one {@link Params} reads, and named, so
   * its refusal can say which it is: a new one cannot fall back to the framework's 404.
   */
  @Test
  void everyNumberAndYesOrNoOfAResourceIsNamed() throws Exception {
    List<Class<?>> resources = new ArrayList<>(Api.resources());
    resources.add(dev.tarmac.builder.web.Pages.class);
    List<String> found = new ArrayList<>();
    for (Class<?> resource : resources) {
      for (Method m : resource.getDeclaredMethods()) {
        if (java.util.Arrays.stream(m.getAnnotations())
            .noneMatch(a -> a.annotationType().isAnnotationPresent(HttpMethod.class))) {
          continue; // not called by a request
        }
        for (Parameter p : m.getParameters()) {
          Class<?> t = p.getType();
          boolean scalar =
              t.isPrimitive() || Number.class.isAssignableFrom(t) || t == Boolean.class;
          if (!scalar) {
            continue;
          }
          String where = resource.getSimpleName() + "." + m.getName() + "(" + p + ")";
          assertThat(
                  List.<Class<?>>of(
                      int.class,
                      long.class,
                      boolean.class,
                      Integer.class,
                      Long.class,
                      Boolean.class))
              .as(where + ": a type Params reads")
              .contains(t);
          assertThat(
                  p.isAnnotationPresent(PathParam.class) || p.isAnnotationPresent(QueryParam.class))
              .as(where + ": named by @PathParam or @QueryParam")
              .isTrue();
          found.add(where);
        }
      }
    }
    // the ones there are today: the check above is not vacuous
    assertThat(found).hasSize(11);
  }

  @Test
  void whatIsEchoedIsCutShort() {
    String longValue = "x".repeat(500);
    assertRefused(
        given().queryParam("days", longValue).get(ENV + "/metrics"),
        DAYS_RANGE + "; got \"" + "x".repeat(40) + "…\" (500 characters)",
        ENV + "/metrics");
  }
}
