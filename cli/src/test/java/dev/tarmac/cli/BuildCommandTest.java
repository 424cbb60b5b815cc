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
}
