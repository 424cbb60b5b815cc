package dev.tarmac.distributor.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.distributor.model.BuildRecord;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.StoreConflictException;
import dev.tarmac.distributor.store.StoreException;
import dev.tarmac.distributor.store.StoreNotFoundException;
import dev.tarmac.distributor.testing.FsStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** build.json and the keys of a build, on a real fs store in a temp dir. */
class BuildRecordsTest {
  @TempDir Path root;
  ArtifactStore store;
  BuildRecords builds;

  @BeforeEach
  void store() {
    store = FsStores.in(root);
    builds = new BuildRecords(store);
  }

  static BuildRecord record(String app, String version) {
    Instant t = Instant.parse("2026-01-02T03:04:05Z");
    return new BuildRecord(
        app, version, version, "c0ffee", "ab12", 10, 1, "cd34", "app: " + app + "\n", t, t, t);
  }

  @Test
  void theKeysAreTheStoresLayout() {
    assertThat(BuildRecords.recordKey("shop", "v1")).isEqualTo("apps/shop/builds/v1/build.json");
    assertThat(BuildRecords.artifactKey("shop", "v1"))
        .isEqualTo("apps/shop/builds/v1/artifact.tar.gz");
    assertThat(BuildRecords.manifestKey("shop", "v1"))
        .isEqualTo("apps/shop/builds/v1/manifest.sha256");
    assertThat(BuildRecords.logKey("shop", "v1")).isEqualTo("apps/shop/builds/v1/build.log");
    assertThat(BuildRecords.isRecord("apps/shop/builds/v1/build.json")).isTrue();
    assertThat(BuildRecords.isRecord("apps/shop/builds/v1/build.log")).isFalse();
  }

  @Test
  void aBadNameIsRefusedBeforeAnyKeyIsMade() {
    assertThatThrownBy(() -> BuildRecords.recordKey("shop", "../v1"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> builds.find("Shop/x", "v1"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void publishedOnceAndReadBack() {
    assertThat(builds.find("shop", "v1")).isEmpty();
    assertThat(builds.exists("shop", "v1")).isFalse();
    builds.publish(record("shop", "v1"));
    assertThat(builds.exists("shop", "v1")).isTrue();
    assertThat(builds.read("shop", "v1")).isEqualTo(record("shop", "v1"));
    assertThat(builds.find("shop", "v1")).contains(record("shop", "v1"));
    assertThatThrownBy(() -> builds.publish(record("shop", "v1")))
        .isInstanceOf(StoreConflictException.class);
  }

  @Test
  void listsOnlyTheAppsRecords() {
    builds.publish(record("shop", "v1"));
    builds.publish(record("shop", "v2"));
    builds.publish(record("blog", "v1"));
    store.put(BuildRecords.logKey("shop", "v3"), "a log, no record yet".getBytes());
    assertThat(builds.list("shop")).extracting(BuildRecord::version).containsExactly("v1", "v2");
  }

  @Test
  void aMissingRecordIsNotFound() {
    assertThatThrownBy(() -> builds.read("shop", "v9"))
        .isInstanceOf(StoreNotFoundException.class)
        .hasMessageContaining("apps/shop/builds/v9/build.json");
  }

  @Test
  void aDamagedRecordNamesItsKey() {
    store.put(BuildRecords.recordKey("shop", "v1"), "{not json".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> builds.find("shop", "v1"))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("apps/shop/builds/v1/build.json in the store is not a readable")
        .hasMessageContaining("BuildRecord");
    assertThatThrownBy(() -> builds.list("shop"))
        .hasMessageContaining("apps/shop/builds/v1/build.json");
  }
}
