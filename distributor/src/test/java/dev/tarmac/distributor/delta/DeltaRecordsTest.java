package dev.tarmac.distributor.delta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.StoreException;
import dev.tarmac.distributor.testing.FsStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A delta's keys and record, on a real fs store in a temp dir. */
class DeltaRecordsTest {
  @TempDir Path root;
  ArtifactStore store;
  DeltaRecords deltas;

  @BeforeEach
  void store() {
    store = FsStores.in(root);
    deltas = new DeltaRecords(store);
  }

  @Test
  void theKeys() {
    assertThat(DeltaRecords.deltaKey("shop", "v1", "v2"))
        .isEqualTo("apps/shop/deltas/v1..v2.tar.gz");
    assertThat(DeltaRecords.recordKey("shop", "v1", "v2"))
        .isEqualTo("apps/shop/deltas/v1..v2.json");
    assertThat(DeltaRecords.prefix("shop")).isEqualTo("apps/shop/deltas/");
    assertThatThrownBy(() -> DeltaRecords.deltaKey("shop", "v1", "../v2"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aRecordWrittenIsFoundByItsPair() {
    DeltaRecord r =
        new DeltaRecord("shop", "v1", "v2", "ab", 10, 1, 2, 0, 3, "f", "t", "m", List.of("log"));
    assertThat(deltas.find("shop", "v1", "v2")).isEmpty();
    deltas.put(r);
    assertThat(deltas.find("shop", "v1", "v2")).contains(r);
    assertThat(deltas.find("shop", "v2", "v1")).isEmpty();
  }

  @Test
  void aDamagedRecordNamesItsKey() {
    store.put(DeltaRecords.recordKey("shop", "v1", "v2"), "[]".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> deltas.find("shop", "v1", "v2"))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(
            "apps/shop/deltas/v1..v2.json in the store is not a readable DeltaRecord");
  }
}
