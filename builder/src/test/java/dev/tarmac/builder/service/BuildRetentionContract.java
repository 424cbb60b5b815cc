package dev.tarmac.builder.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.deploy.release.EnvLock;
import dev.tarmac.deploy.release.ReleaseHistory;
import dev.tarmac.deploy.release.ReleaseRecord;
import dev.tarmac.deploy.release.ReleaseStatus;
import dev.tarmac.deploy.store.BuildConfigs;
import dev.tarmac.deploy.testing.TestBuilds;
import dev.tarmac.distributor.delta.Deltas;
import dev.tarmac.distributor.model.BuildRecord;
import dev.tarmac.distributor.model.Json;
import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.ObjectInfo;
import dev.tarmac.distributor.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention in the store against a real store: builds published as the builder does, deltas made by
 * {@link Deltas}, release histories and locks written as the release engine writes them. A
 * backend's test supplies {@link #store()}.
 */
abstract class BuildRetentionContract {
  static final String APP = "shop";

  protected abstract ArtifactStore store();

  @TempDir Path tmp;

  Path tmp() {
    return tmp;
  }

  static String config(int keep) {
    return "app: shop\nrelease:\n  keep: "
        + keep
        + "\nenvironments:\n  prod: { deploy_to: /srv/shop, hosts: [{ name: a, address: local }] }\n";
  }

  void publish(int keep, String... versions) throws Exception {
    for (String v : versions) {
      Path tree = tmp().resolve("tree-" + v);
      Trees.write(tree, "public/index.html", "<p>" + v + "</p>\n");
      Trees.write(tree, "public/same.css", "body{}\n");
      TestBuilds.publish(store(), APP, v, tree, config(keep));
      Thread.sleep(2); // distinct finish times
    }
  }

  void delta(String from, String to) throws Exception {
    new Deltas(store(), Files.createDirectories(tmp().resolve("deltas")))
        .ensure(APP, from, to, Set.of());
  }

  void released(String env, String version, ReleaseStatus status) {
    ReleaseHistory history = new ReleaseHistory(store(), APP, env);
    ReleaseRecord r =
        history.create(
            n ->
                ReleaseRecord.started(
                    n, APP, env, "release", version, "c0ffee", null, "ann", Instant.now()));
    history.update(r.withStatus(status));
  }

  /** As the service calls it after publishing {@code after}. */
  BuildRetention.Result prune(int keepBuilds, String after) {
    return prune(store(), keepBuilds, after);
  }

  BuildRetention.Result prune(ArtifactStore through, int keepBuilds, String after) {
    BuildRecord built =
        Json.read(store().readAllBytes(StoreLayout.buildRecord(APP, after)), BuildRecord.class);
    return new BuildRetention(through, Clock.systemUTC())
        .prune(
            APP,
            after,
            keepBuilds,
            BuildConfigs.shared().of(built).release().keep(),
            b -> BuildConfigs.shared().of(b).release().keep());
  }

  boolean built(String version) {
    return store().exists(StoreLayout.buildRecord(APP, version));
  }

  List<String> keys(String prefix) {
    return store().list(prefix).stream().map(ObjectInfo::key).toList();
  }

  @Test
  void keepBuilds2WithFourBuildsRemovesTheTwoOldestWithTheirDeltas() throws Exception {
    publish(5, "v1", "v2", "v3", "v4");
    delta("v1", "v2");
    delta("v2", "v3");
    delta("v3", "v4");

    BuildRetention.Result r = prune(2, "v4");

    assertThat(r.removed()).extracting(BuildRetention.Removed::version).containsExactly("v1", "v2");
    assertThat(r.kept()).containsExactly("v4", "v3");
    assertThat(r.protectedBuilds()).isEmpty();
    assertThat(keys(StoreLayout.buildDir(APP, "v1"))).isEmpty();
    assertThat(keys(StoreLayout.buildDir(APP, "v2"))).isEmpty();
    assertThat(keys(StoreLayout.buildDir(APP, "v3")))
        .containsExactlyInAnyOrder(
            StoreLayout.artifact(APP, "v3"),
            StoreLayout.manifest(APP, "v3"),
            StoreLayout.buildRecord(APP, "v3"));
    // deltas from or to a removed build went with it (record and bytes); v3..v4 stays
    assertThat(keys(StoreLayout.deltasPrefix(APP)))
        .containsExactly(
            StoreLayout.deltaRecord(APP, "v3", "v4"), StoreLayout.delta(APP, "v3", "v4"));
    assertThat(r.removed().get(0).deltas()).containsExactly(StoreLayout.delta(APP, "v1", "v2"));
    assertThat(r.removed().get(1).deltas()).containsExactly(StoreLayout.delta(APP, "v2", "v3"));
    // recorded in the store for GET /api/apps/{app}
    BuildRetention.Result last =
        new BuildRetention(store(), Clock.systemUTC()).last(APP).orElseThrow();
    assertThat(last.after()).isEqualTo("v4");
    assertThat(last.removed())
        .extracting(BuildRetention.Removed::version)
        .containsExactly("v1", "v2");
  }

