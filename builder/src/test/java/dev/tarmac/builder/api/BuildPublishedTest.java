package dev.tarmac.builder.api;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import dev.tarmac.builder.probe.FailingPublishedObserver;
import dev.tarmac.builder.testing.SampleRepo;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What happens after a build is published (the {@code BuildPublished} event: deltas ahead of the
 * release, docs/architecture.md) cannot change the build's result: an observer that fails leaves
 * the build SUCCEEDED, with no error.
 */
@QuarkusTest
class BuildPublishedTest {
  @BeforeEach
  void token() {
    Api.authenticateByDefault();
  }

  @Test
  void aFailingObserverOfThePublishedBuildDoesNotFailTheBuild() throws Exception {
    Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "published-");
    SampleRepo repo = new SampleRepo(dir.resolve("repo"));
    repo.write(
        "tarmac.yml",
        SampleRepo.TARMAC_YML.replace("app: shop", "app: " + FailingPublishedObserver.APP));
    repo.commitAndTag("probe", "v9.0.0");
    Api.registerApp(FailingPublishedObserver.APP, repo.url(), false);
    Api.requestBuild(FailingPublishedObserver.APP, "v9.0.0");

    Api.awaitBuild(FailingPublishedObserver.APP, "v9.0.0")
        .then()
        .body("status", equalTo("SUCCEEDED"))
        .body("error", nullValue());
  }
}
