package dev.tarmac.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The tarball as a user gets it: unpacked, installed with install.sh into a prefix of its own,
 * {@code tarmac} run from that prefix's bin/ on the PATH — with its class-data archive — and the
 * demo run end to end from it (the service jar and the docs' sample app are in the tarball).
 */
class DistIT {
  static Path dir;
  static Path home;
  static Path prefix;

  record Run(int exit, String out) {}

  static Run run(Map<String, String> env, String... command) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("PATH", prefix.resolve("bin") + ":" + System.getenv("PATH"));
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    return new Run(p.exitValue(), out);
  }

  /** {@code tarmac args} found on the PATH the way a shell finds it (the prefix's bin/ first). */
  static Run tarmac(Map<String, String> env, String... args) throws Exception {
    String[] command = new String[args.length + 4];
    command[0] = "sh";
    command[1] = "-c";
    command[2] = "exec tarmac \"$@\"";
    command[3] = "sh";
    System.arraycopy(args, 0, command, 4, args.length);
    return run(env, command);
  }

  @BeforeAll
  static void unpackAndInstall() throws Exception {
    dir =
        Files.createTempDirectory(
            Files.createDirectories(Path.of("target").toAbsolutePath()), "dist-it-");
    prefix = dir.resolve("prefix");
    Path tarball = Path.of(System.getProperty("tarmac.tarball"));
    assertThat(run(Map.of(), "tar", "-xzf", tarball.toString(), "-C", dir.toString()).exit())
        .isZero();
    home = dir.resolve("tarmac-" + System.getProperty("tarmac.version"));
    Run install = run(Map.of("PREFIX", prefix.toString()), home.resolve("install.sh").toString());
    assertThat(install.exit()).as(install.out()).isZero();
    assertThat(install.out()).contains("class-data archive: " + home.resolve("lib/tarmac.jsa"));
  }

  @Test
  void theTarballHoldsWhatTheIssueAsks() {
    for (String f :
        List.of(
            "bin/tarmac",
            "install.sh",
            "service/quarkus-run.jar",
            "docs/cli.md",
            "docs/examples/sample-app/tarmac.yml",
            "lib/tarmac-cli-" + System.getProperty("tarmac.version") + ".jar")) {
      assertThat(home.resolve(f)).exists();
    }
    assertThat(home.resolve("bin/tarmac")).isExecutable();
  }

  @Test
  void installedTarmacIsOnThePathAndUsesItsArchive() throws Exception {
    assertThat(Files.readSymbolicLink(prefix.resolve("bin/tarmac")))
        .isEqualTo(home.resolve("bin/tarmac"));
    // -Xshare:on fails the JVM when the archive cannot be mapped
    Run version = tarmac(Map.of("JAVA_TOOL_OPTIONS", "-Xshare:on"), "--version");
    assertThat(version.exit()).as(version.out()).isZero();
    assertThat(version.out()).contains("tarmac 0.1.0");
    Run usage = tarmac(Map.of(), "release");
    assertThat(usage.exit()).isEqualTo(2);
  }

  @Test
  void anArchiveThatNoLongerMatchesIsSkippedSilently() throws Exception {
    Path moved = Files.createDirectories(dir.resolve("moved"));
    assertThat(
            run(
                    Map.of(),
                    "cp",
                    "-r",
                    home.resolve("bin").toString(),
                    home.resolve("lib").toString(),
                    moved.toString())
                .exit())
        .isZero();
    Run version = run(Map.of(), moved.resolve("bin/tarmac").toString(), "--version");
    assertThat(version.exit()).isZero();
    assertThat(version.out()).isEqualTo("tarmac 0.1.0\n");
  }

  @Test
  void theDemoRunsFromTheInstalledTarball() throws Exception {
    Run demo = tarmac(Map.of(), "demo", "--dir", dir.resolve("demo").toString());
    assertThat(demo.exit()).as(demo.out()).isZero();
    assertThat(demo.out()).contains("Rollback: LIVE to v1.0.0");
  }
}
