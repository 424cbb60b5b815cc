package dev.tarmac.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code tarmac check} as a process, without any service running (issue 11). */
class CheckIT {
  Path dir;
  Path repo;

  @BeforeEach
  void setUp() throws Exception {
    dir =
        Files.createTempDirectory(
            Files.createDirectories(Path.of("target").toAbsolutePath()), "check-it-");
    repo = dir.resolve("sample");
    DemoCommand.copyTree(
        Path.of(System.getProperty("tarmac.home")).resolve("docs/examples/sample-app"), repo);
    Files.createDirectories(dir.resolve("tmp"));
  }

  static final String SAMPLE_ARTIFACT =
      """
      artifact: 7 files, %d bytes (tar.gz)
               161  bin/migrate
                70  public/css/main.css
               276  public/index.html
               245  public/js/app.js
              2680  server/Server.java
              1963  tarmac.yml
                28  vendor/INSTALLED
      """;

  /** The artifact's listing as {@code tarmac check --build} printed it, from its first line. */
  static String artifactListing(String out) {
    String from = out.substring(out.indexOf("artifact: "));
    return from.substring(0, from.indexOf("steps:"));
  }

  static String sampleArtifact(String out) {
    long size = Long.parseLong(out.replaceAll("(?s).*artifact: \\d+ files, (\\d+) bytes.*", "$1"));
    return SAMPLE_ARTIFACT.formatted(size);
  }

  /**
   * Issue 26, item 2: {@code check --build} builds in a temporary directory (not {@code target/} in
   * the working copy), so the working copy stays as git had it and a second run ships the app alone
   * again: not the first run's log or tarball.
   */
  @Test
  void buildLeavesTheWorkingCopyCleanAndShipsOnlyTheApp() throws Exception {
    try (org.eclipse.jgit.api.Git git =
        org.eclipse.jgit.api.Git.init().setDirectory(repo.toFile()).call()) {
      git.add().addFilepattern(".").call();
      git.commit().setMessage("v1").setAuthor("t", "t@example.invalid").setSign(false).call();

      Run first = tarmac("check", repo.toString(), "--build");
      Run second = tarmac("check", repo.toString(), "--build");

      assertThat(first.exit()).as(first.out()).isZero();
      assertThat(second.exit()).as(second.out()).isZero();
      assertThat(artifactListing(first.out())).isEqualTo(sampleArtifact(first.out()));
      assertThat(artifactListing(second.out())).isEqualTo(sampleArtifact(second.out()));
      Path out = dir.resolve("tmp/tarmac-check/sample");
      assertThat(second.out())
          .contains("tree in " + out + ", tarball " + out + ".tar.gz (nothing published)");
      assertThat(out.resolve("public/css/main.css")).exists();
      assertThat(repo.resolve("target")).doesNotExist();
      var status = git.status().call();
      assertThat(status.getUntracked()).isEmpty();
      assertThat(status.isClean()).as(status.getUncommittedChanges().toString()).isTrue();
    }
  }

  /** An --out inside the working copy is not copied into the next build (nor its log, tarball). */
  @Test
  void anOutInsideTheWorkingCopyIsNotShipped() throws Exception {
    String out = repo.resolve("target/tarmac-build").toString();
    tarmac("check", repo.toString(), "--build", "--out", out);

    Run second = tarmac("check", repo.toString(), "--build", "--out", out);

    assertThat(second.exit()).as(second.out()).isZero();
    assertThat(artifactListing(second.out())).isEqualTo(sampleArtifact(second.out()));
  }

  record Run(int exit, String out) {}

  Run tarmac(String... args) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dtarmac.home=" + System.getProperty("tarmac.home"),
                "-Djava.io.tmpdir=" + dir.resolve("tmp"),
                "-cp",
                System.getProperty("tarmac.cli.classpath"),
                "dev.tarmac.cli.Main"));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("XDG_CACHE_HOME", dir.resolve("cache").toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
    return new Run(p.exitValue(), out);
  }

  /** Issue 26, item 6: no tarmac.yml is its own problem (exit 3), not "build failed" (exit 1). */
  @Test
  void aWorkingCopyWithoutTarmacYmlSaysSoAndExits3() throws Exception {
    Files.delete(repo.resolve("tarmac.yml"));

    Run run = tarmac("check", repo.toString(), "--build");

    assertThat(run.exit()).as(run.out()).isEqualTo(3);
    assertThat(run.out())
        .isEqualTo(
            "there is no tarmac.yml in "
                + repo
                + ": it is what tells Tarmac how to build and release this app; `tarmac init --dir "
                + repo
                + "` writes one fitted to the repository\n");
  }

  @Test
  void aBrokenConfigIsReportedWhole() throws Exception {
    Path yml = repo.resolve("tarmac.yml");
    Files.writeString(
        yml, Files.readString(yml).replace("  minify:", "  minfy:").replace("keep:", "kepp:"));

    Run run = tarmac("check", repo.toString());

    assertThat(run.exit()).as(run.out()).isEqualTo(3);
    assertThat(run.out())
        .contains("build.minfy: unknown key; did you mean `minify`?")
        .contains("release.kepp: unknown key; did you mean `keep`?");
  }

  @Test
  void buildRunsThePipelineOnTheWorkingCopyAndListsTheArtifact() throws Exception {
    Run run = tarmac("check", repo.toString(), "--build", "--out", dir.resolve("out").toString());

    assertThat(run.exit()).as(run.out()).isZero();
    assertThat(run.out())
        .contains("is valid (app demo")
        .contains("step compile sass done")
        .contains("public/css/main.css")
        .contains("nothing published");
    assertThat(dir.resolve("out/public/css/main.css")).exists();
    assertThat(dir.resolve("out.tar.gz")).exists();
  }

  /**
   * {@code tarmac build --local --commit TAG} builds what the tag holds, as the service would: a
   * file only in the working copy stays out; without --commit the working copy is built as it is.
   */
  @Test
  void buildLocalBuildsACommitOrTheWorkingCopy() throws Exception {
    try (org.eclipse.jgit.api.Git git =
        org.eclipse.jgit.api.Git.init().setDirectory(repo.toFile()).call()) {
      Files.writeString(repo.resolve("bin-run.sh"), "#!/bin/sh\necho run\n");
      assertThat(repo.resolve("bin-run.sh").toFile().setExecutable(true)).isTrue();
      git.add().addFilepattern(".").call();
      git.commit().setMessage("v1").setAuthor("t", "t@example.invalid").setSign(false).call();
      git.tag().setName("v1").setAnnotated(false).call();
    }
    Files.writeString(repo.resolve("public/uncommitted.txt"), "not in v1");

    Run tagged =
        tarmac(
            "build",
            "--local",
            repo.toString(),
            "--commit",
            "v1",
            "--out",
            dir.resolve("v1").toString());
    assertThat(tagged.exit()).as(tagged.out()).isZero();
    assertThat(tagged.out()).contains("public/css/main.css").doesNotContain("uncommitted.txt");
    assertThat(dir.resolve("v1/public/uncommitted.txt")).doesNotExist();
    assertThat(Files.isExecutable(dir.resolve("v1/bin-run.sh"))).isTrue();

    Run working =
        tarmac("build", "--local", repo.toString(), "--out", dir.resolve("wc").toString());
    assertThat(working.exit()).as(working.out()).isZero();
    assertThat(working.out()).contains("public/uncommitted.txt");

    Run unknown = tarmac("build", "--local", repo.toString(), "--commit", "v9");
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.out()).contains("no commit or tag `v9`");
  }
}