  @Test
  void aLiveBuildAndTheRollbackTargetOlderThanTheLimitSurvive() throws Exception {
    publish(2, "v1", "v2", "v3", "v4", "v5");
    released("prod", "v1", ReleaseStatus.LIVE);
    released("prod", "v3", ReleaseStatus.FAILED);
    released("prod", "v2", ReleaseStatus.LIVE);
    delta("v1", "v2");
    delta("v2", "v3");

    BuildRetention.Result r = prune(2, "v5");

    assertThat(r.removed()).extracting(BuildRetention.Removed::version).containsExactly("v3");
    assertThat(built("v1")).isTrue();
    assertThat(built("v2")).isTrue();
    assertThat(built("v3")).isFalse();
    assertThat(store().exists(StoreLayout.artifact(APP, "v3"))).isFalse();
    assertThat(r.protectedBuilds())
        .containsEntry("v2", "live in prod (release #3)")
        .containsEntry("v1", "the rollback target in prod");
    assertThat(keys(StoreLayout.deltasPrefix(APP)))
        .containsExactly(
            StoreLayout.deltaRecord(APP, "v1", "v2"), StoreLayout.delta(APP, "v1", "v2"));
  }

  @Test
  void theVersionsTheHostsKeepForRollbackToSurvive() throws Exception {
    // release.keep 3 at the live version: its hosts keep v1, v2, v3 for `tarmac rollback --to`
    publish(3, "v1", "v2", "v3", "v4", "v5", "v6");
    released("prod", "v1", ReleaseStatus.LIVE);
    released("prod", "v2", ReleaseStatus.LIVE);
    released("prod", "v3", ReleaseStatus.LIVE);

    BuildRetention.Result r = prune(2, "v6");

    assertThat(r.removed()).extracting(BuildRetention.Removed::version).containsExactly("v4");
    assertThat(r.protectedBuilds())
        .containsOnlyKeys("v1", "v2", "v3")
        .containsEntry("v1", "kept on the hosts of prod (release.keep 3): `tarmac rollback --to`");
  }

  @Test
  void aVersionAnEnvironmentLockNamesSurvivesAlsoWhenTheLockIsTakenDuringTheCleanUp()
      throws Exception {
    publish(5, "v1", "v2", "v3", "v4", "v5");
    Instant now = Instant.now();
    store()
        .put(
            StoreLayout.lock(APP, "staging"),
            Json.write(new EnvLock.Info("ci", "release", "v1", now, now.plusSeconds(600), "t1")));
    // v2's release starts after the scan, before v2 is removed: the re-check sees it
    ArtifactStore racing =
        new RacingStore(
            store(),
            StoreLayout.deltasPrefix(APP),
            () -> {
              store()
                  .put(
                      StoreLayout.lock(APP, "qa"),
                      Json.write(
                          new EnvLock.Info(
                              "bob", "release", "v2", now, now.plusSeconds(600), "t2")));
            });

    BuildRetention.Result r = prune(racing, 2, "v5");

    assertThat(r.removed()).extracting(BuildRetention.Removed::version).containsExactly("v3");
    assertThat(r.protectedBuilds())
        .containsEntry("v1", "named by the lock of staging (release by ci)")
        .containsEntry("v2", "named by the lock of qa (release by bob)");
    assertThat(built("v1")).isTrue();
    assertThat(built("v2")).isTrue();
  }

  @Test
  void nothingBeyondTheLimitRemovesNothing() throws Exception {
    publish(5, "v1", "v2");
    BuildRetention.Result r = prune(2, "v2");
    assertThat(r.removed()).isEmpty();
    assertThat(r.kept()).containsExactly("v2", "v1");
  }
}
