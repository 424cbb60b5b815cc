package dev.tarmac.distributor.store.fs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.ArtifactStoreContract;
import dev.tarmac.distributor.testing.FsStoreHttpServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FsArtifactStoreTest extends ArtifactStoreContract {
  private static FsStoreHttpServer http;
  @TempDir Path dir;
  private FsArtifactStore store;

  @BeforeAll
  static void startHttp() throws Exception {
    http = new FsStoreHttpServer();
  }

  @AfterAll
  static void stopHttp() {
    http.close();
  }

  @BeforeEach
  void open() {
    store =
        new FsArtifactStore(
            dir,
            http.baseUrl(),
            new UrlSigner(
                "0123456789abcdef-test".getBytes(StandardCharsets.UTF_8), Clock.systemUTC()));
    http.serve(store);
  }

  @Override
  protected ArtifactStore store() {
    return store;
  }

  @Test
  void writesLeaveNoTemporaryFilesAndDeleteTidiesEmptyDirectories() throws Exception {
    store.put("apps/a/builds/v1/build.json", "{}".getBytes(StandardCharsets.UTF_8));
    store.putIfAbsent("apps/a/builds/v1/lock", "x".getBytes(StandardCharsets.UTF_8));

    store.delete("apps/a/builds/v1/build.json");
    store.delete("apps/a/builds/v1/lock");

    try (var tmp = Files.list(dir.resolve("tmp"))) {
      assertThat(tmp).isEmpty();
    }
    assertThat(dir.resolve("objects/apps")).doesNotExist();
  }
}
