package dev.tarmac.builder.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.tarmac.builder.testing.SampleRepo;
import dev.tarmac.builder.testing.SshFleetResource;
import dev.tarmac.deploy.testing.SshHosts;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 24, done when: a tag whose {@code tarmac.yml} adds a host at another address and points
 * {@code deploy_to} elsewhere is released only to the registered host and path, over real sshd; the
 * other address's sshd sees no login and its directory stays empty (docs/environments.md).
 */
@QuarkusTest
@WithTestResource(
    value = SshFleetResource.class,
    initArgs = {
      @ResourceArg(name = "hosts", value = "2"),
      @ResourceArg(name = "address-prefix", value = "127.0.1."),
      @ResourceArg(name = "first-address", value = "1"),
      @ResourceArg(name = "first-port", value = "21000")
    })
class RegisteredHostsIT {

  @BeforeEach
  void token() {
    Api.authenticateByDefault();
  }

  @Test
  void aTagCannotAddAHostNorMoveDeployTo() throws Exception {
    SshHosts ssh = SshFleetResource.hosts;
    SshHosts.Host registered = ssh.host("host1");
    SshHosts.Host other = ssh.host("host2");
    SampleRepo repo =
        new SampleRepo(Files.createTempDirectory(Path.of("target").toAbsolutePath(), "reg-repo-"));
    String head =
        SampleRepo.TARMAC_YML
            .substring(0, SampleRepo.TARMAC_YML.indexOf("environments:"))
            .replace("app: shop", "app: fenced");
    // the tag points prod elsewhere and adds host2, at another loopback address
    repo.write(
        "tarmac.yml",
        head
            + "environments:\n  prod:\n    deploy_to: "
            + ssh.deployTo()
            + "/elsewhere\n    hosts:\n"
            + ssh.hostsYaml("      "));
    repo.commitAndTag("a tag that moves prod", "v3.0.0");
    Api.registerApp("fenced", repo.url(), false);
    Api.requestBuild("fenced", "v3.0.0");
    Api.awaitBuild("fenced", "v3.0.0").then().body("status", equalTo("SUCCEEDED"));

    // the admin registered prod: host1 only, at <deploy_to>/fenced
    given()
        .contentType("application/yaml")
        .body(
            ("deploy_to: "
                    + ssh.deployTo()
                    + "/fenced\nhosts:\n"
                    + ssh.hostsYaml("  ").lines().findFirst().orElseThrow()
                    + "\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .put("/api/apps/fenced/envs/prod")
        .then()
        .statusCode(200)
        .body("revision", equalTo(1))
        .body("by", equalTo("admin"))
        .body("changes", equalTo(List.of("registered with 1 host (host1)")));

    Response started =
        given()
            .contentType(ContentType.JSON)
            .body(Map.of("version", "v3.0.0"))
            .post("/api/apps/fenced/envs/prod/releases");
    started.then().statusCode(202);
    assertThat(started.jsonPath().getList("warnings", String.class))
        .singleElement()
        .asString()
        .contains("host host2 added (" + other.address() + ":" + other.port() + ")")
        .contains(ssh.deployTo() + "/fenced → " + ssh.deployTo() + "/elsewhere");
    Api.awaitRelease("fenced", "prod", started.jsonPath().getLong("id"))
        .then()
        .body("status", equalTo("LIVE"))
        .body("hosts.name", equalTo(List.of("host1")));

    assertThat(Files.readSymbolicLink(registered.root().resolve("fenced/current")).toString())
        .isEqualTo("releases/v3.0.0");
    assertThat(registered.root().resolve("elsewhere")).doesNotExist();
    try (Stream<Path> left = Files.list(other.root())) {
      assertThat(left).as("host2's directory").isEmpty();
    }
    assertThat(ssh.logins("host2")).as("logins on host2's sshd").isZero();
    assertThat(ssh.logins("host1")).isPositive();
  }
}
