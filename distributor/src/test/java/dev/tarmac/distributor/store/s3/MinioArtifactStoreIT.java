package dev.tarmac.distributor.store.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.ArtifactStoreContract;
import dev.tarmac.distributor.store.StoreException;
import dev.tarmac.distributor.testing.DockerSkipNote;
import dev.tarmac.distributor.testing.MinioContainers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The store contract against a real MinIO server (docs/development.md, "MinIO tests"): the same
 * behaviours {@link S3ArtifactStoreIT} checks on S3Proxy, plus what MinIO answers differently
 * (docs/configuration.md, "S3 servers differ"). Skipped, with the reason, where no Docker daemon
 * answers.
 */
@ExtendWith(DockerSkipNote.class)
@Testcontainers(disabledWithoutDocker = true)
class MinioArtifactStoreIT extends ArtifactStoreContract {
  private static final AtomicInteger BUCKETS = new AtomicInteger();

  @Container private static final MinIOContainer MINIO = MinioContainers.container();

  private S3ArtifactStore store;

  @BeforeEach
  void open() {
    store =
        new S3ArtifactStore(MinioContainers.settings(MINIO, "tarmac-" + BUCKETS.incrementAndGet()))
            .ensureBucket();
  }

  @Override
  protected ArtifactStore store() {
    return store;
  }

  @Test
  void wrongCredentialsFailWithTheBucketAndEndpointNamed() {
    URI endpoint = MinioContainers.endpoint(MINIO);
    S3Settings wrong = new S3Settings(endpoint, "us-east-1", "tarmac-x", "nobody", "wrong-key");

    assertThatThrownBy(() -> new S3ArtifactStore(wrong).ensureBucket())
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("tarmac-x")
        .hasMessageContaining(endpoint.toString());
  }

  @Test
  void ensureBucketIsIdempotent() {
    S3ArtifactStore again = new S3ArtifactStore(MinioContainers.settings(MINIO, "tarmac-again"));

    again.ensureBucket();
    again.ensureBucket();

    assertThat(again.list("apps/")).isEmpty();
  }

  @Test
  void aSignedPutUrlCannotBeUsedForAnotherKey() throws Exception {
    URI url = store.signedPutUrl("apps/s/envs/prod/backups/v1.sql.gz", Duration.ofMinutes(5));
    URI other = URI.create(url.toString().replace("/v1.sql.gz?", "/v2.sql.gz?"));

    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(other)
                    .PUT(HttpRequest.BodyPublishers.ofString("evil"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(store.exists("apps/s/envs/prod/backups/v2.sql.gz")).isFalse();
  }

  @Test
  void aResumeFromTheEndOfAnObjectIsRangeNotSatisfiable() throws Exception {
    // curl -C - on a download that already has every byte: MinIO answers 416, which curl takes
    // as "nothing more"; the host's download command then finds no progress (DownloadCommands).
    store.put("k/whole", "0123456789".getBytes(StandardCharsets.UTF_8));
    URI url = store.signedGetUrl("k/whole", Duration.ofMinutes(5));

    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(url).header("Range", "bytes=10-").build(),
                HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(416);
  }
}
