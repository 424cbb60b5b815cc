package dev.tarmac.builder.pipeline.steps;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * How a Sass warning's place reads in the build log, from the exact stack-trace lines Dart Sass
 * prints (issue 26, item 10): an absolute path, a {@code file:} URL, or a path relative to Dart
 * Sass's working directory — which is the tree's real path, or (as the suite saw from a clone under
 * /tmp) a directory beside it.
 */
class SassLocationTest {
  private static final Path TREE = Path.of("/tmp/junit-4711/tree");

  @Test
  void anAbsolutePathInTheTreeIsShownRelativeToIt() {
    assertThat(
            CompileSassStep.traceLocation(
                "/tmp/junit-4711/tree/assets/css/warn.scss 7:1  root stylesheet\n", TREE, TREE))
        .isEqualTo("assets/css/warn.scss:7:1");
  }

  @Test
  void aFileUrlInTheTreeIsShownRelativeToIt() {
    assertThat(
            CompileSassStep.traceLocation(
                "file:///tmp/junit-4711/tree/assets/css/_grid.scss 12:3  @use\n"
                    + "file:///tmp/junit-4711/tree/assets/css/warn.scss 1:1  root stylesheet",
                TREE,
                TREE))
        .isEqualTo("assets/css/_grid.scss:12:3");
  }

  @Test
  void aPathRelativeToTheTreeAsWorkingDirectory() {
    assertThat(
            CompileSassStep.traceLocation("assets/css/warn.scss 7:1  root stylesheet", TREE, TREE))
        .isEqualTo("assets/css/warn.scss:7:1");
  }

  @Test
  void aPathRelativeToAWorkingDirectoryBesideTheTree() {
    // the suite run from a clone in /tmp/clones/tarmac/builder, the tree in /tmp/junit-4711/tree
    assertThat(
            CompileSassStep.traceLocation(
                "../../../junit-4711/tree/assets/css/warn.scss 7:1  root stylesheet",
                TREE,
                Path.of("/tmp/clones/tarmac/builder")))
        .isEqualTo("assets/css/warn.scss:7:1");
  }

  @Test
  void aPathRelativeToTheTreesRealPathWhenTheTreeIsNamedThroughALink() {
    // java.io.tmpdir is /home/ci/work/tmp, a link to /tmp: the tree is named through the link,
    // Dart Sass's working directory (getcwd) is the real path
    Path named = Path.of("/home/ci/work/tmp/junit-4711/tree");
    assertThat(
            CompileSassStep.traceLocation(
                "../../../home/ci/work/tmp/junit-4711/tree/assets/css/warn.scss 7:1  root stylesheet",
                named,
                TREE))
        .isEqualTo("assets/css/warn.scss:7:1");
  }

  @Test
  void aFileOutsideTheTreeKeepsItsWholePath() {
    assertThat(
            CompileSassStep.traceLocation(
                "../../elsewhere/_x.scss 2:5  @import", TREE, Path.of("/tmp/clones/tarmac")))
        .isEqualTo("/tmp/elsewhere/_x.scss:2:5");
    assertThat(CompileSassStep.traceLocation("/opt/lib/_y.scss 1:1  @use", TREE, TREE))
        .isEqualTo("/opt/lib/_y.scss:1:1");
  }

  @Test
  void aTraceWithoutAFrameIsShownAsItIs() {
    assertThat(CompileSassStep.traceLocation("  \n", TREE, TREE)).isEqualTo("(no location)");
    assertThat(CompileSassStep.traceLocation("- 3:4  root stylesheet", TREE, TREE))
        .isEqualTo("-:3:4");
    assertThat(CompileSassStep.traceLocation("something else", TREE, TREE))
        .isEqualTo("something else");
  }
}
