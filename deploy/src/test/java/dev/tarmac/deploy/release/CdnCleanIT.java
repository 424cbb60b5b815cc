package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.deploy.release.ReleaseRecord.HostRecord;
import dev.tarmac.deploy.release.ReleaseRecord.TaskRecord;
import dev.tarmac.deploy.remote.LocalTransport;
import dev.tarmac.deploy.testing.DeployFixture;
import dev.tarmac.deploy.testing.TestBuilds;
import dev.tarmac.distributor.model.AppName;
import dev.tarmac.distributor.model.CdnAssets;
import dev.tarmac.distributor.model.EnvName;
import dev.tarmac.distributor.model.Json;
import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.model.Version;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.StoreException;
import dev.tarmac.distributor.store.s3.S3ArtifactStore;
import dev.tarmac.distributor.testing.ForwardingStore;
import dev.tarmac.distributor.testing.S3ProxyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The clean-up of {@code cdn/<app>/} in the finish phase (docs/cdn-and-caches.md, "Removing what no
 * kept release references"), through real releases with the {@link Deployer} to {@code local}
 * hosts, on the embedded store and on S3 (S3Proxy): with {@code keep: 2}, v1's own script goes once
 * v1 has left every host of every environment; what a kept release names stays; what is younger
 * than {@code release.cdn.grace} stays; a clean-up that fails is a warning on a LIVE release.
 */
class CdnCleanIT {
  private static final String CSS = "css/app.0123456789ab.css";
  private static final String LOGO = "img/logo.aaaaaaaaaaaa.png";

  static String config(String app, Path hosts, String grace) {
    return "app: "
        + app
        + "\n"
        + "build:\n"
        + "  fingerprint: { root: public }\n"
        + "release:\n"
        + "  keep: 2\n"
        + "  cdn: { url: https://cdn.example.com/"
        + app
        + ", grace: "
        + grace
        + " }\n"
        + "environments:\n"
        + "  prod:\n"
        + "    hosts:\n"
        + "      - { name: a, address: local, deploy_to: "
        + hosts.resolve("prod-a")
        + " }\n"
        + "      - { name: b, address: local, deploy_to: "
        + hosts.resolve("prod-b")
        + " }\n"
        + "  staging:\n"
        + "    hosts:\n"
        + "      - { name: s, address: local, deploy_to: "
        + hosts.resolve("staging-s")
        + " }\n";
  }

  /** The hashed name of version {@code v}'s own script (12 bytes: {@code window.v=N;\n}). */
  static String js(String v) {
    return "js/app." + TestBuilds.sha256(script(v).getBytes()).substring(0, 12) + ".js";
  }

  private static String script(String v) {
    return "window.v=" + v.substring(1) + ";\n";
  }

  /** A fingerprinted tree: a stylesheet and a logo every version shares, a script of its own. */
  static void publish(ArtifactStore store, Path work, String app, String version, String grace)
      throws Exception {
    Path tree = TestBuilds.sampleTree(work.resolve("tree-" + version), version);
    write(tree, "public/" + CSS, ".logo{background:url(../" + LOGO.substring(4) + ")}\n");
    write(tree, "public/" + LOGO, "png bytes");
    write(tree, "public/" + js(version), script(version));
    write(
        tree,
        "public/tarmac-assets.json",
        "{\"paths\":{\"css/app.css\":\""
            + CSS
            + "\",\"img/logo.png\":\""
            + LOGO
            + "\",\"js/app.js\":\""
            + js(version)
            + "\"},\"version\":1}\n");
    String config = config(app, work.resolve("hosts"), grace);
    Files.writeString(tree.resolve("tarmac.yml"), config);
    TestBuilds.publish(store, app, version, tree, config);
  }

  private static void write(Path tree, String path, String text) throws Exception {
    Files.createDirectories(tree.resolve(path).getParent());
    Files.writeString(tree.resolve(path), text);
  }

  static TaskRecord cleanTask(ReleaseRecord r) {
    HostRecord service =
        r.hosts().stream().filter(h -> h.name().equals("(service)")).findFirst().orElseThrow();
    return service.tasks().stream()
        .filter(t -> t.name().equals("clean assets"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no clean assets task in " + service.tasks()));
  }

  private static boolean there(ArtifactStore store, String app, String path) {
    return store.exists(CdnAssets.key(app, path));
  }

  /**
   * prod v1, v2, v3 (keep 2): v1's script goes, the shared files stay; staging v1; prod v4: v2's
   * script goes, v1's stays (staging keeps v1).
   */
  private void keptReleasesKeepTheirAssets(ArtifactStore store, Path work, String app)
      throws Exception {
    Deployer deployer = new Deployer(store, (h, e) -> new LocalTransport(h.name()));
    for (String v : List.of("v1", "v2", "v3", "v4")) {
      publish(store, work, app, v, "0s");
    }
    ReleaseOptions options = ReleaseOptions.defaults("tester");
    deployer.release(AppName.of(app), EnvName.of("prod"), Version.of("v1"), options);
    deployer.release(AppName.of(app), EnvName.of("prod"), Version.of("v2"), options);
    assertThat(there(store, app, js("v1"))).isTrue(); // prod still keeps v1 (keep 2: v2, v1)
    ReleaseRecord v3 =
        deployer.release(AppName.of(app), EnvName.of("prod"), Version.of("v3"), options);

    assertThat(v3.status()).isEqualTo(ReleaseStatus.LIVE);
    assertThat(work.resolve("hosts/prod-a/releases/v1")).doesNotExist();
    assertThat(there(store, app, js("v1"))).as("v1 left every host").isFalse();
    assertThat(cleanTask(v3).ok()).isTrue();
    assertThat(cleanTask(v3).detail()).isEqualTo("1 files, 12 bytes removed; 4 kept");
    for (String p : List.of(CSS, LOGO, js("v2"), js("v3"))) {
      assertThat(there(store, app, p)).as(p).isTrue();
    }
    CleanAssets.KeptOnHosts kept =
        Json.read(
            store.readAllBytes(StoreLayout.keptOnHosts(app, "prod")),
            CleanAssets.KeptOnHosts.class);
    assertThat(kept.hosts()).isEqualTo(Map.of("a", List.of("v2", "v3"), "b", List.of("v2", "v3")));
    assertThat(kept.run()).isEqualTo(v3.id());

    ReleaseRecord staging =
        deployer.release(AppName.of(app), EnvName.of("staging"), Version.of("v1"), options);
    assertThat(there(store, app, js("v1"))).isTrue(); // pushed again: it was gone
    assertThat(cleanTask(staging).detail()).isEqualTo("0 files, 0 bytes removed; 5 kept");

    ReleaseRecord v4 =
        deployer.release(AppName.of(app), EnvName.of("prod"), Version.of("v4"), options);
    assertThat(cleanTask(v4).detail()).isEqualTo("1 files, 12 bytes removed; 5 kept");
    assertThat(there(store, app, js("v2"))).as("v2 left every host").isFalse();
    assertThat(there(store, app, js("v1"))).as("staging keeps v1").isTrue();
    for (String p : List.of(CSS, LOGO, js("v3"), js("v4"))) {
      assertThat(there(store, app, p)).as(p).isTrue();
    }

    // a rollback cleans too (v3's tarmac.yml has release.cdn): v4 is still on the hosts
    ReleaseRecord back =
        deployer.rollback(
            AppName.of(app), EnvName.of("prod"), java.util.Optional.empty(), false, false, options);
    assertThat(back.version()).isEqualTo("v3");
    assertThat(cleanTask(back).detail()).isEqualTo("0 files, 0 bytes removed; 5 kept");
    assertThat(there(store, app, js("v4"))).isTrue();
  }

  @Test
  void embeddedStore() throws Exception {
    Path work = DeployFixture.workDir("cdn-clean-fs-");
    try (DeployFixture fx = new DeployFixture(work, (h, e) -> new LocalTransport(h.name()))) {
      keptReleasesKeepTheirAssets(fx.store, work, "cleanfs");
    }
  }

  @Test
  void s3Store() throws Exception {
    Path work = DeployFixture.workDir("cdn-clean-s3-");
    try (S3ProxyServer s3 = new S3ProxyServer(Files.createDirectories(work.resolve("s3")))) {
      keptReleasesKeepTheirAssets(
          new S3ArtifactStore(s3.settings("tarmac")).ensureBucket(), work, "cleans3");
    }
  }

  /**
   * The race of a push with the deletes (docs/cdn-and-caches.md, "A push meeting the clean-up"):
   * prod v3's clean-up removes v1's script, which no kept release of prod names any more. Right as
   * it removes it — after both its readings of the locks — staging starts a release of v1, whose
   * push looks at the store before that delete goes through. Staging's v1 goes live naming v1's
   * script, so the script must be in the store once both are done. Without the marker the push saw
   * the script "already there", skipped it, and the delete took it (the test failed so).
   */
  private void aPushDuringTheDeletesKeepsWhatItNames(ArtifactStore store, Path work, String app)
      throws Exception {
    for (String v : List.of("v1", "v2", "v3")) {
      publish(store, work, app, v, "0s");
    }
    ReleaseOptions options = ReleaseOptions.defaults("tester");
    Deployer plain = new Deployer(store, (h, e) -> new LocalTransport(h.name()));
    plain.release(AppName.of(app), EnvName.of("prod"), Version.of("v1"), options);
    plain.release(AppName.of(app), EnvName.of("prod"), Version.of("v2"), options);

    String script = CdnAssets.key(app, js("v1"));
    String markers = "apps/" + app + "/cdn-cleaning/";
    // staging's push has looked at the store: it listed the markers, or cdn/<app>/
    java.util.concurrent.CountDownLatch looked = new java.util.concurrent.CountDownLatch(1);
    // staging's push has read prod's marker: prod's clean-up ends (its
    // marker goes) only after that, so staging must wait for it, however the two are scheduled
    // (on a busy machine prod's clean-up ended before staging looked, and staging rightly went
    // on without waiting: the test asked for a wait it could not be sure of)
    java.util.concurrent.CountDownLatch sawMarker = new java.util.concurrent.CountDownLatch(1);
    ArtifactStore stagingStore =
        new ForwardingStore(store) {
          @Override
          public List<dev.tarmac.distributor.store.ObjectInfo> list(String prefix) {
            List<dev.tarmac.distributor.store.ObjectInfo> out = super.list(prefix);
            if (prefix.equals(CdnAssets.prefix(app)) || prefix.equals(markers)) {
              looked.countDown();
            }
            return out;
          }

          @Override
          public java.io.InputStream get(String key, dev.tarmac.distributor.store.ByteRange range) {
            java.io.InputStream in = super.get(key, range);
            if (!key.startsWith(markers)) {
              return in;
            }
            // counted once the marker is read, not when it is listed: prod's clean-up, let go
            // between the listing and the read, removed its marker before staging read it, and
            // staging rightly went on without a wait (the suite failed once so)
            try (in) {
              byte[] bytes = in.readAllBytes();
              sawMarker.countDown();
              return new java.io.ByteArrayInputStream(bytes);
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }
        };
    Deployer staging = new Deployer(stagingStore, (h, e) -> new LocalTransport(h.name()));
    java.util.concurrent.atomic.AtomicReference<
            java.util.concurrent.CompletableFuture<ReleaseRecord>>
        stagingRun = new java.util.concurrent.atomic.AtomicReference<>();
    ArtifactStore prodStore =
        new ForwardingStore(store) {
          @Override
          public void delete(String key) {
            if (key.startsWith(markers) && stagingRun.get() != null) {
              long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
              try {
                while (!sawMarker.await(50, java.util.concurrent.TimeUnit.MILLISECONDS)
                    && !stagingRun.get().isDone()
                    && System.nanoTime() < until) {
                  // staging's push looks for the marker
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
            if (key.equals(script) && stagingRun.get() == null) {
              java.util.concurrent.CompletableFuture<ReleaseRecord> run =
                  java.util.concurrent.CompletableFuture.supplyAsync(
                      () ->
                          staging.release(
                              AppName.of(app), EnvName.of("staging"), Version.of("v1"), options));
              stagingRun.set(run);
              long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
              try {
                while (!looked.await(50, java.util.concurrent.TimeUnit.MILLISECONDS)
                    && !run.isDone()
                    && System.nanoTime() < until) {
                  // staging takes its lock and starts its push
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
            super.delete(key);
          }
        };
    ReleaseRecord v3 =
        new Deployer(prodStore, (h, e) -> new LocalTransport(h.name()))
            .release(AppName.of(app), EnvName.of("prod"), Version.of("v3"), options);
    assertThat(stagingRun.get()).as("prod's clean-up removed v1's script").isNotNull();
    ReleaseRecord s = stagingRun.get().get(120, java.util.concurrent.TimeUnit.SECONDS);

    assertThat(looked.getCount()).as("staging's push looked during the deletes").isZero();
    assertThat(v3.status()).isEqualTo(ReleaseStatus.LIVE);
    assertThat(cleanTask(v3).detail()).isEqualTo("1 files, 12 bytes removed; 4 kept");
    assertThat(s.status()).isEqualTo(ReleaseStatus.LIVE);
    assertThat(Files.readSymbolicLink(work.resolve("hosts/staging-s/current")).toString())
        .isEqualTo("releases/v1");
    assertThat(store.exists(script)).as("staging's live v1 names " + script).isTrue();
    for (String p : List.of(CSS, LOGO, js("v2"), js("v3"))) {
      assertThat(there(store, app, p)).as(p).isTrue();
    }
    assertThat(store.list(markers)).as("the clean-up's marker is gone").isEmpty();
    HostRecord service =
        s.hosts().stream().filter(h -> h.name().equals("(service)")).findFirst().orElseThrow();
    TaskRecord waited =
        service.tasks().stream()
            .filter(t -> t.name().equals("wait for clean-up"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no wait in " + service.tasks()));
    assertThat(waited.detail())
        .matches(
            "waited \\d+\\.\\d s for the clean-up of cdn/"
                + app
                + "/ by prod run #3 \\(apps/"
                + app
                + "/cdn-cleaning/prod/3.json\\) to end");
  }

  @Test
  void aPushDuringTheDeletesOnTheEmbeddedStore() throws Exception {
    Path work = DeployFixture.workDir("cdn-race-fs-");
    try (DeployFixture fx = new DeployFixture(work, (h, e) -> new LocalTransport(h.name()))) {
      aPushDuringTheDeletesKeepsWhatItNames(fx.store, work, "racefs");
    }
  }

  @Test
  void aPushDuringTheDeletesOnS3() throws Exception {
    Path work = DeployFixture.workDir("cdn-race-s3-");
    try (S3ProxyServer s3 = new S3ProxyServer(Files.createDirectories(work.resolve("s3")))) {
      aPushDuringTheDeletesKeepsWhatItNames(
          new S3ArtifactStore(s3.settings("tarmac")).ensureBucket(), work, "races3");
    }
  }

  /** grace 1h: v1's script, unreferenced after v3, stays until it is older than an hour. */
  @Test
  void whatIsYoungerThanTheGracePeriodStays() throws Exception {
    Path work = DeployFixture.workDir("cdn-clean-grace-");
    try (DeployFixture fx = new DeployFixture(work, (h, e) -> new LocalTransport(h.name()))) {
      String app = "cleangrace";
      for (String v : List.of("v1", "v2", "v3", "v4")) {
        publish(fx.store, work, app, v, "1h");
      }
      for (String v : List.of("v1", "v2")) {
        fx.deployer.release(AppName.of(app), EnvName.of("prod"), Version.of(v), fx.options());
      }
      ReleaseRecord v3 =
          fx.deployer.release(AppName.of(app), EnvName.of("prod"), Version.of("v3"), fx.options());
      assertThat(cleanTask(v3).detail())
          .isEqualTo("0 files, 0 bytes removed; 5 kept (1 younger than 1h)");
      assertThat(there(fx.store, app, js("v1"))).isTrue();

      // v1's script written two hours ago (the embedded store's time of an object is its file's)
      Files.setLastModifiedTime(
          work.resolve("store/objects/" + CdnAssets.key(app, js("v1"))),
          FileTime.from(Instant.now().minus(Duration.ofHours(2))));
      ReleaseRecord v4 =
          fx.deployer.release(AppName.of(app), EnvName.of("prod"), Version.of("v4"), fx.options());
      // v2 has left the hosts too, but its script is minutes old
      assertThat(cleanTask(v4).detail())
          .isEqualTo("1 files, 12 bytes removed; 5 kept (1 younger than 1h)");
      assertThat(there(fx.store, app, js("v1"))).isFalse();
      assertThat(there(fx.store, app, js("v2"))).isTrue();
    }
  }

  /**
   * An environment with no record of its hosts counts with its whole history; a kept version whose
   * asset list was never recorded (pushed before this rule) stops the clean-up, which says why.
   */
  @Test
  void withoutRecordsNothingReferencedGoes() throws Exception {
    Path work = DeployFixture.workDir("cdn-clean-old-");
    try (DeployFixture fx = new DeployFixture(work, (h, e) -> new LocalTransport(h.name()))) {
      String app = "cleanold";
      for (String v : List.of("v1", "v2", "v3", "v4")) {
        publish(fx.store, work, app, v, "0s");
      }
      fx.deployer.release(AppName.of(app), EnvName.of("prod"), Version.of("v1"), fx.options());
      fx.deployer.release(AppName.of(app), EnvName.of("staging"), Version.of("v1"), fx.options());
      fx.store.delete(StoreLayout.keptOnHosts(app, "staging")); // as if released before the rule
      fx.deployer.release(AppName.of(app), EnvName.of("prod"), Version.of("v2"), fx.options());
      ReleaseRecord v3 =
          fx.deployer.release(AppName.of(app), EnvName.of("prod"), Version.of("v3"), fx.options());
      assertThat(cleanTask(v3).detail()).isEqualTo("0 files, 0 bytes removed; 5 kept");
      assertThat(there(fx.store, app, js("v1"))).as("in staging's history").isTrue();

      fx.store.delete(StoreLayout.cdnRefs(app, "v3")); // as if pushed before the rule
      ReleaseRecord v4 =
          fx.deployer.release(AppName.of(app), EnvName.of("prod"), Version.of("v4"), fx.options());
      assertThat(v4.status()).isEqualTo(ReleaseStatus.LIVE);
      assertThat(cleanTask(v4).detail())
          .isEqualTo(
              "nothing removed: v3 is kept but its assets were pushed before their list was"
                  + " recorded (apps/cleanold/cdn-refs/v3.json); cdn/cleanold/ is cleaned once it"
                  + " has left every host");
      assertThat(there(fx.store, app, js("v2"))).as("v2 left prod, but nothing went").isTrue();
    }
  }

  /** A store that refuses deletes: the clean-up fails, the release is LIVE all the same. */
  @Test
  void aFailingCleanUpIsAWarning() throws Exception {
    Path work = DeployFixture.workDir("cdn-clean-fail-");
    try (DeployFixture fx = new DeployFixture(work, (h, e) -> new LocalTransport(h.name()))) {
      ArtifactStore refusing =
          new ForwardingStore(fx.store) {
            @Override
            public void delete(String key) {
              if (key.startsWith("cdn/")) {
                throw new StoreException("cannot delete " + key + ": access denied");
              }
              super.delete(key);
            }
          };
      Deployer deployer = new Deployer(refusing, (h, e) -> new LocalTransport(h.name()));
      String app = "cleanfail";
      for (String v : List.of("v1", "v2", "v3")) {
        publish(fx.store, work, app, v, "0s");
        deployer.release(AppName.of(app), EnvName.of("prod"), Version.of(v), fx.options());
      }
      ReleaseRecord v3 = new ReleaseHistory(fx.store, app, "prod").live().orElseThrow();
      assertThat(v3.version()).isEqualTo("v3");
      assertThat(v3.status()).isEqualTo(ReleaseStatus.LIVE);
      assertThat(v3.error()).isNull();
      assertThat(cleanTask(v3).ok()).isFalse();
      assertThat(cleanTask(v3).detail())
          .contains("(service): clean assets failed: cannot remove cdn/cleanfail/js/app.")
          .contains("access denied");
      assertThat(Files.readSymbolicLink(work.resolve("hosts/prod-b/current")).toString())
          .isEqualTo("releases/v3");
      assertThat(there(fx.store, app, js("v1"))).isTrue();
    }
  }

  /**
   * A host whose {@code releases/} holds a directory named with terminal escapes: what it prints
   * about it (the task {@code cleanup} names what it removes) reaches the timeline, the record and,
   * through them, an operator's terminal with no control character in it.
   */
  @Test
  void whatAHostPrintsReachesTheTimelineWithoutControlCharacters() throws Exception {
    Path work = DeployFixture.workDir("cdn-clean-escape-");
    try (DeployFixture fx = new DeployFixture(work, (h, e) -> new LocalTransport(h.name()))) {
      String app = "cleanescape";
      publish(fx.store, work, app, "v1", "0s");
      String evil = "\u001b]0;owned\u0007\u001b[2J";
      Files.createDirectories(work.resolve("hosts/prod-a/releases").resolve(evil));
      List<ReleaseEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
      ReleaseRecord v1 =
          fx.deployer.release(
              AppName.of(app),
              EnvName.of("prod"),
              Version.of("v1"),
              fx.options().withListener(events::add));

      assertThat(v1.status()).isEqualTo(ReleaseStatus.LIVE);
      HostRecord a =
          v1.hosts().stream().filter(h -> h.name().equals("a")).findFirst().orElseThrow();
      TaskRecord cleanup =
          a.tasks().stream().filter(t -> t.name().equals("cleanup")).findFirst().orElseThrow();
      assertThat(cleanup.detail()).as("the host's own words arrive").contains("]0;owned");
      for (HostRecord h : v1.hosts()) {
        for (TaskRecord t : h.tasks()) {
          assertThat(String.valueOf(t.detail()))
              .as(h.name() + " " + t.name())
              .doesNotContain("\u001b", "\u0007");
        }
      }
      for (ReleaseEvent e : events) {
        assertThat(String.valueOf(e.message())).as(e.toString()).doesNotContain("\u001b", "\u0007");
      }
      CleanAssets.KeptOnHosts onHosts =
          Json.read(
              fx.store.readAllBytes(StoreLayout.keptOnHosts(app, "prod")),
              CleanAssets.KeptOnHosts.class);
      assertThat(onHosts.hosts()).isEqualTo(Map.of("a", List.of("v1"), "b", List.of("v1")));
    }
  }
}
