package dev.tarmac.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code tarmac release --plan}'s table and verdict (issue 26, item 4). */
class ReleaseCommandTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static final String LONG =
      "web2: ssh: connect to 10.0.0.12 port 22: Connection timed out after 10 s\\n"
          + "  (is the host up, and does its firewall let the service in? known_hosts has it)";

  static JsonNode plan() throws Exception {
    return JSON.readTree(
        """
        {"app":"shop","env":"production","version":"v1.5.0","live":"v1.4.0","migrateHost":"web1",
         "hosts":[
          {"name":"web1","roles":["web","db"],"serves":"v1.4.0","transfer":"delta","from":"v1.4.0",
           "bytes":1200,"hooks":{"migrate":["m"]},"removes":["v1.1.0"],"problem":null},
          {"name":"web2","roles":["web"],"serves":null,"transfer":null,"from":null,"bytes":null,
           "hooks":{},"removes":[],"problem":"%s"}]}
        """
            .formatted(LONG));
  }

  @Test
  void aHostsLongErrorIsCutAtTheTerminalsEdge() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ReleaseCommand.printPlan(new PrintStream(bytes, true, StandardCharsets.UTF_8), plan(), 80);

    assertThat(bytes.toString(StandardCharsets.UTF_8).lines())
        .containsExactly(
            "Plan: shop v1.5.0 to production (v1.4.0 is live; migration once on web1)."
                + " Nothing was changed.",
            // 80 columns: the error takes what the other columns leave of the terminal's width
            "HOST  SERVES  RECEIVES                             HOOKS        CLEAN-UP REMOVES",
            "web1  v1.4.0  delta from v1.4.0, 1200 bytes        migrate (1)  v1.1.0",
            "web2  -       UNREACHABLE: ssh: connect to 10.0.…");
  }

  @Test
  void aHostThatCouldNotBeReadFailsThePlanNamingItAndItsWholeError() throws Exception {
    assertThatThrownBy(() -> ReleaseCommand.planVerdict(plan()))
        .isInstanceOf(CliException.class)
        .hasMessage(
            "1 of 2 hosts could not be read: the plan is incomplete, and a release now would fail"
                + " there\n"
                + "  web2: ssh: connect to 10.0.0.12 port 22: Connection timed out after 10 s"
                + " (is the host up, and does its firewall let the service in? known_hosts has it)")
        .extracting(e -> ((CliException) e).exitCode())
        .isEqualTo(CliException.HOSTS_UNREACHABLE);
  }
}
