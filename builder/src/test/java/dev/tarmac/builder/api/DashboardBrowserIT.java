package dev.tarmac.builder.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.builder.testing.FixedPortProfile;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.io.File;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Wait;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser: Debian's {@code chromium} driven by Selenium through Debian's
 * {@code chromedriver} (both installed by .ci/setup-test-host), headless, on loopback only.
 * Screenshots of each page go to {@code target/screenshots/}.
 */
@QuarkusTest
@TestProfile(FixedPortProfile.class)
class DashboardBrowserIT {
  static final Path SHOTS = Path.of("target/screenshots").toAbsolutePath();
  static DashboardFixture fixture;
  static String viewer;
  static String deployer;

  @TestHTTPResource("/")
  URL base;

  @BeforeEach
  void setUp() throws Exception {
    Api.authenticateByDefault();
    if (fixture == null) {
      Files.createDirectories(SHOTS);
      fixture = new DashboardFixture("browsed", 3);
      viewer = AuthResourceTest.createToken("web-viewer", "viewer", null);
      deployer = AuthResourceTest.createToken("web-deployer", "deployer", List.of("prod"));
    }
  }

  /** A browser with its own chromedriver (quitting the browser stops that driver). */
  static WebDriver browser(boolean javascript) {
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File("/usr/bin/chromedriver"))
            .usingAnyFreePort()
            .withLogFile(Path.of("target/chromedriver.log").toAbsolutePath().toFile())
            .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary("/usr/bin/chromium");
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--window-size=1280,1000",
        // nothing but the service on loopback
        "--proxy-server=direct://",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1");
    if (!javascript) {
      options.setExperimentalOption(
          "prefs", Map.of("profile.managed_default_content_settings.javascript", 2));
    }
    return new ChromeDriver(service, options);
  }

  String url(String path) {
    return base.toString().replaceAll("/$", "") + path;
  }

  void signIn(WebDriver b, String token) {
    b.get(url("/signin"));
    b.findElement(By.id("token")).sendKeys(token);
    b.findElement(By.id("signin")).click();
    new WebDriverWait(b, Duration.ofSeconds(10)).until(d -> !d.findElements(By.id("me")).isEmpty());
  }

  /** A screenshot of the whole page (the window made as tall as it) at the window's width. */
  static void shot(WebDriver b, String name) throws Exception {
    Dimension before = b.manage().window().getSize();
    long tall = (Long) js(b, "return document.documentElement.scrollHeight");
    b.manage().window().setSize(new Dimension(before.getWidth(), (int) Math.min(6000, tall + 140)));
    File f = ((TakesScreenshot) b).getScreenshotAs(OutputType.FILE);
    Files.copy(f.toPath(), SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    b.manage().window().setSize(before);
  }

  static Object js(WebDriver b, String script) {
    return ((JavascriptExecutor) b).executeScript(script);
  }

  static void width(WebDriver b, int px) {
    b.manage().window().setSize(new Dimension(px, 1000));
  }

  /**
   * The page does not scroll sideways: whatever is wider than the screen (a table, a chart, a log
   * line) scrolls in its own box or wraps.
   */
  static void fitsTheWidth(WebDriver b, String page) {
    @SuppressWarnings("unchecked")
    List<Long> w =
        (List<Long>)
            js(
                b,
                "return [document.documentElement.scrollWidth,"
                    + " document.documentElement.clientWidth]");
    assertThat(w.get(0))
        .as("%s: page width %s within the window's %s", page, w.get(0), w.get(1))
        .isLessThanOrEqualTo(w.get(1));
  }

  @Test
  void signInSeeEveryHostAndDriftMadeByHand() throws Exception {
    WebDriver b = browser(true);
    try {
      b.get(url("/"));
      assertThat(b.getCurrentUrl()).endsWith("/signin");
      shot(b, "signin");
      signIn(b, deployer);
      assertThat(b.findElement(By.id("me")).getText()).isEqualTo("web-deployer");
      shot(b, "apps");
      b.findElement(By.linkText("browsed")).click();
      assertThat(b.findElement(By.id("builds")).getText()).contains("v2.1.0", "SUCCEEDED");
      shot(b, "app");
      b.findElement(By.linkText("v2.1.0")).click();
      assertThat(b.findElement(By.id("log")).getText()).contains("build browsed v2.1.0 from file:");
      shot(b, "build");

      // whatever another test left live, h3 is switched by hand to v2.0.0
      b.get(url("/apps/browsed/envs/prod"));
      String recorded = b.findElement(By.id("recorded")).getText();
      assertThat(recorded).isNotEqualTo("v2.0.0");
      fixture.driftByHand("h3", "v2.0.0");
      try {
        b.get(url("/apps/browsed/envs/prod"));
        for (String h : List.of("h1", "h2", "h3")) {
          WebElement row = b.findElement(By.cssSelector("tr[data-host='" + h + "']"));
          assertThat(row.findElement(By.className("live")).getText())
              .isEqualTo(h.equals("h3") ? "v2.0.0" : recorded);
          assertThat(row.getAttribute("class")).isEqualTo(h.equals("h3") ? "drift" : "");
        }
        assertThat(b.findElement(By.cssSelector("tr[data-host='h3'] .flag")).getText())
            .isEqualTo("DRIFT: serves v2.0.0, not " + recorded);
        assertThat(b.findElement(By.id("drift-summary")).isDisplayed()).isTrue();
        assertThat(b.findElements(By.id("plan"))).hasSize(1);
        shot(b, "environment-drift");
      } finally {
        fixture.driftByHand("h3", recorded);
      }
    } finally {
      b.quit();
    }
  }

  @Test
  void aViewerSeesNoReleaseButton() throws Exception {
    WebDriver b = browser(true);
    try {
      signIn(b, viewer);
      b.get(url("/apps/browsed/envs/prod"));
      assertThat(b.findElement(By.id("hosts")).getText()).contains("h1", "h2", "h3");
      assertThat(b.findElements(By.id("plan"))).isEmpty();
      assertThat(b.findElements(By.id("rollback"))).isEmpty();
      assertThat(b.findElements(By.tagName("button")))
          .extracting(WebElement::getText)
          .containsExactly("Sign out");
      shot(b, "environment-viewer");
    } finally {
      b.quit();
    }
  }

  @Test
  void aReleaseIsSeenLiveThenRolledBackFromTheButton() throws Exception {
    WebDriver b = browser(true);
    try {
      signIn(b, deployer);
      // started elsewhere (the API, as the CLI does), watched here while it prepares (4 s hook)
      long id = fixture.start("v2.2.0");
      b.get(url("/apps/browsed/envs/prod/releases/" + id));
      // the page's script replaces parts of the page as events arrive: an element may go stale
      Wait<WebDriver> wait =
          new WebDriverWait(b, Duration.ofSeconds(60))
              .ignoring(StaleElementReferenceException.class);
      // from the first load: a row per host in the timeline and in the hosts table
      assertThat(b.findElements(By.cssSelector("#chart g.host"))).hasSize(3);
      assertThat(b.findElements(By.cssSelector("#transfers tr[data-host]"))).hasSize(3);
      assertThat(b.findElements(By.id("events"))).as("no raw event list").isEmpty();
      // then each host's progress, redrawn as events arrive: the 4 s prepare hook runs
      wait.until(d -> !d.findElements(By.cssSelector("#transfers td.now-running")).isEmpty());
      // read through the wait as well: the status may be replaced between finding and reading it
      String status = wait.until(d -> d.findElement(By.id("status")).getText());
      assertThat(status).isIn("PREPARING", "ACTIVATING");
      wait.until(d -> !d.findElements(By.cssSelector("#chart rect.task")).isEmpty());
      // the phase it is in is a band from the first events on
      wait.until(d -> !d.findElements(By.cssSelector("#chart g[data-phase='prepare']")).isEmpty());
      width(b, 1920);
      shot(b, "release-running-1920");
      width(b, 420);
      fitsTheWidth(b, "running release");
      shot(b, "release-running-420");
      width(b, 1920);
      wait.until(d -> d.findElement(By.id("status")).getText().equals("LIVE"));
      // the final state, drawn once more after the events ended: every host done, no live parts
      wait.until(
          d ->
              d.findElements(By.cssSelector("#transfers td.now")).stream()
                  .allMatch(e -> e.getText().equals("done")));
      assertThat(b.findElements(By.id("phase"))).isEmpty();
      assertThat(b.findElements(By.id("follow"))).isEmpty();
      assertThat(b.findElements(By.id("events"))).isEmpty();
      assertThat(b.findElements(By.cssSelector("#chart g.host"))).hasSize(3);
      assertThat(b.findElements(By.cssSelector("#chart rect[data-kind='activation-window']")))
          .hasSize(1);
      // the Gantt: every phase a band (from the record now, on the page loaded again: the live
      // one may still be redrawn once more), each named in the strip
      b.navigate().refresh();
      assertThat(
              b.findElements(By.cssSelector("#chart g.phase")).stream()
                  .map(e -> e.getAttribute("data-phase"))
                  .toList())
          .containsExactly("prepare", "barrier", "activate", "finish");
      assertThat(
              b.findElements(By.cssSelector("#chart text.phase-label")).stream()
                  .map(WebElement::getText)
                  .toList())
          .containsExactly("prepare", "barrier", "activate", "finish");
      // the timeline as text, and each host's details, closed until opened
      WebElement text = b.findElement(By.id("chart-text"));
      text.findElement(By.tagName("summary")).click();
      assertThat(text.findElements(By.cssSelector("tr[data-phase]"))).hasSize(4);
      WebElement h1 = b.findElement(By.cssSelector("details.output[data-host='h1']"));
      assertThat(h1.getAttribute("open")).isNull();
      h1.findElement(By.tagName("summary")).click();
      assertThat(h1.findElements(By.cssSelector("ol.tasks li")).size()).isGreaterThan(4);
      assertThat(h1.findElement(By.cssSelector("ol.tasks")).getText()).contains("switch");
      shot(b, "release-finished-1920");
      width(b, 420);
      fitsTheWidth(b, "finished release");
      shot(b, "release-finished-420");
      width(b, 1920);

      b.get(url("/apps/browsed/envs/prod"));
      b.findElement(By.id("rollback")).click();
      assertThat(b.findElement(By.id("rollback-to")).getText()).isEqualTo("v2.1.0");
      shot(b, "rollback-confirm");
      b.findElement(By.id("confirm-rollback")).click();
      new WebDriverWait(b, Duration.ofSeconds(60))
          .ignoring(StaleElementReferenceException.class)
          .until(
              d -> {
                d.navigate().refresh();
                return d.findElement(By.id("status")).getText().equals("LIVE");
              });
      assertThat(b.getCurrentUrl()).contains("/apps/browsed/envs/prod/releases/");
      assertThat(Files.readSymbolicLink(fixture.hosts.resolve("h1/current")).toString())
          .isEqualTo("releases/v2.1.0");
      shot(b, "rollback-done");
    } finally {
      b.quit();
    }
  }

  /**
   * The home matrix, an environment page, a build, a failed build and a failed release at a wall
   * screen's 1920 px and a phone's 420 px: nothing makes the page scroll sideways at 420 px (the
   * hosts table scrolls in its own box), a long log line wraps.
   */
  @Test
  void everyPageAt1920And420() throws Exception {
    DashboardFixture.failedBuild("broken-web");
    fixture.buildFailingVersion("v2.3.0");
    long failed = fixture.start("v2.3.0");
    Api.awaitRelease("browsed", "prod", failed)
        .then()
        .body("status", org.hamcrest.Matchers.equalTo("FAILED"));
    WebDriver b = browser(true);
    try {
      signIn(b, viewer);
      Map<String, String> pages = new java.util.LinkedHashMap<>();
      pages.put("home", "/");
      pages.put("environment", "/apps/browsed/envs/prod");
      pages.put("app", "/apps/browsed");
      pages.put("build", "/apps/browsed/builds/v2.1.0");
      pages.put("build-failed", "/apps/broken-web/builds/v0.1.0");
      pages.put("release-failed", "/apps/browsed/envs/prod/releases/" + failed);
      for (int px : List.of(1920, 420)) {
        width(b, px);
        for (Map.Entry<String, String> p : pages.entrySet()) {
          b.get(url(p.getValue()));
          if (px == 420) {
            fitsTheWidth(b, p.getKey());
          }
          shot(b, p.getKey() + "-" + px);
        }
      }
      // what each shows
      b.get(url("/"));
      WebElement cell = b.findElement(By.cssSelector("td[data-cell='browsed/prod']"));
      assertThat(cell.findElement(By.className("cell-version")).getText()).startsWith("v2.");
      assertThat(cell.getText()).contains("FAILED", "#" + failed + " release v2.3.0");
      assertThat(b.findElement(By.cssSelector("td[data-cell='broken-web/prod']")).getText())
          .isEqualTo("not in tarmac.yml");
      b.get(url("/apps/broken-web/builds/v0.1.0"));
      assertThat(b.findElements(By.cssSelector("#error ul.error-list li")).size()).isGreaterThan(2);
      b.get(url("/apps/browsed/envs/prod/releases/" + failed));
      assertThat(b.findElement(By.id("status")).getText()).isEqualTo("FAILED");
      assertThat(b.findElements(By.cssSelector("#transfers td.now-failed"))).hasSize(3);
      assertThat(b.findElements(By.cssSelector("details.output-failed[open]"))).isNotEmpty();
      // at 420 px the hosts table is in a box of its own, no wider than the screen
      width(b, 420);
      b.get(url("/apps/browsed/envs/prod"));
      Long box = (Long) js(b, "return document.getElementById('hosts').parentElement.clientWidth");
      Long screen = (Long) js(b, "return document.documentElement.clientWidth");
      assertThat(box).isLessThanOrEqualTo(screen);
      // a per-day chart wider than the screen opens at today (its last date), not 30 days ago
      for (String chart : List.of("chart30", "chart90")) {
        assertThat(
                (Boolean)
                    js(
                        b,
                        "var box = document.getElementById('"
                            + chart
                            + "'), t = box.querySelectorAll('svg text.tick'),"
                            + " last = t[t.length - 1].getBoundingClientRect(),"
                            + " in_ = box.getBoundingClientRect();"
                            + " return last.left >= in_.left && last.right <= in_.right"))
            .as("%s shows its newest date at 420 px", chart)
            .isTrue();
      }
      b.get(url("/apps/browsed/builds/v2.1.0"));
      assertThat(
              (Boolean)
                  js(
                      b,
                      "var l = document.getElementById('log');"
                          + " return l.scrollWidth <= l.clientWidth"))
          .as("the build log wraps its long lines")
          .isTrue();
    } finally {
      b.quit();
    }
  }

  @Test
  void pagesReadWithoutJavaScript() throws Exception {
    WebDriver b = browser(false);
    try {
      signIn(b, viewer);
      b.get(url("/apps/browsed/envs/prod"));
      assertThat(b.findElement(By.id("hosts")).getText()).contains("h1", "h2", "h3");
      assertThat(b.findElement(By.id("figures")).getText()).contains("Change-failure rate");
      b.findElement(By.cssSelector("#history a")).click();
      assertThat(b.findElements(By.cssSelector("#chart g.host"))).hasSize(3);
      shot(b, "release-no-javascript");
    } finally {
      b.quit();
    }
  }
}
