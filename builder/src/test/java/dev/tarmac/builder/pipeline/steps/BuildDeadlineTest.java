package dev.tarmac.builder.pipeline.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.builder.workspace.BuildException;
import dev.tarmac.builder.workspace.BuildLog;
import dev.tarmac.builder.workspace.Deadline;
import dev.tarmac.builder.workspace.TreeFiles;
import dev.tarmac.deploy.config.TarmacConfig.Fingerprint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service's own steps over a build's tree end at the build's deadline, checked at every file: a
 * tree of 400,000 small files held the build slot 171 s past a 40 s build.timeout in the tree
 * check, fingerprint, exclude and pack (issue 21, second round). Each step here gets a deadline
 * that has passed and must say so, naming itself, the path it was at and the key.
 */
class BuildDeadlineTest {
  @TempDir Path tmp;
  Path tree;
  Deadline passed;

  @BeforeEach
  void setUp() throws Exception {
    tree = tmp.resolve("tree");
    Files.createDirectories(tree.resolve("public/css"));
    Files.writeString(tree.resolve("public/css/app.css"), "body{}");
    passed = passedDeadline();
  }

  /** A deadline that has passed (a build.timeout of 1 ns, 1 ms ago). */
  static Deadline passedDeadline() throws InterruptedException {
    Deadline d = Deadline.after(Duration.ofNanos(1));
    Thread.sleep(1);
    return d;
  }

  private static String expected(String step, String at) {
    return step
        + " did not finish within build.timeout (0s) (at "
        + at
        + "); the tree has too many files for it: ship fewer files (build.exclude), or raise"
        + " build.timeout in tarmac.yml";
  }

  @Test
  void theTreeCheckEndsAtTheDeadline() {
    assertThatThrownBy(
            () ->
                TreeFiles.refuseWhatCannotShip(
                    tree, "build.commands", TreeFiles.MAX_TREE_BYTES, passed))
        .isInstanceOf(BuildException.class)
        .hasMessage(expected("the tree check after build.commands", ""));
  }

  @Test
  void fingerprintEndsAtTheDeadline() {
    assertThatThrownBy(
            () ->
                new FingerprintAssetsStep(
                        tree,
                        Optional.of(new Fingerprint("public", Fingerprint.DEFAULT_INCLUDE, false)),
                        List.of(),
                        Optional.empty(),
                        new BuildLog(tmp.resolve("build.log")))
                    .ending(passed)
                    .run())
        .isInstanceOf(BuildException.class)
        .hasMessage(expected("fingerprint", ""));
  }

  @Test
  void excludeEndsAtTheDeadline() {
    assertThatThrownBy(
            () ->
                new ExcludePathsStep(tree, List.of("*.map"), new BuildLog(tmp.resolve("b.log")))
                    .ending(passed)
                    .run())
        .isInstanceOf(BuildException.class)
        .hasMessage(expected("exclude", "public"));
    assertThat(tree.resolve("public/css/app.css")).exists();
  }

  @Test
  void packEndsAtTheDeadline() {
    assertThatThrownBy(
            () ->
                new PackTarballStep(
                        tree, tmp.resolve("a.tar.gz"), Instant.EPOCH, Duration.ofSeconds(40))
                    .ending(passed)
                    .run())
        .isInstanceOf(BuildException.class)
        .hasMessage(expected("pack", "public"));
  }

  @Test
  void withoutADeadlineTheStepsRunAsBefore() throws Exception {
    TreeFiles.refuseWhatCannotShip(tree, "build.commands", TreeFiles.MAX_TREE_BYTES, Deadline.NONE);
    assertThat(Deadline.NONE.remaining()).isEqualTo(Duration.ofDays(1));
    assertThat(Deadline.after(Duration.ofMinutes(1)).remaining())
        .isGreaterThan(Duration.ofSeconds(59));
    assertThat(passed.remaining()).isZero();
  }
}
