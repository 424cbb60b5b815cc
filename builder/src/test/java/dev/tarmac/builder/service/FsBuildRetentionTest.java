package dev.tarmac.builder.service;

import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.fs.FsArtifactStore;
import dev.tarmac.distributor.store.fs.UrlSigner;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import org.junit.jupiter.api.BeforeEach;

/** Retention in the store on the fs store. */
class FsBuildRetentionTest extends BuildRetentionContract {
  private ArtifactStore store;

  @BeforeEach
  void open() {
    store =
        new FsArtifactStore(
            tmp.resolve("store"),
            URI.create("http://127.0.0.1:1"),
            new UrlSigner(
                "retention-test-key".getBytes(StandardCharsets.UTF_8), Clock.systemUTC()));
  }

  @Override
  protected ArtifactStore store() {
    return store;
  }
}
