package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.records.StoredJson;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.StoreException;
import dev.tarmac.distributor.testing.FsStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The environments' locks as the service and the clean-ups read them, on a real fs store. */
class EnvLocksTest {
  @TempDir Path root;
  ArtifactStore store;
  EnvLocks locks;

  @BeforeEach
  void store() {
    store = FsStores.in(root);
    locks = new EnvLocks(store);
  }

  @Test
  void theLockTakenIsTheLockRead() {
    assertThat(EnvLocks.key("shop", "prod")).isEqualTo("apps/shop/envs/prod/lock.json");
    assertThat(locks.find("shop", "prod")).isEmpty();
    try (EnvLock held =
        EnvLock.acquire(
            store,
            "shop",
            "prod",
            "ann",
            "release",
            "v2",
            Duration.ofMinutes(2),
            Clock.systemUTC(),
            false)) {
      EnvLock.Info read = locks.find("shop", "prod").orElseThrow();
      assertThat(read).isEqualTo(held.info());
      assertThat(read.holder()).isEqualTo("ann");
    }
    assertThat(locks.find("shop", "prod")).isEmpty();
  }

  @Test
  void listedGivesEveryEnvironmentsLockByName() {
    Instant t = Instant.parse("2026-01-02T03:04:05Z");
    StoredJson.put(
        store, EnvLocks.key("shop", "prod"), new EnvLock.Info("ann", "release", "v2", t, t, "a"));
    StoredJson.put(
        store, EnvLocks.key("shop", "qa"), new EnvLock.Info("bob", "rollback", "v1", t, t, "b"));
    StoredJson.put(
        store, EnvLocks.key("blog", "qa"), new EnvLock.Info("eve", "release", "v9", t, t, "c"));
    store.put(StoreLayout.releaseRecord("shop", "prod", 1), "{}".getBytes());
    var listing = store.list(StoreLayout.envsPrefix("shop"));
    store.delete(EnvLocks.key("shop", "qa")); // released after the listing: left out
    assertThat(locks.listed("shop", listing)).containsOnlyKeys("prod");
    assertThat(locks.listed("shop", listing).get("prod").holder()).isEqualTo("ann");
  }

  @Test
  void aDamagedLockNamesItsKey() {
    store.put(EnvLocks.key("shop", "prod"), "{\"holder\": ".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> locks.find("shop", "prod"))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("apps/shop/envs/prod/lock.json in the store is not a readable Info");
  }
}
