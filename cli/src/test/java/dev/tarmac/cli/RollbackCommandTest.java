package dev.tarmac.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** What {@code tarmac rollback} sends: {@code --across-contract} (docs/releasing.md). */
class RollbackCommandTest {

  static Map<String, Object> body(String... args) {
    RollbackCommand cmd = new RollbackCommand();
    new CommandLine(cmd).parseArgs(args);
    return cmd.body();
  }

  @Test
  void acrossContractIsSentOnlyWhenAsked() {
    assertThat(body("shop", "--env", "prod", "--to", "v1", "--across-contract"))
        .containsExactly(
            Map.entry("to", "v1"),
            Map.entry("restoreDatabase", false),
            Map.entry("acrossContract", true),
            Map.entry("forceUnlock", false));
    assertThat(body("shop", "--env", "prod", "--restore-database"))
        .containsExactly(Map.entry("restoreDatabase", true), Map.entry("forceUnlock", false));
  }
}
