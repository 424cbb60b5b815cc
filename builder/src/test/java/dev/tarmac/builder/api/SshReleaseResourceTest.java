package dev.tarmac.builder.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.tarmac.builder.testing.SampleRepo;
import dev.tarmac.builder.testing.SshFleetResource;
import dev.tarmac.deploy.testing.SshHosts;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The service releases to real OpenSSH servers with its configured key and known hosts. */
@QuarkusTest
@WithTestResource(SshFleetResource.class)
class SshReleaseResourceTest {

  @BeforeEach
  void token() {
    Api.authenticateByDefault();
  }

  @Test
  void theServiceReleasesOverSsh() throws Exception {
    SshHosts ssh = SshFleetResource.hosts;
    SampleRepo repo =
        new SampleRepo(Files.createTempDirectory(Path.of("target").toAbsolutePath(), "ssh-repo-"));
    repo.write(
        "tarmac.yml",
        SampleRepo.TARMAC_YML.substring(0, SampleRepo.TARMAC_YML.indexOf("environments:"))
            + "environments:\n  prod:\n    deploy_to: "
            + ssh.deployTo()
            + "/shop\n    hosts:\n"
            + ssh.hostsYaml("      "));
    repo.commitAndTag("ssh hosts", "v3.0.0");
    Api.registerApp("shop", repo.url(), false);
    Api.requestBuild("shop", "v3.0.0");
    Api.awaitBuild("shop", "v3.0.0").then().body("status", equalTo("SUCCEEDED"));
    Api.registerEnv("shop", "prod", "v3.0.0");

    Response started =
        given()
            .auth()
            .oauth2("test-token")
            .contentType(ContentType.JSON)
            .body(Map.of("version", "v3.0.0"))
            .post("/api/apps/shop/envs/prod/releases");
    started.then().statusCode(202);
    long id = started.jsonPath().getLong("id");
    Response done = null;
    for (int i = 0; i < 600; i++) {
      done = given().get("/api/apps/shop/envs/prod/releases/" + id);
      if (List.of("LIVE", "FAILED").contains(done.jsonPath().getString("status"))) {
        break;
      }
      Thread.sleep(100);
    }
    done.then().body("status", equalTo("LIVE"));
    for (SshHosts.Host h : ssh.hosts()) {
      assertThat(Files.readSymbolicLink(h.root().resolve("shop/current")).toString())
          .isEqualTo("releases/v3.0.0");
    }
    int[] before = {ssh.logins("host1"), ssh.logins("host2")};
    for (int i = 0; i < 3; i++) {
      given()
          .get("/api/apps/shop/envs/prod/status")
          .then()
          .body("hosts.name", equalTo(List.of("host1", "host2")))
          .body("hosts.live", equalTo(List.of("v3.0.0", "v3.0.0")));
    }
    // the service keeps the sessions its reads open (docs/architecture.md, "Sessions kept for
    // reads"): three status reads log in to each host once
    assertThat(new int[] {ssh.logins("host1") - before[0], ssh.logins("host2") - before[1]})
        .containsExactly(1, 1);
  }
}
