package dev.tarmac.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * `tarmac demo` end to end, as the README runs it: a real service process, real git, real builds.
 */
class DemoIT {
  /** The demo run with {@code path} as its PATH, in {@code dir}; its output. */
  static String demo(Path dir, String path) throws Exception {
    Path home = Path.of(System.getProperty("tarmac.home"));
    ProcessBuilder b =
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
            .redirectErrorStream(true);
    b.environment().put("PATH", path);
    Process process = b.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(8, TimeUnit.MINUTES)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    return output;
  }

  /**
   * Where nginx and supervisord are (.ci/setup-test-host installs them): each host's server runs
   * under its supervisord behind its nginx, the visitors' figures are printed, and nothing of the
   * demo runs afterwards.
   */
  @Test
  void theDemoBuildsReleasesChangesReleasesAndRollsBack() throws Exception {
    Path dir = Path.of("target/demo-it").toAbsolutePath();
    assertThat(SupervisedHosts.missing(System.getenv("PATH")))
        .as("nginx and supervisord on the PATH (.ci/setup-test-host)")
        .isEmpty();
    String output = demo(dir, System.getenv("PATH"));
    assertThat(output)
        .contains(
            "Processes: nginx and supervisord are here",
            "Hosts: a supervisord each, which runs the host's nginx")
        .containsPattern(
            "Visitors \\(a new connection per request to every host's nginx, measured from"
                + " outside\\): [0-9]{3,} requests, 0 failed")
        .containsPattern(
            "Visitors: first to last host answering v1.1.0: [0-9.]+ ms; answering v1.0.0 again"
                + " after the rollback: [0-9.]+ ms")
        .contains(
            "Stopped: the hosts' 3 supervisord daemons, the nginx and the 3 servers they ran;"
                + " nothing of the demo runs on the hosts now");
    assertThat(output).doesNotContain(SupervisedHosts.PACKAGES);
    assertThat(dir.resolve("repo/tarmac.yml"))
        .content()
        .contains("  processes:\n    web:\n", "  proxy: { nginx: nginx/upstream.conf")
        .doesNotContainPattern("(?m)^#p"); // a comment may name the marker
    for (String host : List.of("web1", "web2", "web3")) {
      assertThat(dir.resolve("hosts/" + host + "/nginx/upstream.conf"))
          .content()
          .startsWith("# written by Tarmac: demo v1.0.0\nupstream demo_web { server 127.0.0.1:");
    }
    assertNothingRunsIn(dir);
    common(dir, output);
  }

  /** Without nginx on the PATH: one line names the packages, and the demo runs as before. */
  @Test
  void withoutNginxTheDemoSaysWhichPackagesAndRunsAsBefore() throws Exception {
    Path dir = Path.of("target/demo-it-plain").toAbsolutePath();
    Path bin = Files.createDirectories(Path.of("target/demo-it-path").toAbsolutePath());
    StringBuilder path = new StringBuilder(bin.toString());
    // the machine's PATH, but nginx hidden: every other program of its directories linked here
    for (String d : System.getenv("PATH").split(":")) {
      if (d.isEmpty() || !Files.isDirectory(Path.of(d))) {
        continue;
      }
      if (!Files.isExecutable(Path.of(d, "nginx"))) {
        path.append(':').append(d);
        continue;
      }
      try (var files = Files.list(Path.of(d))) {
        for (Path f : files.toList()) {
          Path link = bin.resolve(f.getFileName());
          if (!f.getFileName().toString().equals("nginx") && !Files.exists(link)) {
            Files.createSymbolicLink(link, f);
          }
        }
      }
    }
    String output = demo(dir, path.toString());
    List<String> lines = output.lines().filter(l -> l.contains(SupervisedHosts.PACKAGES)).toList();
    assertThat(lines)
        .hasSize(1)
        .allMatch(
            l ->
                l.contains(
                    "Processes: nginx not on the PATH, so the hosts serve current/public as"
                        + " before; apt-get install nginx-light supervisor makes the demo run a"
                        + " server per release behind nginx and measure what visitors see"));
    assertThat(output).doesNotContain("Visitors", "supervisord each", "Stopped:");
    assertThat(dir.resolve("repo/tarmac.yml")).content().doesNotContain("\n  processes:");
    assertThat(dir.resolve("hosts/web1/sv")).doesNotExist();
    common(dir, output);
  }

  /**
   * No process of this machine runs from {@code dir} (its command line names it, or its working
   * directory is in it): not a supervisord, an nginx, a server.
   */
  static void assertNothingRunsIn(Path dir) throws Exception {
    String d = dir.toString();
    List<String> left = new java.util.ArrayList<>();
    for (ProcessHandle p : ProcessHandle.allProcesses().toList()) {
      String cmd = p.info().commandLine().orElse("");
      String cwd = "";
      try {
        cwd = Files.readSymbolicLink(Path.of("/proc", Long.toString(p.pid()), "cwd")).toString();
      } catch (java.io.IOException | SecurityException e) {
        // gone, or not ours to read
      }
      if (p.isAlive() && (cmd.contains(d + "/") || cwd.startsWith(d + "/"))) {
        left.add(p.pid() + " " + cmd + " (in " + cwd + ")");
      }
    }
    assertThat(left).as("processes left running from " + dir).isEmpty();
  }

  /** What both runs show: the builds, the releases, the rollback, the files on the hosts. */
  static void common(Path dir, String output) throws Exception {
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
