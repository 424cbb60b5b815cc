package dev.tarmac.distributor.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

/** The one reader and writer of the store's JSON objects, on a real fs store in a temp dir. */
class StoredJsonTest {
  record Thing(String name, int n, Instant at) {}

  @TempDir Path root;
  ArtifactStore store;

  @BeforeEach
  void store() {
    store = FsStores.in(root);
  }

  @Test
  void writesAndReadsBack() {
    Thing t = new Thing("a", 2, Instant.parse("2026-01-02T03:04:05Z"));
    StoredJson.put(store, "x/thing.json", t);
    assertThat(StoredJson.read(store, "x/thing.json", Thing.class)).isEqualTo(t);
    assertThat(StoredJson.find(store, "x/thing.json", Thing.class)).contains(t);
    // the times are ISO-8601, as every record of the store
    assertThat(new String(store.readAllBytes("x/thing.json"), StandardCharsets.UTF_8))
        .contains("\"at\" : \"2026-01-02T03:04:05Z\"");
  }

  @Test
  void aMissingObjectIsNotFoundOrEmpty() {
    assertThat(StoredJson.find(store, "x/none.json", Thing.class)).isEmpty();
    assertThatThrownBy(() -> StoredJson.read(store, "x/none.json", Thing.class))
        .isInstanceOf(StoreNotFoundException.class)
        .hasMessageContaining("x/none.json");
  }

  @Test
  void aDamagedObjectNamesItsKeyAndWhatToDo() {
    store.put("x/broken.json", "{\"name\": \"a\", \"n\": ".getBytes(StandardCharsets.UTF_8));
    for (var call :
        java.util.List.<Runnable>of(
            () -> StoredJson.read(store, "x/broken.json", Thing.class),
            () -> StoredJson.find(store, "x/broken.json", Thing.class))) {
      assertThatThrownBy(call::run)
          .isInstanceOf(StoreException.class)
          .isNotInstanceOf(StoreNotFoundException.class)
          .hasMessageStartingWith("x/broken.json in the store is not a readable Thing (")
          .hasMessageEndingWith(
              "); restore it from a backup of the store, or remove it and write it again");
    }
  }

  @Test
  void jsonNullOrTheWrongShapeIsDamagedToo() {
    store.put("x/null.json", "null".getBytes(StandardCharsets.UTF_8));
    store.put("x/list.json", "[1, 2]".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> StoredJson.read(store, "x/null.json", Thing.class))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("x/null.json in the store is not a readable Thing (it holds no JSON");
    assertThatThrownBy(() -> StoredJson.read(store, "x/list.json", Thing.class))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("x/list.json");
  }

  @Test
  void putIfAbsentWritesOnce() {
    StoredJson.putIfAbsent(store, "x/once.json", new Thing("first", 1, null));
    assertThatThrownBy(
            () -> StoredJson.putIfAbsent(store, "x/once.json", new Thing("second", 2, null)))
        .isInstanceOf(StoreConflictException.class);
    assertThat(StoredJson.read(store, "x/once.json", Thing.class).name()).isEqualTo("first");
  }
}
