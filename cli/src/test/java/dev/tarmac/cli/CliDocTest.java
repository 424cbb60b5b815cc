package dev.tarmac.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** docs/cli.md lists every command, its own options and every exit code the CLI has. */
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

  /** Options every talking command has, described once at the top of docs/cli.md. */
  static final Set<String> COMMON =
      Set.of("--help", "--version", "--json", "--no-color", "--url", "--token");

  @Test
  void everyOptionOfACommandIsInItsRow() throws Exception {
    List<String> rows =
        Files.readString(DOC).lines().filter(l -> l.startsWith("| `tarmac ")).toList();
    List<String> all = new ArrayList<>();
    commands(Main.commandLine(), "tarmac", all);
    for (String c : all) {
      CommandLine cmd = Main.commandLine();
      for (String part : c.split(" ")) {
        if (!part.equals("tarmac")) {
          cmd = cmd.getSubcommands().get(part);
        }
      }
      if (!cmd.getSubcommands().isEmpty()) {
        continue;
      }
      // every row of this command (`tarmac build …`, not `tarmac builds …`)
      String text =
          rows.stream()
              .filter(r -> r.startsWith("| `" + c + " ") || r.startsWith("| `" + c + "`"))
              .reduce("", String::concat);
      assertThat(text).as("docs/cli.md has a row for `%s`", c).isNotEmpty();
      for (var option : cmd.getCommandSpec().options()) {
        if (option.hidden() || COMMON.contains(option.longestName())) {
          continue;
        }
        assertThat(text)
            .as("the row of `%s` in docs/cli.md names %s", c, option.longestName())
            .containsAnyOf(option.names());
      }
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
