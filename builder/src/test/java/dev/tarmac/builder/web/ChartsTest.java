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
    double plot = Charts.WIDTH - Charts.LABEL - Charts.RIGHT;
    assertThat(svg)
        .contains(String.format(java.util.Locale.ROOT, "x=\"%.1f\"", Charts.LABEL + plot * 0.9))
        .contains(String.format(java.util.Locale.ROOT, "width=\"%.1f\"", plot * 0.1));
  }

  /**
   * The phases of the record are bands behind the rows, each named in the strip above them, a
   * barrier of a few milliseconds too (beside the name before it); the chart's title says each
   * phase's duration (issue 27: the timeline had no phases).
   */
  @Test
  void eachPhaseIsABandBehindTheRowsNamedInTheStrip() {
    ReleaseRecord r =
        release(
                List.of(
                    new HostRecord(
                        "web1",
                        null,
                        List.of(task("download", 0, 800, true), task("switch", 900, 930, true)),
                        1)),
                T0.plusMillis(1000))
            .withPhases(
                List.of(
                    new ReleaseRecord.PhaseRecord("prepare", T0, T0.plusMillis(850)),
                    new ReleaseRecord.PhaseRecord(
                        "barrier", T0.plusMillis(850), T0.plusMillis(853)),
                    new ReleaseRecord.PhaseRecord(
                        "activate", T0.plusMillis(853), T0.plusMillis(950)),
                    new ReleaseRecord.PhaseRecord(
                        "finish", T0.plusMillis(950), T0.plusMillis(1000))));
    String svg = Charts.timeline(r, T0.plusSeconds(5));
    double plot = Charts.WIDTH - Charts.LABEL - Charts.RIGHT;
    assertThat(svg.split("<g class=\"phase ")).hasSize(5);
    assertThat(svg)
        .contains(
            String.format(
                java.util.Locale.ROOT,
                "<g class=\"phase phase-prepare\" data-phase=\"prepare\"><rect"
                    + " class=\"phase-band band-0\" x=\"%.1f\" y=\"2\" width=\"%.1f\"",
                (double) Charts.LABEL,
                plot * 0.85))
        .contains("<title>prepare: 0 s to 0.9 s (0.9 s)</title>")
        .contains("<title>barrier: 0.9 s to 0.9 s (0.0 s)</title>")
        .contains(">prepare</text>", ">barrier</text>", ">activate</text>", ">finish</text>")
        .contains(
            "Timeline of release #7: 1 hosts over 1.0 s, phases prepare 0.9 s, barrier 0.0 s,"
                + " activate 0.1 s, finish 0.1 s, activation window 40 ms</title>");
    // the bands come first: every task bar is drawn over them
    assertThat(svg.lastIndexOf("phase-band")).isLessThan(svg.indexOf("class=\"task "));
    // the barrier's name does not overlap prepare's: it is after it
    int prepare = svg.indexOf(">prepare</text>");
    int barrier = svg.indexOf(">barrier</text>");
    assertThat(x(svg, barrier)).isGreaterThan(x(svg, prepare) + 7 * Charts.CHAR);

    // a running release: the phase it is in reaches to now, and says so
    ReleaseRecord running =
        r.progressed(ReleaseStatus.PREPARING, null, null, null, null, r.hosts())
            .withPhases(List.of(new ReleaseRecord.PhaseRecord("prepare", T0, null)));
    assertThat(Charts.timeline(running, T0.plusSeconds(2)))
        .contains("<title>prepare: 0 s to 2.0 s (2.0 s, running)</title>")
        .contains("phases prepare 2.0 s so far");
    // a record without phases (written before they were kept) has no bands
    assertThat(Charts.timeline(release(r.hosts(), T0.plusMillis(1000)), T0))
        .doesNotContain("phase");
  }

  /**
   * A 4 s prepare, then barrier, activate and finish within 150 ms at the chart's end (what a
   * browser saw: "finish" had no room after the others): every name is drawn, none over another.
   */
  @Test
  void namesOfShortPhasesAtTheEndMakeRoomForEachOther() {
    ReleaseRecord r =
        release(List.of(), T0.plusMillis(4150))
            .withPhases(
                List.of(
                    new ReleaseRecord.PhaseRecord("prepare", T0, T0.plusMillis(4000)),
                    new ReleaseRecord.PhaseRecord(
                        "barrier", T0.plusMillis(4000), T0.plusMillis(4003)),
                    new ReleaseRecord.PhaseRecord(
                        "activate", T0.plusMillis(4003), T0.plusMillis(4100)),
                    new ReleaseRecord.PhaseRecord(
                        "finish", T0.plusMillis(4100), T0.plusMillis(4150))));
    String svg = Charts.timeline(r, T0.plusSeconds(5));
    List<String> names = List.of("prepare", "barrier", "activate", "finish");
    double before = -1;
    String beforeY = "";
    for (String n : names) {
      int at = svg.indexOf(">" + n + "</text>");
      assertThat(at).as(n).isPositive();
      double x = x(svg, at);
      int y = svg.lastIndexOf("y=\"", at);
      String thisY = svg.substring(y + 3, svg.indexOf('"', y + 3));
      if (thisY.equals(beforeY)) {
        assertThat(x).as("%s after the name before it", n).isGreaterThan(before);
      }
      assertThat(x + Charts.CHAR * n.length()).isLessThanOrEqualTo(Charts.WIDTH - Charts.RIGHT);
      before = x + Charts.CHAR * n.length();
      beforeY = thisY;
    }
  }

  /** The x of the text element whose content ends at {@code at}. */
  static double x(String svg, int at) {
    int start = svg.lastIndexOf("x=\"", at);
    return Double.parseDouble(svg.substring(start + 3, svg.indexOf('"', start + 3)));
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
    // a 2 s axis in steps of 0.2 s, its end labelled
    assertThat(svg).contains(">0 s</text>").contains(">0.2 s</text>").contains(">2.0 s</text>");
    assertThat(svg).doesNotContain("activation-window");
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
  void taskNamesAreOnTheirBarsOrBesideThemWhenThereIsRoomAndAHostWithNoTaskWaits() {
    // download fills 60 % of the axis, link and switch are slivers with room after the last only
    List<TaskRecord> web1 =
        List.of(
            task("download", 0, 600, true),
            task("link", 600, 601, true),
            task("switch", 601, 605, true));
    ReleaseRecord r =
        release(
            List.of(
                new HostRecord("web1", null, web1, 1), new HostRecord("web2", null, null, null)),
            T0.plusMillis(1000));
    String svg = Charts.timeline(r, T0.plusSeconds(5));
    assertThat(svg).contains("class=\"task-label on-bar ok\"").contains(">download</text>");
    assertThat(svg).contains("class=\"task-label beside\"").contains(">switch</text>");
    // no room for "link" between its bar and the next one: its tooltip names it
    assertThat(svg).doesNotContain(">link</text>").contains("<title>web1: link 1 ms</title>");
    assertThat(svg).contains("<text class=\"waiting\"");
    assertThat(svg).contains("<title id=\"timeline-7-title\">Timeline of release #7: 2 hosts");
    assertThat(svg).doesNotContain("<style").doesNotContain("style=");
  }

  @Test
  void timeAxisStepsAndUnits() {
    assertThat(Charts.step(1000)).isEqualTo(100);
    assertThat(Charts.step(9_000)).isEqualTo(1000);
    assertThat(Charts.step(95_000)).isEqualTo(10_000);
    assertThat(Charts.step(25 * 60_000)).isEqualTo(300_000);
    assertThat(Charts.tick(500, 100)).isEqualTo("0.5 s");
    assertThat(Charts.tick(15_000, 5_000)).isEqualTo("15 s");
    assertThat(Charts.tick(90_000, 30_000)).isEqualTo("1 min 30 s");
    assertThat(Charts.tick(600_000, 300_000)).isEqualTo("10 min");
    assertThat(Charts.tick(7_200_000, 3_600_000)).isEqualTo("2 h");
  }

  static List<DeliveryFigures.Day> days(int n, LocalDate last) {
    List<DeliveryFigures.Day> out = new java.util.ArrayList<>();
    for (int i = n - 1; i >= 0; i--) {
      out.add(new DeliveryFigures.Day(last.minusDays(i), i == 0 ? 2 : 0, i == 10 ? 1 : 0));
    }
    return out;
  }

  @Test
  void perDayBarsScaleToTheBusiestDayWithCountsDatesAScaleAndALegend() {
    String svg =
        Charts.perDay(
            List.of(
                new DeliveryFigures.Day(LocalDate.of(2026, 1, 1), 4, 0),
                new DeliveryFigures.Day(LocalDate.of(2026, 1, 2), 2, 1),
                new DeliveryFigures.Day(LocalDate.of(2026, 1, 3), 0, 0)));
    assertThat(svg.split("<rect class=\"ok\" x=\"[0-9]")).hasSize(3);
    assertThat(svg.split("<rect class=\"failed\" x=\"[0-9]")).hasSize(2);
    double full = Charts.BARS;
    assertThat(svg)
        .contains(String.format(java.util.Locale.ROOT, "height=\"%.1f\"", full))
        .contains(String.format(java.util.Locale.ROOT, "height=\"%.1f\"", full / 2))
        .contains(String.format(java.util.Locale.ROOT, "height=\"%.1f\"", full / 4));
    assertThat(svg).contains("2026-01-02: 1 failed");
    // each count written above its bar, without hovering
    assertThat(svg).contains("text-anchor=\"middle\">4</text>").contains("middle\">1</text>");
    // the scale 0..4, the dates, the legend, a text alternative
    for (int v = 0; v <= 4; v++) {
      assertThat(svg).contains("text-anchor=\"end\">" + v + "</text>");
    }
    assertThat(svg).contains(">1 Jan</text>").contains(">2 Jan</text>").contains(">3 Jan</text>");
    assertThat(svg).contains(">deployments</text>").contains(">failed changes</text>");
    assertThat(svg)
        .contains(
            "aria-label=\"Deployments and failed changes per day over 3 days: 6 deployed, 1"
                + " failed\"");
    assertThat(svg).doesNotContain("<style").doesNotContain("style=");
  }

  @Test
  void ninetyDaysAreDrawnByWeekAndAnEmptyChartSaysSo() {
    // 91 days as the 90-day figures have them: 13 weeks, the last ending on the newest day
    String svg = Charts.perDay(days(91, LocalDate.of(2026, 3, 31)));
    assertThat(svg.split("<rect class=\"ok\" x=\"[0-9]")).hasSize(2);
    assertThat(svg).contains("2026-03-25 to 2026-03-31: 2 deployed");
    assertThat(svg).contains("2026-03-18 to 2026-03-24: 1 failed");
    assertThat(svg)
        .contains(">31 Mar</text>")
        .contains(">per week (7 days to the date shown), UTC<");
    assertThat(Charts.bins(days(91, LocalDate.of(2026, 3, 31)))).hasSize(13);
    assertThat(Charts.bins(days(31, LocalDate.of(2026, 3, 31)))).hasSize(31);
    // 50 days: a first, shorter week, so the last one still ends on the newest day
    List<Charts.Bin> bins = Charts.bins(days(50, LocalDate.of(2026, 3, 31)));
    assertThat(bins).hasSize(8);
    assertThat(bins.get(0).from()).isEqualTo(LocalDate.of(2026, 2, 10));
    assertThat(bins.get(0).to()).isEqualTo(LocalDate.of(2026, 2, 10));
    assertThat(bins.get(7).to()).isEqualTo(LocalDate.of(2026, 3, 31));

    String none = Charts.perDay(List.of(new DeliveryFigures.Day(LocalDate.of(2026, 1, 1), 0, 0)));
    assertThat(none).contains("no deployment and no failed change in these 1 days");
  }
}
