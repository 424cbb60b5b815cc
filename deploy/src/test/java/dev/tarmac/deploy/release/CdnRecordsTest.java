package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.StoreException;
import dev.tarmac.distributor.testing.FsStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the CDN push and the clean-up of cdn/ record, on a real fs store. */
class CdnRecordsTest {
  @TempDir Path root;
  ArtifactStore store;
  CdnRecords cdn;

  @BeforeEach
  void store() {
    store = FsStores.in(root);
    cdn = new CdnRecords(store, "shop");
  }

  @Test
  void theKeys() {
    assertThat(CdnRecords.refsKey("shop", "v1")).isEqualTo("apps/shop/cdn-refs/v1.json");
    assertThat(CdnRecords.keptKey("shop", "prod")).isEqualTo("apps/shop/envs/prod/kept.json");
  }

  @Test
  void refsWrittenAreReadBack() {
    assertThat(cdn.refs("v1")).isEmpty();
    cdn.putRefs(new PushAssets.CdnRefs("v1", List.of("js/app.0123456789ab.js")));
    assertThat(cdn.refs("v1")).contains(List.of("js/app.0123456789ab.js"));
    assertThat(new CdnRecords(store, "blog").refs("v1")).isEmpty();
  }

  @Test
  void whatTheHostsKeepIsReadBack() {
    assertThat(cdn.kept("prod")).isEmpty();
    CleanAssets.KeptOnHosts k =
        new CleanAssets.KeptOnHosts(
            "prod", 4, Instant.parse("2026-01-02T03:04:05Z"), Map.of("a", List.of("v1", "v2")));
    cdn.putKept(k);
    assertThat(cdn.kept("prod")).contains(k);
    assertThat(cdn.kept("qa")).isEmpty();
  }

  @Test
  void aDamagedRecordNamesItsKey() {
    store.put(CdnRecords.refsKey("shop", "v1"), "nope".getBytes(StandardCharsets.UTF_8));
    store.put(CdnRecords.keptKey("shop", "prod"), "{".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> cdn.refs("v1"))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("apps/shop/cdn-refs/v1.json in the store is not a readable CdnRefs");
    assertThatThrownBy(() -> cdn.kept("prod"))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("apps/shop/envs/prod/kept.json");
  }
}
