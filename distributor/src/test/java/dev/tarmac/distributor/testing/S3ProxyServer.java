package dev.tarmac.distributor.testing;

import dev.tarmac.distributor.store.s3.S3Settings;
import java.net.URI;
import java.nio.file.Path;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;

/** A real S3 wire protocol server, in-process on a random loopback port (S3Proxy). */
public final class S3ProxyServer implements AutoCloseable {
  public static final String ACCESS_KEY = "tarmac-test-access";
  public static final String SECRET_KEY = "tarmac-test-secret-key";

  private final S3Proxy proxy;

  /** Starts S3Proxy with the {@code filesystem} backend under {@code dir}. */
  public S3ProxyServer(Path dir) throws Exception {
    Properties properties = new Properties();
    properties.setProperty("jclouds.filesystem.basedir", dir.toString());
    properties.setProperty("jclouds.identity", "identity");
    properties.setProperty("jclouds.credential", "credential");
    proxy =
        S3Proxy.builder()
            .blobStore(BlobStores.create("filesystem", properties))
            .endpoint(URI.create("http://127.0.0.1:0"))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
            .build();
    proxy.start();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!"STARTED".equals(String.valueOf(proxy.getState()))) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
      }
      Thread.sleep(10);
    }
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + proxy.getPort());
  }

  public S3Settings settings(String bucket) {
    return new S3Settings(endpoint(), "us-east-1", bucket, ACCESS_KEY, SECRET_KEY);
  }

  @Override
  public void close() throws Exception {
    proxy.stop();
  }
}
