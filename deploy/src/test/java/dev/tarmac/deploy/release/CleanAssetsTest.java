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

  /**
   * A {@code kept.json} that is no record (JSON {@code null}, or cut short) says nothing either:
   * the history counts, as for any file not to be believed (the reading names no key to a run).
   */
  @Test
  void aDamagedKeptJsonMeansTheHistoryCounts() {
    Instant t = now.minus(Duration.ofHours(5));
    record("staging", 1, "v2", null, t);
    for (String text : List.of("null", "{\"env\": \"staging\", ")) {
      store.put(StoreLayout.keptOnHosts(APP, "staging"), text.getBytes());

      CleanAssets.Cleaned c = prodRelease(1, "v3").run(Map.of("a", List.of("v3")));

      assertThat(c.skipped()).as(text).isNull();
      assertThat(there("v2")).as("v2 is live on staging (" + text + ")").isTrue();
    }
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

  private String marker(String env, long run) {
    return StoreLayout.cdnCleaning(APP, env, run);
  }

  private void putMarker(String env, long run, Instant until) {
    store.put(
        marker(env, run),
        Json.write(new CdnCleaning.Marker(env, run, until.minusSeconds(60), until)));
  }

  /**
   * The marker is there while the clean-up deletes (a push that finds it waits) and gone after;
   * written before the second reading of the locks (a push whose lock that reading misses must find
   * the marker), it names this run.
   */
  @Test
  void theMarkerIsHeldWhileTheCleanUpDeletes() {
    List<Map<String, CdnCleaning.Marker>> seen = new ArrayList<>();
    List<String> calls = new ArrayList<>();
    ArtifactStore plain = store;
    store =
        new dev.tarmac.distributor.testing.ForwardingStore(plain) {
          @Override
          public void delete(String key) {
            if (key.startsWith("cdn/")) {
              seen.add(CdnCleaning.all(plain, APP));
              calls.add("delete");
            }
            super.delete(key);
          }

          @Override
          public dev.tarmac.distributor.store.StoredObject put(
              String key, java.io.InputStream content) {
            if (key.startsWith(StoreLayout.cdnCleaningPrefix(APP))) {
              calls.add("marker");
            }
            return super.put(key, content);
          }

          @Override
          public List<dev.tarmac.distributor.store.ObjectInfo> list(String prefix) {
            if (prefix.equals(StoreLayout.envsPrefix(APP))) {
              calls.add("locks");
            }
            return super.list(prefix);
          }
        };

    CleanAssets.Cleaned c = new CleanAssets(store, APP, "prod", 4, "v3", GRACE, now).run(null);

    assertThat(c.describe()).isEqualTo("2 files, 28 bytes removed; 1 kept");
    assertThat(seen).hasSize(2);
    assertThat(seen.get(0)).containsOnlyKeys("apps/probe/cdn-cleaning/prod/4.json");
    CdnCleaning.Marker m = seen.get(0).get("apps/probe/cdn-cleaning/prod/4.json");
    assertThat(m.env()).isEqualTo("prod");
    assertThat(m.run()).isEqualTo(4);
    assertThat(Duration.between(m.since(), m.until())).isEqualTo(CdnCleaning.LEASE);
    assertThat(m.since()).isBetween(now, now.plusSeconds(10));
    assertThat(CdnCleaning.all(plain, APP)).isEmpty();
    // the locks are read once more after the marker is written, and before the first delete
    int marker = calls.indexOf("marker");
    assertThat(marker).isPositive();
    assertThat(calls.subList(marker, calls.indexOf("delete"))).contains("locks");
  }

  /**
   * Clean-ups do not wait for each other (each has its own marker): another's running marker stays
   * as it is; a marker whose lease ran out more than a lease ago (its clean-up died) is removed.
   */
  @Test
  void otherMarkersStayUnlessLongExpired() {
    putMarker("staging", 9, now.plusSeconds(30));
    putMarker("qa", 2, now.minus(CdnCleaning.LEASE).minusSeconds(1));

    CleanAssets.Cleaned c = prodRelease(1, "v3").run(Map.of("a", List.of("v3")));

    assertThat(c.describe()).isEqualTo("2 files, 28 bytes removed; 1 kept");
    assertThat(CdnCleaning.all(store, APP)).containsOnlyKeys(marker("staging", 9));
  }

  /**
   * Past its limit the clean-up deletes no more (a push waits only for the marker's lease): what is
   * left is said, and goes at the next release.
   */
  @Test
  void theDeletesStopAtTheirLimit() {
    CleanAssets.Cleaned c =
        new CleanAssets(store, APP, "prod", 1, "v3", GRACE, now, CdnCleaning.LEASE, Duration.ZERO)
            .run(Map.of("a", List.of("v3")));

    assertThat(c.describe())
        .isEqualTo(
            "0 files, 0 bytes removed; 1 kept; 2 left for the next release (a clean-up deletes"
                + " for at most 0s)");
    assertThat(there("v1")).isTrue();
    assertThat(CdnCleaning.all(store, APP)).isEmpty();
  }

  /** A delete the store refuses fails the clean-up; its marker goes all the same. */
  @Test
  void aFailedCleanUpRemovesItsMarker() {
    ArtifactStore plain = store;
    store =
        new dev.tarmac.distributor.testing.ForwardingStore(plain) {
          @Override
          public void delete(String key) {
            if (key.startsWith("cdn/")) {
              throw new dev.tarmac.distributor.store.StoreException("access denied: " + key);
            }
            super.delete(key);
          }
        };

    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> prodRelease(1, "v3").run(Map.of("a", List.of("v3"))))
        .hasMessageContaining("cannot remove cdn/probe/js/v1.0123456789ab.js");
    assertThat(CdnCleaning.all(plain, APP)).isEmpty();
  }

  /**
   * A push waits until the markers it found are gone (not for one that appears later: that clean-up
   * sees the push's lock), and says for whom and how long.
   */
  @Test
  void aPushWaitsUntilTheMarkerIsGone() throws Exception {
    Instant real = Instant.now();
    putMarker("staging", 9, real.plusSeconds(60));
    putMarker("qa", 1, real.minusSeconds(1)); // ran out: not waited for
    Map<String, CdnCleaning.Marker> running = CdnCleaning.running(store, APP, Clock.systemUTC());
    assertThat(running).containsOnlyKeys(marker("staging", 9));
    putMarker("prod", 5, real.plusSeconds(60)); // after the push looked
    Thread remover =
        new Thread(
            () -> {
              try {
                Thread.sleep(600);
              } catch (InterruptedException e) {
                return;
              }
              store.delete(marker("staging", 9));
            });
    remover.start();
    long t0 = System.nanoTime();

    String detail =
        CdnCleaning.await(
            store, APP, running, Clock.systemUTC(), CdnCleaning.LEASE, Duration.ofMillis(50));

    remover.join();
    assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(Duration.ofMillis(550).toNanos());
    assertThat(System.nanoTime() - t0).isLessThan(Duration.ofSeconds(30).toNanos());
    assertThat(detail)
        .matches(
            "waited \\d+\\.\\d s for the clean-up of cdn/probe/ by staging run #9"
                + " \\(apps/probe/cdn-cleaning/staging/9.json\\) to end");
  }

  /**
   * A marker whose lease runs out while a push waits holds it back no more; nor does one that
   * outstays the lease (a bad {@code until}, or clocks apart): the push goes on, saying so.
   */
  @Test
  void aPushWaitsNoLongerThanTheLease() {
    Instant real = Instant.now();
    putMarker("staging", 9, real.plusMillis(500));
    long t0 = System.nanoTime();
    String expired =
        CdnCleaning.await(
            store,
            APP,
            CdnCleaning.running(store, APP, Clock.systemUTC()),
            Clock.systemUTC(),
            CdnCleaning.LEASE,
            Duration.ofMillis(50));
    assertThat(System.nanoTime() - t0).isLessThan(Duration.ofSeconds(30).toNanos());
    assertThat(expired)
        .startsWith("waited ")
        .contains(
            "for the clean-up of cdn/probe/ by staging run #9"
                + " (apps/probe/cdn-cleaning/staging/9.json, lease until "
                + real.plusMillis(500)
                + "): its lease ran out (it died, or stopped at its limit), so it deletes no more;"
                + " going on");
    store.delete(marker("staging", 9));

    putMarker("staging", 10, real.plus(Duration.ofDays(365)));
    t0 = System.nanoTime();
    String outstayed =
        CdnCleaning.await(
            store,
            APP,
            CdnCleaning.running(store, APP, Clock.systemUTC()),
            Clock.systemUTC(),
            Duration.ofMillis(400),
            Duration.ofMillis(50));
    assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(Duration.ofMillis(400).toNanos());
    assertThat(outstayed).contains("by staging run #10").endsWith("going on");
  }
}
