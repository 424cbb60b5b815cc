package dev.tarmac.builder.web;

import dev.tarmac.builder.service.DeliveryFigures;
import dev.tarmac.deploy.release.ReleaseRecord;
import dev.tarmac.deploy.release.ReleaseRecord.HostRecord;
import dev.tarmac.deploy.release.ReleaseRecord.TaskRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The dashboard's charts as SVG text, drawn on the server so a page needs no JavaScript
 * (docs/dashboard.md): a release's timeline (one row per host, one bar per task, the activation
 * window marked) and a bar chart per day. Pure: every name in them is escaped here.
 */
public final class Charts {
  static final int WIDTH = 900;
  static final int LABEL = 150;
  static final int ROW = 26;
  static final int TOP = 24;

  private Charts() {}

  /**
   * The timeline of a release: x is time from its start to its end (or {@code now} while it runs),
   * each host a row, each task a bar (green done, red failed, blue still running), the activation
   * window (first switch started → last switch finished) a shaded band across all rows.
   */
  public static String timeline(ReleaseRecord r, Instant now) {
    List<HostRecord> hosts = r.hosts() == null ? List.of() : r.hosts();
    Instant t0 = r.startedAt();
    Instant t1 = r.finishedAt() != null ? r.finishedAt() : now;
    for (HostRecord h : hosts) {
      for (TaskRecord t : tasks(h)) {
        if (t.finishedAt() != null && t.finishedAt().isAfter(t1)) {
          t1 = t.finishedAt();
        }
      }
    }
    double span = Math.max(1, Duration.between(t0, t1).toMillis());
    double plot = WIDTH - LABEL - 10;
    int height = TOP + ROW * Math.max(1, hosts.size()) + 24;
    StringBuilder svg = new StringBuilder();
    svg.append(
            String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" width=\"%d\""
                    + " height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"timeline of"
                    + " release #%d\">",
                WIDTH,
                height,
                WIDTH,
                height,
                r.id()))
        .append("<style>text{font:12px sans-serif}.ok{fill:#3a9a4a}.failed{fill:#c62828}")
        .append(".running{fill:#1e6fd0}.window{fill:#f2c94c;opacity:.35}</style>");
    // the activation window
    Instant wStart = null;
    Instant wEnd = null;
    for (HostRecord h : hosts) {
      for (TaskRecord t : tasks(h)) {
        if (t.name() != null && t.name().startsWith("switch") && t.startedAt() != null) {
          wStart = wStart == null || t.startedAt().isBefore(wStart) ? t.startedAt() : wStart;
          Instant end = t.finishedAt() == null ? t1 : t.finishedAt();
          wEnd = wEnd == null || end.isAfter(wEnd) ? end : wEnd;
        }
      }
    }
    if (wStart != null) {
      double x = LABEL + plot * Duration.between(t0, wStart).toMillis() / span;
      double w = Math.max(2, plot * Duration.between(wStart, wEnd).toMillis() / span);
      svg.append(
          String.format(
              Locale.ROOT,
              "<rect class=\"window\" data-kind=\"activation-window\" x=\"%.1f\" y=\"%d\""
                  + " width=\"%.1f\" height=\"%d\"><title>activation window%s</title></rect>",
              x,
              TOP - 6,
              w,
              ROW * Math.max(1, hosts.size()) + 6,
              r.activationWindowMs() == null ? "" : ": " + r.activationWindowMs() + " ms"));
      svg.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">activation window%s</text>",
              x > WIDTH / 2.0 ? x + w : x,
              TOP - 10,
              x > WIDTH / 2.0 ? "end" : "start",
              r.activationWindowMs() == null ? "" : " " + r.activationWindowMs() + " ms"));
    }
    int row = 0;
    for (HostRecord h : hosts) {
      int y = TOP + row * ROW;
      svg.append("<g class=\"host\" data-host=\"")
          .append(Html.escape(h.name()))
          .append("\">")
          .append(
              String.format(
                  Locale.ROOT, "<text x=\"4\" y=\"%d\">%s</text>", y + 16, Html.escape(h.name())));
      for (TaskRecord t : tasks(h)) {
        if (t.startedAt() == null) {
          continue;
        }
        Instant end = t.finishedAt() == null ? t1 : t.finishedAt();
        double x = LABEL + plot * Duration.between(t0, t.startedAt()).toMillis() / span;
        double w = Math.max(2, plot * Duration.between(t.startedAt(), end).toMillis() / span);
        String cls = t.finishedAt() == null ? "running" : t.ok() ? "ok" : "failed";
        svg.append(
            String.format(
                Locale.ROOT,
                "<rect class=\"task %s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\">"
                    + "<title>%s: %s%s</title></rect>",
                cls,
                x,
                y + 4,
                w,
                ROW - 8,
                Html.escape(h.name()),
                Html.escape(t.name()),
                t.finishedAt() == null
                    ? " (running)"
                    : " " + Duration.between(t.startedAt(), end).toMillis() + " ms"));
      }
      svg.append("</g>");
      row++;
    }
    svg.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"%d\">0 s</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.1f"
                + " s</text></svg>",
            LABEL,
            height - 6,
            WIDTH - 10,
            height - 6,
            span / 1000));
    return svg.toString();
  }

  /** Deployments (green) and failed changes (red) per day, as bars. */
  public static String perDay(List<DeliveryFigures.Day> days) {
    int h = 80;
    int max = 1;
    for (DeliveryFigures.Day d : days) {
      max = Math.max(max, Math.max(d.deployments(), d.failures()));
    }
    double bw = Math.max(2, (double) (WIDTH - 20) / Math.max(1, days.size()));
    StringBuilder svg =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"per-day\" width=\"%d\""
                    + " height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"deployments"
                    + " per day\"><style>.ok{fill:#3a9a4a}.failed{fill:#c62828}</style>",
                WIDTH,
                h + 4,
                WIDTH,
                h + 4));
    for (int i = 0; i < days.size(); i++) {
      DeliveryFigures.Day d = days.get(i);
      double x = 10 + i * bw;
      bar(
          svg,
          "ok",
          x,
          bw / 2,
          d.deployments(),
          max,
          h,
          d.date() + ": " + d.deployments() + " deployed");
      bar(
          svg,
          "failed",
          x + bw / 2,
          bw / 2,
          d.failures(),
          max,
          h,
          d.date() + ": " + d.failures() + " failed");
    }
    return svg.append("</svg>").toString();
  }

  private static void bar(
      StringBuilder svg, String cls, double x, double w, int n, int max, int h, String title) {
    if (n == 0) {
      return;
    }
    double bh = (double) h * n / max;
    svg.append(
        String.format(
            Locale.ROOT,
            "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>%s</title></rect>",
            cls,
            x,
            h - bh,
            Math.max(1, w - 1),
            bh,
            Html.escape(title)));
  }

  private static List<TaskRecord> tasks(HostRecord h) {
    return h.tasks() == null ? List.of() : h.tasks().stream().filter(Objects::nonNull).toList();
  }
}
