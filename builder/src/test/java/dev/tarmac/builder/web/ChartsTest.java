package dev.tarmac.builder.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.builder.service.DeliveryFigures;
import dev.tarmac.deploy.release.ReleaseRecord;
import dev.tarmac.deploy.release.ReleaseRecord.HostRecord;
import dev.tarmac.deploy.release.ReleaseRecord.TaskRecord;
import dev.tarmac.deploy.release.ReleaseStatus;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The server-drawn charts: rows, bars, the activation window, and escaping. */
class ChartsTest {
  static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");

  static TaskRecord task(String name, int fromMs, Integer toMs, boolean ok) {
    return new TaskRecord(
        name, T0.plusMillis(fromMs), toMs == null ? null : T0.plusMillis(toMs), ok, null);
  }

  static ReleaseRecord release(List<HostRecord> hosts, Instant finished) {
    return new ReleaseRecord(
        7,
        "shop",
        "prod",
        "release",
        "v2",
        "c",
        "v1",
        ReleaseStatus.LIVE,
        "ann",
        T0,
        finished,
        40L,
        null,
        null,
        hosts);
  }

  @Test
  void oneRowPerHostOneBarPerTaskAndTheWindowBetweenTheSwitches() {
    String svg =
        Charts.timeline(
            release(
                List.of(
                    new HostRecord(
                        "web1",
                        null,
                        List.of(task("download", 0, 500, true), task("switch", 900, 930, true)),
                        1),
                    new HostRecord(
                        "web2",
                        null,
                        List.of(task("download", 0, 600, true), task("switch", 910, 1000, true)),
                        1)),
                T0.plusMillis(1000)),
            T0.plusSeconds(5));
    assertThat(svg.split("<g class=\"host\"")).hasSize(3);
    assertThat(svg.split("class=\"task ok\"")).hasSize(5);
    assertThat(svg).contains("activation window 40 ms");
    // the band starts at the first switch (900 of 1000 ms) and ends at the last (1000 ms)
    double plot = Charts.WIDTH - Charts.LABEL - 10;
    assertThat(svg)
        .contains(String.format(java.util.Locale.ROOT, "x=\"%.1f\"", Charts.LABEL + plot * 0.9))
        .contains(String.format(java.util.Locale.ROOT, "width=\"%.1f\"", plot * 0.1));
  }

  @Test
  void aRunningTaskIsDrawnToNowAndAFailedOneInRed() {
    String svg =
        Charts.timeline(
            release(
                List.of(
                    new HostRecord(
                        "web1",
                        null,
                        List.of(task("download", 0, null, false), task("hook", 0, 10, false)),
                        1)),
                null),
            T0.plusSeconds(2));
    assertThat(svg).contains("class=\"task running\"").contains("class=\"task failed\"");
    assertThat(svg).contains("2.0 s").doesNotContain("activation-window");
  }

  @Test
  void namesAreEscaped() {
    String svg =
        Charts.timeline(
            release(
                List.of(
                    new HostRecord(
                        "<script>alert(1)</script>",
                        null,
                        List.of(task("x\" onmouseover=\"alert(1)", 0, 10, true)),
                        1)),
                T0.plusMillis(10)),
            T0);
    assertThat(svg).doesNotContain("<script>").doesNotContain("\" onmouseover");
    assertThat(svg).contains("&lt;script&gt;").contains("x&quot; onmouseover");
  }

  @Test
  void perDayBarsScaleToTheBusiestDay() {
    String svg =
        Charts.perDay(
            List.of(
                new DeliveryFigures.Day(LocalDate.of(2026, 1, 1), 4, 0),
                new DeliveryFigures.Day(LocalDate.of(2026, 1, 2), 2, 1),
                new DeliveryFigures.Day(LocalDate.of(2026, 1, 3), 0, 0)));
    assertThat(svg.split("class=\"ok\" ")).hasSize(3);
    assertThat(svg.split("class=\"failed\" ")).hasSize(2);
    assertThat(svg)
        .contains("height=\"80.0\"")
        .contains("height=\"40.0\"")
        .contains("height=\"20.0\"");
    assertThat(svg).contains("2026-01-02: 1 failed");
  }
}
