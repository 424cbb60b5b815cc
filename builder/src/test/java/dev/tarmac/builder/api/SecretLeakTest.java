package dev.tarmac.builder.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.tarmac.builder.testing.SampleRepo;
import dev.tarmac.builder.testing.SshFleetResource;
import dev.tarmac.builder.web.Pages;
import dev.tarmac.deploy.testing.SshHosts;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.ObjectInfo;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * No secret anywhere (docs/configuration-and-secrets.md, "Never shown"): secrets with distinctive
 * values — one with shell syntax and quotes, one of several lines, one holding a control character
 * — are rendered by two real releases to two OpenSSH hosts, the second failing in a hook that
 * prints them plainly, through {@code cat .env} (escaped as the file holds them) and {@code env},
 * after more output than a record keeps. Then every dashboard page, every API GET (apps, builds,
 * environments, configuration, releases, history, task logs, events, plan, metrics, status), the
 * service's log, every store object and every file of the data directory are read: none holds any
 * of the values, or a piece of one.
 *
 * <p>It can fail: the hosts' files are checked to hold the values (so they were rendered) and the
 * record to keep the hooks' lines with {@code [secret]} in their place (so the output was kept).
 * Before the fixes of this probe (2026-12-07) it failed on the failed hook's {@code cat .env} (the
 * escaped form of a secret with {@code $} or {@code "} was not cut) and on a secret holding an
 * escape character in a message made printable before it was cut.
 */
@QuarkusTest
@WithTestResource(SshFleetResource.class)
class SecretLeakTest {
  static final String JWT = "leak-jwt-7Qz1x9Vb3m";
  static final String DB = "leak-db-$(id) \"q\" `w` \\x 'y'";
  static final String PEM =
      "-----BEGIN LEAK KEY-----\nleak-line-two-abcdef\nleak-line-three-98765\n-----END LEAK KEY-----";
  static final String ESC = "leak-esc-\u001b[31m-red-9k2z";

  /** What may not appear anywhere: each value and each distinctive piece of one. */
  static final List<String> PIECES =
      List.of(
          JWT,
          "leak-db-",
          "$(id) \\\"q\\\"",
          "BEGIN LEAK KEY",
          "leak-line-two-abcdef",
          "leak-line-three-98765",
          "leak-esc-",
          "red-9k2z");

  @Inject ArtifactStore store;

  @ConfigProperty(name = "tarmac.data-dir")
  String dataDir;

  @BeforeEach
  void token() {
    Api.authenticateByDefault();
  }

  static String yml(SshHosts ssh, boolean failing) {
    String build =
        SampleRepo.TARMAC_YML
            .substring(0, SampleRepo.TARMAC_YML.indexOf("release:"))
            .replace("app: shop", "app: leak");
    return build
        + "config:\n"
        + "  required: [JWT_SECRET, DB_PASSWORD, PEM_KEY, ESC_SECRET]\n"
        + "release:\n"
        + "  hooks:\n"
        + "    prepare:\n"
        + "      - sh hooks/print.sh\n"
        + (failing ? "      - sh hooks/fail.sh\n" : "")
        + "environments:\n  prod:\n    deploy_to: "
        + ssh.deployTo()
        + "/leak\n    hosts:\n"
        + ssh.hostsYaml("      ");
  }

  @Test
  void noSecretInAnyPageAnswerLogOrStoredObject() throws Exception {
    SshHosts ssh = SshFleetResource.hosts;
    SampleRepo repo =
        new SampleRepo(Files.createTempDirectory(Path.of("target").toAbsolutePath(), "leak-repo-"));
    repo.write(
        "hooks/print.sh",
        "echo \"jwt is $JWT_SECRET\"\n"
            + "echo \"db is $DB_PASSWORD\" >&2\n"
            + "printf '%s\\n' \"$PEM_KEY\"\n"
            + "printf 'esc %s\\n' \"$ESC_SECRET\"\n");
    repo.write(
        "hooks/fail.sh",
        "i=0; while [ $i -lt 25 ]; do printf '%0480d %s\\n' $i \"$JWT_SECRET\"; i=$((i+1)); done\n"
            + "cat .env >&2\n"
            + "echo \"at the end $JWT_SECRET and $DB_PASSWORD\" >&2\n"
            + "exit 3\n");
    repo.write("tarmac.yml", yml(ssh, false));
    repo.commitAndTag("prints its secrets", "v5.0.0");
    repo.write("tarmac.yml", yml(ssh, true));
    repo.commitAndTag("fails after printing them", "v6.0.0");

    try (LogCapture log = new LogCapture()) {
      Api.registerApp("leak", repo.url(), false);
      for (String v : List.of("v5.0.0", "v6.0.0")) {
        Api.requestBuild("leak", v);
        Api.awaitBuild("leak", v).then().body("status", equalTo("SUCCEEDED"));
      }
      Api.registerEnv("leak", "prod", "v5.0.0");
      put("/api/apps/leak/config", Map.of("secrets", Map.of("DB_PASSWORD", DB)));
      put("/api/apps/leak/config", Map.of("values", Map.of("HOST", "0.0.0.0")));
      put(
          "/api/apps/leak/envs/prod/config",
          Map.of(
              "secrets",
              Map.of("JWT_SECRET", JWT, "PEM_KEY", PEM, "ESC_SECRET", ESC),
              "values",
              Map.of("LOG_LEVEL", "warn")));

      long first = release("v5.0.0");
      Api.awaitRelease("leak", "prod", first).then().body("status", equalTo("LIVE"));
      String plan =
          given()
              .contentType(ContentType.JSON)
              .body(Map.of("version", "v6.0.0"))
              .post("/api/apps/leak/envs/prod/releases?plan=true")
              .then()
              .statusCode(200)
              .extract()
              .asString();
      long second = release("v6.0.0");
      Response failed = Api.awaitRelease("leak", "prod", second);
      failed.then().body("status", equalTo("FAILED"));

      // the control: the values were rendered, and the hooks' output was kept, cut
      for (SshHosts.Host h : ssh.hosts()) {
        assertThat(h.root().resolve("leak/releases/v5.0.0/.env")).content().contains(JWT);
      }
      String firstRecord = given().get(releasePath(first)).asString();
      assertThat(firstRecord).contains("jwt is [secret]").contains("esc [secret]");
      assertThat(failed.asString()).contains("at the end [secret] and [secret]");

      List<String[]> seen = new ArrayList<>();
      seen.add(new String[] {"plan JSON", plan});
      seen.add(new String[] {"release record #" + first, firstRecord});
      seen.add(new String[] {"release record #" + second, failed.asString()});
      for (String path : apiPaths(first, second, failed)) {
        Response r =
            given().accept(path.endsWith("/events") ? "text/event-stream" : "*/*").get(path);
        assertThat(r.statusCode()).as(path + ": " + r.asString()).isEqualTo(200);
        seen.add(new String[] {"GET " + path, r.asString()});
      }
      String session = DashboardPagesTest.signIn(Api.TOKEN);
      for (String path : pagePaths(first, second)) {
        Response r = DashboardPagesTest.page(session, path);
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        seen.add(new String[] {"page " + path, r.asString()});
      }
      seen.add(new String[] {"plan page", planPage(session)});
      for (ObjectInfo o : store.list("")) {
        seen.add(
            new String[] {
              "store object " + o.key(),
              new String(store.readAllBytes(o.key()), StandardCharsets.ISO_8859_1)
            });
      }
      try (Stream<Path> files = Files.walk(Path.of(dataDir))) {
        for (Path p : files.filter(Files::isRegularFile).toList()) {
          seen.add(
              new String[] {
                "data dir file " + p, new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1)
              });
        }
      }
      seen.add(new String[] {"service log", String.join("\n", log.lines())});

      List<String> leaks = new ArrayList<>();
      for (String[] s : seen) {
        for (String piece : PIECES) {
          int at = s[1].indexOf(piece);
          if (at >= 0) {
            leaks.add(
                s[0]
                    + " holds «"
                    + piece
                    + "»: …"
                    + s[1].substring(Math.max(0, at - 60), Math.min(s[1].length(), at + 60))
                    + "…");
          }
        }
      }
      assertThat(leaks).as("read %d answers, pages, objects and files", seen.size()).isEmpty();
    }
  }

  static void put(String path, Map<String, Object> body) {
    given().contentType(ContentType.JSON).body(body).put(path).then().statusCode(200);
  }

  static long release(String version) {
    return given()
        .contentType(ContentType.JSON)
        .body(Map.of("version", version))
        .post("/api/apps/leak/envs/prod/releases")
        .then()
        .statusCode(202)
        .extract()
        .jsonPath()
        .getLong("id");
  }

  static String releasePath(long id) {
    return "/api/apps/leak/envs/prod/releases/" + id;
  }

  /** Every GET of the API about the app, its builds, environment, configuration and releases. */
  static List<String> apiPaths(long first, long second, Response failed) {
    String app = "/api/apps/leak";
    String env = app + "/envs/prod";
    List<String> out =
        new ArrayList<>(
            List.of(
                "/api/apps",
                app,
                app + "/builds",
                app + "/builds/v5.0.0",
                app + "/builds/v6.0.0",
                app + "/builds/v5.0.0/log",
                app + "/builds/v6.0.0/log",
                app + "/builds/v6.0.0/manifest",
                app + "/envs",
                env,
                env + "/revisions",
                app + "/config",
                app + "/config/revisions",
                env + "/config",
                env + "/config/revisions",
                env + "/releases",
                env + "/releases?limit=100",
                env + "/releases/" + first + "/events",
                env + "/releases/" + second + "/events",
                env + "/metrics",
                env + "/metrics?days=90",
                env + "/lock",
                env + "/status",
                "/api/tokens",
                "/q/metrics"));
    List<String> logs = failed.jsonPath().getList("hosts.tasks.flatten().log");
    List<String> kept = logs.stream().filter(l -> l != null).toList();
    assertThat(kept).as("the failed hook's whole output is kept apart").isNotEmpty();
    for (String l : kept) {
      out.add(env + "/releases/" + second + "/tasks/" + l + "/log");
    }
    return out;
  }

  /** Every GET page of the dashboard (its methods, as DashboardPagesTest finds them). */
  static List<String> pagePaths(long first, long second) {
    List<String> out = new ArrayList<>();
    for (java.lang.reflect.Method m : Pages.class.getDeclaredMethods()) {
      jakarta.ws.rs.Path sub = m.getAnnotation(jakarta.ws.rs.Path.class);
      if (!m.isAnnotationPresent(jakarta.ws.rs.GET.class) || sub == null) {
        continue;
      }
      String p = "/" + sub.value().replace("{app}", "leak").replace("{env}", "prod");
      if (p.equals("/signin")) {
        continue;
      }
      for (String v : List.of("v5.0.0", "v6.0.0")) {
        for (long id : List.of(first, second)) {
          out.add(p.replace("{version}", v).replace("{id}", Long.toString(id)));
        }
      }
    }
    out.add("/");
    return out.stream().distinct().toList();
  }

  /** The dashboard's plan of v6.0.0 (a form post with the session's CSRF token). */
  static String planPage(String session) {
    String env = DashboardPagesTest.page(session, "/apps/leak/envs/prod").asString();
    Matcher csrf = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"").matcher(env);
    assertThat(csrf.find()).as("the environment page has a CSRF token").isTrue();
    Response r =
        DashboardPagesTest.as(session)
            .formParam("csrf", csrf.group(1))
            .formParam("version", "v6.0.0")
            .post("/apps/leak/envs/prod/plan");
    assertThat(r.statusCode()).as(r.asString()).isEqualTo(200);
    return r.asString();
  }
}
