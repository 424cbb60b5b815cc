package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.deploy.testing.DeployFixture;
import dev.tarmac.distributor.model.CdnAssets;
import dev.tarmac.distributor.model.Json;
import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.fs.FsArtifactStore;
import dev.tarmac.distributor.store.fs.UrlSigner;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The clean-up of {@code cdn/<app>/} against what it reads from hosts and from the store, on the
 * embedded store (docs/cdn-and-caches.md, "Removing what no kept release references"): a host's
 * answer and another environment's {@code kept.json} are believed only as far as they can be. The
 * whole releases go through {@code CdnCleanIT}; here the store is set up as those releases leave
 * it, and {@code now} is a day after every object was written (grace 1h).
 */
class CleanAssetsTest {
  private static final String APP = "probe";
  private static final Duration GRACE = Duration.ofHours(1);

  private ArtifactStore store;
  private Instant now;

  @BeforeEach
  void store() throws Exception {
    Path root = DeployFixture.workDir("clean-assets-");
    store =
        new FsArtifactStore(
            root,
            URI.create("http://127.0.0.1:1/"),
            new UrlSigner("test-signing-key".getBytes(), Clock.systemUTC()));
    now = Instant.now().plus(Duration.ofDays(1));
    for (String v : List.of("v1", "v2", "v3")) {
      store.put(
          StoreLayout.cdnRefs(APP, v), Json.write(new PushAssets.CdnRefs(v, List.of(script(v)))));
      store.put(CdnAssets.key(APP, script(v)), ("window.v='" + v + "';").getBytes());
    }
  }

  private static String script(String v) {
    return "js/" + v + ".0123456789ab.js";
  }

  private boolean there(String v) {
    return store.exists(CdnAssets.key(APP, script(v)));
  }

  private CleanAssets prodRelease(long run, String version) {
    return new CleanAssets(store, APP, "prod", run, version, GRACE, now);
  }

  private void record(String env, long id, String version, String previous, Instant started) {
    store.put(
        StoreLayout.releaseRecord(APP, env, id),
        Json.write(
            new ReleaseRecord(
                id,
                APP,
                env,
                ReleaseRecord.RELEASE,
                version,
                "0000000",
                previous,
                ReleaseStatus.LIVE,
                "tester",
                started,
                started.plusSeconds(5),
                null,
                null,
                null,
                List.of())));
  }

  private CleanAssets.KeptOnHosts kept(String env) {
    return Json.read(
        store.readAllBytes(StoreLayout.keptOnHosts(APP, env)), CleanAssets.KeptOnHosts.class);
  }

  /**
   * A host lists under {@code releases/} names that are no version (a terminal escape, a path):
   * nothing of that text goes into {@code kept.json} (which every later clean-up reads).
   */
  @Test
  void namesAHostListsThatAreNoVersionAreNotRecorded() {
    CleanAssets.Cleaned c =
        prodRelease(1, "v3")
            .run(
                Map.of(
                    "a", List.of("v3", "\u001b]0;owned\u0007", "../../etc/passwd", "v2"),
                    "b", List.of("v3", "a b", "")));

    assertThat(kept("prod").hosts())
        .isEqualTo(Map.of("a", List.of("v2", "v3"), "b", List.of("v3")));
    assertThat(c.describe()).isEqualTo("1 files, 14 bytes removed; 2 kept");
    assertThat(there("v1")).isFalse();
    assertThat(there("v2")).isTrue();
  }

  /**
   * A host that lists more releases than any host can keep is not believed (each name costs store
   * reads in every later clean-up): nothing is recorded, and the environment counts with its
   * history — v1, live before, stays.
   */
  @Test
  void aHostListingTooManyReleasesIsNotBelieved() {
    Instant t = now.minus(Duration.ofHours(5));
    record("prod", 1, "v1", null, t);
    record("prod", 2, "v3", "v1", t.plusSeconds(60));
    List<String> flood = new ArrayList<>(List.of("v3"));
    for (int i = 0; i < CleanAssets.MAX_KEPT_PER_HOST; i++) {
      flood.add("x" + i);
    }

    CleanAssets.Cleaned c = prodRelease(2, "v3").run(Map.of("a", flood, "b", List.of("v3")));

    assertThat(store.exists(StoreLayout.keptOnHosts(APP, "prod"))).isFalse();
    assertThat(there("v1")).as("v1 is in prod's history").isTrue();
    assertThat(there("v2")).isFalse();
    assertThat(c.describe()).isEqualTo("1 files, 14 bytes removed; 2 kept");
  }

  /**
   * Staging's history was removed and numbered from 1 again, and its old {@code kept.json} (run 7,
   * v1) stayed: read as it was, it hid both new releases, and v2 — live on staging — went.
   */
  @Test
  void aKeptJsonOfAnEarlierHistoryDoesNotHideTheReleasesAfterIt() {
    Instant t = now.minus(Duration.ofHours(5));
    store.put(
        StoreLayout.keptOnHosts(APP, "staging"),
        Json.write(
            new CleanAssets.KeptOnHosts(
                "staging", 7, t.minus(Duration.ofDays(30)), Map.of("s", List.of("v1")))));
    record("staging", 1, "v1", null, t);
    record("staging", 2, "v2", "v1", t.plusSeconds(60));

    prodRelease(1, "v3").run(Map.of("a", List.of("v3")));

    assertThat(there("v2")).as("v2 is live on staging").isTrue();
    assertThat(there("v1")).as("v1 is on staging's hosts").isTrue();
  }

  /** The same when the new history has reached run 7 again: its run 7 started after the file. */
  @Test
  void aKeptJsonWrittenBeforeItsRunStartedIsNotBelieved() {
    Instant t = now.minus(Duration.ofHours(5));
    store.put(
        StoreLayout.keptOnHosts(APP, "staging"),
        Json.write(
            new CleanAssets.KeptOnHosts(
                "staging", 2, t.minus(Duration.ofDays(30)), Map.of("s", List.of("v1")))));
    record("staging", 1, "v2", null, t);
    record("staging", 2, "v1", "v2", t.plusSeconds(60));

    prodRelease(1, "v3").run(Map.of("a", List.of("v3")));

    assertThat(there("v2")).as("v2 is on staging's hosts").isTrue();
  }

  /** A {@code kept.json} copied from another environment says nothing of this one. */
  @Test
  void aKeptJsonOfAnotherEnvironmentIsNotBelieved() {
    Instant t = now.minus(Duration.ofHours(5));
    record("staging", 1, "v2", null, t);
    store.put(
        StoreLayout.keptOnHosts(APP, "staging"),
        Json.write(
            new CleanAssets.KeptOnHosts("qa", 1, t.plusSeconds(30), Map.of("s", List.of("v1")))));

    prodRelease(1, "v3").run(Map.of("a", List.of("v3")));

    assertThat(there("v2")).as("v2 is live on staging").isTrue();
  }

  /** What a run of staging recorded after its own start is believed: v1 left staging's hosts. */
  @Test
  void aKeptJsonOfItsOwnRunIsBelieved() {
    Instant t = now.minus(Duration.ofHours(5));
    record("staging", 1, "v1", null, t);
    record("staging", 2, "v2", "v1", t.plusSeconds(60));
    store.put(
        StoreLayout.keptOnHosts(APP, "staging"),
        Json.write(
            new CleanAssets.KeptOnHosts(
                "staging", 2, t.plusSeconds(90), Map.of("s", List.of("v2")))));

    prodRelease(1, "v3").run(Map.of("a", List.of("v3")));

    assertThat(there("v1")).isFalse();
    assertThat(there("v2")).isTrue();
  }
}
