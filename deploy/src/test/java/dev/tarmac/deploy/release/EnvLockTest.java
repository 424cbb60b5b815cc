package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.distributor.store.fs.FsArtifactStore;
import dev.tarmac.distributor.store.fs.UrlSigner;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnvLockTest {
  @TempDir Path tmp;

  /** Issue 26, item 6: the 423 names its times as a person reads them, not in nanoseconds. */
  @Test
  void aHeldLockSaysSinceAndUntilInUtcWithAges() {
    FsArtifactStore store =
        new FsArtifactStore(
            tmp.resolve("store"),
            URI.create("http://127.0.0.41:9/"),
            new UrlSigner("env-lock-test-key".getBytes(), Clock.systemUTC()));
    Instant taken = Instant.parse("2026-12-07T11:02:03.123456789Z");
    EnvLock.acquire(
        store,
        "shop",
        "production",
        "alice@laptop",
        "release",
        "v2.0.0",
        Duration.ofMinutes(10),
        Clock.fixed(taken, ZoneOffset.UTC),
        false);
    Clock later = Clock.fixed(taken.plusSeconds(4 * 60 + 30), ZoneOffset.UTC);

    assertThatThrownBy(
            () ->
                EnvLock.acquire(
                    store,
                    "shop",
                    "production",
                    "bob@ci",
                    "release",
                    "v2.0.1",
                    Duration.ofMinutes(10),
                    later,
                    false))
        .isInstanceOf(LockedException.class)
        .hasMessage(
            "shop/production is locked by alice@laptop (release v2.0.0 since 2026-12-07 11:02:03"
                + " UTC, 4 min ago; its lease runs until 2026-12-07 11:12:03 UTC, in 5 min); wait"
                + " for it to finish, or pass --force-unlock if that holder is gone");
  }
}
