package dev.tarmac.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OutputTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void theTimelineListsHostTaskAndSecondsThenTheTotals() throws Exception {
    JsonNode record =
        JSON.readTree(
            """
            {"startedAt":"2026-01-01T00:00:00Z","finishedAt":"2026-01-01T00:00:05.500Z",
             "activationWindowMs":12,
             "hosts":[{"name":"web1","transfer":{"mode":"delta","from":"v1","bytes":10240},"tasks":[
               {"name":"download","startedAt":"2026-01-01T00:00:00.250Z","finishedAt":"2026-01-01T00:00:04Z","ok":true},
               {"name":"switch","startedAt":"2026-01-01T00:00:05Z","finishedAt":"2026-01-01T00:00:05.010Z","ok":true}]},
              {"name":"web2","transfer":{"mode":"full","bytes":5000000},"tasks":[
               {"name":"download","startedAt":"2026-01-01T00:00:00.300Z","finishedAt":"2026-01-01T00:00:04.100Z","ok":false}]}]}
            """);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Output.timeline(new PrintStream(bytes, true, StandardCharsets.UTF_8), record);
    assertThat(bytes.toString(StandardCharsets.UTF_8).lines())
        .containsExactly(
            "HOST  TASK      AT    SECONDS  RESULT",
            "web1  download  0.25  3.75     ok",
            "web1  switch    5.00  0.01     ok",
            "web2  download  0.30  3.80     FAILED",
            "",
            "HOST  RECEIVED",
            "web1  delta from v1, 10,240 bytes",
            "web2  full artifact, 5,000,000 bytes",
            "total 5.50 s · prepare 4.10 s · activation window 12 ms");
  }

  /** A release live with a host's revision log unwritten says so after its totals (issue 25). */
  @Test
  void aLiveReleaseWithWarningsPrintsThemAfterTheTotals() throws Exception {
    JsonNode record =
        JSON.readTree(
            """
            {"startedAt":"2026-01-01T00:00:00Z","finishedAt":"2026-01-01T00:00:01Z",
             "activationWindowMs":9,"hosts":[],
             "warnings":["log revision and clean up failed after the switch (the release is live): web2: log revision failed (exit 1): No space left\\u001b[2J"]}
            """);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Output.timeline(new PrintStream(bytes, true, StandardCharsets.UTF_8), record);
    assertThat(bytes.toString(StandardCharsets.UTF_8).lines())
        .endsWith(
            "total 1.00 s · activation window 9 ms",
            "warning: log revision and clean up failed after the switch (the release is live):"
                + " web2: log revision failed (exit 1): No space left\uFFFD[2J");
  }

  /** The lines {@link Output#timeline} prints for the record {@code json}. */
  static java.util.List<String> timeline(String json) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Output.timeline(new PrintStream(bytes, true, StandardCharsets.UTF_8), JSON.readTree(json));
    return bytes.toString(StandardCharsets.UTF_8).lines().toList();
  }

  /** A release whose contract migration ran says so, and what it means for a rollback. */
  @Test
  void aContractMigrationThatRanIsSaidAfterTheTotals() throws Exception {
    assertThat(
            timeline(
                """
            {"startedAt":"2026-01-01T00:00:00Z","finishedAt":"2026-01-01T00:00:01Z",
             "activationWindowMs":9,
             "hosts":[{"name":"db1","tasks":[{"name":"contract","startedAt":"2026-01-01T00:00:00.5Z",
               "finishedAt":"2026-01-01T00:00:00.7Z","ok":false}]},{"name":"web2","tasks":[]}],
             "warnings":["contract failed after the switch (the release is live): the contract migration of v2 failed on db1"]}
            """))
        .endsWith(
            "total 1.00 s · activation window 9 ms",
            "contract migration FAILED on db1: a rollback to an older release is refused without"
                + " --restore-database or --across-contract",
            "warning: contract failed after the switch (the release is live): the contract"
                + " migration of v2 failed on db1");
  }

  @Test
  void aTerminalShowsALiveLinePerHostWithTheDownloadBar() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ReleaseFollower follower =
        new ReleaseFollower(
            null,
            new PrintStream(bytes, true, StandardCharsets.UTF_8),
            new LiveLines(new PrintStream(bytes, true, StandardCharsets.UTF_8), () -> 80, false));
    follower.show(JSON.readTree("{\"host\":\"web1\",\"task\":\"download\",\"kind\":\"STARTED\"}"));
    follower.show(JSON.readTree("{\"host\":\"web2\",\"task\":\"check\",\"kind\":\"OK\"}"));
    follower.show(
        JSON.readTree(
            "{\"host\":\"web1\",\"task\":\"download\",\"kind\":\"PROGRESS\",\"bytes\":4500000,\"total\":10000000}"));
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(out).contains("\033[2A").contains("web2        check ok");
    assertThat(out.substring(out.lastIndexOf("\033[2A")))
        .contains("web1        download [#########-----------]  45% 4.5/10.0 MB");
  }

  @Test
  void withoutATerminalOnlyFinishedTasksArePrinted() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ReleaseFollower follower =
        new ReleaseFollower(null, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    follower.show(JSON.readTree("{\"host\":\"web1\",\"task\":\"download\",\"kind\":\"STARTED\"}"));
    follower.show(
        JSON.readTree(
            "{\"host\":\"web1\",\"task\":\"download\",\"kind\":\"PROGRESS\",\"bytes\":1,\"total\":2}"));
    follower.show(
        JSON.readTree(
            "{\"host\":\"web1\",\"task\":\"download\",\"kind\":\"FAILED\",\"message\":\"web1: download failed\\nmore\"}"));
    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .isEqualTo("web1        download FAILED: web1: download failed …\n");
  }

  // a window title, a clipboard write (OSC 52), a clear, a cursor move, a bell, a lone CR, C1 CSI
  static final String HOSTILE =
      "a\u001b]0;owned\u0007b\u001b]52;c;aGk=\u0007c\u001b[2J\u001b[5;1Hd\re\u009b1mf";

  @Test
  void printableReplacesEveryControlCharacterInACellOrALine() {
    assertThat(Output.printable(HOSTILE, Output.Keep.NOTHING))
        .isEqualTo(
            "a\uFFFD]0;owned\uFFFDb\uFFFD]52;c;aGk=\uFFFDc\uFFFD[2J\uFFFD[5;1Hd\uFFFDe\uFFFD1mf");
    assertThat(Output.printable("one\ttwo\nthree\u001b[31m", Output.Keep.NOTHING))
        .isEqualTo("one\uFFFDtwo\uFFFDthree\uFFFD[31m");
    assertThat(Output.printable("one\ttwo\nthree\u001b[31m\r\n", Output.Keep.LINES))
        .isEqualTo("one\ttwo\nthree\uFFFD[31m\uFFFD\n");
    assertThat(Output.printable("web1 v1.0.0 – ok ✓", Output.Keep.NOTHING))
        .isEqualTo("web1 v1.0.0 – ok ✓");
    assertThat(Output.printable(null, Output.Keep.LINES)).isNull();
  }

  @Test
  void aBuildLogKeepsItsColoursAndLinesButNoOtherSequence() {
    assertThat(
            Output.printable(
                "\u001b[1;31merror\u001b[0m: x\r\n\u001b[38;5;208mwarn\u001b[m\tok\n",
                Output.Keep.COLOUR))
        .isEqualTo("\u001b[1;31merror\u001b[0m: x\r\n\u001b[38;5;208mwarn\u001b[m\tok\n");
    assertThat(Output.printable(HOSTILE, Output.Keep.COLOUR))
        .isEqualTo(
            "a\uFFFD]0;owned\uFFFDb\uFFFD]52;c;aGk=\uFFFDc\uFFFD[2J\uFFFD[5;1Hd\uFFFDe\uFFFD1mf");
    // an SGR cut short, or one that is really another sequence, is not colour
    assertThat(Output.printable("x\u001b[31", Output.Keep.COLOUR)).isEqualTo("x\uFFFD[31");
    assertThat(Output.printable("\u001b[31;1H", Output.Keep.COLOUR)).isEqualTo("\uFFFD[31;1H");
  }

  @Test
  void aTableCellCarriesNoControlCharacters() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Output.table(
        new PrintStream(bytes, true, StandardCharsets.UTF_8),
        java.util.List.of("HOST", "STATE"),
        java.util.List.of(java.util.List.of("web1", "UNREACHABLE: x\u001b]0;t\u0007\ny")));
    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .isEqualTo("HOST  STATE\nweb1  UNREACHABLE: x\uFFFD]0;t\uFFFD\uFFFDy\n");
  }
}
