package dev.tarmac.distributor.store.s3;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.ArtifactStoreContract;
import dev.tarmac.distributor.store.StoreException;
import dev.tarmac.distributor.testing.S3ProxyServer;
import java.net.URI;
import java.nio.file.Files;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The store contract against a real S3 wire protocol (S3Proxy, in-process on loopback). */
class S3ArtifactStoreIT extends ArtifactStoreContract {
  private static final AtomicInteger BUCKETS = new AtomicInteger();
  private static S3ProxyServer s3;
  private S3ArtifactStore store;

  @BeforeAll
  static void startS3() throws Exception {
    s3 = new S3ProxyServer(Files.createTempDirectory("s3proxy"));
  }

  @AfterAll
  static void stopS3() throws Exception {
    s3.close();
  }

  @BeforeEach
  void open() {
    store = new S3ArtifactStore(s3.settings("tarmac-" + BUCKETS.incrementAndGet())).ensureBucket();
  }

  @Override
  protected ArtifactStore store() {
    return store;
  }

  @Test
  void wrongCredentialsFailWithTheBucketAndEndpointNamed() {
    S3Settings wrong =
        new S3Settings(s3.endpoint(), "us-east-1", "tarmac-x", "nobody", "wrong-secret-key");

    assertThatThrownBy(() -> new S3ArtifactStore(wrong).ensureBucket())
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("tarmac-x")
        .hasMessageContaining(s3.endpoint().toString());
  }

  @Test
  void missingSettingsNameTheProperty() {
    assertThatThrownBy(() -> new S3Settings(URI.create("http://127.0.0.1:1"), null, "", "a", "b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tarmac.store.s3.bucket");
  }
}
