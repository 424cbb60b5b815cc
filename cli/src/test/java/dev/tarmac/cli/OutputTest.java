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
}
