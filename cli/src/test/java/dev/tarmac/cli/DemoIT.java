package dev.tarmac.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * `tarmac demo` end to end, as the README runs it: a real service process, real git, real builds.
 */
class DemoIT {
  @Test
  void theDemoBuildsReleasesChangesReleasesAndRollsBack() throws Exception {
    Path home = Path.of(System.getProperty("tarmac.home"));
    Path dir = Path.of("target/demo-it").toAbsolutePath();
    Process process =
        new ProcessBuilder(
                List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Dtarmac.home=" + home,
                    "-cp",
                    System.getProperty("tarmac.cli.classpath"),
                    "dev.tarmac.cli.Main",
                    "demo",
                    "--dir",
                    dir.toString()))
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();

    assertThat(process.exitValue()).as(output).isZero();
    assertThat(output)
        .contains(
            "Build v1.0.0: SUCCEEDED",
            "Environment: registered 'demo' (revision 1: registered with 3 hosts (web1, web2,"
                + " web3)) from tarmac.yml at v1.0.0",
            "Build v1.1.0: SUCCEEDED",
            "Rebuild of v1.0.0: SUCCEEDED",
            "no work done",
            "Release v1.0.0: LIVE on web1, web2, web3",
            "Serving web1 at http://127.0.0.1:",
            "web1 now answers: Release v1.1.0",
            "web2 now answers: Release v1.1.0",
            "web3 now answers: Release v1.1.0",
            "activation window",
            "Migration ran once, on web1: migrated to v1.0.0; migrated to v1.1.0",
            "Rollback: LIVE to v1.0.0, no download",
            "web2 answers: Release v1.0.0",
            "Status: web1=v1.0.0 web2=v1.0.0 web3=v1.0.0");
    // the last lines say what to look at next (issue 26, item 7)
    assertThat(output.strip().lines().toList())
        .endsWith(
            "  the hosts' folders: "
                + dir.resolve("hosts")
                + "/web1, web2, web3 (current -> releases/v1.0.0 after the rollback; releases/,"
                + " shared/)",
            "  the service's log: " + dir.resolve("service.log"),
            "  ./tarmac demo --keep leaves the service and the hosts running: the dashboard,"
                + " tarmac status, history and log against them");
    assertThat(output).containsPattern("\\] Done in [0-9.]+ s\\. To look at next:\n  the hosts'");
    assertThat(output).containsPattern("web2 +switch +[0-9.]+ +[0-9.]+ +ok");
    for (String host : List.of("web1", "web2", "web3")) {
      Path h = dir.resolve("hosts").resolve(host);
      assertThat(java.nio.file.Files.readSymbolicLink(h.resolve("current")).toString())
          .isEqualTo("releases/v1.0.0");
      assertThat(h.resolve("releases/v1.1.0/public/index.html"))
          .content()
          .contains("Release v1.1.0");
      assertThat(java.nio.file.Files.isSymbolicLink(h.resolve("releases/v1.0.0/public/uploads")))
          .isTrue();
    }
    assertThat(dir.resolve("hosts/web1/shared/database.txt"))
        .content()
        .isEqualTo("migrated to v1.0.0\nmigrated to v1.1.0\n");
    assertThat(dir.resolve("hosts/web2/shared/database.txt")).doesNotExist();
    Path builds = dir.resolve("service/store/objects/apps/demo/builds");
    assertThat(builds.resolve("v1.0.0/build.json")).exists();
    assertThat(builds.resolve("v1.1.0/build.json")).exists();
    assertThat(css(builds.resolve("v1.1.0/artifact.tar.gz")))
        .contains("#d1242f")
        .doesNotContain("#1f6feb");
    assertThat(css(builds.resolve("v1.0.0/artifact.tar.gz"))).contains("#1f6feb");
    // the tags are dated when the demo ran: the delivery figures' lead time is seconds, not months
    try (org.eclipse.jgit.api.Git git =
        org.eclipse.jgit.api.Git.open(dir.resolve("repo").toFile())) {
      var repo = git.getRepository();
      var commit = repo.parseCommit(repo.resolve("v1.1.0^{commit}"));
      assertThat(java.time.Instant.ofEpochSecond(commit.getCommitTime()))
          .isAfter(java.time.Instant.now().minus(java.time.Duration.ofMinutes(10)));
    }
  }

  private static String css(Path artifact) throws Exception {
    Process tar =
        new ProcessBuilder("tar", "-xzOf", artifact.toString(), "public/css/main.css").start();
    String css = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(tar.waitFor()).isZero();
    return css;
  }
}
