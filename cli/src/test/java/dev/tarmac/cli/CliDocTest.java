package dev.tarmac.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** docs/cli.md lists every command and every exit code the CLI has. */
class CliDocTest {
  static final Path DOC = Path.of("..", "docs", "cli.md");

  static void commands(CommandLine cmd, String prefix, List<String> out) {
    for (var e : cmd.getSubcommands().entrySet()) {
      if (e.getValue().getCommandSpec().usageMessage().hidden()) {
        continue;
      }
      String name = prefix + " " + e.getKey();
      out.add(name);
      commands(e.getValue(), name, out);
    }
  }

  @Test
  void everyCommandIsInTheDoc() throws Exception {
    String doc = Files.readString(DOC);
    List<String> all = new ArrayList<>();
    commands(Main.commandLine(), "tarmac", all);
    assertThat(all).hasSizeGreaterThan(15);
    for (String c : all) {
      assertThat(doc).as("docs/cli.md names `%s`", c).contains("`" + c);
    }
  }

  @Test
  void everyExitCodeIsInTheDoc() throws Exception {
    String doc = Files.readString(DOC);
    for (var f : CliException.class.getFields()) {
      if (f.getType() == int.class) {
        assertThat(doc).as(f.getName()).contains("| " + f.getInt(null) + " |");
      }
    }
  }
}
