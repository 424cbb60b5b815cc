package dev.tarmac.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

class HistoryCommandTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static JsonNode history() throws Exception {
    return JSON.readTree(
        """
        [{"id":4,"kind":"release","version":"v4","status":"FAILED","state":"FAILED","who":"ann","startedAt":"2026-11-27T11:43:03.804801259Z"},
         {"id":3,"kind":"release","version":"v3","status":"LIVE","state":"LIVE","who":"ann","startedAt":"2026-11-27T10:00:00Z","activationWindowMs":7},
         {"id":2,"kind":"release","version":"v2","status":"LIVE","state":"superseded","who":"bob","startedAt":"2026-11-26T10:00:00Z"},
         {"id":1,"kind":"release","version":"v1","status":"LIVE","state":"superseded","who":"bob","startedAt":"2026-11-20T10:00:00Z"}]
        """);
  }

  @Test
  void theServicesWordIsShownAndTimesAreLocal() throws Exception {
    List<List<String>> rows =
        HistoryCommand.rows(
            history(), 20, ZoneId.of("Europe/Berlin"), Instant.parse("2026-11-27T11:45:03Z"));
    assertThat(rows)
        .containsExactly(
            List.of("#4", "release", "v4", "FAILED", "ann", "2026-11-27 12:43:03 (1 min ago)", "-"),
            List.of("#3", "release", "v3", "LIVE", "ann", "2026-11-27 11:00:00 (1 h ago)", "7 ms"),
            List.of(
                "#2", "release", "v2", "superseded", "bob", "2026-11-26 11:00:00 (25 h ago)", "-"),
            List.of(
                "#1",
                "release",
                "v1",
                "superseded",
                "bob",
                "2026-11-20 11:00:00 (7 days ago)",
                "-"));
  }

  /** The word is the service's (its ReleaseState); a service without one shows the status. */
  @Test
  void aRecordWithoutAStateShowsItsStatus() throws Exception {
    JsonNode old =
        JSON.readTree(
            """
            [{"id":2,"kind":"release","version":"v2","status":"ROLLED_BACK","who":"ann","startedAt":"2026-11-27T10:00:00Z"}]
            """);
    assertThat(
            HistoryCommand.rows(old, 20, ZoneId.of("UTC"), Instant.parse("2026-11-28T00:00:00Z")))
        .extracting(r -> r.get(3))
        .containsExactly("ROLLED_BACK");
  }

  @Test
  void theLimitKeepsTheNewest() throws Exception {
    List<List<String>> rows =
        HistoryCommand.rows(history(), 2, ZoneId.of("UTC"), Instant.parse("2026-11-28T00:00:00Z"));
    assertThat(rows).extracting(r -> r.get(0)).containsExactly("#4", "#3");
    assertThat(rows.get(1).get(3)).isEqualTo("LIVE");
  }

  @Test
  void agoRounds() {
    assertThat(Output.ago(Duration.ofSeconds(59))).isEqualTo("59 s ago");
    assertThat(Output.ago(Duration.ofSeconds(-3))).isEqualTo("0 s ago");
    assertThat(Output.ago(Duration.ofMinutes(119))).isEqualTo("1 h ago");
    assertThat(Output.ago(Duration.ofHours(47))).isEqualTo("47 h ago");
    assertThat(Output.ago(Duration.ofHours(48))).isEqualTo("2 days ago");
  }
}
