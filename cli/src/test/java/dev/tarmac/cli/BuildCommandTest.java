package dev.tarmac.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BuildCommandTest {
  /** Issue 26, item 6: the command that shows the log, not the API's path of it. */
  @Test
  void aFailedBuildPointsAtTarmacLog() {
    assertThat(BuildCommand.failed("shop", "v1.4.0", "`npm ci` failed (exit 1)"))
        .isEqualTo(
            "build of shop v1.4.0 failed: `npm ci` failed (exit 1); its log: tarmac log shop v1.4.0");
  }

  /** Walk 3: an error that ends its sentence does not read ".;" before the log's command. */
  @Test
  void aFailedBuildWhoseErrorEndsInAFullStopReadsWell() {
    assertThat(
            BuildCommand.failed(
                "w3",
                "v1.0.2",
                "tag v1.0.2 is not in file:///r; its tags: v1.0.1. Push the tag (git push origin"
                    + " v1.0.2) and build again."))
        .isEqualTo(
            "build of w3 v1.0.2 failed: tag v1.0.2 is not in file:///r; its tags: v1.0.1. Push the"
                + " tag (git push origin v1.0.2) and build again; its log: tarmac log w3 v1.0.2");
  }

  /** Issue 26, item 9: a tag or a ref, never both. */
  @Test
  void aTagAndARefTogetherAreAUsageError() {
    BuildCommand command = new BuildCommand();
    new picocli.CommandLine(command).parseArgs("shop", "v1.4.0", "--ref", "main");

    org.assertj.core.api.Assertions.assertThatThrownBy(command::call)
        .isInstanceOf(CliException.class)
        .hasMessage(
            "tarmac build APP TAG or tarmac build APP --ref BRANCH|COMMIT (on the service), or"
                + " tarmac build --local [DIR] [--commit REF] [--out DIR] (here)");
  }
}
