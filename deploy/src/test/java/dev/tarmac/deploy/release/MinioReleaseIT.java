package dev.tarmac.deploy.release;

import dev.tarmac.deploy.testing.DeployFixture;
import dev.tarmac.distributor.testing.DockerSkipNote;
import dev.tarmac.distributor.testing.MinioContainers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * {@link S3ReleaseIT}'s release against a real MinIO server: hosts download the artifact and the
 * manifest with presigned GETs (resumable ranges), upload the database dump with a presigned PUT
 * and fetch it back for the restore, holding no store credentials (docs/development.md, "MinIO
 * tests"). Skipped, with the reason, where no Docker daemon answers.
 */
@ExtendWith(DockerSkipNote.class)
@Testcontainers(disabledWithoutDocker = true)
class MinioReleaseIT {
  @Container private static final MinIOContainer MINIO = MinioContainers.container();

  @Test
  void hostsDownloadAndUploadThroughPresignedMinioUrls() throws Exception {
    S3ReleaseIT.releaseAndRollBackThroughPresignedUrls(
        MinioContainers.settings(MINIO, "tarmac"), DeployFixture.workDir("minio-release-"));
  }
}
