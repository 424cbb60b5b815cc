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

  /**
   * The service answers pages of at most 100 (issue 25: the history was sent whole); {@code --limit
   * 150} reads two, the second below the first's last record, and stops at the limit.
   */
  @Test
  void aLimitOverAPageReadsPagesBelowTheLastRecord() throws Exception {
    List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
    com.sun.net.httpserver.HttpServer server =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          String query = exchange.getRequestURI().getQuery();
          asked.add(query);
          java.util.Map<String, Long> q = new java.util.HashMap<>();
          for (String kv : query.split("&")) {
            q.put(kv.split("=")[0], Long.parseLong(kv.split("=")[1]));
          }
          StringBuilder body = new StringBuilder("[");
          long top = q.getOrDefault("before", 231L) - 1;
          for (long id = top; id > Math.max(0, top - q.get("limit")); id--) {
            body.append(body.length() > 1 ? "," : "").append("{\"id\":").append(id).append('}');
          }
          byte[] bytes = body.append(']').toString().getBytes();
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, bytes.length);
          exchange.getResponseBody().write(bytes);
          exchange.close();
        });
    server.start();
    try {
      Target target = new Target();
      target.app = "shop";
      target.env = "prod";
      ApiClient api =
          new ApiClient(
              java.net.URI.create("http://127.0.0.1:" + server.getAddress().getPort()), "t");
      JsonNode got = HistoryCommand.newest(api, target, 150);
      assertThat(got).hasSize(150);
      assertThat(got.get(0).path("id").asLong()).isEqualTo(230);
      assertThat(got.get(149).path("id").asLong()).isEqualTo(81);
      assertThat(asked).containsExactly("limit=100", "limit=50&before=131");
      asked.clear();
      assertThat(HistoryCommand.newest(api, target, 300)).hasSize(230);
      assertThat(asked).containsExactly("limit=100", "limit=100&before=131", "limit=100&before=31");
    } finally {
      server.stop(0);
    }
  }
}
