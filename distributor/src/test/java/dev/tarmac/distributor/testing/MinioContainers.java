package dev.tarmac.distributor.testing;

import dev.tarmac.distributor.store.s3.S3Settings;
import java.net.URI;
import org.testcontainers.containers.MinIOContainer;

/**
 * A real MinIO server in a container, for the tests that run only where a Docker daemon answers
 * (docs/development.md, "MinIO tests"). The image is pinned so a run is repeatable; {@code
 * -Dtarmac.minio.image=minio/minio:RELEASE...} tries another release.
 */
public final class MinioContainers {
  /** The last MinIO release published as an image, with conditional writes on every write. */
  public static final String IMAGE = "minio/minio:RELEASE.2025-09-07T16-13-09Z";

  public static final String ACCESS_KEY = "tarmac-test-access";
  public static final String SECRET_KEY = "tarmac-test-secret-key";

  private MinioContainers() {}

  /** A container, not started yet (Testcontainers' {@code @Container} starts and stops it). */
  public static MinIOContainer container() {
    return new MinIOContainer(System.getProperty("tarmac.minio.image", IMAGE))
        .withUserName(ACCESS_KEY)
        .withPassword(SECRET_KEY);
  }

  public static URI endpoint(MinIOContainer minio) {
    return URI.create(minio.getS3URL());
  }

  public static S3Settings settings(MinIOContainer minio, String bucket) {
    return new S3Settings(endpoint(minio), "us-east-1", bucket, ACCESS_KEY, SECRET_KEY);
  }
}
