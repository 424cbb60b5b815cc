package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.deploy.remote.LocalTransport;
import dev.tarmac.deploy.testing.DeployFixture;
import dev.tarmac.deploy.testing.TestBuilds;
import dev.tarmac.distributor.model.AppName;
import dev.tarmac.distributor.model.EnvName;
import dev.tarmac.distributor.model.Version;
import dev.tarmac.distributor.store.s3.S3ArtifactStore;
import dev.tarmac.distributor.store.s3.S3Settings;
import dev.tarmac.distributor.testing.S3ProxyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * With the S3 store, hosts download from presigned S3 URLs and upload the database dump with a
 * presigned PUT: no store credentials on any host (S3Proxy in-process; {@link MinioReleaseIT} runs
 * the same against a real MinIO where Docker runs).
 */
class S3ReleaseIT {

  @Test
  void hostsDownloadAndUploadThroughPresignedS3Urls() throws Exception {
    Path work = DeployFixture.workDir("s3-release-");
    try (S3ProxyServer s3 = new S3ProxyServer(Files.createDirectories(work.resolve("s3")))) {
      releaseAndRollBackThroughPresignedUrls(s3.settings("tarmac"), work);
    }
  }

  /**
   * Two releases and a rollback with a database restore over {@code local} hosts, every byte
   * through presigned URLs of the S3 store at {@code settings}; shared with {@link MinioReleaseIT}.
   */
  static void releaseAndRollBackThroughPresignedUrls(S3Settings settings, Path work)
      throws Exception {
    S3ArtifactStore store = new S3ArtifactStore(settings).ensureBucket();
    Deployer deployer = new Deployer(store, (h, e) -> new LocalTransport(h.name()));
    Path hosts = work.resolve("hosts");
    String config =
        "app: s3app\n"
            + "release:\n"
            + "  hooks:\n"
            + "    backup: [\"echo \\\"dump before $TARMAC_VERSION\\\" | gzip > \\\"$TARMAC_BACKUP_FILE\\\"\"]\n"
            + "    restore: [\"gunzip -c \\\"$TARMAC_BACKUP_FILE\\\" > \\\"$TARMAC_SHARED_DIR/restored.txt\\\"\"]\n"
            + "environments:\n"
            + "  prod:\n"
            + "    hosts:\n"
            + "      - { name: a, address: local, deploy_to: "
            + hosts.resolve("a")
            + ", roles: [web, db] }\n"
            + "      - { name: b, address: local, deploy_to: "
            + hosts.resolve("b")
            + " }\n";
    for (String v : new String[] {"v1", "v2"}) {
      Path tree = TestBuilds.sampleTree(Files.createDirectories(work.resolve("tree-" + v)), v);
      TestBuilds.publish(store, "s3app", v, tree, config);
    }
    ReleaseOptions options = ReleaseOptions.defaults("tester");
    deployer.release(AppName.of("s3app"), EnvName.of("prod"), Version.of("v1"), options);
    ReleaseRecord v2 =
        deployer.release(AppName.of("s3app"), EnvName.of("prod"), Version.of("v2"), options);

    assertThat(
            store.signedGetUrl(
                "apps/s3app/builds/v2/artifact.tar.gz", java.time.Duration.ofMinutes(1)))
        .hasHost(settings.endpoint().getHost())
        .hasPort(settings.endpoint().getPort());
    assertThat(hosts.resolve("b/current/public/index.html")).content().contains("release v2");
    assertThat(v2.backup()).isNotNull();
    assertThat(store.stat(v2.backup().key()).orElseThrow().size()).isEqualTo(v2.backup().size());

    deployer.rollback(
        AppName.of("s3app"), EnvName.of("prod"), Optional.empty(), true, false, options);
    assertThat(Files.readSymbolicLink(hosts.resolve("a/current")).toString())
        .isEqualTo("releases/v1");
    assertThat(hosts.resolve("a/shared/restored.txt")).content().isEqualTo("dump before v2\n");
  }
}
