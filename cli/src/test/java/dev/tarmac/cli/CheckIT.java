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
  }

  record Run(int exit, String out) {}

  Run tarmac(String... args) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dtarmac.home=" + System.getProperty("tarmac.home"),
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
