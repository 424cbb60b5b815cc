package dev.tarmac.builder.service;

import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.s3.S3ArtifactStore;
import dev.tarmac.distributor.testing.S3ProxyServer;
import java.nio.file.Files;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** Retention in the store on S3 (S3Proxy in-process on loopback: the real wire protocol). */
class S3BuildRetentionTest extends BuildRetentionContract {
  private static final AtomicInteger BUCKETS = new AtomicInteger();
  private static S3ProxyServer s3;
  private ArtifactStore store;

  @BeforeAll
  static void startS3() throws Exception {
    s3 = new S3ProxyServer(Files.createTempDirectory("s3proxy-retention"));
  }

  @AfterAll
  static void stopS3() throws Exception {
    s3.close();
  }

  @BeforeEach
  void open() {
    store =
        new S3ArtifactStore(s3.settings("retention-" + BUCKETS.incrementAndGet())).ensureBucket();
  }

  @Override
  protected ArtifactStore store() {
    return store;
  }
}
