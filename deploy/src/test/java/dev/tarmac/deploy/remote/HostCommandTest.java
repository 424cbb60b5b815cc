package dev.tarmac.deploy.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A host command as a value: its text, its label, its parser, and how two are joined. */
class HostCommandTest {
  private static final CommandResult OUT =
      new CommandResult(0, "releases/v2\n", "", Instant.EPOCH, Instant.EPOCH);

  @Test
  void aPlainCommandIsItsTextAndItsResult() {
    HostCommand<CommandResult> c = HostCommand.of("unlock", "rm -rf /srv/a/.tarmac/lock");
    assertThat(c.text()).isEqualTo("rm -rf /srv/a/.tarmac/lock");
    assertThat(c.label()).isEqualTo("unlock");
    assertThat(c.parse(OUT)).isSameAs(OUT);
  }

  @Test
  void theParserTravelsWithTheCommand() {
    HostCommand<String> c =
        HostCommand.of("check", "readlink current").parsing(r -> r.stdout().strip());
    assertThat(c.parse(OUT)).isEqualTo("releases/v2");
    assertThat(c.named("status").parse(OUT)).isEqualTo("releases/v2");
    assertThat(c.named("status").label()).isEqualTo("status");
    assertThat(c.named("status").text()).isEqualTo("readlink current");
  }

  @Test
  void thenJoinsWithAndKeepingTheFirstLabelAndTheLastParser() {
    HostCommand<String> joined =
        HostCommand.of("finish", "printf a >> log")
            .then(HostCommand.of("clear bad", "rm -f bad/v2").parsing(r -> "parsed"));
    assertThat(joined.text()).isEqualTo("printf a >> log && rm -f bad/v2");
    assertThat(joined.label()).isEqualTo("finish");
    assertThat(joined.parse(OUT)).isEqualTo("parsed");
  }

  @Test
  void aPrefixGoesBeforeTheTextAndKeepsLabelAndParser() {
    HostCommand<String> c =
        HostCommand.of("migrate", "sh -c m").parsing(r -> "p").prefixed("check || exit 76\n");
    assertThat(c.text()).isEqualTo("check || exit 76\nsh -c m");
    assertThat(c.label()).isEqualTo("migrate");
    assertThat(c.parse(OUT)).isEqualTo("p");
  }

  @Test
  void aCommandWithoutALabelIsRefused() {
    assertThatThrownBy(() -> HostCommand.of(" ", "true"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a host command needs a label (its task name)");
  }
}
