package dev.tarmac.distributor.testing;

import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.fs.FsArtifactStore;
import dev.tarmac.distributor.store.fs.UrlSigner;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;

/** A real fs store in a test's directory, for tests that only read and write its objects. */
public final class FsStores {
  private FsStores() {}

  /** The store kept under {@code root}; its signed URLs point at a port nothing listens on. */
  public static ArtifactStore in(Path root) {
    return new FsArtifactStore(
        root,
        URI.create("http://127.0.0.1:1/"),
        new UrlSigner("test-signing-key".getBytes(StandardCharsets.UTF_8), Clock.systemUTC()));
  }
}
