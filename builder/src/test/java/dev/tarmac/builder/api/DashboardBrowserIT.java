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

  static void shot(WebDriver b, String name) throws Exception {
    File f = ((TakesScreenshot) b).getScreenshotAs(OutputType.FILE);
    Files.copy(f.toPath(), SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
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
      wait.until(d -> !d.findElements(By.cssSelector("#events li")).isEmpty());
      // read through the wait as well: the status may be replaced between finding and reading it
      String status = wait.until(d -> d.findElement(By.id("status")).getText());
      assertThat(status).isIn("PREPARING", "ACTIVATING");
      shot(b, "release-running");
      wait.until(d -> d.findElement(By.id("status")).getText().equals("LIVE"));
      assertThat(b.findElements(By.cssSelector("#chart g.host"))).hasSize(3);
      assertThat(b.findElements(By.cssSelector("#chart rect[data-kind='activation-window']")))
          .hasSize(1);
      shot(b, "release-live");

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
