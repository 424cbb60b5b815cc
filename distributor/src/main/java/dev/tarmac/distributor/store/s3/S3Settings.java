package dev.tarmac.distributor.store.s3;

import java.net.URI;

/**
 * Where the S3 store lives: {@code tarmac.store.s3.endpoint|region|bucket|access-key|secret-key}.
 * The endpoint is any S3-compatible service (MinIO, AWS S3, ...).
 */
public record S3Settings(
    URI endpoint, String region, String bucket, String accessKey, String secretKey) {
  public S3Settings {
    require(endpoint, "tarmac.store.s3.endpoint");
    require(bucket, "tarmac.store.s3.bucket");
    require(accessKey, "tarmac.store.s3.access-key");
    require(secretKey, "tarmac.store.s3.secret-key");
    if (region == null || region.isBlank()) {
      region = "us-east-1";
    }
  }

  private static void require(Object value, String property) {
    if (value == null || value.toString().isBlank()) {
      throw new IllegalArgumentException(
          property
              + " is required when tarmac.store=s3; set it in application.properties or as an"
              + " environment variable");
    }
  }
}
