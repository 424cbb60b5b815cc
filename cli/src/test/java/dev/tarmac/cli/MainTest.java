package dev.tarmac.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** A call builds only the subcommand it names; what it does is the same as the whole command. */
class MainTest {
  @Test
  void aCallBuildsOnlyTheSubcommandItNames() {
    assertThat(Main.commandLine(new String[] {"builds", "shop"}).getSubcommands())
        .containsOnlyKeys("builds");
    assertThat(Main.commandLine(new String[] {"lock", "status", "shop"}).getSubcommands())
        .containsOnlyKeys("lock");
    // the usage and picocli's suggestions need every name
    assertThat(Main.commandLine().getSubcommands()).hasSize(Main.commands().size());
    assertThat(Main.commandLine(new String[] {"--help"}).getSubcommands())
        .hasSize(Main.commands().size());
    assertThat(Main.commandLine(new String[] {"buidls"}).getSubcommands())
        .hasSize(Main.commands().size());
  }

  @Test
  void tokenHelpNamesEveryPlaceTheTokenIsReadFrom() {
    // docs/cli.md: --token, TARMAC_TOKEN, the config file, then the service's api-token file
    String usage = Main.commandLine().getSubcommands().get("status").getUsageMessage();
    String token =
        usage
            .lines()
            .dropWhile(l -> !l.strip().startsWith("--token="))
            .limit(3)
            .reduce("", String::concat);
    assertThat(token.replaceAll("\\s+", " "))
        .contains("TARMAC_TOKEN")
        .contains("config file")
        .contains("api-token")
        .contains("TARMAC_DATA_DIR");
  }

  @Test
  void aMisspeltCommandIsStillSuggested() {
    StringWriter err = new StringWriter();
    int code =
        Main.commandLine(new String[] {"buidls"}).setErr(new PrintWriter(err)).execute("buidls");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("Did you mean: tarmac build or tarmac builds?");
  }

  @Test
  void versionPrintsWhatPicocliWouldWithoutBuildingIt() {
    StringWriter picocli = new StringWriter();
    Main.commandLine().setOut(new PrintWriter(picocli)).execute("--version");
    PrintStream out = System.out;
    ByteArrayOutputStream fast = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(fast, true, StandardCharsets.UTF_8));
      Main.main(new String[] {"--version"});
      Main.main(new String[] {"-V"});
    } finally {
      System.setOut(out);
    }
    assertThat(picocli.toString()).isEqualTo("tarmac 0.1.0\n");
    assertThat(fast.toString(StandardCharsets.UTF_8)).isEqualTo(picocli.toString().repeat(2));
    assertThat(new CommandLine(new Main()).getCommandSpec().version())
        .containsExactly(Main.VERSION);
  }
}
